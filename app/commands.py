"""What a text means: a command (LIST, CANCEL 2, TZ London, STOP, …) or else a new reminder.

Each text produces the entries to schedule — a reminder, and always at most one reply — which the store adds
atomically and only once per inbound message id. Replies travel the same schedule as reminders (due now), so they
get the same retries, rate limit and once-only guard. Replies are kept to one SMS segment.
"""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from . import moves, parsing, people, rules, zones
from .acks import Acks
from .parts import Parts
from .people import People, Person
from .phrasebook import phrasebook
from .quotas import Quotas
from .receipts import Receipts
from .replication import Replication
from .sending import fits_one_segment
from .settings import Settings
from .store import Reminder, Store
from .unreachable import Unreachable

MAX_MESSAGE = 1000  # characters in a reminder's own text
SNOOZE_DEFAULT = timedelta(minutes=10)
SNOOZE_WINDOW = 24 * 3600  # seconds after a reminder arrives during which SNOOZE repeats it
CORRECTION_WINDOW = 5 * 60  # seconds after a confirmation during which `actually 8am` moves that reminder
WHOLE_TEXT = ("new", "correct", "change")  # commands that may turn out to be a new reminder after all

EN = phrasebook("en")  # the one language so far
TIME_ONLY = parsing.parse("in 1 hour", "UTC").message  # what the parser calls a text that is only a time
_SNOOZE = re.compile(r"(\d{1,4}(?:\.\d{1,2})?)\s*(m|mins?|minutes?|h|hrs?|hours?)?")


BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """Drop control characters (keeping line breaks) and bidirectional overrides (U+202E can make a reminder read
    backwards on the phone), so they never reach the parser, the store or a reply. Joiners stay: emoji use them."""
    return "".join(ch for ch in text if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS))


