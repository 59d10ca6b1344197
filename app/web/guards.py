"""WSGI guards in front of the app: a request body over the limit is refused with 413 before any code reads it,
every response carries the headers that keep a browser from misreading or framing it, and the client's address is
taken from X-Forwarded-For only when a trusted proxy sent it.

Flask's MAX_CONTENT_LENGTH refuses a body whose Content-Length is too big, but a chunked body (no Content-Length)
is only cut off at the limit and the truncated rest is processed as if whole. Here a chunked body is read up to
one byte past the limit: more than that is a 413, less is handed on with its length known.
"""
from __future__ import annotations

import io
import ipaddress
import json
from collections.abc import Callable, Iterable

from werkzeug.middleware.proxy_fix import ProxyFix

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


MAX_BODY = 64 * 1024  # bytes; inbound SMS and API bodies are far smaller


class BodyLimit:
    def __init__(self, app: WsgiApp, limit: int) -> None:
        self.app, self.limit = app, limit

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit():
            if int(length) > self.limit:
                return self._too_large(start_response)
        elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() or environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(self.limit + 1)
            if len(body) > self.limit:
                return self._too_large(start_response)
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self.app(environ, start_response)

    def _too_large(self, start_response: Callable) -> list[bytes]:
        """The service's one error shape; the connection closes, since the rest of the body was not read."""
        body = json.dumps({"error": {"code": "too_large", "field": None,
                                     "message": f"the body is over {self.limit // 1024} KiB"}}).encode()
        start_response("413 Request Entity Too Large", [("Content-Type", "application/json"),
                                                        ("Content-Length", str(len(body))), ("Connection", "close")])
        return [body]


# A browser must not guess a type other than the one sent (a text reply or JSON read as HTML), and no page of the
# service may be framed by another site (clickjacking the dashboard's buttons, or the simulator's send)
SECURE_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"))
NO_FRAMING = "frame-ancestors 'none'"


class SecureHeaders:
    """Adds SECURE_HEADERS to every response, the 413s above and the error pages included, and `NO_FRAMING` to its
    Content-Security-Policy."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable:
            names = {name.lower() for name, _ in headers}
            headers = [*headers, *((k, v) for k, v in SECURE_HEADERS if k.lower() not in names)]
            policy = [v for k, v in headers if k.lower() == "content-security-policy"]
            if not any("frame-ancestors" in v for v in policy):
                headers = [(k, v) for k, v in headers if k.lower() != "content-security-policy"]
                headers.append(("Content-Security-Policy", "; ".join([*policy, NO_FRAMING])))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)
        return self.app(environ, start)


class TrustedForwarding:
    """The client's address (REMOTE_ADDR) from the last X-Forwarded-For entry, the one the proxy appended, and the
    scheme it was reached by (X-Forwarded-Proto: https makes the page's cookies Secure), when the connection comes
    from a proxy in FORWARDED_ALLOW_IPS (werkzeug's ProxyFix, one hop); else the connection's own address and scheme,
    whatever the headers say: a client talking to the app directly names itself in them."""

    def __init__(self, app: WsgiApp, trusted: tuple[str, ...]) -> None:
        self.app, self.forwarded = app, ProxyFix(app, x_for=1, x_proto=1)  # type: ignore[arg-type]
        self.any = "*" in trusted
        self.networks = [ipaddress.ip_network(net) for net in trusted if net != "*"]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return (self.forwarded if self._trusted(environ.get("REMOTE_ADDR", "")) else self.app)(environ, start_response)

    def _trusted(self, peer: str) -> bool:
        if self.any:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in net for net in self.networks)
