"""An HTTPS fake of Vonage's SMS API (`POST /sms/json`) and Messages API (`POST /v1/messages`: SMS, and WhatsApp
text and template) for tests and benchmarks.

Why: the vonage SDK always calls ``https://{rest_host}/sms/json``, so the app's sender is
tested through the real SDK against this server; a trustme CA (``ca_bundle``, for
``REQUESTS_CA_BUNDLE``) makes the SDK trust it. Answers follow Vonage's documented shapes:
HTTP 200 even for failed sends (string ``status`` != "0" plus ``error-text``), and RFC 7807
style JSON for HTTP-level errors.
"""

from __future__ import annotations

import argparse
import base64
import http
import json
import shutil
import signal
import socket
import ssl
import tempfile
import threading
import time
import weakref
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme

# error-text per status, as the SMS API words them (developer.vonage.com/api-errors/sms).
ERROR_TEXTS: dict[str, str] = {
    "1": "Throttled", "2": "Missing params", "3": "Invalid params",
    "4": "Invalid credentials", "5": "Internal error", "6": "Invalid message",
    "7": "Number barred", "8": "Partner account barred", "9": "Partner quota violation",
    "10": "Too many existing binds", "11": "Account not enabled for HTTP",
    "12": "Message too long", "14": "Invalid signature",
    "15": "Illegal Sender Address - rejected", "22": "Invalid network code",
    "23": "Invalid callback url", "29": "Non White-listed Destination - rejected",
    "32": "Signature and API secret disallowed", "33": "Number de-activated",
}
_GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
            "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXT = set("^{}\\[~]|€\f")  # each costs two septets (escape + char)


