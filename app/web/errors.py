"""One JSON error shape for every HTTP answer that is not a success: {"error": {"code", "message", "field"}}."""
from __future__ import annotations

import logging

import redis
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from app.storage.connection import set_deadline
from app.storage.replication import NotReplicated

log = logging.getLogger(__name__)
# How long a request's Redis calls may wait on Redis in all (storage/connection.py's deadline), retries included; the
# last attempt may overrun it by one socket timeout (connection.WEB_SOCKET_SECONDS). So a Redis that stops answering
# gets a probe its answer within 2 s, and a webhook or API call its 503 within 3 s.
PROBE_DEADLINE, REQUEST_DEADLINE = 0.5, 1.5  # seconds
PROBES = ("/healthz", "/readyz")


class ApiError(Exception):
    """Raised anywhere in a request to answer with a JSON error."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}  # e.g. Retry-After


def json_error(status: int, code: str, message: str, field: str | None = None) -> ResponseReturnValue:
    return jsonify({"error": {"code": code, "message": message, "field": field}}), status


def _storage_down(err: redis.RedisError) -> ResponseReturnValue:
    """Nothing was stored: a 503 tells Vonage (and API clients) to try again, so no message is dropped."""
    log.error("%s %s failed, Redis unavailable: %s", request.method, request.path, err)
    return json_error(503, "unavailable", "storage is unavailable; retry later")


def _not_replicated(err: NotReplicated) -> ResponseReturnValue:
    """Stored, but not yet on enough replicas to survive a failover: not confirmed, so the caller retries."""
    log.warning("%s %s not confirmed: %s", request.method, request.path, err)
    body, status = json_error(503, "not_replicated", f"not confirmed: {err}; retry later")
    return body, status, {"Retry-After": "1"}


def _http_error(err: HTTPException) -> ResponseReturnValue:
    """Werkzeug's errors (404, 405, 413, 429, …) in the JSON shape, keeping their headers (Allow, Retry-After)."""
    body, status = json_error(err.code or 500, (err.name or "error").lower().replace(" ", "_"),
                              err.description or err.name)
    headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
    return body, status, headers


def _start_deadline() -> None:
    set_deadline(PROBE_DEADLINE if request.path in PROBES else REQUEST_DEADLINE)


def init_app(app: Flask) -> None:
    app.before_request(_start_deadline)
    app.teardown_request(lambda _error: set_deadline(None))
    app.register_error_handler(redis.RedisError, _storage_down)
    app.register_error_handler(NotReplicated, _not_replicated)
    app.register_error_handler(ApiError, lambda e: (*json_error(e.status, e.code, e.message, e.field), e.headers))
    app.register_error_handler(HTTPException, _http_error)
