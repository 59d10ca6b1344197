"""What an operator reads and does, shared by the dashboard and the admin CLI: the service's figures, the
upcoming schedule, the dead letters and retrying one, the opted-out numbers, the rq queue and its workers.

Every read and write goes through the storage classes' own methods; nothing here knows a key.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import redis
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry

from app.ops import metrics
from app.services import Services
from app.storage import clock, counters
from app.storage.people import People
from app.storage.store import Reminder, Store

HOUR = 3600
SCAN_LIMIT = 20_000  # person keys looked at when listing opted-out numbers (a dashboard must stay fast)


@dataclass(frozen=True)
class Stats:
    pending: int  # reminders and replies on the schedule
    due_next_hour: int
    overdue: int  # past due by more than 5 s and not taken by a worker: the worker is down or behind
    created_today: int
    sent_today: int  # on every channel
    failed_today: int
    retried_today: int
    lateness_p50: float | None  # seconds, over the last reminders sent
    lateness_p95: float | None
    lateness_max: float | None
    dead_letters: int
    opted_out: int
    workers: list[tuple[str, float]] = field(default_factory=list)  # (name, seconds since its heartbeat)
    queued_jobs: int = 0
    running_jobs: int = 0
    failed_jobs: int = 0
    day_starts: str = ""  # local midnight the "today" figures count from
    over_budget_today: int = 0  # sends the daily budget per number stopped (reminders waiting, replies dropped)
    numbers_over_budget: int = 0  # numbers that met their budget in the last 24 hours
    whatsapp_today: int = 0  # of sent_today, those that went on WhatsApp
    data_lost: list[str] = field(default_factory=list)  # why Redis may have lost reminders (metrics.Losses)

    def as_dict(self) -> dict:
        out = dict(self.__dict__)
        out["workers"] = [{"name": n, "seconds_since_heartbeat": round(s, 1)} for n, s in self.workers]
        return out


def start_of_day(zone: str, now: float) -> float:
    local = datetime.fromtimestamp(now, ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def stats(services: Services, zone: str, now: float | None = None) -> Stats:
    now = clock.now() if now is None else now
    store, queue = services.store, services.queue
    midnight = start_of_day(zone, now)
    counters.flush()  # this process's own counts first
    pending, next_hour, overdue, dead = store.depth(now, HOUR, 5)
    today = counters.since(store, midnight, now)
    late = counters.recent_lateness(store)
    return Stats(pending=pending, due_next_hour=next_hour, overdue=overdue,
                 created_today=int(today["created"]), sent_today=int(today["sent"]),
                 whatsapp_today=int(today["sent_whatsapp"]),
                 failed_today=int(today["failed"]), retried_today=int(today["retried"]),
                 lateness_p50=metrics.percentile(late, 0.5), lateness_p95=metrics.percentile(late, 0.95),
                 lateness_max=late[-1] if late else None, dead_letters=dead, opted_out=len(opted_out(services.people)),
                 workers=services.heartbeats.alive(now), queued_jobs=queue.count,
                 running_jobs=StartedJobRegistry(queue=queue).count,
                 failed_jobs=FailedJobRegistry(queue=queue).count,
                 day_starts=datetime.fromtimestamp(midnight, ZoneInfo(zone)).isoformat(),
                 over_budget_today=int(today["over_budget"]),
                 numbers_over_budget=services.budget.capped_count(now),
                 data_lost=metrics.losses(services).reasons())


def rq_workers(queue: Queue) -> list[dict]:
    """rq's own view of its workers on the delivery queue (state, current job, rq heartbeat)."""
    found = []
    for worker in Worker.all(queue=queue):
        job = worker.get_current_job_id()
        found.append({"name": worker.name, "state": str(worker.get_state()), "job": job,
                      "last_heartbeat": worker.last_heartbeat.isoformat() if worker.last_heartbeat else None,
                      "successful": worker.successful_job_count, "failed": worker.failed_job_count})
    return found


def upcoming(store: Store, limit: int = 50, phone: str | None = None) -> list[Reminder]:
    """The next entries on the schedule (all numbers, or one number's reminders), soonest first."""
    if phone:
        return store.for_phone(phone)[:limit]
    found = (store.get(rid) for rid in store.soonest(limit))
    return [rem for rem in found if rem is not None]


def dead_letters(store: Store, limit: int = 50) -> list[tuple[Reminder, float | None]]:
    """Failed messages, most recent first, each with when it failed."""
    found = [(store.get(rid), at) for rid, at in store.dead_letters_since(limit)]
    return [(rem, at) for rem, at in found if rem is not None]


class RetryError(Exception):
    """Why a dead letter cannot be retried; the message is shown to the operator."""


def retry(services: Services, rid: str) -> str:
    """Schedule a failed message again, now, as a new one-off entry; returns the new id.
    Taking it off the dead-letter list first makes a double click (or two operators) retry it once."""
    store = services.store
    rem = store.get(rid)
    if rem is None or rem.status != "failed":
        raise RetryError(f"{rid} is not a failed message (it may have expired after a week)")
    if services.people.person(rem.phone).opted_out:
        raise RetryError(f"{rid}: the number has opted out (texted STOP)")
    if not store.revive(rid):
        raise RetryError(f"{rid} was already retried")
    # a one-off copy: a dead-lettered series has ended (a failed occurrence of a live one does not end it)
    again = replace(rem, due=clock.now(), attempts=0, status="pending", detail=None, id="", every=None)
    try:
        (new_id,) = store.add([again])
    except redis.RedisError:
        store.bury(rid, clock.now())
        raise
    return new_id


def opted_out(people: People, limit: int = 1000) -> list[tuple[str, float]]:
    """(number, since when) of numbers that texted STOP, newest first; looks at most SCAN_LIMIT numbers."""
    return people.opted_out(limit, SCAN_LIMIT)
