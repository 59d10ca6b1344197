"""What a hostile outsider could make the service do, each case driven through the real stack (real Redis,
the real vonage SDK against the fake Vonage, real gunicorn where the web server is the defence)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from app.ops import checks
from app.settings import SettingsError
from app.web.server import arrived
from tests.helpers import clear_of_minute_turn, inbound

UNSIGNED_OK = {"ALLOW_UNSIGNED_WEBHOOKS": "true"}
SOON = (datetime.now(UTC) + timedelta(days=30)).isoformat()


# --- 4. unsigned webhooks in production ------------------------------------------------------------------------

def test_vonage_without_a_signature_secret_refuses_to_start(env):
    unsafe = {**env, "ALLOW_UNSIGNED_WEBHOOKS": ""}
    with pytest.raises(SettingsError, match="VONAGE_SIGNATURE_SECRET"):
        create_app(unsafe)
    found = {f.name: f for f in checks.check(unsafe, production=True)}
    assert found["VONAGE_SIGNATURE_SECRET"].level == "fail"
    assert "ALLOW_UNSIGNED_WEBHOOKS" in found["VONAGE_SIGNATURE_SECRET"].message


def test_only_an_explicit_opt_in_accepts_unsigned_webhooks(env):
    create_app({**env, "VONAGE_SIGNATURE_SECRET": "s3cret", "ALLOW_UNSIGNED_WEBHOOKS": ""})  # signed: fine
    create_app({**env, "VONAGE_API_KEY": "", "VONAGE_API_SECRET": "", "ALLOW_UNSIGNED_WEBHOOKS": ""})  # no Vonage
    client = create_app({**env, **UNSIGNED_OK}).test_client()  # the documented, unsafe way past
    assert client.post("/webhooks/inbound-sms", data=inbound("ping in 1 hour")).status_code == 204
    with pytest.raises(SettingsError, match="ALLOW_UNSIGNED_WEBHOOKS"):
        create_app({**env, "ALLOW_UNSIGNED_WEBHOOKS": "maybe"})


# --- 8. no 500s from odd input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["in 99999999999999999999999 minutes x", "every 9999999999999999999999 hours x"])
def test_huge_numbers_by_text_get_a_clear_refusal(client, app, fake_vonage, text):
    from tests.helpers import Phone

    (answer,) = Phone(client, app, fake_vonage).text(text)
    assert "too far ahead" in answer


@pytest.mark.parametrize("text", ["every 99999999999 minutes x", "in 99999999999999999999999 minutes x",
                                  "every 9999999999999999999999 hours x"])
def test_huge_numbers_through_the_api_get_a_422(client, text):
    from tests.helpers import auth

    answer = client.post("/api/reminders", json={"phone_number": "+14155550100", "text": text}, headers=auth())
    assert answer.status_code == 422, answer.data


@pytest.mark.parametrize("every", ["FREQ=MINUTELY;INTERVAL=99999999999", "FREQ=YEARLY;INTERVAL=99999999999999999999"])
def test_a_huge_interval_in_the_api_every_field_gets_a_422(client, every):
    from tests.helpers import auth

    body = {"phone_number": "+14155550100", "message": "x", "remind_when": SOON, "every": every}
    answer = client.post("/api/reminders", json=body, headers=auth())
    assert answer.status_code == 422 and answer.json["error"]["field"] == "every", answer.data
    assert client.get("/api/reminders?phone_number=%2B14155550100", headers=auth()).status_code == 200


# --- 6. text length before parsing -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["1 " * 32000, "1/2 " * 16000, "x" * 1001 + " in 1 hour"])
def test_a_text_over_the_cap_is_refused_before_parsing(client, app, fake_vonage, monkeypatch, text):
    from app import parsing
    from tests.helpers import Phone

    def never(*_args, **_kwargs):
        raise AssertionError("a text over the cap reached the parser")

    monkeypatch.setattr(parsing, "parse", never)
    (answer,) = Phone(client, app, fake_vonage).text(text)
    assert "too long" in answer and "1,000" in answer
    assert app.extensions["reminders"].store.for_phone("14155550100") == []


def test_joined_parts_over_the_cap_are_refused(client, app, fake_vonage):
    from tests.helpers import Phone

    phone = Phone(client, app, fake_vonage)
    parts = ["x" * 153] * 7 + ["in 1 hour"]
    for number, text in enumerate(parts, 1):
        answers = phone.text(text, concat="true", **{"concat-ref": "77", "concat-total": str(len(parts)),
                                                     "concat-part": str(number)})
    assert answers == ["That's too long for a reminder: please keep it under 1,000 characters."]
    assert app.extensions["reminders"].store.for_phone("14155550100") == []


# --- 5. long-message parts -------------------------------------------------------------------------------------

def _first_part(ref: str, text: str = "remind me to call", msisdn: str = "14155550100", total: str = "2") -> dict:
    return inbound(text, msisdn=msisdn, concat="true", **{"concat-ref": ref, "concat-total": total,
                                                          "concat-part": "1"})


def test_parts_count_toward_texts_per_minute(env, fake_vonage):
    from tests.helpers import Phone

    app = create_app({**env, "CONCAT_TIMEOUT_SECONDS": "1"})
    phone = Phone(app.test_client(), app, fake_vonage)
    clear_of_minute_turn(5)  # texts count per wall-clock minute: all 40 in one
    for ref in range(40):  # 40 first parts of 40 different long messages
        assert phone.client.post("/webhooks/inbound-sms", data=_first_part(str(ref))).status_code == 204
    import time

    time.sleep(1.2)
    answers = phone.deliver()
    assert answers.count("You're texting faster than I can keep up. Please wait a minute.") == 1
    # at most MAX_OPEN (3) messages are ever waiting, so at most that many "never arrived" notices, not 40
    assert answers.count("Part of your long message never arrived, so I couldn't read it. Please send it "
                         "again.") <= 3
    assert len(answers) <= 4


@pytest.mark.parametrize("fields, text", [
    ({"concat-total": "17"}, "short"),  # more parts than a reminder could use
    ({}, "x" * 161),  # longer than one SMS part can be
    ({}, "é" * 161),  # characters, not bytes: 161 of them is still too many
])
def test_impossible_parts_are_refused(client, redis_client, fields, text):
    part = {**_first_part("9", text), **fields}
    assert client.post("/webhooks/inbound-sms", data=part).status_code == 400
    assert not redis_client.keys("*concat*")


def test_a_full_ucs2_part_is_kept(client, redis_client):
    assert client.post("/webhooks/inbound-sms", data=_first_part("9", "é" * 67)).status_code == 204
    assert redis_client.keys("*concat*")


def test_each_number_has_a_bounded_number_of_waiting_messages(client, redis_client):
    for ref in range(10):
        assert client.post("/webhooks/inbound-sms", data=_first_part(str(ref))).status_code == 204
    assert len(redis_client.keys("rmd:concat:14155550100:*")) == 3


@pytest.mark.slow
def test_first_parts_of_60_kb_add_no_memory(client, redis_client):
    """300 such parts once added 29 MB; they are refused now, and what is kept is bounded."""
    before = redis_client.info("memory")["used_memory"]
    for ref in range(300):
        part = _first_part(str(ref), "x" * 60_000, msisdn=f"1415555{ref:04d}")
        assert client.get("/webhooks/inbound-sms", query_string=part).status_code == 400  # Vonage's GET form
    for ref in range(300):  # the largest parts allowed, from 300 numbers
        client.post("/webhooks/inbound-sms", data=_first_part(str(ref), "x" * 160, msisdn=f"1415555{ref:04d}"))
    added = redis_client.info("memory")["used_memory"] - before
    print(f"300 refused 60 KB parts and 300 kept 160-character parts added {added:,} bytes")
    assert added < 2_000_000, added  # was 29 MB for the 60 KB parts alone


# --- 7. the simulator ------------------------------------------------------------------------------------------

NO_VONAGE = {"VONAGE_API_KEY": "", "VONAGE_API_SECRET": ""}
LOGIN = {"auth": ("operator", "test-token")}


def test_the_simulator_is_behind_the_dashboard_login_when_a_token_is_set(env):
    client = create_app({**env, **NO_VONAGE}).test_client()
    assert client.post("/webhooks/inbound-sms", data=inbound("gym tomorrow 7am")).status_code == 204
    for path in ("/simulator", "/simulator/api/messages?number=14155550100"):
        assert client.get(path).status_code == 401
        assert client.get(path, auth=("operator", "wrong")).status_code == 401
    answer = client.get("/simulator/api/messages?number=14155550100", **LOGIN)
    assert [m["text"] for m in answer.json["messages"]] == ["gym tomorrow 7am"]


def test_the_simulator_is_never_on_with_vonage_unless_switched_on(env):
    for simulator in ("", "auto", "off"):
        client = create_app({**env, "SIMULATOR": simulator}).test_client()
        assert client.get("/simulator", **LOGIN).status_code == 404
        assert client.get("/simulator/api/messages?number=14155550100", **LOGIN).status_code == 404
    assert create_app({**env, "SIMULATOR": "on"}).test_client().get("/simulator", **LOGIN).status_code == 200


@pytest.mark.slow
def test_the_simulator_keeps_no_refused_request(env, redis_client):
    """500 forged 60 KB posts once added 31 MB, kept for 7 days (100 of them show it here)."""
    client = create_app({**env, "SIMULATOR": "on", "VONAGE_SIGNATURE_SECRET": "s3cret"}).test_client()
    before = redis_client.info("memory")["used_memory"]
    for n in range(100):
        forged = inbound("x" * 60_000, msisdn=f"1415555{n:04d}")
        assert client.get("/webhooks/inbound-sms", query_string=forged).status_code == 401
    assert not redis_client.keys("rmd:sim:*")
    assert redis_client.info("memory")["used_memory"] - before < 200_000


def test_the_simulator_caps_what_it_keeps(env, redis_client):
    client = create_app({**env, **NO_VONAGE, "TEXTS_PER_MINUTE": "1000"}).test_client()
    for _n in range(120):
        client.get("/webhooks/inbound-sms", query_string=inbound("x" * 5_000))
    key = "rmd:sim:14155550100"
    assert redis_client.xlen(key) < 120 and redis_client.memory_usage(key) < 400_000
    assert redis_client.ttl(key) <= 24 * 3600


def test_a_10_mb_form_body_with_the_simulator_on_gets_413(env):
    client = create_app({**env, **NO_VONAGE}).test_client()
    answer = client.post("/webhooks/inbound-sms", data={**inbound("hi"), "text": "x" * 10_000_000})
    assert answer.status_code == 413 and answer.json["error"]["code"]


# --- 10. the dashboard in a frame ------------------------------------------------------------------------------

@pytest.mark.parametrize("login", [LOGIN, {}])
def test_the_dashboard_may_not_be_framed(client, login):
    for path in ("/dashboard", "/dashboard/api/stats"):
        answer = client.get(path, **login)
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("method, path, body", [
    ("get", "/simulator", None), ("get", "/simulator/api/messages?number=14155550100", None),
    ("get", "/static/style.css", None), ("get", "/healthz", None), ("get", "/nowhere", None),
    ("get", "/api/people/+14155550100", None), ("get", "/openapi.json", None), ("get", "/docs/swagger/", None),
    ("post", "/webhooks/inbound-sms", inbound("hi")), ("post", "/webhooks/inbound-sms", {"text": "x" * 70_000}),
    ("get", "/dashboard", None), ("get", "/", None)])
def test_every_response_says_nosniff_and_may_not_be_framed(env, method, path, body):
    """Successes, redirects, JSON errors, static files and the guard's own 413 alike."""
    client = create_app({**env, "SIMULATOR": "on"}).test_client()
    answer = getattr(client, method)(path, data=body, **LOGIN)
    assert answer.headers["X-Content-Type-Options"] == "nosniff", answer.status
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


