"""People: what the service remembers about a number (its zone, whether it opted out, its recent context), and the
changes to it that SMS commands and the REST API make the same way."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from app import rules
from app.phones import number_zone
from app.storage.state import State, as_text
from app.storage.store import Channel, Reminder, Store


@dataclass(frozen=True)
class Person:
    """What the service remembers about a number: its zone, whether it opted out, and its recent context."""

    phone: str
    tz: str | None = None
    asked_tz: bool = False  # we asked once for a zone it could not tell from the number
    opted_out: bool = False
    unreachable: bool = False  # a carrier said the number cannot get texts (unreachable.Unreachable)
    listed: tuple[str, ...] = ()  # ids in the order the last LIST showed them (CANCEL n)
    last_created: str | None = None  # UNDO
    last_sent: tuple[str, float] | None = None  # (id, when) of the last reminder delivered (SNOOZE)
    last_made_at: float | None = None  # when `last_created` was made (a correction must follow it closely)
    lang: str | None = None  # the language learned from its texts, or set (texting/language.py)
    lang_set: bool = False  # set by LANG or the API: its texts no longer change it
    lang_next: str | None = None  # a language one text was heard in, awaiting another (texting/language.py)
    whatsapp_at: float | None = None  # its last WhatsApp message: WhatsApp's 24-hour window (delivery/whatsapp.py)
    whatsapp_none: bool = False  # WhatsApp said the number is no WhatsApp user: its WhatsApp entries go by SMS
    whatsapp_blocked: bool = False  # the person blocked the WhatsApp sender: nothing goes to it on WhatsApp
    seen: float | None = None  # its last text, on either channel

    @property
    def last_channel(self) -> Channel:
        """The channel of its last text: WhatsApp when that text also stamped the window (arrival.lua)."""
        on_whatsapp = self.seen is not None and self.whatsapp_at is not None and int(self.seen) == self.whatsapp_at
        return "whatsapp" if on_whatsapp else "sms"

    @classmethod
    def from_hash(cls, phone: str, raw: dict) -> Person:
        h = {as_text(k): as_text(v) for k, v in raw.items()}
        sent_id, _, sent_at = h.get("sent", "").partition(":")
        return cls(phone=phone, tz=h.get("tz"), asked_tz=h.get("asked") == "1", opted_out="out" in h,
                   unreachable="unreachable" in h, listed=tuple(filter(None, h.get("list", "").split(","))),
                   last_created=h.get("last"),
                   last_sent=(sent_id, float(sent_at)) if sent_at else None,
                   last_made_at=float(h["made"]) if h.get("made") else None, lang=h.get("lang"),
                   lang_set=h.get("langset") == "1", lang_next=h.get("langnext"),
                   whatsapp_at=float(h["wa"]) if h.get("wa") else None,
                   whatsapp_none="wano" in h, whatsapp_blocked="waout" in h,
                   seen=float(h["seen"]) if h.get("seen") else None)


class People(State):
    """Each number's hash `person:<phone>`: tz, asked, out (opted out since), outseq (the id sequence then) and
    outdone (its one last message went: see begin.lua), unreachable (unreachable.py), list (LIST's order), last and
    made (UNDO, corrections; written by add.lua), sent (SNOOZE; written by settle.lua), seen (its last text, written
    by arrival.lua: forget_idle), lang, langset and langnext (the language replies are in, and one its texts may be
    changing to: texting/language.py), wa (its last WhatsApp message, written by arrival.lua: the 24-hour window),
    wano and waout (WhatsApp said it is no WhatsApp user, or that it blocked us: outcomes.py; its next WhatsApp
    message clears both)."""

    def person(self, phone: str) -> Person:
        return Person.from_hash(phone, self.redis.hgetall(self.key("person", phone)))

    def remember(self, phone: str, **fields: str | None) -> None:
        """Set (or, with None, forget) a number's fields."""
        key = self.key("person", phone)
        keep = {k: v for k, v in fields.items() if v is not None}
        drop = [k for k, v in fields.items() if v is None]
        pipe = self.redis.pipeline(transaction=bool(keep and drop))  # MULTI only when there are two commands
        if keep:
            pipe.hset(key, mapping=keep)
        if drop:
            pipe.hdel(key, *drop)
        pipe.execute()

    def forget_idle(self, store: Store, cutoff: float, now: float, batch: int = 2000) -> int:
        """Forget, among the next `batch` numbers (a scan that goes on where the last call stopped), each with
        nothing unsent and no text since `cutoff`; an opted-out one keeps only its opt-out (lua/forget.lua).
        Returns how many."""
        cursor = int(self.redis.get(self.key("retention", "cursor")) or 0)
        cursor, keys = self.redis.scan(cursor, match=self.key("person", "*"), count=batch)
        self.redis.set(self.key("retention", "cursor"), cursor)
        start, forget = len(self.key("person", "")), self.script("forget")
        pipe = self.redis.pipeline(transaction=False)  # one round trip for the batch: the scheduler's turn waits
        for key in keys:
            phone = as_text(key)[start:]
            forget(keys=[self.key("person", phone), self.key("h", phone), store.index.bucket(phone),
                         self.key("unreachable"), self.key("capped"), self.key("feedof", phone),
                         self.key("feedused", phone)],
                   args=[phone, repr(cutoff), repr(now), self.prefix], client=pipe)
        return sum(int(done) for done in pipe.execute())

    def opted_out(self, limit: int, scan_limit: int) -> list[tuple[str, float]]:
        """(number, since when) of numbers that texted STOP, newest first, among at most `scan_limit` numbers."""
        keys: list[bytes | str] = []
        for key in self.redis.scan_iter(match=self.key("person", "*"), count=500):
            keys.append(key)
            if len(keys) >= scan_limit:
                break
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.hget(key, "out")
        start = len(self.key("person", ""))
        found = [(as_text(key)[start:], float(out)) for key, out in zip(keys, pipe.execute()) if out is not None]
        return sorted(found, key=lambda item: -item[1])[:limit]


def zone_of(person: Person, default: str) -> tuple[str, bool]:
    """The number's zone, and whether it is only the default (the number alone cannot tell)."""
    if person.tz:
        return person.tz, False
    known = number_zone(person.phone)
    return (known, False) if known else (default, True)


def set_zone(store: Store, people: People, phone: str, zone: str, now: datetime) -> int:
    """Store the zone and keep each unsent reminder's wall-clock time in it ('7am' meant the person's 7am; held
    ones stay held); returns how many moved."""
    people.remember(phone, tz=zone, asked="1")
    moved = 0
    for rem in store.for_phone(phone):
        due = rem.due_local.replace(tzinfo=ZoneInfo(zone))
        if rem.status in ("pending", "held") and rem.tz != zone and due > now:
            moved += store.update(replace(rem, due=due.timestamp(), tz=zone))
    return moved


def opt_out(store: Store, people: People, phone: str, now: datetime, confirm: bool = False) -> int:
    """Nothing more is sent to the number; its reminders are held. Returns how many were held. The mark carries the
    id sequence's value, so begin.lua lets through at most one newer message, the opt-out's confirmation, and none at
    all when there is to be no confirmation."""
    people.remember(phone, out=str(int(now.timestamp())), outseq=str(store.last_id()),
                    outdone=None if confirm else "1")
    return store.hold(phone)


def opt_in(store: Store, people: People, phone: str, now: datetime) -> int:
    """Undo an opt-out: held reminders still ahead resume (a series at its next occurrence); returns how many."""
    people.remember(phone, out=None, outseq=None, outdone=None)
    return resume(store, phone, now)


def resume(store: Store, phone: str, now: datetime) -> int:
    """Put a number's held reminders back on the schedule: those still ahead (a series at its next occurrence);
    those that fell due meanwhile are not sent late. Returns how many resumed."""
    return sum(_resume(store, rem, now) for rem in store.for_phone(phone) if rem.status == "held")


def _resume(store: Store, rem: Reminder, now: datetime) -> bool:
    due: datetime | None = rem.due_local
    if rem.every and due <= now:
        try:
            due = rules.next_occurrence(rem.every, due, after=now)  # one bounded step, however long it was held
        except rules.RuleError as err:  # a rule stored before rules were checked: the series ends, visibly
            store.finish(rem, "", "failed", f"its repeat rule cannot be stepped: {err}")
            return False
    if due is not None and due > now:
        return store.update(replace(rem, due=due.timestamp()))
    store.cancel(rem.id, detail="due while opted out")
    return False