def count_segments(text: str, unicode: bool) -> int:
    """Number of SMS parts Vonage bills: GSM-7 160 single/153 per part, UCS-2 70/67."""
    if unicode:
        units, single, per_part = len(text.encode("utf-16-le")) // 2, 70, 67
    else:
        units, single, per_part = sum(2 if c in _GSM7_EXT else 1 for c in text), 160, 153
    return 1 if units <= single else -(-units // per_part)


def is_gsm7(text: str) -> bool:
    """True if `text` fits the GSM-7 alphabet (else a real send needs type=unicode)."""
    return all(c in _GSM7 or c in _GSM7_EXT for c in text)


# Details of WhatsApp's own error codes, as Meta words them (developers.facebook.com, WhatsApp Cloud API error codes).
WHATSAPP_ERRORS: dict[int, str] = {
    131026: "Message undeliverable: the recipient is not a WhatsApp user or cannot receive this message",
    131047: "Re-engagement message: more than 24 hours have passed since the recipient last replied",
    131050: "The user has stopped receiving marketing messages from this business",
    132001: "Template name does not exist in the translation",
    132015: "Template is paused due to low quality",
    131031: "Business account has been locked",
}
MESSAGE_TYPES = {"sms": ("text",), "whatsapp": ("text", "template", "custom")}


def _missing_messages_fields(body: Any) -> list[str]:
    """What a Messages API send lacks, for the channels this fake speaks (SMS; WhatsApp text and template)."""
    if not isinstance(body, dict):
        return ["to", "from", "channel", "message_type"]
    missing = [f for f in ("to", "from", "channel", "message_type") if not body.get(f)]
    kind = body.get("message_type")
    if missing or kind not in MESSAGE_TYPES.get(body["channel"], ()):
        return missing or ["message_type"]
    if kind == "text":
        return [] if isinstance(body.get("text"), str) and 0 < len(body["text"]) <= 4096 else ["text"]
    if kind == "template":
        template, settings = body.get("template") or {}, body.get("whatsapp") or {}
        return ([] if template.get("name") else ["template.name"]) + \
            ([] if settings.get("locale") else ["whatsapp.locale"])
    return [] if isinstance(body.get("custom"), dict) else ["custom"]


class _Handler(BaseHTTPRequestHandler):
    """Routes every method to FakeVonage; HTTP/1.1 so the SDK's pool keeps connections."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


class _Server(ThreadingHTTPServer):
    """Threaded server doing the TLS handshake per connection thread, not in accept()."""

    daemon_threads = True
    block_on_close = False  # stop() must not wait for hung or keep-alive handlers
    request_queue_size = 128

    def __init__(self, port: int, fake: FakeVonage, ctx: ssl.SSLContext) -> None:
        self.fake, self.ctx, self.conns = fake, ctx, set()
        self.conns_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms ACK stalls
        request.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        tls.settimeout(None)
        with self.conns_lock:
            self.conns.add(tls)
        try:
            _Handler(tls, client_address, self)
        finally:
            with self.conns_lock:
                self.conns.discard(tls)
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up (timeouts, stop()) are expected in tests

    def drop_connections(self) -> None:
        """Cut open keep-alive connections so a stopped fake really is unreachable."""
        with self.conns_lock:
            for conn in list(self.conns):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class FakeVonage:
    """Vonage SMS API (and Messages API) stand-in on https://127.0.0.1:PORT with scripted failures.

    Scripted outcomes (``queue_*``) form one FIFO: each request to /sms/json or /v1/messages takes the next.
    Messages API requests must carry an RS256 JWT that `application_public_key` verifies (when given).
    """

    def __init__(self, api_key: str = "k", api_secret: str = "s", latency: float = 0.0,
                 port: int = 0, keep_requests: bool = True,
                 application_public_key: str | None = None) -> None:
        self.api_key, self.api_secret, self.latency = api_key, api_secret, latency
        self.application_public_key = application_public_key
        self.keep_requests = keep_requests  # off for long benchmarks (memory)
        self.messages: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.request_count = 0  # counted even when keep_requests is off
        self._port = port
        self._cond = threading.Condition()
        self._script: deque[tuple[Any, ...]] = deque()
        self._number_status: dict[str, str] = {}
        self._ids = 0
        self._balance = 10.0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._dir: str | None = None
        self._ctx: ssl.SSLContext | None = None
        self._cleanup: weakref.finalize | None = None
        self.ca_bundle = ""

    # lifecycle -------------------------------------------------------------
    def start(self) -> FakeVonage:
        """Serve in a daemon thread; after stop(), serves again on the same port and CA."""
        if self._server is not None:
            return self
        if self._ctx is None:
            ca = trustme.CA()
            self._dir = tempfile.mkdtemp(prefix="fake-vonage-")
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)
            self.ca_bundle = f"{self._dir}/ca.pem"
            ca.cert_pem.write_to_path(self.ca_bundle)
            self._ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1", "localhost").configure_cert(self._ctx)
        self._stopping.clear()
        self._server = _Server(self._port, self, self._ctx)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-vonage", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut live connections (an outage: clients get ConnectionError).
        Keeps port and CA so start() can resume; idempotent."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.drop_connections()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def close(self) -> None:
        """stop() and delete the CA files for good."""
        self.stop()
        if self._cleanup is not None:
            self._cleanup()
            self._ctx = self._cleanup = None

    def __enter__(self) -> FakeVonage:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def port(self) -> int:
        return self._port

    @property
    def host(self) -> str:
        """What to pass as the SDK's rest_host/api_host."""
        return f"127.0.0.1:{self._port}"

    # scripting ---------------------------------------------------------------
    def queue_status(self, status: str, count: int = 1) -> None:
        """Next `count` sends answer HTTP 200 with this Vonage status (e.g. "1" Throttled)."""
        self._push(count, ("status", str(status)))

    def queue_http_error(self, code: int = 500, count: int = 1,
                         body: dict | str | bytes | None = None) -> None:
        """Next `count` requests answer HTTP `code`; default body is RFC 7807 JSON."""
        if body is None:
            phrase = http.HTTPStatus(code).phrase
            body = {"type": f"https://developer.vonage.com/api-errors#{code}",
                    "title": phrase, "detail": f"Fake Vonage answered {code} {phrase}"}
        self._push(count, ("http", code, body))

    def queue_hang(self, seconds: float, count: int = 1) -> None:
        """Next `count` requests sleep first (client timeouts), then are handled normally,
        so a send can be accepted although the client never saw the answer (like Vonage)."""
        self._push(count, ("hang", float(seconds)))

    def status_for_number(self, to: str, status: str) -> None:
        """Every send to `to` (leading + ignored) fails with `status`; "0" clears it."""
        with self._cond:
            self._number_status[to.lstrip("+")] = str(status)

    def _push(self, count: int, action: tuple[Any, ...]) -> None:
        with self._cond:
            self._script.extend([action] * count)

    # recording -----------------------------------------------------------------
    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least `count` sends were accepted; TimeoutError otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.messages) >= count, timeout):
                raise TimeoutError(f"expected {count} accepted sends within {timeout}s, "
                                   f"got {len(self.messages)}")
            return list(self.messages)

    @staticmethod
    def receipts(message: dict[str, Any], status: str = "delivered", err_code: str = "0") -> list[dict[str, str]]:
        """The SMS API delivery receipts Vonage sends for an accepted message: one per part, each with that part's
        messageId and the message's client-ref (developer.vonage.com, "Delivery receipts")."""
        sent_at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(message["received_at"]))
        return [{"msisdn": message["to"].lstrip("+"), "to": message["from"], "network-code": "12345",
                 "messageId": part, "price": "0.03330000", "status": status,
                 "scts": time.strftime("%y%m%d%H%M", time.gmtime()), "err-code": err_code, "api-key": "test-key",
                 "message-timestamp": sent_at, **({"client-ref": message["client_ref"]} if message["client_ref"]
                                                  else {})}
                for part in message["message_ids"]]

    def clear(self) -> None:
        """Forget recorded messages/requests and any scripted outcomes."""
        with self._cond:
            self.messages.clear()
            self.requests.clear()
            self.request_count = 0
            self._script.clear()
            self._number_status.clear()

    # request handling ------------------------------------------------------------
    def _handle(self, h: _Handler) -> None:
        received_at = time.time()
        url = urlsplit(h.path)
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        form: dict[str, str] = {}
        if h.headers.get_content_type() == "application/x-www-form-urlencoded":
            form = {k: v[0] for k, v in
                    parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        params.update(form)
        code, payload, accepted = self._answer(h.command, url.path, h.headers, params, raw)
        if accepted is not None:
            accepted["received_at"] = received_at
        with self._cond:
            self.request_count += 1
            if self.keep_requests:
                self.requests.append({
                    "method": h.command, "path": url.path, "headers": dict(h.headers),
                    "form": form, "body": raw, "http_status": code,
                    "status": payload["messages"][0]["status"]
                    if isinstance(payload, dict) and "messages" in payload else None,
                    "received_at": received_at})
            if accepted is not None:
                self.messages.append(accepted)
                self._cond.notify_all()
        self._reply(h, code, payload)

    def _answer(self, method: str, path: str, headers: Any, p: dict[str, str], raw: bytes = b""
                ) -> tuple[int, Any, dict[str, Any] | None]:
        """Return (http code, body, accepted message or None) for one request."""
        if method == "GET" and path == "/_fake/stats":  # for benchmarks in another process
            return 200, {"messages": len(self.messages), "requests": self.request_count}, None
        if method == "GET" and path == "/_fake/messages":  # (client_ref, received_at) of accepted sends
            since = int(p.get("since") or 0)
            with self._cond:
                sent = [[m["client_ref"], m["received_at"]] for m in self.messages[since:]]
            return 200, {"since": since, "messages": sent}, None
        if path not in ("/sms/json", "/v1/messages"):
            return 404, {"type": "https://developer.vonage.com/api-errors#not-found",
                         "title": "Not Found", "detail": f"No resource at {path}"}, None
        with self._cond:
            action = self._script.popleft() if self._script else ("none",)
        delay = self.latency + (action[1] if action[0] == "hang" else 0.0)
        if delay and self._stopping.wait(delay):  # stop() during a hang: not accepted
            return 503, {"type": "about:blank", "title": "Service Unavailable",
                         "detail": "fake stopped"}, None
        if action[0] == "http":
            return action[1], action[2], None
        if path == "/v1/messages":
            return self._answer_messages(headers, raw)
        key, secret = self._credentials(headers, p)
        if "sig" in p and not secret:  # this fake does not verify signed requests
            return 200, self._error("14", p), None
        if not key or not secret:
            return 200, self._error("2", p), None
        if (key, secret) != (self.api_key, self.api_secret):
            return 200, self._error("4", p), None
        if not all(p.get(f) for f in ("from", "to", "text")):
            return 200, self._error("2", p), None
        if p.get("type", "text") not in ("text", "unicode", "binary"):
            return 200, self._error("3", p), None
        with self._cond:
            status = action[1] if action[0] == "status" else \
                self._number_status.get(p["to"].lstrip("+"), "0")
        if status != "0":
            return 200, self._error(status, p), None
        return self._accept(p)

    def _answer_messages(self, headers: Any, raw: bytes) -> tuple[int, Any, dict[str, Any] | None]:
        """Messages API send: 202 {"message_uuid"}; 401 without a valid JWT; 422 for invalid params."""
        import jwt  # PyJWT, which the vonage SDK depends on

        scheme, _, token = headers.get("Authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise jwt.InvalidTokenError("no bearer token")
            key = self.application_public_key
            jwt.decode(token, key, algorithms=["RS256"]) if key else \
                jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            return 401, {"type": "https://developer.vonage.com/api-errors#unauthorized", "title": "Unauthorized",
                         "detail": "You did not provide correct credentials.",
                         "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf"}, None
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        missing = _missing_messages_fields(body)
        if missing:
            return 422, {"type": "https://developer.vonage.com/api-errors/messages#1150",
                         "title": "Invalid params", "detail": "Your request body contains invalid parameters.",
                         "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf",
                         "invalid_parameters": [{"name": f, "reason": "Is required."} for f in missing]}, None
        with self._cond:
            self._ids += 1
            message_uuid = f"aaaaaaaa-bbbb-4ccc-8ddd-{self._ids:012x}"
        template = body.get("template") or {}
        text = body["text"] if body["message_type"] == "text" else (template.get("parameters") or [""])[0]
        accepted = {"to": body["to"], "from": body["from"], "text": text, "type": body["message_type"],
                    "channel": body["channel"], "client_ref": body.get("client_ref"), "message_id": message_uuid,
                    "message_ids": [message_uuid], "api": "messages",
                    "template": template.get("name"), "parameters": template.get("parameters"),
                    "whatsapp": body.get("whatsapp"),
                    "parts": count_segments(text, not is_gsm7(text)) if body["channel"] == "sms" else 1}
        return 202, {"message_uuid": message_uuid}, accepted

    @staticmethod
    def status(message: dict[str, Any], status: str = "delivered", code: int | None = None,
               detail: str = "") -> dict[str, Any]:
        """The Messages API status webhook Vonage sends for an accepted message (developer.vonage.com, "Messages API
        status callbacks"): `rejected` and `undeliverable` carry an RFC 7807 `error` whose `title` is the code and
        whose `type` ends in it; a WhatsApp one also says the channel and, once delivered, the conversation."""
        body: dict[str, Any] = {
            "message_uuid": message["message_id"], "to": message["to"], "from": message["from"],
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "status": status,
            "channel": message.get("channel", "sms"), **({"client_ref": message["client_ref"]}
                                                         if message.get("client_ref") else {})}
        if code is not None:
            body["error"] = {"type": f"https://developer.vonage.com/api-errors/messages#{code}", "title": code,
                             "detail": detail or WHATSAPP_ERRORS.get(code, "Message failed"),
                             "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf"}
        elif body["channel"] == "whatsapp" and status == "delivered":
            origin = "utility" if message.get("type") == "template" else "service"
            body["whatsapp"] = {"conversation": {"id": "1234567890", "origin": {"type": origin}}}
        return body

    def _credentials(self, headers: Any, p: dict[str, str]) -> tuple[str, str]:
        auth = headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                return key, secret
            except ValueError:
                return "", ""
        return p.get("api_key", ""), p.get("api_secret", "")

    def _error(self, status: str, p: dict[str, str]) -> dict[str, Any]:
        entry = {"status": status, "error-text": ERROR_TEXTS.get(status, "Unknown error")}
        if p.get("to"):
            entry = {"to": p["to"], **entry}
        return {"message-count": "1", "messages": [entry]}

    def _accept(self, p: dict[str, str]) -> tuple[int, Any, dict[str, Any]]:
        parts = count_segments(p["text"], p.get("type") == "unicode")
        entries = []
        with self._cond:
            for _ in range(parts):
                self._ids += 1
                self._balance -= 0.0333
                entry = {"to": p["to"].lstrip("+"), "message-id": f"0A{self._ids:014X}",
                         "status": "0", "remaining-balance": f"{self._balance:.8f}",
                         "message-price": "0.03330000", "network": "12345"}
                if p.get("client-ref"):
                    entry["client-ref"] = p["client-ref"]
                entries.append(entry)
        accepted = {"to": p["to"], "from": p["from"], "text": p["text"],
                    "type": p.get("type", "text"), "client_ref": p.get("client-ref"),
                    "message_id": entries[0]["message-id"],
                    "message_ids": [e["message-id"] for e in entries], "parts": parts}
        return 200, {"message-count": str(parts), "messages": entries}, accepted

    @staticmethod
    def _reply(h: _Handler, code: int, payload: dict | str | bytes) -> None:
        if isinstance(payload, dict):
            body, ctype = json.dumps(payload).encode(), "application/json"
        else:
            body = payload.encode() if isinstance(payload, str) else payload
            ctype = "text/plain"
        try:
            h.send_response(code)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            h.wfile.flush()
        except OSError:  # client gave up (timeout) or stop() cut the connection
            h.close_connection = True


def main(argv: list[str] | None = None) -> int:
    """Serve standalone for benchmarks: print {"host", "ca_bundle"} as JSON, run to SIGTERM."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--api-key", default="k")
    ap.add_argument("--api-secret", default="s")
    args = ap.parse_args(argv)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    with FakeVonage(args.api_key, args.api_secret, args.latency, args.port,
                    keep_requests=False) as fake:
        print(json.dumps({"host": fake.host, "ca_bundle": fake.ca_bundle}), flush=True)
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
