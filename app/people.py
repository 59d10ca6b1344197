"""A number's settings — zone and opt-out — changed the same way by SMS commands and by the REST API."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from . import parsing
from .phones import number_zone
from .store import Person, Reminder, Store


def zone_of(person: Person, default: str) -> tuple[str, bool]:
    """The number's zone, and whether it is only the default (the number alone cannot tell)."""
    if person.tz:
        return person.tz, False
    known = number_zone(person.phone)
    return (known, False) if known else (default, True)


def set_zone(store: Store, phone: str, zone: str, now: datetime) -> int:
    """Store the zone and keep each pending reminder's wall-clock time in it ('7am' meant the person's 7am);
    returns how many moved."""
    store.remember(phone, tz=zone, asked="1")
    moved = 0
    for rem in store.for_phone(phone):
        due = rem.due_local.replace(tzinfo=ZoneInfo(zone))
        if rem.status == "pending" and rem.tz != zone and due > now:
            moved += store.update(replace(rem, due=due.timestamp(), tz=zone))
    return moved


def opt_out(store: Store, phone: str, now: datetime) -> int:
    """Nothing more is sent to the number; its reminders are held. Returns how many were held."""
    held = store.hold(phone)
    store.remember(phone, out=str(int(now.timestamp())))
    return held


def opt_in(store: Store, phone: str, now: datetime) -> int:
    """Undo an opt-out: held reminders still ahead resume (a series at its next occurrence); returns how many."""
    store.remember(phone, out=None)
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
