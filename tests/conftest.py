"""Fixtures: a real Redis server and a fake Vonage (HTTPS, driven by the real SDK), both owned by the test run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app import create_app
from app.storage import counters
from tests.helpers import key_pair
from tests.support.fake_vonage import FakeVonage
from tests.support.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
API_TOKEN = "test-token"
SERVICE_NUMBER = "447700900000"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture()
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis_server.client()
    client.flushall()  # our own server: each test starts empty
    yield client
    counters.flush()  # this test's counts land now, not in the next test's (or after the server stopped)
    client.close()


@pytest.fixture(scope="session")
def vonage_server() -> Iterator[FakeVonage]:
    with FakeVonage(api_key="test-key", api_secret="test-secret") as fake:
        yield fake


@pytest.fixture(scope="session")
def keys() -> tuple[str, str]:
    """A Messages API application's key pair (private, public), made once: RSA keys take a while."""
    return key_pair()


@pytest.fixture()
def fake_vonage(vonage_server: FakeVonage, monkeypatch: pytest.MonkeyPatch) -> FakeVonage:
    vonage_server.clear()
    vonage_server.latency = 0.0
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", vonage_server.ca_bundle)
    return vonage_server


@pytest.fixture()
def env(redis_client: redis.Redis, redis_server: RedisServer, fake_vonage: FakeVonage) -> dict[str, str]:
    """Settings as the environment would give them, pointing at the test's Redis and fake Vonage."""
    return {
        "REDIS_URL": redis_server.url,
        "VONAGE_API_KEY": "test-key",
        "VONAGE_API_SECRET": "test-secret",
        "VONAGE_NUMBER": SERVICE_NUMBER,
        "VONAGE_REST_HOST": fake_vonage.host,
        "VONAGE_API_HOST": fake_vonage.host,
        "VONAGE_SIGNATURE_SECRET": "",
        "ALLOW_UNSIGNED_WEBHOOKS": "true",  # most tests post unsigned webhooks; tests/web/test_webhooks.py signs them
        "API_TOKEN": f"{API_TOKEN},second-token",
        "DEFAULT_TIMEZONE": "UTC",
        "SMS_RATE_LIMIT": "0",
        "RETRY_BASE_SECONDS": "0.05",
        "REQUESTS_CA_BUNDLE": fake_vonage.ca_bundle,
    }


@pytest.fixture()
def app(env: dict[str, str]):
    return create_app(env)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def fast_phone(env: dict[str, str], fake_vonage: FakeVonage):
    """A person texting a service whose series may repeat every second (MIN_REPEAT_MINUTES is 15 by default), so
    tests of series need not wait for minutes."""
    from tests.helpers import Phone

    app = create_app({**env, "MIN_REPEAT_MINUTES": "0.01"})
    return Phone(app.test_client(), app, fake_vonage)


# worker.py on a host whose clock is `shift` seconds off: time.time (what Python code reads) moved, the rest untouched
SHIFTED = ("import runpy, time; wall = time.time; time.time = lambda: wall() + {shift}; "
           "runpy.run_path('worker.py', run_name='__main__')")


class WorkerProcess:
    """`python worker.py` as the platform runs it, with the test's settings."""

    def __init__(self, env: dict[str, str], clock_shift: float = 0.0, **overrides: str) -> None:
        full = {**os.environ, **env, **overrides, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO"}
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"worker-{time.time_ns()}.log", "w+")
        self.proc = subprocess.Popen([sys.executable, "-c", SHIFTED.format(shift=clock_shift)], cwd=ROOT, env=full,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_for("worker started")

    def _wait_for(self, line: str, timeout: float = 30.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if line in self.output():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"worker did not log {line!r}:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()

    def terminate(self, timeout: float = 15.0) -> float:
        """SIGTERM, as a platform sends on deploy; returns how long the worker took to exit."""
        started = time.time()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout)
        return time.time() - started

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


@pytest.fixture()
def start_worker(env: dict[str, str]):
    workers: list[WorkerProcess] = []

    def start(clock_shift: float = 0.0, **overrides: str) -> WorkerProcess:
        workers.append(WorkerProcess(env, clock_shift, **overrides))
        return workers[-1]

    yield start
    for worker in workers:
        if worker.proc.poll() is None:
            worker.kill()


# Tests that start processes (the worker, gunicorn) or a browser are marked slow by the fixtures they use; the rest of
# the slow ones (Sentinel clusters, fuzzers, tests that wait out real schedules) carry @pytest.mark.slow themselves.
# `script/test --fast` leaves them out (pytest -m "not slow"); plain `script/test` runs everything.
SLOW_FIXTURES = {"start_worker", "serve", "browser", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
