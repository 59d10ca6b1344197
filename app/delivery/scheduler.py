"""Turning due entries into delivery jobs, on time.

The scheduler sleeps until the earliest entry is due, or until the web process schedules something sooner
(a BLPOP on the wake list with that timeout), then claims what is due and enqueues rq jobs for it. It claims only
while few jobs wait, so leases never run out on work that is merely queued. When the Redis primary changes (a
failover), it recovers the claims whose delivery jobs were lost with the old primary (`recover`).
"""
from __future__ import annotations

import logging
import threading
import time
import uuid

import redis
from rq import Queue
from rq.job import Job, JobStatus

from app.delivery.courier import deliver_job
from app.storage import clock
from app.storage.connection import deadline
from app.storage.failover import PrimaryWatch
from app.storage.people import People
from app.storage.replication import drop_stranded
from app.storage.store import Store

log = logging.getLogger(__name__)
MAX_SLEEP = 1.0  # seconds: also bounds how long a retry or recurring occurrence can wait unnoticed
# Entries are claimed this long before they fall due, so that enqueueing, rq's dequeue and the job's start happen
# ahead of time; the courier holds each send until its due time (never early). A send is then late by its own
# latency only, not by the hand-over to a job as well.
LOOKAHEAD = 0.25  # seconds
LIVE_JOBS = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)
CLOCK_EVERY = 1.0  # seconds between readings of Redis's clock (storage/clock.py)
SKEW_LOG_EVERY = 60.0  # seconds between warnings that the host's clock is off Redis's
# The most one turn's Redis calls may take, retries included: a Redis that stops answering is noticed (logged, backed
# off from, and its heartbeat goes stale) within this, and never holds the loop for good.
TURN_SECONDS = 10.0
SWEEP_EVERY = 3600.0  # seconds between looks for replies stranded in the parked state (replication.drop_stranded)


class Scheduler:
    def __init__(self, store: Store, queue: Queue, *, lease: float, batch_size: int, max_queued: int = 4,
                 people: People | None = None, retention_days: float = 0) -> None:
        self.store, self.queue, self.people, self.retention = store, queue, people, retention_days * 86400
        self.lease, self.batch_size, self.max_queued = lease, batch_size, max_queued
        self.stopping = threading.Event()
        self.last_turn = time.time()  # each turn of the loop: the heartbeat tells a stuck loop from a busy one
        self.watch = PrimaryWatch(store.redis)
        self.next_sweep = time.time()
        self.skew_logged = float("-inf")

    def run(self) -> None:
        """Loop until stopped, riding out Redis outages with a capped backoff."""
        backoff = 0.1
        while not self.stopping.is_set():
            self.last_turn = time.time()
            try:
                with deadline(TURN_SECONDS):
                    self.turn()
                backoff = 0.1
            except redis.RedisError as err:
                log.warning("scheduler: Redis unavailable (%s); retrying in %.1f s", err, backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def turn(self) -> None:
        """One turn of the loop: the clock, a failover's lost claims, stranded replies, then one tick."""
        self.check_clock()
        if self.watch.changed():
            log.warning("scheduler: the Redis primary changed (%s); recovered %d claims", self.watch, self.recover())
        if time.time() >= self.next_sweep:
            self.next_sweep = time.time() + SWEEP_EVERY
            if dropped := drop_stranded(self.store):
                log.warning("scheduler: cancelled %d replies parked for over 2 days (never confirmed)", dropped)
            self.forget_idle()
        self.tick()

    def forget_idle(self) -> None:
        """Forget the numbers kept past PERSON_RETENTION_DAYS with nothing to send them (People.forget_idle)."""
        if self.people is None or not self.retention:
            return
        now = clock.now()
        if forgotten := self.people.forget_idle(self.store, now - self.retention, now):
            log.info("scheduler: forgot %d numbers idle for over %g days", forgotten, self.retention / 86400)

    def check_clock(self) -> None:
        """Read Redis's clock (at most once a CLOCK_EVERY): every due time is compared with it, never with this
        host's, which may be off (then say so, once a minute)."""
        skew = clock.refresh(self.store.redis, CLOCK_EVERY)
        if abs(skew) > clock.SKEWED and time.monotonic() - self.skew_logged >= SKEW_LOG_EVERY:
            self.skew_logged = time.monotonic()
            log.warning("this host's clock is %.1f s %s Redis's: due times are read on Redis's clock", abs(skew),
                        "ahead of" if skew > 0 else "behind")

    def tick(self) -> int:
        """Enqueue one batch if anything is due, else sleep until something may be; returns how many claimed."""
        if self.queue.count >= self.max_queued:
            self.stopping.wait(0.005)
            return 0
        now = clock.now()
        token = uuid.uuid4().hex
        ids = self.store.claim(now + LOOKAHEAD, now + self.lease, self.batch_size, token)
        if ids:
            # No rq retry: a rerun would hold the same token while the first run's sends may still be in flight;
            # if a job dies, its leases run out and the entries are claimed again under a new token.
            self.queue.enqueue(deliver_job, token, ids, job_id=f"deliver-{token}",
                               result_ttl=3600, failure_ttl=7 * 24 * 3600, job_timeout=max(60, int(self.lease)))
            return len(ids)
        following = self.store.next_due()
        self.store.wait_for_work(MAX_SLEEP if following is None else
                                 min(MAX_SLEEP, following - LOOKAHEAD - clock.now()))
        return 0


    def recover(self) -> int:
        """Make due now the claimed entries whose delivery job the primary does not know or that ended (its enqueue
        or its acknowledgements were lost with the old primary), rather than leaving them until their lease runs
        out. Entries of a job still running elsewhere may be sent twice: no more than that job has in flight,
        as at-least-once delivery allows."""
        claims = self.store.claims()
        tokens = sorted(set(claims.values()))
        jobs = Job.fetch_many([f"deliver-{token}" for token in tokens], connection=self.queue.connection)
        live = {token for token, job in zip(tokens, jobs) if job is not None and job.get_status() in LIVE_JOBS}
        return self.store.recover({rid: token for rid, token in claims.items() if token not in live}, clock.now())


# Entries per job without a rate limit: while a job starts, and while its slowest sends finish, the send threads
# stand idle, so fewer, larger jobs pay for that less often.
UNLIMITED_BATCH = 250


def batch_size_for(rate: float) -> int:
    """About two seconds of sending under the rate limit, so a job (and SIGTERM's wait for it) stays short; without
    a limit, enough that rq's per-job cost and the wait for a job's slowest send stay small (SIGTERM hands a job's
    unbegun entries back, so its size does not lengthen shutdown)."""
    return UNLIMITED_BATCH if rate <= 0 else max(1, min(100, int(rate * 2)))
