"""Proves the test doubles behave like the real things, through the real vonage SDK."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import vonage
import vonage_http_client
import vonage_sms

from tests.support import FakeVonage, RedisServer
from tests.support.fake_vonage import count_segments

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVonage]:
    with FakeVonage(api_key="k", api_secret="s") as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_bundle)
        yield server


def make_client(fake: FakeVonage, key: str = "k", secret: str = "s",
                timeout: int = 5, max_retries: int = 3) -> vonage.Vonage:
    return vonage.Vonage(
        vonage.Auth(api_key=key, api_secret=secret),
        vonage.HttpClientOptions(rest_host=fake.host, api_host=fake.host, timeout=timeout,
                                 max_retries=max_retries),
    )


def sms(to: str = "447700900000", text: str = "Your appointment is at 10:00",
        **kw: object) -> vonage_sms.SmsMessage:
    return vonage_sms.SmsMessage(to=to, from_="Clinic", text=text, **kw)


def test_send_is_recorded_and_parsed_by_sdk(fake: FakeVonage) -> None:
    resp = make_client(fake).sms.send(sms(client_ref="rem-42"))
    assert resp.message_count == "1"
    msg = resp.messages[0]
    assert (msg.status, msg.to, msg.client_ref) == ("0", "447700900000", "rem-42")
    assert msg.message_id and msg.remaining_balance and msg.message_price
    [sent] = fake.wait_for(1, timeout=1)
    assert sent["to"] == "447700900000" and sent["from"] == "Clinic"
    assert sent["text"] == "Your appointment is at 10:00" and sent["client_ref"] == "rem-42"
    assert sent["message_id"] == msg.message_id and sent["type"] == "text"
    req = fake.requests[-1]
    assert req["path"] == "/sms/json" and req["headers"]["Authorization"].startswith("Basic ")
    assert "api_secret" not in req["form"]  # SDK 4.x authenticates with Basic auth


def test_queued_throttle_raises_sms_error_with_code_and_text(fake: FakeVonage) -> None:
    fake.queue_status("1")
    with pytest.raises(vonage_sms.SmsError) as err:
        make_client(fake).sms.send(sms())
    assert str(err.value) == "Sms.send_message method failed with error code 1: Throttled"
    assert fake.messages == [] and fake.requests[-1]["status"] == "1"
    make_client(fake).sms.send(sms())  # the queue is used up: next send succeeds
    assert len(fake.messages) == 1


def test_wrong_credentials_give_status_4(fake: FakeVonage) -> None:
    with pytest.raises(vonage_sms.SmsError, match="error code 4: Invalid credentials"):
        make_client(fake, secret="wrong").sms.send(sms())


def test_form_credentials_missing_params_and_unknown_path(fake: FakeVonage) -> None:
    url = f"https://{fake.host}/sms/json"
    ok = requests.post(url, data={"api_key": "k", "api_secret": "s", "from": "A",
                                  "to": "447700900001", "text": "hi"}).json()
    assert ok["messages"][0]["status"] == "0"
    missing = requests.post(url, data={"api_key": "k", "api_secret": "s", "from": "A"}).json()
    assert missing["messages"][0] == {"status": "2", "error-text": "Missing params"}
    not_form = requests.post(url, json={"api_key": "k", "api_secret": "s"}).json()
    assert not_form["messages"][0]["status"] == "2"
    nowhere = requests.post(f"https://{fake.host}/nope")
    assert nowhere.status_code == 404 and nowhere.json()["title"] == "Not Found"


def test_status_for_number_fails_only_that_number(fake: FakeVonage) -> None:
    fake.status_for_number("+447700900666", "7")
    client = make_client(fake)
    with pytest.raises(vonage_sms.SmsError, match="error code 7: Number barred"):
        client.sms.send(sms(to="447700900666"))
    client.sms.send(sms(to="447700900001"))
    assert [m["to"] for m in fake.messages] == ["447700900001"]


@pytest.mark.parametrize("code, exc", [
    (500, vonage_http_client.ServerError),
    (503, vonage_http_client.HttpRequestError),  # no dedicated class for 503
    (429, vonage_http_client.RateLimitedError),
])
def test_http_errors_map_to_sdk_exceptions(fake: FakeVonage, code: int, exc: type) -> None:
    fake.queue_http_error(code)
    with pytest.raises(exc) as err:
        make_client(fake).sms.send(sms())
    assert type(err.value) is exc and err.value.response.status_code == code
    assert str(err.value).startswith(f"{code} response from https://{fake.host}/sms/json")
    assert fake.messages == []
    assert len(fake.requests) == 1  # the SDK does not retry POSTs on HTTP errors


def test_hang_makes_client_time_out_but_vonage_still_accepts(fake: FakeVonage) -> None:
    fake.queue_hang(1.2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        make_client(fake, timeout=1).sms.send(sms())  # timeout is whole seconds in the SDK
    fake.wait_for(1, timeout=2)  # accepted although the client never saw the answer
    assert len(fake.requests) == 1  # and the SDK did not retry the timed-out POST


def test_stop_is_an_outage_and_start_resumes_on_same_host(fake: FakeVonage) -> None:
    # max_retries=0: by default urllib3 retries refused connects 3x with backoff (~0.6 s)
    client, host = make_client(fake, max_retries=0), fake.host
    client.sms.send(sms())  # leaves a pooled keep-alive connection behind
    fake.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        client.sms.send(sms())
    fake.start()
    assert fake.host == host and client.sms.send(sms()).messages[0].status == "0"


@pytest.mark.parametrize("text, kind, parts", [
    ("a" * 160, None, 1), ("a" * 161, None, 2), ("a" * 306, None, 2), ("a" * 307, None, 3),
    ("€" * 80, None, 1), ("€" * 81, None, 2),  # GSM-7 extension chars cost two septets
    ("é" * 70, "unicode", 1), ("é" * 71, "unicode", 2), ("é" * 135, "unicode", 3),
])
def test_long_texts_are_split_into_parts(fake: FakeVonage, text: str, kind: str | None,
                                         parts: int) -> None:
    resp = make_client(fake).sms.send(sms(text=text, type=kind))
    assert resp.message_count == str(parts) and len(resp.messages) == parts
    assert len({m.message_id for m in resp.messages}) == parts
    assert fake.messages[-1]["parts"] == parts


def test_unicode_counts_utf16_units() -> None:
    assert count_segments("😀" * 35, unicode=True) == 1
    assert count_segments("😀" * 36, unicode=True) == 2


@pytest.mark.slow
def test_standalone_main_serves_until_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_vonage", "--port", "0",
         "--latency", "0.01", "--api-key", "k", "--api-secret", "s"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        r = requests.post(f"https://{info['host']}/sms/json", verify=info["ca_bundle"],
                          auth=("k", "s"), data={"from": "A", "to": "1", "text": "x"})
        assert r.json()["messages"][0]["status"] == "0"
        stats = requests.get(f"https://{info['host']}/_fake/stats", verify=info["ca_bundle"])
        assert stats.json() == {"messages": 1, "requests": 1}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0
    assert not os.path.exists(info["ca_bundle"])


# RedisServer -----------------------------------------------------------------

def test_redis_server_set_get_and_stop_frees_port() -> None:
    with RedisServer() as server:
        assert server.port != 6379 and server.url == f"redis://127.0.0.1:{server.port}/0"
        client = server.client(decode_responses=True)
        client.set("k", "v")
        assert client.get("k") == "v"
        assert client.config_get("appendonly")["appendonly"] == "no"
        client.close()
        port, workdir = server.port, server.dir
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # would fail if redis still listened
    assert not os.path.exists(workdir)


def test_redis_restart_with_appendonly_keeps_data() -> None:
    with RedisServer(appendonly=True) as server:
        port = server.port
        server.client().set("kept", "1")
        server.restart()
        assert server.port == port and server.client().get("kept") == b"1"
        server.client().set("after-crash", "1")
        server.kill()
        assert not server.running
        server.restart()
        assert server.client().get("after-crash") == b"1"


def test_redis_without_appendonly_forgets_on_restart() -> None:
    with RedisServer() as server:
        server.client().set("gone", "1")
        server.restart()
        assert server.client().get("gone") is None
