"""Counters of what the service did, kept in Redis so web and worker processes (any number of each) share them.

The worker records sends, failures, retries and lateness; the web process records reminders created; `/metrics`
(app/ops/metrics.py) reads them all back through a prometheus-client custom collector, with the schedule's
current depth. Hourly buckets (kept 8 days) give the dashboard its "today" figures. Recording never raises nor
waits on Redis: a lost count must not fail, repeat or slow a send.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import Counter

import redis

from app.storage import clock
from app.storage.state import as_text
from app.storage.store import Reminder, Store

log = logging.getLogger(__name__)
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)  # seconds
KINDS = ("reminder", "reply")
HOUR_TTL = 8 * 24 * 3600  # hourly buckets: a week of "today"s in any zone, plus a margin
RECENT_LATENESS = 500  # reminders whose lateness the dashboard summarises
HOURLY = ("created", "sent", "failed", "retried", "over_budget", "sent_whatsapp")  # sent_whatsapp: of sent, on WhatsApp
FLUSH_EVERY = 1.0  # seconds


# --- recording (worker and web) ------------------------------------------------------------------------------
# Counts are added up in memory and written every FLUSH_EVERY seconds in one round trip, so recording costs a
# send no Redis call; a process killed outright loses at most that last second of counts.

class _Pending:
    """Counts recorded in this process since the last flush, for one Redis and key prefix."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client, self.prefix = client, prefix
        self.totals: Counter[str] = Counter()
        self.hours: Counter[tuple[int, str]] = Counter()
        self.lateness: list[float] = []

    def write(self) -> None:
        def key(*parts: str) -> str:  # State.key's layout
            return self.prefix + ":".join(parts)

        pipe = self.client.pipeline(transaction=False)
        for name, amount in self.totals.items():
            pipe.hincrbyfloat(key("m", "total"), name, amount)
        for (hour, name), amount in self.hours.items():
            pipe.hincrbyfloat(key("m", "h", str(hour)), name, amount)
            pipe.expire(key("m", "h", str(hour)), HOUR_TTL)
        if self.lateness:
            pipe.lpush(key("m", "late"), *(round(x, 3) for x in self.lateness[-RECENT_LATENESS:]))
            pipe.ltrim(key("m", "late"), 0, RECENT_LATENESS - 1)
        pipe.execute()


_lock = threading.Lock()
_pending: dict[tuple[int, str], _Pending] = {}
_flusher_pid: int | None = None


def _record(store: Store, fields: dict[str, float], lateness: float | None = None) -> None:
    hour = int(clock.now() // 3600)
    with _lock:
        pending = _pending.get((id(store.redis), store.prefix))
        if pending is None:
            pending = _pending[(id(store.redis), store.prefix)] = _Pending(store.redis, store.prefix)
        for name, amount in fields.items():
            pending.totals[name] += amount
            if name.split(":")[0] in HOURLY:
                pending.hours[(hour, name.split(":")[0])] += amount
        if lateness is not None:
            pending.lateness.append(lateness)
    _ensure_flusher()


def flush(at_exit: bool = False) -> None:
    """Write this process's counts now (the collector does before reading; the process does at exit)."""
    with _lock:
        batches = list(_pending.values())
        _pending.clear()
    for pending in batches:
        try:
            pending.write()
        except redis.RedisError as err:
            log.log(logging.DEBUG if at_exit else logging.WARNING, "metrics lost (%s): %s", type(err).__name__,
                    dict(pending.totals))


def _ensure_flusher() -> None:
    global _flusher_pid
    if _flusher_pid == os.getpid():
        return
    _flusher_pid = os.getpid()  # a forked process (gunicorn worker) starts its own
    threading.Thread(target=_flush_forever, name="metrics-flush", daemon=True).start()


def _flush_forever() -> None:
    while True:
        time.sleep(FLUSH_EVERY)
        flush()


def _after_fork() -> None:
    global _lock, _flusher_pid
    _lock, _flusher_pid = threading.Lock(), None
    _pending.clear()


os.register_at_fork(after_in_child=_after_fork)
atexit.register(flush, at_exit=True)


def record_created(store: Store, count: int) -> None:
    if count:
        _record(store, {"created": count})


def record_sent(store: Store, rem: Reminder, lateness: float, channel: str = "sms") -> None:
    """A send Vonage (or the log sender) accepted on `channel`, `lateness` seconds after it was due (negative:
    early)."""
    bucket = next((f"{b:g}" for b in LATENESS_BUCKETS if lateness <= b), "inf")
    fields = {f"sent:{rem.kind}": 1, f"late:{rem.kind}:{bucket}": 1, f"latesum:{rem.kind}": lateness}
    if channel == "whatsapp":
        fields["sent_whatsapp"] = 1
    _record(store, fields, lateness if rem.kind == "reminder" else None)


def record_retry(store: Store, rem: Reminder) -> None:
    _record(store, {f"retried:{rem.kind}": 1})


def record_over_budget(store: Store, kind: str) -> None:
    """A send the daily budget per number stopped (budget.py): a reminder made to wait, or a reply dropped."""
    _record(store, {f"over_budget:{kind}": 1})


def record_failed(store: Store, rem: Reminder) -> None:
    """A message given up on (dead-lettered)."""
    _record(store, {f"failed:{rem.kind}": 1})


# --- reading -------------------------------------------------------------------------------------------------

def totals(store: Store) -> dict[str, float]:
    return {as_text(k): float(v) for k, v in store.redis.hgetall(store.key("m", "total")).items()}


def since(store: Store, start: float, now: float | None = None) -> dict[str, float]:
    """Counts (created, sent, failed, retried) from the hour holding `start` up to now."""
    now = clock.now() if now is None else now
    hours = range(int(start // 3600), int(now // 3600) + 1)
    pipe = store.redis.pipeline(transaction=False)
    for hour in hours:
        pipe.hgetall(store.key("m", "h", str(hour)))
    out: dict[str, float] = dict.fromkeys(HOURLY, 0.0)
    for bucket in pipe.execute():
        for k, v in bucket.items():
            out[as_text(k)] = out.get(as_text(k), 0) + float(v)
    return out


def recent_lateness(store: Store) -> list[float]:
    return sorted(float(x) for x in store.redis.lrange(store.key("m", "late"), 0, -1))
