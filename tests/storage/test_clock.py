"""One clock: due times are compared with Redis's clock, never the host's. A worker whose clock ran 120 s fast once
sent a reminder 88 s early and logged it as late; one whose clock is slow would send late and look dead."""
from __future__ import annotations

import re
import time

import pytest

from app import create_app
from app.storage import clock
from app.storage.store import Reminder, Store


@pytest.mark.timing  # 50 ms between two reads: the timing phase's few workers, not a busy machine's many
def test_now_is_redis_clock_whatever_the_host_says(redis_client, monkeypatch):
    wall = time.time
    monkeypatch.setattr(time, "time", lambda: wall() + 120)
    skew = clock.measure(redis_client)
    assert 119 < skew < 121
    before = clock.now()
    seconds, micros = redis_client.time()  # read after `before`: never behind it
    assert -0.05 < before - (seconds + micros / 1e6) <= 0  # never ahead of Redis's clock
    assert abs(clock.utcnow().timestamp() - wall()) < 0.05


def test_refresh_reads_redis_at_most_once_per_interval(redis_client, monkeypatch):
    clock.measure(redis_client)
    reads = []
    monkeypatch.setattr(redis_client, "time", lambda: reads.append(1) or divmod(int(wall_us()), 1_000_000))
    clock.refresh(redis_client, every=60)
    assert reads == []
    clock.refresh(redis_client, every=0)
    assert reads == [1]


def wall_us() -> float:
    return time.time() * 1e6


@pytest.mark.parametrize("shift", [120.0, -120.0], ids=["fast", "slow"])
def test_a_worker_with_a_shifted_clock_sends_on_time_and_says_so(env, fake_vonage, start_worker, redis_client, shift):
    worker = start_worker(clock_shift=shift)
    due = time.time() + 4
    (rid,) = Store(redis_client).add([Reminder(phone="14155550100", message="stretch", due=due, tz="UTC")])
    (sent,) = fake_vonage.wait_for(1, timeout=10)
    assert sent["received_at"] >= due, f"{due - sent['received_at']:.1f} s early"
    assert sent["received_at"] - due < 2.0
    time.sleep(0.3)
    logged = re.search(rf"sent reminder {rid} to \S+, (\d+) ms (late|early)", worker.output())
    assert logged and logged.group(2) == "late" and int(logged.group(1)) < 2000, worker.output()[-2000:]
    assert f"this host's clock is {abs(shift):.1f} s {'ahead of' if shift > 0 else 'behind'} Redis's" in \
        worker.output()
    client = create_app(env).test_client()
    deadline = time.time() + 10  # the worker's first beat may precede its first reading of Redis's clock
    while (ready := client.get("/readyz")).status_code != 200 and time.time() < deadline:
        time.sleep(0.5)
    assert ready.status_code == 200 and ready.json["checks"]["worker"] == "ok (1 alive)", ready.json
