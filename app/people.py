"""A number's settings — zone and opt-out — changed the same way by SMS commands and by the REST API."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from . import parsing
from .phones import number_zone
from .settings import Settings
from .store import Person, Reminder, Store


def too_far(settings: Settings, due: datetime, now: datetime) -> bool:
    """Beyond MAX_DAYS_AHEAD: refused, by SMS and by the API alike."""
    return due - now > timedelta(days=settings.max_days_ahead)


def too_many(settings: Settings, unsent: int) -> bool:
    """At MAX_PENDING_PER_NUMBER unsent reminders already."""
    return unsent >= settings.max_pending


def zone_of(person: Person, default: str) -> tuple[str, bool]:
    """The number's zone, and whether it is only the default (the number alone cannot tell)."""
    if person.tz:
        return person.tz, False
    known = number_zone(person.phone)
    return (known, False) if known else (default, True)


def set_zone(store: Store, phone: str, zone: str, now: datetime) -> int:
    """Store the zone and keep each unsent reminder's wall-clock time in it ('7am' meant the person's 7am; held
    ones stay held); returns how many moved."""
    store.remember(phone, tz=zone, asked="1")
    moved = 0
    for rem in store.for_phone(phone):
        due = rem.due_local.replace(tzinfo=ZoneInfo(zone))
        if rem.status in ("pending", "held") and rem.tz != zone and due > now:
            moved += store.update(replace(rem, due=due.timestamp(), tz=zone))
    return moved


def opt_out(store: Store, phone: str, now: datetime) -> int:
    """Nothing more is sent to the number; its reminders are held. Returns how many were held."""
    return store.hold(phone, now.timestamp())


def opt_in(store: Store, phone: str, now: datetime) -> int:
    """Undo an opt-out: held reminders still ahead resume (a series at its next occurrence); returns how many."""
    store.remember(phone, out=None, outseq=None)
    return sum(_resume(store, rem, now) for rem in store.for_phone(phone) if rem.status == "held")


def _resume(store: Store, rem: Reminder, now: datetime) -> bool:
    due = rem.due_local
    while rem.every and due <= now:
        following = parsing.next_occurrence(rem.every, due)
        if following is None:
            break
        due = following
    if due > now:
        return store.update(replace(rem, due=due.timestamp()))
    store.cancel(rem.id, detail="due while opted out")
    return False
