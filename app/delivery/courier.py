"""Delivering claimed entries: the rq job that sends a batch, and the rules for what happens after each send.

Safety rests on two things from the store: a claim token (only the job holding an entry's claim may send or
settle it, so a repeated or stale job sends nothing) and a lease (an entry whose worker died becomes due again).
Sends are acknowledged after they succeed, so delivery is at-least-once: a worker killed between Vonage's answer
and the acknowledgement is the only way a text goes out twice, and only for the sends in flight at that moment.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TypeVar

import redis

from app import rules
from app.delivery.senders import Sender, SendError
from app.delivery.whatsapp import WhatsappRoute
from app.logs import last_four
from app.settings import DeliverySettings
from app.storage import clock, counters
from app.storage.budget import OVER_BUDGET, Budget
from app.storage.connection import RETRIED
from app.storage.nags import Nags
from app.storage.people import People
from app.storage.receipts import Receipts
from app.storage.store import Channel, Reminder, Store
from app.storage.throttle import Throttle
from app.texting import notices
from app.texting.segments import segments

log = logging.getLogger(__name__)
T = TypeVar("T")
LATE_AFTER = 1.0  # seconds past due before a send is logged as late
RETRY_CAP = 600.0  # seconds
PERSIST_FOR = 60.0  # seconds a store write is retried through an outage: a failover takes a few, a lease 60
Following = datetime | rules.RuleError | None  # a series' next occurrence, its end, or why it cannot go on

class Courier:
    """Sends the entries of delivery jobs concurrently (Vonage's latency must not serialise sending)."""

    def __init__(self, store: Store, sender: Sender, throttle: Throttle, people: People, budget: Budget,
                 receipts: Receipts, nags: Nags, delivery: DeliverySettings, *, daily_texts: int = 0,
                 daily_segments: int = 0, whatsapp: WhatsappRoute | None = None) -> None:
        self.store, self.sender, self.throttle, self.people = store, sender, throttle, people
        self.whatsapp = whatsapp  # None while WhatsApp is off: an entry made on it goes by SMS
        self.budget, self.receipts = budget, receipts
        self.daily_texts, self.daily_segments = daily_texts, daily_segments  # the budget (budget.py); 0: none
        self.nags, self.nag_every = nags, delivery.nag_minutes * 60
        self.lease, self.max_attempts = delivery.lease_seconds, delivery.max_send_attempts
        self.retry_base = delivery.retry_base_seconds
        self.pool = ThreadPoolExecutor(delivery.send_concurrency, thread_name_prefix="send")
        self.in_flight: dict[int, float] = {}  # send thread -> when its entry began: a stuck send shows (stuck_for)
        self.stopping = threading.Event()  # set on SIGTERM: sends not yet begun go back to the schedule
        # The send threads' Redis steps, a few round trips for many sends (see GroupCommit).
        self._begins = GroupCommit(self._begin_many, "begin")
        settle_pipe = store.redis.pipeline(transaction=False)
        self._settles = GroupCommit(partial(_run_steps, settle_pipe, store.using(settle_pipe)), "settle")

    def deliver(self, token: str, ids: list[str]) -> dict[str, int]:
        """Send every entry this job still holds; returns how many ended which way."""
        outcomes = dict(Counter(self.pool.map(partial(self.deliver_one, token), ids)))
        if outcomes.get("released"):
            self._release(token, ids)
        if outcomes.get("over_budget"):
            _persist(lambda: self.budget.send_notices(self.store, self._budget_notice))
        return outcomes

    def _budget_notice(self, phone: str, texts: int) -> tuple[str, Channel]:
        """The notice, on the channel the person last wrote on (a WhatsApp-only person gets no SMS from us)."""
        person = self.people.person(phone)
        return notices.budget_reached(person, texts), person.last_channel

    def stuck_for(self, now: float | None = None) -> float:
        """Seconds the oldest send in flight has taken (0 when none): a send that outlives its lease is stuck."""
        started = list(self.in_flight.values())
        return max(0.0, (time.time() if now is None else now) - min(started)) if started else 0.0

    def deliver_one(self, token: str, rid: str) -> str:
        if self.stopping.is_set():
            return "released"  # shutting down: not begun, so not sent; _release hands it to the next worker
        rem = self._begins.call((rid, token))
        if rem == OVER_BUDGET:
            counters.record_over_budget(self.store, "reply" if rid.startswith("x") else "reminder")
            return "over_budget"  # storage/lua/spend.lua: the reminder waits for the budget to free, a reply is dropped
        if rem is None:
            return "skipped"  # cancelled, already settled, or claimed again by another job
        if self._larger_than_budget(rem):  # it could wait for ever: no day's budget ever holds it
            return self._after_failure(rem, token, SendError(
                f"{segments(rem.message)} segments, more than the daily budget of {self.daily_segments}",
                retryable=False))
        me = threading.get_ident()
        self.in_flight[me] = time.time()
        try:
            return self._send(rem, token)
        finally:
            self.in_flight.pop(me, None)

    def _send(self, rem: Reminder, token: str) -> str:
        rid = rem.id
        early = rem.due - clock.now()  # claimed a little ahead (scheduler.LOOKAHEAD): never send before due
        if early > 0:
            time.sleep(early)
            if not _persist(lambda: self.store.holds(rid, token)):
                return "skipped"  # cancelled, or the number opted out, while it waited
        _persist(self.throttle.wait)
        started, ref = clock.now(), f"{rem.id}-{int(rem.due)}"
        try:
            parts, channel = self._by_channel(rem, ref)
        except SendError as err:
            return self._after_failure(rem, token, err)
        if len(parts) > 1:  # a long SMS: one receipt per part, and it is delivered only when every part is
            _persist(lambda: self.receipts.expect_parts(ref, len(parts)))
        lateness = started - rem.due
        log.log(logging.WARNING if lateness > LATE_AFTER else logging.INFO,
                "sent %s %s to %s, %.0f ms %s", rem.kind, rem.id, last_four(rem.phone), abs(lateness) * 1000,
                "late" if lateness > 0 else "early")
        following = _following(rem)
        self._settles.call(lambda store: self._after_success(store, rem, token, following))
        if rem.nag:  # repeats until the person replies DONE
            text = notices.nag_repeat(self.people.person(rem.phone), rem.message)
            _persist(lambda: self.nags.start(self.store, rem, self.nag_every, text))
        counters.record_sent(self.store, rem, lateness, channel)
        return "sent"

    def _by_channel(self, rem: Reminder, ref: str) -> tuple[list[str], str]:
        """Send on the entry's channel: WhatsApp (delivery/whatsapp.py), or SMS, also for a WhatsApp entry whose
        number WhatsApp cannot reach, or while WhatsApp is off. Returns the message ids and the channel used."""
        if rem.channel == "whatsapp" and self.whatsapp is not None:
            parts = self.whatsapp.send(rem, ref)
            if parts is not None:
                return parts, "whatsapp"
        return self.sender.send(rem.phone, rem.message, client_ref=ref), "sms"

    @staticmethod
    def _after_success(store: Store, rem: Reminder, token: str, following: Following) -> bool:
        if isinstance(following, rules.RuleError):  # sent once; never again by a retry
            return store.finish(rem, token, "failed", _ended(rem, following))
        if following is not None:
            return store.reschedule(rem, token, following.timestamp(), next_occurrence=True)
        return store.finish(rem, token, "sent")

    def _begin_many(self, claims: list[tuple[str, str]]) -> list[Reminder | str | None]:
        return _persist(lambda: self._begin_within_budget(claims))

    def _begin_within_budget(self, claims: list[tuple[str, str]]) -> list[Reminder | str | None]:
        """Begin each claimed entry (store.begin_many), then count those begun against their numbers' daily budget
        (Budget.spend_many): the entry, OVER_BUDGET, or None when it is not to be sent."""
        begun: list[Reminder | str | None] = list(self.store.begin_many(claims, clock.now() + self.lease))
        if not (self.daily_texts or self.daily_segments):
            return begun
        counted = [(i, rem) for i, rem in enumerate(begun)
                   if isinstance(rem, Reminder) and not self._larger_than_budget(rem)]
        spent = self.budget.spend_many(self.store, [(rem, claims[i][1], segments(rem.message)) for i, rem in counted],
                                       self.daily_texts, self.daily_segments)
        for (i, rem), verdict in zip(counted, spent):
            begun[i] = rem if verdict == "ok" else verdict
        return begun

    def _larger_than_budget(self, rem: Reminder) -> bool:
        return 0 < self.daily_segments < segments(rem.message)

    def _release(self, token: str, ids: list[str]) -> None:
        """Put the entries this job did not begin back on the schedule, due as before, for another worker."""
        begun = _persist(lambda: self.store.begin_many([(rid, token) for rid in ids], clock.now() + self.lease))
        held = [rem for rem in begun if rem is not None]  # those sent or settled are no longer this job's
        pipe = self.store.redis.pipeline(transaction=False)
        store = self.store.using(pipe)
        for rem in held:
            store.reschedule(rem, token, rem.due)
        _persist(pipe.execute)
        log.info("released %d unsent entries of job %s for another worker", len(held), token[:8])

    def _after_failure(self, rem: Reminder, token: str, err: SendError) -> str:
        attempts = rem.attempts + 1
        if err.retryable and attempts < self.max_attempts:
            delay = retry_delay(attempts, self.retry_base)
            log.warning("send of %s failed (%s); try %d in %.1f s", rem.id, err, attempts + 1, delay)
            retry = replace(rem, attempts=attempts)
            _persist(lambda: self.store.reschedule(retry, token, clock.now() + delay))
            counters.record_retry(self.store, rem)
            return "retrying"
        log.error("send of %s failed for good after %d tries: %s", rem.id, attempts, err)
        counters.record_failed(self.store, rem)
        following = _following(rem)
        if isinstance(following, datetime):  # one lost occurrence must not end a series the person set up
            _persist(lambda: self.receipts.record(f"{rem.id}-{int(rem.due)}", "failed", err.code,
                                                  f"send:{rem.id}:{rem.due}"))
            _persist(lambda: self.store.reschedule(rem, token, following.timestamp(), next_occurrence=True,
                                                   delivered=False))
        else:
            why = str(err) if following is None else f"{err}; {_ended(rem, following)}"
            _persist(lambda: self.store.finish(rem, token, "failed", why))
        return "failed"



def _following(rem: Reminder) -> Following:
    """A series' next occurrence after now (those missed meanwhile are not sent late), None when it is over or not a
    series, or the RuleError that ends it: stepping is bounded (app/rules.py), and a rule that cannot be stepped ends
    its series as failed instead of leaving the entry to be claimed, and sent, again."""
    if not rem.every:
        return None
    try:
        return rules.next_occurrence(rem.every, rem.due_local, after=clock.utcnow())
    except rules.RuleError as err:
        return err


def _ended(rem: Reminder, err: rules.RuleError) -> str:
    log.error("series %s ended: its rule cannot be stepped (%s)", rem.id, err)
    return f"its repeat rule cannot be stepped: {err}"


class GroupCommit:
    """Group commit for the send threads' Redis steps: each thread queues its step and waits for the answer; one flusher
    thread runs everything queued since its last round trip as one pipeline. A thread still waits for its own step, so
    an acknowledgement is never taken for granted and at most SEND_CONCURRENCY sends are ever unacknowledged (the
    duplicates a SIGKILL can cause); but many sends share each round trip, which keeps CPU per send low."""

    def __init__(self, flush: Callable[[list], list], name: str) -> None:
        self._flush, self._name = flush, name
        self._queue: list[tuple[object, Future]] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def call(self, item: object) -> object:
        done: Future = Future()
        with self._cond:
            self._queue.append((item, done))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"group-{self._name}", daemon=True)
                self._thread.start()
            self._cond.notify()
        return done.result()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                batch, self._queue = self._queue, []
            try:
                results = self._flush([item for item, _ in batch])
            except Exception as err:
                for _, done in batch:
                    done.set_exception(err)
                continue
            for (_, done), result in zip(batch, results):
                if isinstance(result, Exception):
                    done.set_exception(result)
                else:
                    done.set_result(result)


def _run_steps(pipe: redis.client.Pipeline, store: Store, steps: list[Callable[[Store], object]]) -> list:
    """Queue each step on `store` (bound to `pipe`, one command each) and run them in one round trip."""

    def execute() -> list:
        try:
            for step in steps:
                step(store)
            results = pipe.execute(raise_on_error=False)
            lost = next((r for r in results if isinstance(r, RETRIED)), None)
            if lost is not None:
                raise lost  # e.g. a primary turned replica: retry the lot (tokens make settling idempotent)
            return results
        finally:
            pipe.reset()

    return _persist(execute)


def retry_delay(attempts: int, base: float) -> float:
    """Exponential backoff with jitter, so throttled workers do not retry in lockstep."""
    return random.uniform(base / 2, min(RETRY_CAP, base * 2 ** (attempts - 1)))


def _persist(step: Callable[[], T], within: float = PERSIST_FOR) -> T:
    """Retry a store write through a Redis blip or a failover (the client finds the new primary): losing an
    acknowledgement means sending twice, so keep trying, with a capped backoff, for about a lease."""
    deadline, delay = time.monotonic() + within, 0.2
    while True:
        try:
            return step()
        except RETRIED:
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


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