# --- 12. failed logins -----------------------------------------------------------------------------------------

def test_wrong_bearer_tokens_are_rate_limited_per_address(env):
    client = create_app({**env, "AUTH_FAILURES_PER_MINUTE": "5"}).test_client()
    clear_of_minute_turn()  # failures count per wall-clock minute: every attempt here in one
    wrong = {"Authorization": "Bearer guess"}
    assert [client.get("/api/people/+14155550100", headers=wrong).status_code for _ in range(5)] == [401] * 5
    refused = client.get("/api/people/+14155550100", headers=wrong)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    right = client.get("/api/people/+14155550100", headers={"Authorization": "Bearer test-token"})
    assert right.status_code == 429  # while locked out, even the right token: no answer tells a guess apart
    other = {"X-Forwarded-For": "198.51.100.7"}  # another client behind the router
    assert client.get("/api/people/+14155550100", headers={**wrong, **other}).status_code == 401


def test_wrong_dashboard_passwords_are_rate_limited_per_address(env):
    client = create_app({**env, "AUTH_FAILURES_PER_MINUTE": "3"}).test_client()
    clear_of_minute_turn()  # failures count per wall-clock minute: every attempt here in one
    assert client.get("/dashboard").status_code == 401  # no password at all: a browser's first visit, not counted
    assert [client.get("/dashboard", auth=("op", f"guess{n}")).status_code for n in range(3)] == [401] * 3
    refused = client.get("/dashboard", **LOGIN)
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_the_address_is_the_one_the_router_appended(env):
    """A client can put anything in X-Forwarded-For; Heroku's router appends the address it saw, last."""
    client = create_app({**env, "AUTH_FAILURES_PER_MINUTE": "2"}).test_client()
    clear_of_minute_turn()  # failures count per wall-clock minute: every attempt here in one
    for n in range(4):
        spoofed = {"Authorization": "Bearer guess", "X-Forwarded-For": f"10.0.0.{n}, 203.0.113.9"}
        status = client.get("/api/people/+14155550100", headers=spoofed).status_code
    assert status == 429