class Conversation:
    """One number's texts in, entries to schedule out."""

    def __init__(self, store: Store, people: People, quotas: Quotas, parts: Parts, receipts: Receipts,
                 settings: Settings) -> None:
        self.store, self.people, self.quotas, self.parts, self.receipts = store, people, quotas, parts, receipts
        self.settings = settings
        self.acks = Acks(store.redis, store.prefix)
        self.unreachable = Unreachable(store.redis, store.prefix)
        self.replication = Replication(store.redis, store.prefix, settings)

    def receive(self, phone: str, text: str, message_id: str, now: datetime | None = None) -> bool:
        """Handle one inbound text; False when this message was already handled (a webhook retry)."""
        seen, person, texts = self.quotas.arrival(phone, message_id)
        if seen:
            self.replication.release(self.store, message_id)  # a retry after a 503: the replies still parked
            return False
        now = now or datetime.now(timezone.utc)
        if person.unreachable:  # it texted, so it can get texts again
            self.unreachable.clear(self.store, phone, now, person.opted_out)
        text = printable(text)
        command, arg = EN.command(text)
        if person.opted_out and command != "start":
            items: list[Reminder] = []  # opted out: nothing is ever sent until START
        elif texts > self.settings.texts_per_minute:
            items = self._refusal(person, EN.say("too_fast"))
        elif len(text) > MAX_MESSAGE:  # before any parsing: a 64 KB text must cost nothing (joined parts too)
            items = [reply(phone, EN.say("too_long", limit=MAX_MESSAGE), self.zone(person)[0])]
        else:
            items = getattr(self, f"_{command}")(person, text if command in WHOLE_TEXT else arg, now)
        added = self.store.add(items, inbound_id=message_id, sender=phone, park_replies=self.replication.required)
        self.replication.release(self.store, message_id)  # NotReplicated: 503, and Vonage retries
        return added is not None

    def receive_part(self, phone: str, ref: str, part: int, total: int, text: str, message_id: str) -> bool:
        """A part of a long message: act once all parts are in; say so if the rest never comes. Each part counts
        as a text, so parts cannot buy more answers than whole texts."""
        _seen, person, texts = self.quotas.arrival(phone, message_id)
        if texts > self.settings.texts_per_minute:
            if refusal := self._refusal(person, EN.say("too_fast")):
                self.store.add(refusal)
            return False
        state, timer, parts = self.parts.collect(phone, ref, part, total, text, message_id,
                                                 ttl=self.settings.concat_timeout * 2)
        if state == "first":
            give_up = reply(phone, EN.say("part_missing"), "UTC", due=time.time() + self.settings.concat_timeout)
            (timer_id,) = self.store.add([give_up])
            if not self.parts.arm_timer(phone, ref, timer_id):
                self.store.discard(timer_id)  # the message completed while the timer was being set
        if state != "complete":
            return True
        if timer not in ("", "spent"):
            self.store.discard(timer)
        return self.receive(phone, "".join(t for _, t in parts), parts[0][0])

    # --- a new reminder -----------------------------------------------------------------------------------

    def _new(self, person: Person, text: str, now: datetime) -> list[Reminder]:
        tz, ask = self.zone(person)
        say = lambda words: [reply(person.phone, words, tz)]  # noqa: E731
        text, nag = EN.patterns["nag"].subn("", text)  # `until done`, `nag me`: not part of the reminder's text
        try:
            parsed = parsing.parse(text, tz, now)
        except parsing.ParseError as err:
            return say(str(err))
        if len(parsed.message) > MAX_MESSAGE:
            return say(EN.say("too_long", limit=MAX_MESSAGE))
        try:
            parsed = self._checked(parsed)
        except rules.RuleError as err:
            return say(refusal(err))
        if people.too_far(self.settings, parsed.due, now):
            return say(EN.say("too_far", days=self.settings.max_days_ahead))
        made, unsent = self.quotas.reminder_load(person.phone)
        if made > self.settings.reminders_per_minute:
            return self._refusal(person, EN.say("too_many_now"))
        if people.too_many(self.settings, unsent):
            return self._refusal(person, EN.say("too_many_pending", limit=self.settings.max_pending))
        if ask:
            self.people.remember(person.phone, asked="1")
        reminder = Reminder(phone=person.phone, message=parsed.message, due=parsed.due.timestamp(), tz=tz,
                            every=parsed.every, nag=bool(nag))
        hint = EN.say("ask_tz") if ask else EN.say("nag_hint", minutes=f"{self.settings.nag_minutes:g}") if nag \
            else EN.say("list_hint")
        words = confirmation(parsed.message, parsing.describe_when(parsed.due, parsed.every), hint)
        return [reminder, reply(person.phone, words, tz)]

    def _checked(self, parsed: parsing.Parsed) -> parsing.Parsed:
        """The parse with its rule as stored, or RuleError: a text gets the same floor as the API (rules.check)."""
        if not parsed.every:
            return parsed
        return replace(parsed, every=rules.check(parsed.every, min_minutes=self.settings.min_repeat_minutes,
                                                 start=parsed.due))

    def zone(self, person: Person) -> tuple[str, bool]:
        """The number's zone, and whether to ask for it (once) because the number alone cannot tell."""
        tz, guessed = people.zone_of(person, self.settings.default_timezone)
        return tz, guessed and not person.asked_tz

    def _refusal(self, person: Person, words: str) -> list[Reminder]:
        """A polite no, sent at most once a minute per number: never a reply storm."""
        if not self.quotas.first_time("refusal", person.phone, 60):
            return []
        return [reply(person.phone, words, self.zone(person)[0])]

    # --- commands -----------------------------------------------------------------------------------------

    def _help(self, person: Person, _arg: str | None, _now: datetime) -> list[Reminder]:
        """What carriers expect of HELP (CTIA): the service's name, where to get help, rates, how to opt out."""
        contact = self.settings.support_contact
        words = EN.say("help", service=self.settings.service_name,
                       contact=EN.say("help_contact", contact=contact) if contact else "")
        return [reply(person.phone, words, self.zone(person)[0])]

    def _list(self, person: Person, _arg: str | None, _now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        reminders = self.store.for_phone(person.phone)
        self.people.remember(person.phone, list=",".join(r.id for r in reminders))
        if not reminders:
            return [reply(person.phone, EN.say("list_empty"), tz)]
        receipts = self.receipts.of_many([r.id for r in reminders])
        lines = [f"{i}. {line(r, tz)}" + (EN.say("list_failed") if (got or {}).get("state") in ("failed", "rejected")
                                      else "") for i, (r, got) in enumerate(zip(reminders, receipts), 1)]
        return [reply(person.phone, listing(lines), tz)]

    def _cancel(self, person: Person, which: str, _now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        if which == "all":
            cancelled = [r for r in self.store.for_phone(person.phone) if self.store.cancel(r.id)]
            return [reply(person.phone, EN.say("cancelled_all", count=len(cancelled)), tz)]
        order = person.listed or tuple(r.id for r in self.store.for_phone(person.phone))
        n = int(which)
        gone = self.store.cancel(order[n - 1]) if 1 <= n <= len(order) else None
        if gone is None:
            return [reply(person.phone, EN.say("no_such", n=n), tz)]
        return [reply(person.phone, fit(EN.say("cancelled", n=n, message=gone.message)), tz)]

    def _undo(self, person: Person, _arg: str | None, _now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        gone = self.store.cancel(person.last_created) if person.last_created else None
        if gone is None:
            return [reply(person.phone, EN.say("undo_nothing"), tz)]
        return [reply(person.phone, fit(EN.say("undone", message=gone.message)), tz)]

    def _change(self, person: Person, text: str, now: datetime) -> list[Reminder]:
        """CHANGE 2 <when> (EDIT, MOVE): a reminder from the last LIST gets a new time and keeps its text."""
        tz = self.zone(person)[0]
        number, _, when = (EN.command(text)[1] or "").partition(" ")
        when = re.sub(r"^to\s+", "", when.strip())  # MOVE 2 to friday
        if not when:
            return [reply(person.phone, EN.say("change_how"), tz)]
        parsed = self._time_only(when, tz, now)
        if parsed is None:
            return self._new(person, text, now)  # `move 2 boxes tomorrow` is a reminder
        order = person.listed or tuple(r.id for r in self.store.for_phone(person.phone))
        n = int(number)
        rem = self.store.get(order[n - 1]) if 1 <= n <= len(order) else None
        if rem is None or rem.status not in ("pending", "held"):
            return [reply(person.phone, EN.say("no_such", n=n), tz)]
        return self._move(person, rem, when, parsed, now)

    def _correct(self, person: Person, text: str, now: datetime) -> list[Reminder]:
        """`actually 8am`, `no, tomorrow`: a few minutes after a confirmation, the reminder just made moves."""
        tz = self.zone(person)[0]
        when = EN.command(text)[1] or ""
        parsed = self._time_only(when, tz, now)
        if parsed is None:
            return self._new(person, text, now)  # `no school tomorrow 8am` is a reminder
        recent = person.last_made_at is not None and now.timestamp() - person.last_made_at <= CORRECTION_WINDOW
        rem = self.store.get(person.last_created) if recent and person.last_created else None
        if rem is None or rem.status not in ("pending", "held"):
            return [reply(person.phone, EN.say("correct_nothing"), tz)]
        return self._move(person, rem, when, parsed, now)

    def _time_only(self, words: str, tz: str, now: datetime) -> parsing.Parsed | None:
        """How the parser reads `words` when they are only a time; None when they are anything more (or nothing)."""
        try:
            parsed = parsing.parse(words, tz, now)
        except parsing.ParseError:
            return None
        return parsed if parsed.message == TIME_ONLY else None

    def _move(self, person: Person, rem: Reminder, words: str, parsed: parsing.Parsed, now: datetime
              ) -> list[Reminder]:
        """Give `rem` the new time the words say (moves.new_time), in the person's zone, and say when it is now."""
        tz = self.zone(person)[0]
        try:
            parsed = self._checked(parsed)
        except rules.RuleError as err:
            return [reply(person.phone, refusal(err), tz)]
        try:
            due, every = moves.new_time(EN, words, parsed, rem.due_local.astimezone(ZoneInfo(tz)), rem.every, now)
        except moves.MoveError as err:
            return [reply(person.phone, EN.say(str(err)), tz)]
        if people.too_far(self.settings, due, now):
            return [reply(person.phone, EN.say("too_far", days=self.settings.max_days_ahead), tz)]
        if not self.store.update(replace(rem, due=due.timestamp(), tz=tz, every=every, attempts=0)):
            return [reply(person.phone, EN.say("correct_nothing"), tz)]
        return [reply(person.phone, fit(EN.say("moved", message=rem.message,
                                               when=parsing.describe_when(due, every))), tz)]

    def _done(self, person: Person, _arg: str | None, _now: datetime) -> list[Reminder]:
        """DONE or OK: a reminder that repeats until acknowledged stops repeating."""
        dropped = self.acks.done(self.store, person.phone)
        return [reply(person.phone, EN.say("acked" if dropped else "ack_nothing"), self.zone(person)[0])]

    def _snooze(self, person: Person, arg: str | None, now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        last = self.store.get(person.last_sent[0]) if person.last_sent else None
        if last is None or now.timestamp() - person.last_sent[1] > SNOOZE_WINDOW:
            return [reply(person.phone, EN.say("snooze_nothing"), tz)]
        delay = snooze_delay(arg)
        if delay is None:
            return [reply(person.phone, EN.say("snooze_how_long"), tz)]
        self.acks.done(self.store, person.phone)  # snoozed is answered: no repeats meanwhile
        due = now + delay
        again = Reminder(phone=person.phone, message=last.message, due=due.timestamp(), tz=tz)
        when = due.astimezone(ZoneInfo(tz)).strftime("%-I:%M %p")
        return [again, reply(person.phone, fit(EN.say("snoozed", message=last.message, when=when)), tz)]

    def _tz(self, person: Person, arg: str | None, now: datetime) -> list[Reminder]:
        current = self.zone(person)[0]
        if not arg:
            return [reply(person.phone, EN.say("tz_is", zone=current, now=clock(now, current)), current)]
        zone = zones.resolve(arg)
        if zone is None:
            return [reply(person.phone, fit(EN.say("tz_unknown", given=arg)), current)]
        moved = people.set_zone(self.store, self.people, person.phone, zone, now)
        extra = EN.say("tz_moved", reminders=EN.count(moved, "reminder")) if moved else ""
        return [reply(person.phone, EN.say("tz_set", zone=zone, now=clock(now, zone)) + extra, zone)]

    def _stop(self, person: Person, _arg: str | None, now: datetime) -> list[Reminder]:
        """One confirmation, then nothing (begin.lua); none at all when the provider answers STOP itself."""
        confirm = self.settings.opt_out_replies
        held = people.opt_out(self.store, self.people, person.phone, now, confirm=confirm)
        if not confirm:
            return []
        kept = EN.say("stopped_held", reminders=EN.count(held, "reminder"), are=EN.form(held, "are")) if held else ""
        words = EN.say("stopped", service=self.settings.service_name, held=kept)
        return [reply(person.phone, words, self.zone(person)[0])]

    def _start(self, person: Person, _arg: str | None, now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        resumed = people.opt_in(self.store, self.people, person.phone, now) if person.opted_out else None
        if not self.settings.opt_out_replies:
            return []  # the provider answers START itself
        if resumed is None:
            return [reply(person.phone, EN.say("started_already"), tz)]
        return [reply(person.phone, EN.say("started", reminders=EN.count(resumed, "reminder")), tz)]


def refusal(err: rules.RuleError) -> str:
    """The reply to a text whose series cannot be made: the floor when it repeats too often."""
    if isinstance(err, rules.TooOften):
        return EN.say("too_often", minutes=f"{err.floor_minutes:g}")
    return EN.say("bad_repeat")


def reply(phone: str, text: str, tz: str, due: float | None = None) -> Reminder:
    return Reminder(phone=phone, message=text, due=time.time() if due is None else due, tz=tz, kind="reply")


def clock(now: datetime, tz: str) -> str:
    return now.astimezone(ZoneInfo(tz)).strftime("%-I:%M %p %a")


def line(rem: Reminder, tz: str) -> str:
    """One LIST line: short text, then when, in the reminder's own zone, named when it is not the person's `tz`
    (one kept in its old zone after TZ must not look like a past time)."""
    when = parsing.describe_when(rem.due_local, rem.every).removeprefix("on ").replace(" at ", " ")
    if rem.tz != tz:
        when += EN.say("list_zone", city=rem.tz.rsplit("/", 1)[-1].replace("_", " "))
    text = rem.message if len(rem.message) <= 24 else rem.message[:22].rstrip() + ".."
    return f"{text} - {when}" + (EN.say("list_held") if rem.status == "held" else "")


def listing(lines: list[str]) -> str:
    """As many lines as fit one segment, then how many more."""
    shown: list[str] = []
    for i, entry in enumerate(lines):
        rest = len(lines) - i - 1
        candidate = "\n".join([*shown, entry] + ([EN.say("list_more", count=rest)] if rest else []))
        if shown and not fits_one_segment(candidate):
            break
        shown.append(entry)
    rest = len(lines) - len(shown)
    return "\n".join(shown + ([EN.say("list_more", count=rest)] if rest else []))


def snooze_delay(arg: str | None) -> timedelta | None:
    """'10' or '10m' minutes, '1h' / '2 hours'; None when unreadable or over a day."""
    if not arg:
        return SNOOZE_DEFAULT
    match = _SNOOZE.fullmatch(arg.strip().lower())
    if not match:
        return None
    amount, unit = float(match.group(1)), (match.group(2) or "m")
    delay = timedelta(hours=amount) if unit.startswith("h") else timedelta(minutes=amount)
    return delay if timedelta(0) < delay <= timedelta(days=1) else None


def fit(text: str) -> str:
    """Shorten a reply to one segment where possible, cutting inside the quoted part."""
    if fits_one_segment(text) or '"' not in text:
        return text
    head, rest = text.split('"', 1)
    quoted, tail = rest.rsplit('"', 1) if '"' in rest else (rest, "")
    quoted = quoted[:160]
    while len(quoted) > 8 and not fits_one_segment(f'{head}"{quoted}..."{tail}'):
        quoted = quoted[:-4]
    return f'{head}"{quoted.rstrip()}..."{tail}'


def confirmation(message: str, when: str, hint: str) -> str:
    """`Got it: "gym" on Wed 25 Nov at 7:00 AM. Reply LIST ...` in one SMS where it can be: the person's own words
    whole before the hint, then shortened with the hint, then shortened alone."""
    bare = EN.say("confirm", message=message, when=when)
    full = bare + hint
    for candidate in (full, bare, fit(full)):
        if fits_one_segment(candidate):
            return candidate
    return fit(bare)
