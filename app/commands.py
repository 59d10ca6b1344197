"""What a text means: a command (LIST, CANCEL 2, TZ London, STOP, …) or else a new reminder.

Each text produces the entries to schedule — a reminder, and always at most one reply — which the store adds
atomically and only once per inbound message id. Replies travel the same schedule as reminders (due now), so they
get the same retries, rate limit and once-only guard. Replies are kept to one SMS segment.
"""
from __future__ import annotations

import re
import time
import unicodedata
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from . import parsing, people, zones
from .parts import Parts
from .people import People, Person
from .quotas import Quotas
from .receipts import Receipts
from .sending import fits_one_segment
from .settings import Settings
from .store import Reminder, Store

HELP = ('Text what and when, e.g. "gym tomorrow 7am" or "every weekday 8:15 pills". '
        "LIST shows yours, CANCEL 2 cancels one, UNDO, SNOOZE 10, TZ London. STOP to stop.")
LIST_HINT = " Reply LIST to see your reminders."
ASK_TZ = " Reply TZ <city> to set your time zone."
GIVE_UP = "Part of your long message never arrived, so I couldn't read it. Please send it again."
MAX_MESSAGE = 1000  # characters in a reminder's own text
SNOOZE_DEFAULT = timedelta(minutes=10)
SNOOZE_WINDOW = 24 * 3600  # seconds after a reminder arrives during which SNOOZE repeats it

_COMMANDS = [
    ("help", re.compile(r"(?:help|info|commands|\?+)")),
    ("list", re.compile(r"(?:list|ls|show|reminders|my reminders|list reminders)")),
    ("cancel", re.compile(r"(?:cancel|delete|del|remove)\s*(?:no\.?|number)?\s*#?\s*(\d+|all)")),
    ("undo", re.compile(r"undo")),
    ("snooze", re.compile(r"snooze(?:\s+(?:for\s+)?(.+))?")),
    ("tz", re.compile(r"(?:tz|timezone|time zone)(?:\s+(?:is\s+|to\s+)?(.+))?")),
    ("stop", re.compile(r"(?:stop\s*all|stop|unsubscribe|cancel|end|quit)")),
    ("start", re.compile(r"(?:start|unstop)")),
]
_SNOOZE = re.compile(r"(\d{1,4}(?:\.\d{1,2})?)\s*(m|mins?|minutes?|h|hrs?|hours?)?")


def command_of(text: str) -> tuple[str, str | None]:
    """('list', None), ('cancel', '2'), … or ('new', None) when the text is not a command."""
    clean = re.sub(r"\s+", " ", text.lower()).strip(" .!,;:'\"")
    clean = clean if clean.strip("?") else "?"
    for name, pattern in _COMMANDS:
        if match := pattern.fullmatch(clean):
            return name, match.group(1) if match.groups() else None
    return "new", None