def attempt(web, source: str, token: str, forwarded: str | None = None) -> int:
    """One API request to the served app from the loopback address `source` (all of 127/8 is this machine)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10, source_address=(source, 0))
    headers = {"Authorization": f"Bearer {token}", **({"X-Forwarded-For": forwarded} if forwarded else {})}
    try:
        conn.request("GET", "/api/people/+14155550100", headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_spoofed_forwarded_for_neither_escapes_the_limit_nor_locks_out_its_victim(serve, env):
    """Exposed directly (the only trusted proxy is elsewhere): the header is ignored, the connection's address counts.
    Behind the trusted proxy (127.0.0.1 here), the entry it appended counts, whatever the client put before it."""
    web = serve(GUNICORN, {**env, "AUTH_FAILURES_PER_MINUTE": "3", "FORWARDED_ALLOW_IPS": "127.0.0.1",
                           "WEB_CONCURRENCY": "1"})
    clear_of_minute_turn(seconds=10)  # failures count per wall-clock minute: every attempt here in one
    rotating = [attempt(web, "127.0.0.2", "guess", forwarded=f"203.0.113.{n}") for n in range(5)]
    assert rotating == [401] * 3 + [429] * 2  # a new name each time, still one client
    framing = [attempt(web, "127.0.0.3", "guess", forwarded="127.0.0.4") for _ in range(4)]
    assert framing[-1] == 429
    assert attempt(web, "127.0.0.4", "test-token") == 200  # the address it named is not locked out
    assert attempt(web, "127.0.0.2", "test-token") == 429  # while the spoofer is
    behind = [attempt(web, "127.0.0.1", "guess", forwarded=f"127.0.0.2, 198.51.100.{n % 2}") for n in range(8)]
    assert behind[-1] == 429 and attempt(web, "127.0.0.1", "test-token", forwarded="198.51.100.9") == 200


# --- 11. API input ---------------------------------------------------------------------------------------------

def test_the_api_cleans_messages_as_the_sms_path_does(client):
    from tests.helpers import auth

    body = {"phone_number": "+14155550100", "message": "pay \u202erent\u202c\x07 now", "remind_when": SOON}
    made = client.post("/api/reminders", json=body, headers=auth())
    assert made.status_code == 201 and made.json["message"] == "pay rent now"
    by_text = client.post("/api/reminders", json={"phone_number": "+14155550100", "text": "\u202egym\x1b tomorrow 7am"},
                          headers=auth())
    assert by_text.status_code == 201 and by_text.json["message"] == "gym"
    changed = client.patch(f"/api/reminders/{made.json['id']}", json={"message": "\u2066call\u2069 mum"},
                           headers=auth())
    assert changed.json["message"] == "call mum"
    only_controls = {**body, "message": "\u202e\x07"}
    assert client.post("/api/reminders", json=only_controls, headers=auth()).status_code == 422


@pytest.mark.parametrize("number, why", [("+1-800-FLOWERS", "letters"), ("+1 900 234 5678", "premium-rate"),
                                         ("+44 909 879 0000", "premium-rate")])
def test_the_api_refuses_vanity_and_premium_rate_numbers(client, number, why):
    from tests.helpers import auth

    body = {"phone_number": number, "message": "hi", "remind_when": SOON}
    answer = client.post("/api/reminders", json=body, headers=auth())
    assert answer.status_code == 422 and why in answer.json["error"]["message"]
    assert answer.json["error"]["field"] == "phone_number"


# --- 9. logs ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["001-415-555-0133", "1 (415) 555-0133", "+1 415.555.0133", "(415) 555-0133"])
def test_phone_numbers_in_any_format_are_masked_in_access_lines(client, capsys, written):
    import json
    from urllib.parse import quote

    from tests.helpers import auth

    client.get("/api/people/" + quote(written), headers=auth())
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    access = [entry for entry in lines if entry["logger"] == "access"]
    assert access, lines
    line = json.dumps({k: v for k, v in access[-1].items() if k != "request_id"}, ensure_ascii=False)  # random hex
    assert "555" not in line and "…0133" in access[-1]["path"], line
    assert access[-1]["ts"][:4].isdigit()  # dates and times are not mistaken for numbers


# --- real processes: gunicorn as the Procfile runs it, script/run ----------------------------------------------

class Served:
    """A command serving the app on a free port (gunicorn from the Procfile, or script/run), in its own session so
    that a signal can reach its whole process group, as Ctrl+C in a terminal does."""

    def __init__(self, command: list[str], env: dict[str, str], tmp_path) -> None:
        import os
        import subprocess

        from tests.support.redis_server import free_port

        self.port = free_port()
        self.log = tmp_path / f"served-{self.port}.log"
        full = {**os.environ, **env, "PORT": str(self.port), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(command, cwd=ROOT, env=full, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._wait_until_healthy()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, timeout: float = 5.0) -> int:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as answer:
                return answer.status
        except urllib.error.HTTPError as err:
            return err.code

    def _wait_until_healthy(self, timeout: float = 120.0) -> None:
        import time

        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            try:
                if self.get("/healthz", timeout=2) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"not serving:\n{self.log.read_text()[-3000:]}")

    def stop(self, sig: int | None = None) -> int:
        import os
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig or signal.SIGTERM)
        return self.proc.wait(30)


ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
GUNICORN = [str(__import__("pathlib").Path(__import__("sys").executable).parent / "gunicorn"), "--config",
            "gunicorn.conf.py", "app:create_app()"]


@pytest.fixture()
def serve(tmp_path):
    started: list[Served] = []

    def start(command: list[str], env: dict[str, str]) -> Served:
        started.append(Served(command, env, tmp_path))
        return started[-1]

    yield start
    for served in started:
        served.stop()


@pytest.mark.parametrize("opening, drip", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"X"),  # in the headers
    (b"POST /webhooks/inbound-sms HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n"  # in a body the headers announced
     b"Content-Type: application/x-www-form-urlencoded\r\n\r\nmsisdn=1", b"4"),
], ids=["headers", "body"])
def test_fifty_slow_clients_cannot_stop_healthz(serve, env, opening, drip):
    """Slowloris: each client sends its request a byte a second, in the headers or in the body."""
    import socket
    import threading
    import time

    web = serve(GUNICORN, {**env, "WEB_CONCURRENCY": "2"})
    stop, clients = threading.Event(), []
    for _ in range(50):
        conn = socket.create_connection(("127.0.0.1", web.port))
        conn.sendall(opening)
        clients.append(conn)

    def trickle() -> None:
        while not stop.wait(1.0):
            for conn in clients:
                try:
                    conn.sendall(drip)
                except OSError:
                    pass

    threading.Thread(target=trickle, daemon=True).start()
    try:
        time.sleep(2)  # every slow client has been accepted and has sent more than its first bytes
        assert [web.get("/healthz", timeout=5) for _ in range(5)] == [200] * 5
    finally:
        stop.set()
        for conn in clients:
            conn.close()


@pytest.mark.timing
def test_a_client_too_slow_to_send_its_request_is_dropped_at_the_deadline(serve, env):
    """A connection holds a greenlet only until its request is in: one that drips its headers is closed once
    REQUEST_SECONDS have passed since it connected, however steadily it keeps sending."""
    import socket
    import time

    from app.web.server import REQUEST_SECONDS

    web = serve(GUNICORN, {**env, "WEB_CONCURRENCY": "1"})
    with socket.create_connection(("127.0.0.1", web.port), timeout=REQUEST_SECONDS + 5) as conn:
        started, closed = time.monotonic(), False
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        while time.monotonic() - started < REQUEST_SECONDS + 4:
            try:
                conn.sendall(b"X")
                conn.settimeout(0.5)
                if conn.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
        elapsed = time.monotonic() - started
    assert closed and REQUEST_SECONDS - 0.5 <= elapsed <= REQUEST_SECONDS + 3


def test_expect_100_continue_is_answered_once_and_the_request_served(serve, env):
    """curl sends `Expect: 100-continue` before a body over 1 KiB and waits for the go-ahead: the worker that reads
    the request whole gives it, and gunicorn must not give it again."""
    import json
    import socket

    web = serve(GUNICORN, {**env, "WEB_CONCURRENCY": "1"})
    body = json.dumps({"phone_number": "+14155550100", "message": "x" * 900, "remind_when": "in an hour"}).encode()
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as conn:
        conn.sendall(b"POST /api/reminders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n"
                     b"Content-Type: application/json\r\nExpect: 100-continue\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body))
        assert conn.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"  # before any of the body was sent
        conn.sendall(body)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 4") and b"100 Continue" not in answer  # the API's own answer, once
    assert b'"error"' in answer


def test_a_kept_alive_connection_s_next_request_is_served_whole_or_in_pieces(serve, env):
    """A kept-alive connection's next request is read as soon as it arrives: a request that is all there is served
    at once, and one that arrives in pieces is still waited for."""
    import socket
    import time

    web = serve(GUNICORN, {**env, "WEB_CONCURRENCY": "1"})
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    def answer(conn: socket.socket) -> bytes:
        got = b""
        while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            assert chunk, f"the connection closed after {got!r}"
            got += chunk
        return got

    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as conn:
        for _ in range(3):
            conn.sendall(request)
            assert answer(conn).startswith(b"HTTP/1.1 200")
        conn.sendall(request[:10])
        time.sleep(0.3)
        conn.sendall(request[10:])
        assert answer(conn).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("data, state", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", "headers"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "all"),
    (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", "body"),
    (b"POST / HTTP/1.1\r\ncontent-length:5\r\n\r\nabcde", "all"),
    (b"POST / HTTP/1.1\r\nContent-Length: 999999\r\n\r\n", "over"),  # over the limit: the app answers 413
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", "body"),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "all"),
    (b"POST / HTTP/1.1\r\nX-Note: content-length: 9\r\n\r\n", "all"),  # only a header of that name counts
])
def test_the_event_loop_knows_when_a_request_is_all_in(data, state):
    assert arrived(data) == state


def test_a_chunked_body_over_the_limit_gets_413(serve, env):
    import socket

    web = serve(GUNICORN, {**env, "WEB_CONCURRENCY": "1"})

    def post_chunked(size: int) -> bytes:
        with socket.create_connection(("127.0.0.1", web.port), timeout=10) as conn:
            conn.sendall(b"POST /webhooks/inbound-sms HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n")
            body = b"msisdn=14155550100&messageId=chunky&text=" + b"x" * size
            for start in range(0, len(body), 16384):
                piece = body[start:start + 16384]
                try:
                    conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                except OSError:
                    break  # the server answered and closed without reading the rest
            try:
                conn.sendall(b"0\r\n\r\n")
            except OSError:
                pass
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
            return answer

    assert post_chunked(200_000).startswith(b"HTTP/1.1 413")
    assert post_chunked(100).startswith(b"HTTP/1.1 204")


def test_api_limits_are_shared_by_every_web_process_on_the_embedded_redis(serve, env, tmp_path):
    """Once each gunicorn process counted for itself, and 18 creates got through a 10/minute limit."""
    import json
    import urllib.error
    import urllib.request

    local = {**env, "REDIS_URL": "", "EMBEDDED_REDIS_PATH": str(tmp_path / "redis.db"), "WEB_CONCURRENCY": "3",
             "API_RATE_PER_NUMBER": "10/minute"}
    web = serve([__import__("sys").executable, "-m", "app.ops.localrun", *GUNICORN], local)
    body = json.dumps({"phone_number": "+14155550100", "text": "stretch in 1 hour"}).encode()
    statuses = []
    for _ in range(18):  # a new connection each time: the kernel spreads them over the processes
        request = urllib.request.Request(web.url("/api/reminders"), data=body, method="POST", headers={
            "Authorization": "Bearer test-token", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as err:
            statuses.append(err.code)
    assert statuses.count(201) == 10 and statuses.count(429) == 8, statuses


def test_ctrl_c_on_script_run_stops_the_embedded_redis_too(serve, tmp_path):
    import os
    import re
    import signal
    import time

    local = {"REDIS_URL": "", "EMBEDDED_REDIS_PATH": str(tmp_path / "redis.db"), "VONAGE_API_KEY": "",
             "VONAGE_API_SECRET": "", "API_TOKEN": "", "WEB_CONCURRENCY": "1"}
    run = serve(["script/run"], local)
    (pid,) = re.findall(r"embedded Redis .* \(pid (\d+)\)", run.log.read_text())
    os.kill(int(pid), 0)  # running
    assert run.stop(signal.SIGINT) == 130 or run.proc.returncode in (0, 130)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"redis-server {pid} outlived script/run:\n{run.log.read_text()[-2000:]}")
