"""The scheduler's loop against a Redis that stops answering (SIGSTOP: connections open, nothing comes back): it
notices within its turn's deadline instead of waiting for ever, and sends again once Redis is back."""
from __future__ import annotations

import time

import pytest

from app.delivery.scheduler import TURN_SECONDS
from app.storage.store import Reminder, Store
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow  # a real `python worker.py`


def test_a_frozen_redis_is_noticed_and_ridden_out(env, fake_vonage, start_worker):
    with RedisServer() as server:
        worker = start_worker(REDIS_URL=server.url)
        store = Store(server.client())
        time.sleep(1.5)  # a few turns: the scheduler is now waiting in its BLPOP, as it mostly is
        with server.frozen():
            deadline = time.monotonic() + TURN_SECONDS + 8
            while "scheduler: Redis unavailable" not in worker.output() and time.monotonic() < deadline:
                time.sleep(0.2)
        assert "scheduler: Redis unavailable" in worker.output(), worker.output()[-3000:]
        due = time.time() + 1
        store.add([Reminder(phone="14155550100", message="stretch", due=due, tz="UTC")])
        (sent,) = fake_vonage.wait_for(1, timeout=TURN_SECONDS + 10)
        assert sent["text"] == "stretch" and sent["received_at"] >= due
        worker.terminate()
