"""One clock for every process: Redis's. Due times, leases, retries and heartbeats are compared across hosts, so a
host whose clock is off (a worker 120 s fast would claim and send reminders 2 minutes early) must not use its own.

Reading Redis's TIME for every send would cost a round trip each; instead each process measures the offset between
Redis's clock and its own monotonic clock (the scheduler once a second, the web once a minute) and reads `now()` from
its monotonic clock plus that offset. The offset is taken as if Redis read its clock at the end of the round trip,
the latest it can have, so `now()` is never ahead of Redis's clock: a send held until its due time is never early, and
is late by at most the round trip. The monotonic clock does not jump when the host's clock is set.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime

import redis

SKEWED = 1.0  # seconds between the host's clock and Redis's past which the worker says so (it corrects either way)
_offset: float | None = None  # Redis's time minus time.monotonic(), as last measured
_measured = float("-inf")  # time.monotonic() of the last measurement


def measure(client: redis.Redis) -> float:
    """Read Redis's clock now (one TIME round trip); returns the host clock's skew (see `skew`)."""
    global _offset, _measured
    seconds, micros = client.time()
    _measured = time.monotonic()
    _offset = seconds + micros / 1e6 - _measured
    return skew()


def refresh(client: redis.Redis, every: float) -> float:
    """`measure`, if the last measurement is older than `every` seconds; returns the skew."""
    if time.monotonic() - _measured >= every:
        return measure(client)
    return skew()


def now() -> float:
    """Epoch seconds on Redis's clock (the host's own until the first measurement)."""
    return time.time() if _offset is None else time.monotonic() + _offset


def utcnow() -> datetime:
    return datetime.fromtimestamp(now(), UTC)


def skew() -> float:
    """How far the host's clock is ahead of Redis's (negative: behind), in seconds."""
    return time.time() - now()