def printable(text: str) -> str:
    """Drop control characters (keeping line breaks) so they never reach the parser, the store or a reply."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


class Conversation:
    """One number's texts in, entries to schedule out."""

    def __init__(self, store: Store, people: People, quotas: Quotas, parts: Parts, receipts: Receipts,
                 settings: Settings) -> None:
        self.store, self.people, self.quotas, self.parts, self.receipts = store, people, quotas, parts, receipts
        self.settings = settings

    def receive(self, phone: str, text: str, message_id: str, now: datetime | None = None) -> bool:
        """Handle one inbound text; False when this message was already handled (a webhook retry)."""
        seen, person, texts = self.quotas.arrival(phone, message_id)
        if seen:
            return False
        now = now or datetime.now(timezone.utc)
        text = printable(text)
        command, arg = command_of(text)
        if person.opted_out and command != "start":
            items: list[Reminder] = []  # opted out: nothing is ever sent until START
        elif texts > self.settings.texts_per_minute:
            items = self._refusal(person, "You're texting faster than I can keep up. Please wait a minute.")
        else:
            items = getattr(self, f"_{command}")(person, text if command == "new" else arg, now)
        return self.store.add(items, inbound_id=message_id, sender=phone) is not None

    def receive_part(self, phone: str, ref: str, part: int, total: int, text: str, message_id: str) -> bool:
        """A part of a long message: act once all parts are in; say so if the rest never comes."""
        state, timer, parts = self.parts.collect(phone, ref, part, total, text, message_id,
                                                      ttl=self.settings.concat_timeout * 2)
        if state == "first":
            give_up = reply(phone, GIVE_UP, "UTC", due=time.time() + self.settings.concat_timeout)
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
        try:
            parsed = parsing.parse(text, tz, now)
        except parsing.ParseError as err:
            return say(str(err))
        if len(parsed.message) > MAX_MESSAGE:
            return say(f"That's too long for a reminder: please keep it under {MAX_MESSAGE:,} characters.")
        if people.too_far(self.settings, parsed.due, now):
            return say(f"That's too far ahead: I can remind you up to {self.settings.max_days_ahead} days from now.")
        made, unsent = self.quotas.reminder_load(person.phone)
        if made > self.settings.reminders_per_minute:
            return self._refusal(person, "That's a lot of reminders at once. Please wait a minute and try again.")
        if people.too_many(self.settings, unsent):
            return self._refusal(person, f"You have {self.settings.max_pending} reminders already. "
                                         "Reply LIST, then CANCEL some to make room.")
        if ask:
            self.people.remember(person.phone, asked="1")
        reminder = Reminder(phone=person.phone, message=parsed.message, due=parsed.due.timestamp(), tz=tz,
                            every=parsed.every)
        words = confirmation(parsed.message, parsing.describe_when(parsed.due, parsed.every),
                             ASK_TZ if ask else LIST_HINT)
        return [reminder, reply(person.phone, words, tz)]

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
        return [reply(person.phone, HELP, self.zone(person)[0])]

    def _list(self, person: Person, _arg: str | None, _now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        reminders = self.store.for_phone(person.phone)
        self.people.remember(person.phone, list=",".join(r.id for r in reminders))
        if not reminders:
            return [reply(person.phone, 'No reminders yet. Text e.g. "gym tomorrow 7am" to make one.', tz)]
        receipts = self.receipts.of_many([r.id for r in reminders])
        lines = [f"{i}. {line(r)}" + (" (last one failed)" if (got or {}).get("state") in ("failed", "rejected")
                                      else "") for i, (r, got) in enumerate(zip(reminders, receipts), 1)]
        return [reply(person.phone, listing(lines), tz)]

    def _cancel(self, person: Person, which: str, _now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        if which == "all":
            cancelled = [r for r in self.store.for_phone(person.phone) if self.store.cancel(r.id)]
            return [reply(person.phone, f"Cancelled all your reminders ({len(cancelled)}).", tz)]
        order = person.listed or tuple(r.id for r in self.store.for_phone(person.phone))
        n = int(which)
        gone = self.store.cancel(order[n - 1]) if 1 <= n <= len(order) else None
        if gone is None:
            return [reply(person.phone, f"There's no reminder #{n}. Reply LIST to see them.", tz)]
        return [reply(person.phone, fit(f'Cancelled #{n}: "{gone.message}".'), tz)]

    def _undo(self, person: Person, _arg: str | None, _now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        gone = self.store.cancel(person.last_created) if person.last_created else None
        if gone is None:
            return [reply(person.phone, "Nothing to undo: your last reminder was already sent or cancelled.", tz)]
        return [reply(person.phone, fit(f'Undone: "{gone.message}" is cancelled.'), tz)]

    def _snooze(self, person: Person, arg: str | None, now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        last = self.store.get(person.last_sent[0]) if person.last_sent else None
        if last is None or now.timestamp() - person.last_sent[1] > SNOOZE_WINDOW:
            return [reply(person.phone, "Nothing to snooze: SNOOZE works after a reminder arrives.", tz)]
        delay = snooze_delay(arg)
        if delay is None:
            return [reply(person.phone, "Snooze for how long? e.g. SNOOZE 10 (minutes) or SNOOZE 1h.", tz)]
        due = now + delay
        again = Reminder(phone=person.phone, message=last.message, due=due.timestamp(), tz=tz)
        when = due.astimezone(ZoneInfo(tz)).strftime("%-I:%M %p")
        return [again, reply(person.phone, fit(f'Snoozed: "{last.message}" again at {when}.'), tz)]

    def _tz(self, person: Person, arg: str | None, now: datetime) -> list[Reminder]:
        current = self.zone(person)[0]
        if not arg:
            return [reply(person.phone, f"Your time zone is {current}; it's {clock(now, current)} there. "
                                        "Reply TZ <city> to change it.", current)]
        zone = zones.resolve(arg)
        if zone is None:
            return [reply(person.phone, fit(f'I don\'t know the time zone "{arg}". Try TZ London, TZ New York '
                                            "or TZ Europe/Paris."), current)]
        moved = people.set_zone(self.store, self.people, person.phone, zone, now)
        extra = f" {moved} reminder{'s' * (moved != 1)} moved to your local time." if moved else ""
        return [reply(person.phone, f"Time zone set to {zone}; it's {clock(now, zone)} there.{extra}", zone)]

    def _stop(self, person: Person, _arg: str | None, now: datetime) -> list[Reminder]:
        held = people.opt_out(self.store, self.people, person.phone, now)
        kept = f" Your {held} reminder{'s' * (held != 1)} are on hold." if held else ""
        return [reply(person.phone, f"You're unsubscribed and won't get any more messages.{kept} "
                                    "Reply START to come back.", self.zone(person)[0])]

    def _start(self, person: Person, _arg: str | None, now: datetime) -> list[Reminder]:
        tz = self.zone(person)[0]
        if not person.opted_out:
            return [reply(person.phone, "You're subscribed already. Reply HELP for help.", tz)]
        resumed = people.opt_in(self.store, self.people, person.phone, now)
        return [reply(person.phone, f"Welcome back! {resumed} reminder{'s' * (resumed != 1)} resumed. "
                                    "Reply HELP for help.", tz)]


def reply(phone: str, text: str, tz: str, due: float | None = None) -> Reminder:
    return Reminder(phone=phone, message=text, due=time.time() if due is None else due, tz=tz, kind="reply")


def clock(now: datetime, tz: str) -> str:
    return now.astimezone(ZoneInfo(tz)).strftime("%-I:%M %p %a")


def line(rem: Reminder) -> str:
    """One LIST line: short text, then when (in the reminder's own zone)."""
    when = parsing.describe_when(rem.due_local, rem.every).removeprefix("on ").replace(" at ", " ")
    text = rem.message if len(rem.message) <= 24 else rem.message[:22].rstrip() + ".."
    return f"{text} - {when}" + (" (on hold)" if rem.status == "held" else "")


def listing(lines: list[str]) -> str:
    """As many lines as fit one segment, then how many more."""
    shown: list[str] = []
    for i, entry in enumerate(lines):
        rest = len(lines) - i - 1
        candidate = "\n".join([*shown, entry] + ([f"+{rest} more"] if rest else []))
        if shown and not fits_one_segment(candidate):
            break
        shown.append(entry)
    rest = len(lines) - len(shown)
    return "\n".join(shown + ([f"+{rest} more"] if rest else []))


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


def confirmation(message: str, when: str, hint: str = LIST_HINT) -> str:
    """`Got it: "gym" on Wed 25 Nov at 7:00 AM. Reply LIST ...` in one SMS where it can be: the person's own words
    whole before the hint, then shortened with the hint, then shortened alone."""
    full, bare = f'Got it: "{message}" {when}.{hint}', f'Got it: "{message}" {when}.'
    for candidate in (full, bare, fit(full)):
        if fits_one_segment(candidate):
            return candidate
    return fit(bare)
