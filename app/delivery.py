"""Delivering claimed entries: the rq job that sends a batch, and the rules for what happens after each send.

Safety rests on two things from the store: a claim token (only the job holding an entry's claim may send or
settle it, so a repeated or stale job sends nothing) and a lease (an entry whose worker died becomes due again).
Sends are acknowledged after they succeed, so delivery is at-least-once: a worker killed between Vonage's answer
and the acknowledgement is the only way a text goes out twice, and only for the sends in flight at that moment.
"""
from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TypeVar

import redis

from . import metrics
from .sending import Sender, SendError
from .store import Reminder, Store
from .throttle import Throttle

log = logging.getLogger(__name__)
T = TypeVar("T")
LATE_AFTER = 1.0  # seconds past due before a send is logged as late
RETRY_CAP = 600.0  # seconds

NextOccurrence = Callable[[str, datetime], "datetime | None"]


class Courier:
    """Sends the entries of delivery jobs concurrently (Vonage's latency must not serialise sending)."""

    def __init__(self, store: Store, sender: Sender, throttle: Throttle, next_occurrence: NextOccurrence,
                 *, lease: float = 60.0, concurrency: int = 32, max_attempts: int = 6,
                 retry_base: float = 2.0) -> None:
        self.store, self.sender, self.throttle = store, sender, throttle
        self.next_occurrence = next_occurrence
        self.lease, self.max_attempts, self.retry_base = lease, max_attempts, retry_base
        self.pool = ThreadPoolExecutor(concurrency, thread_name_prefix="send")

    def deliver(self, token: str, ids: list[str]) -> dict[str, int]:
        """Send every entry this job still holds; returns how many ended which way."""
        return dict(Counter(self.pool.map(partial(self.deliver_one, token), ids)))

    def deliver_one(self, token: str, rid: str) -> str:
        rem = self.store.begin(rid, token, time.time() + self.lease)
        if rem is None:
            return "skipped"  # cancelled, already settled, or claimed again by another job
        self.throttle.wait()
        started = time.time()
        try:
            self.sender.send(rem.phone, rem.message, client_ref=f"{rem.id}-{int(rem.due)}")
        except SendError as err:
            return self._after_failure(rem, token, err)
        lateness = started - rem.due
        log.log(logging.WARNING if lateness > LATE_AFTER else logging.INFO,
                "sent %s %s to ...%s, %.0f ms %s", rem.kind, rem.id, rem.phone[-4:], abs(lateness) * 1000,
                "late" if lateness > 0 else "early")
        _persist(lambda: self._after_success(rem, token))
        metrics.record_sent(self.store, rem, lateness)
        return "sent"

    def _after_success(self, rem: Reminder, token: str) -> bool:
        following = self.next_occurrence(rem.every, rem.due_local) if rem.every else None
        if following is not None:
            return self.store.reschedule(rem, token, following.timestamp(), next_occurrence=True)
        return self.store.finish(rem, token, "sent")

    def _after_failure(self, rem: Reminder, token: str, err: SendError) -> str:
        attempts = rem.attempts + 1
        if err.retryable and attempts < self.max_attempts:
            delay = retry_delay(attempts, self.retry_base)
            log.warning("send of %s failed (%s); try %d in %.1f s", rem.id, err, attempts + 1, delay)
            retry = replace(rem, attempts=attempts)
            _persist(lambda: self.store.reschedule(retry, token, time.time() + delay))
            metrics.record_retry(self.store, rem)
            return "retrying"
        log.error("send of %s failed for good after %d tries: %s", rem.id, attempts, err)
        _persist(lambda: self.store.finish(rem, token, "failed", str(err)))
        metrics.record_failed(self.store, rem)
        return "failed"


def retry_delay(attempts: int, base: float) -> float:
    """Exponential backoff with jitter, so throttled workers do not retry in lockstep."""
    return random.uniform(base / 2, min(RETRY_CAP, base * 2 ** (attempts - 1)))


def _persist(step: Callable[[], T], tries: int = 5) -> T:
    """Retry a store write through a short Redis blip: losing an acknowledgement means sending twice."""
    for attempt in range(tries):
        try:
            return step()
        except redis.ConnectionError:
            if attempt == tries - 1:
                raise
            time.sleep(0.2 * 2 ** attempt)
    raise AssertionError("unreachable")


# The worker process installs its courier here; rq imports `deliver_job` by name and runs it in that process.
_courier: Courier | None = None


def install(courier: Courier | None) -> None:
    global _courier
    _courier = courier


def deliver_job(token: str, ids: list[str]) -> dict[str, int]:
    """The rq job: one batch of claimed entries."""
    if _courier is None:
        raise RuntimeError("no courier installed: delivery jobs run only in worker.py")
    return _courier.deliver(token, ids)
