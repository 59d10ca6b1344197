"""A Redis that stops answering (SIGSTOP: connections open, nothing comes back) must not hang the web: every Redis call
has a deadline, so the probes answer within 2 s, a webhook and an API call 503 within 3 s (Vonage retries), and the
retry after Redis is back is handled exactly once."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from app import create_app
from app.storage.store import Store
from tests.helpers import auth, inbound, signed
from tests.support.redis_server import RedisServer

SECRET = "frozen-secret"
PROBE_SECONDS, REQUEST_SECONDS = 2.0, 3.0


@pytest.fixture()
def own_redis() -> Iterator[RedisServer]:
    """A server of the test's own: freezing the shared one would stall the other tests on this worker."""
    with RedisServer() as server:
        yield server


def timed(call) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    answer = call()
    return time.monotonic() - started, answer


def api_body() -> dict:
    from datetime import UTC, datetime, timedelta

    return {"phone_number": "+14155550100", "message": "dentist",
            "remind_when": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}


@pytest.mark.slow
def test_a_frozen_redis_gets_quick_503s_and_the_retry_is_handled_once(env, own_redis):
    app = create_app({**env, "REDIS_URL": own_redis.url, "VONAGE_SIGNATURE_SECRET": SECRET,
                      "VONAGE_SIGNATURE_METHOD": "sha256"})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # connections open before the freeze, as in a live process
    text = signed(inbound("gym tomorrow 7am"), SECRET)
    with own_redis.frozen():
        took = {}
        took["healthz"], health = timed(lambda: client.get("/healthz"))
        took["readyz"], ready = timed(lambda: client.get("/readyz"))
        took["webhook"], webhook = timed(lambda: client.post("/webhooks/inbound-sms", data=text))
        took["api"], api = timed(lambda: client.post("/api/reminders", json=api_body(), headers=auth()))
    assert [health.status_code, ready.status_code, webhook.status_code, api.status_code] == [503] * 4, took
    assert took["healthz"] <= PROBE_SECONDS and took["readyz"] <= PROBE_SECONDS, took
    assert took["webhook"] <= REQUEST_SECONDS and took["api"] <= REQUEST_SECONDS, took
    assert client.get("/healthz").status_code == 200  # back at once
    assert client.post("/webhooks/inbound-sms", data=text).status_code == 204  # Vonage's retry
    assert client.post("/webhooks/inbound-sms", data=text).status_code == 204
    store = Store(own_redis.client(), app.extensions["reminders"].prefix)
    kinds = sorted(rem.kind for rem in store.get_many([str(i) for i in range(1, 5)] + ["x1", "x2", "x3"]) if rem)
    assert kinds == ["reminder", "reply"]  # once: not lost, not doubled by the write the freeze held back


def answer(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[float, int]:
    """(seconds taken, status) of one request to a served process."""
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    body = None
    if data is not None:
        body = json.dumps(data).encode() if headers else urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers}
                                     if headers else {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return time.monotonic() - started, response.status
    except urllib.error.HTTPError as err:
        return time.monotonic() - started, err.code


@pytest.mark.slow
def test_gunicorn_answers_within_its_deadlines_while_redis_is_frozen(env, own_redis, tmp_path):
    from tests.web.test_abuse import GUNICORN, Served

    served = Served(GUNICORN, {**env, "REDIS_URL": own_redis.url, "VONAGE_SIGNATURE_SECRET": SECRET,
                               "VONAGE_SIGNATURE_METHOD": "sha256", "WEB_CONCURRENCY": "1"}, tmp_path)
    try:
        text = signed(inbound("gym tomorrow 7am"), SECRET)
        with own_redis.frozen():
            took = {"healthz": answer(served.url("/healthz")), "readyz": answer(served.url("/readyz")),
                    "webhook": answer(served.url("/webhooks/inbound-sms"), text),
                    "api": answer(served.url("/api/reminders"), api_body(), auth())}
        assert {name: status for name, (_, status) in took.items()} == dict.fromkeys(took, 503), took
        assert took["healthz"][0] <= PROBE_SECONDS and took["readyz"][0] <= PROBE_SECONDS, took
        assert took["webhook"][0] <= REQUEST_SECONDS and took["api"][0] <= REQUEST_SECONDS, took
        assert answer(served.url("/healthz"))[1] == 200
        assert answer(served.url("/webhooks/inbound-sms"), text)[1] == 204  # Vonage's retry
        assert answer(served.url("/api/reminders"), api_body(), auth())[1] == 201
    finally:
        served.stop()
    store = Store(own_redis.client(), "rmd:")
    kinds = sorted(rem.kind for rem in store.get_many([str(i) for i in range(1, 6)] + ["x1", "x2", "x3"]) if rem)
    assert kinds == ["reminder", "reminder", "reply"]
