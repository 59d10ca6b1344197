"""A WSGI guard in front of the app: a request body over the limit is refused with 413 before any code reads it.

Flask's MAX_CONTENT_LENGTH refuses a body whose Content-Length is too big, but a chunked body (no Content-Length)
is only cut off at the limit and the truncated rest is processed as if whole. Here a chunked body is read up to
one byte past the limit: more than that is a 413, less is handed on with its length known.
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable

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
