"""What a text means: a command (LIST, CANCEL 2, TZ London, STOP, …) or else a new reminder.

Each text produces the entries to schedule — a reminder, and always at most one reply — which the store adds
atomically and only once per inbound message id. Replies travel the same schedule as reminders (due now), so they
get the same retries, rate limit and once-only guard. Replies are kept to one SMS segment, in the person's language
(language.py): every phrasebook has the same replies, so no code here knows which language it speaks.
"""
from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app import parsing, rules
from app.delivery.senders import fits_one_segment
from app.settings import Settings
from app.storage import people
from app.storage.nags import Acks
from app.storage.people import People, Person
from app.storage.quotas import Quotas
from app.storage.receipts import Receipts
from app.storage.replication import Replication
from app.storage.store import OverCap, Reminder, Store
from app.storage.text_parts import Parts
from app.storage.unreachable import Unreachable
from app.texting import corrections, zone_names
from app.texting.language import heard_in, language_of, learn, read, set_language
from app.texting.phrasebook import Phrasebook, language_named, phrasebook, understand

MAX_MESSAGE = 1000  # characters in a reminder's own text
SNOOZE_DEFAULT = timedelta(minutes=10)
SNOOZE_WINDOW = 24 * 3600  # seconds after a reminder arrives during which SNOOZE repeats it
CORRECTION_WINDOW = 5 * 60  # seconds after a confirmation during which `actually 8am` moves that reminder
WHOLE_TEXT = ("new", "correct", "change", "lang")  # commands that may turn out to be a new reminder after all


BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """Drop control characters (keeping line breaks) and bidirectional overrides (U+202E can make a reminder read
    backwards on the phone), so they never reach the parser, the store or a reply. Joiners stay: emoji use them."""
    return "".join(ch for ch in text if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS))


@dataclass(frozen=True)
class Turn:
    """One text being answered: from whom, its words, the phrasebook replies come from (the person's language),
    the one whose words the text used (`heard`: English for `LIST` from a Spanish speaker), the language its words
    were detected in, when, and the person's zone (and whether to ask for it)."""

    person: Person
    text: str
    book: Phrasebook
    heard: Phrasebook
    detected: str | None
    now: datetime
    tz: str
    ask_tz: bool
    unsent: int  # the number's reminders not sent yet (when the text arrived)

    def reply(self, key: str, **fields: object) -> list[Reminder]:
        """The one reply to this text: a phrasebook reply, shortened to one segment where it quotes the person."""
        return [reply(self.person.phone, fit(self.book.say(key, **fields)), self.tz)]

    @property
    def langs(self) -> tuple[str | None, ...]:
        """The languages the text's time is read in, in turn: the one it was detected in, the one of its command
        word, the person's, English."""
        return self.detected, self.heard.code, self.book.code, "en"

    @property
    def books(self) -> list[Phrasebook]:
        """The phrasebooks whose words the text may use: its command word's, the person's, English."""
        return [phrasebook(code) for code in dict.fromkeys((self.heard.code, self.book.code, "en"))]


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
        seen, person, texts, unsent = self.quotas.arrival(phone, message_id)
        if seen:
            self.replication.release(self.store, message_id)  # a retry after a 503: the replies still parked
            return False
        now = now or datetime.now(UTC)
        if person.unreachable:  # it texted, so it can get texts again
            self.unreachable.clear(self.store, phone, now, person.opted_out)
        text, book = printable(text), phrasebook(language_of(person))
        too_long = len(text) > MAX_MESSAGE  # no command: before any reading, a 64 KB text must cost nothing
        command, arg, heard = ("new", None, book) if too_long else understand(text, book.code)
        if person.opted_out and command != "start":
            items: list[Reminder] = []  # opted out: nothing is ever sent until START
        elif texts > self.settings.limits.texts_per_minute:
            items = self._refusal(person, book.say("too_fast"))
        elif too_long:
            items = [reply(phone, book.say("too_long", limit=MAX_MESSAGE), self.zone(person)[0])]
        else:
            detected = parsing.detect_language(text) if command in WHOLE_TEXT else None
            person = learn(self.people, person, heard_in(text, detected))
            tz, ask = self.zone(person)
            turn = Turn(person, text, phrasebook(language_of(person)), heard, detected, now, tz, ask, unsent)
            items, book = getattr(self, f"_{command}")(turn, text if command == "new" else arg), turn.book
        made = command == "new" and any(item.kind == "reminder" for item in items)
        cap = self.quotas.reminders_made(phone, self.settings.limits.reminders_per_minute) if made else None
        park = self.replication.required
        try:
            added = self.store.add(items, inbound_id=message_id, sender=phone, park_replies=park, cap=cap)
        except OverCap:
            no = self._refusal(person, book.say("too_many_now"))
            added = self.store.add(no, inbound_id=message_id, sender=phone, park_replies=park)
        self.replication.release(self.store, message_id)  # NotReplicated: 503, and Vonage retries
        return added is not None

    def receive_part(self, phone: str, ref: str, part: int, total: int, text: str, message_id: str) -> bool:
        """A part of a long message: act once all parts are in; say so if the rest never comes. Each part counts
        as a text, so parts cannot buy more answers than whole texts."""
        _seen, person, texts, _ = self.quotas.arrival(phone, message_id)
        book = phrasebook(language_of(person))
        if texts > self.settings.limits.texts_per_minute:
            if no := self._refusal(person, book.say("too_fast")):
                self.store.add(no)
            return False
        state, timer, parts = self.parts.collect(phone, ref, part, total, text, message_id,
                                                 ttl=self.settings.limits.concat_timeout_seconds * 2)
        if state == "first":
            give_up = reply(phone, book.say("part_missing"), "UTC",
                            due=time.time() + self.settings.limits.concat_timeout_seconds)
            (timer_id,) = self.store.add([give_up])
            if not self.parts.arm_timer(phone, ref, timer_id):
                self.store.discard(timer_id)  # the message completed while the timer was being set
        if state != "complete":
            return True
        if timer not in ("", "spent"):
            self.store.discard(timer)
        return self.receive(phone, "".join(t for _, t in parts), parts[0][0])

    # --- a new reminder -----------------------------------------------------------------------------------

    def _new(self, turn: Turn, text: str) -> list[Reminder]:
        person, book, nag = turn.person, turn.book, 0
        for words in turn.books:  # `until done`, `nag me`, `hasta que responda HECHO`: not the reminder's text
            text, found = words.patterns["nag"].subn("", text)
            nag += found
        try:
            parsed, _ = read(text, turn.tz, turn.now, turn.langs, book.code)
        except parsing.ParseError as err:
            return [reply(person.phone, str(err), turn.tz)]
        if len(parsed.message) > MAX_MESSAGE:
            return turn.reply("too_long", limit=MAX_MESSAGE)
        try:
            parsed = self._checked(parsed)
        except rules.RuleError as err:
            return [reply(turn.person.phone, refusal(turn.book, err), turn.tz)]
        if people.too_far(self.settings, parsed.due, turn.now):
            return turn.reply("too_far", days=self.settings.limits.max_days_ahead)
        if people.too_many(self.settings, turn.unsent):  # the cap a minute is counted as it is added (receive)
            limit = self.settings.limits.max_pending_per_number
            return self._refusal(person, book.say("too_many_pending", limit=limit))
        if turn.ask_tz:
            self.people.remember(person.phone, asked="1")
        reminder = Reminder(phone=person.phone, message=parsed.message, due=parsed.due.timestamp(), tz=turn.tz,
                            every=parsed.every, nag=bool(nag))
        hint = book.say("ask_tz") if turn.ask_tz else \
            book.say("nag_hint", minutes=f"{self.settings.delivery.nag_minutes:g}") if nag else book.say("list_hint")
        when = parsing.describe_when(parsed.due, parsed.every, book.code)
        return [reminder, reply(person.phone, confirmation(book, parsed.message, when, hint), turn.tz)]

    def zone(self, person: Person) -> tuple[str, bool]:
        """The number's zone, and whether to ask for it (once) because the number alone cannot tell."""
        tz, guessed = people.zone_of(person, self.settings.service.default_timezone)
        return tz, guessed and not person.asked_tz

    def _checked(self, parsed: parsing.Parsed) -> parsing.Parsed:
        """The parse with its rule as stored, or RuleError: a text gets the same floor as the API (rules.check)."""
        if not parsed.every:
            return parsed
        return replace(parsed, every=rules.check(parsed.every, min_minutes=self.settings.limits.min_repeat_minutes,
                                                 start=parsed.due))

    def _refusal(self, person: Person, words: str) -> list[Reminder]:
        """A polite no, sent at most once a minute per number: never a reply storm."""
        if not self.quotas.first_time("refusal", person.phone, 60):
            return []
        return [reply(person.phone, words, self.zone(person)[0])]

    # --- commands -----------------------------------------------------------------------------------------

    def _help(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        """What carriers expect of HELP (CTIA): the service's name, where to get help, rates, how to opt out."""
        contact, book = self.settings.service.support_contact, turn.book
        words = book.say("help", service=self.settings.service.name,
                         contact=book.say("help_contact", contact=contact) if contact else "")
        return [reply(turn.person.phone, words, turn.tz)]  # two segments, whole

    def _list(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        phone, book = turn.person.phone, turn.book
        reminders = self.store.for_phone(phone)
        self.people.remember(phone, list=",".join(r.id for r in reminders))
        if not reminders:
            return turn.reply("list_empty")
        receipts = self.receipts.of_many([r.id for r in reminders])
        lines = [f"{i}. {line(book, r, turn.tz)}" + (book.say("list_failed") if (got or {}).get("state") in
                                                      ("failed", "rejected") else "")
                 for i, (r, got) in enumerate(zip(reminders, receipts), 1)]
        return [reply(phone, listing(book, lines), turn.tz)]

    def _cancel(self, turn: Turn, which: str) -> list[Reminder]:
        phone = turn.person.phone
        if not which.isdigit():  # DELETE ALL, BORRAR TODO
            cancelled = [r for r in self.store.for_phone(phone) if self.store.cancel(r.id)]
            return turn.reply("cancelled_all", count=len(cancelled))
        order = turn.person.listed or tuple(r.id for r in self.store.for_phone(phone))
        n = int(which)
        gone = self.store.cancel(order[n - 1]) if 1 <= n <= len(order) else None
        if gone is None:
            return turn.reply("no_such", n=n)
        return turn.reply("cancelled", n=n, message=gone.message)

    def _undo(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        last = turn.person.last_created
        gone = self.store.cancel(last) if last else None
        if gone is None:
            return turn.reply("undo_nothing")
        return turn.reply("undone", message=gone.message)

    def _change(self, turn: Turn, arg: str) -> list[Reminder]:
        """CHANGE 2 <when> (EDIT, MOVE): a reminder from the last LIST gets a new time and keeps its text."""
        number, _, when = arg.partition(" ")
        when = turn.heard.patterns["change_to"].sub("", when.strip())  # MOVE 2 to friday
        if not when:
            return turn.reply("change_how")
        got = self._time_only(turn, when)
        if got is None:
            return self._new(turn, turn.text)  # `move 2 boxes tomorrow` is a reminder
        order = turn.person.listed or tuple(r.id for r in self.store.for_phone(turn.person.phone))
        n = int(number)
        rem = self.store.get(order[n - 1]) if 1 <= n <= len(order) else None
        if rem is None or rem.status not in ("pending", "held"):
            return turn.reply("no_such", n=n)
        return self._move(turn, rem, when, *got)

    def _correct(self, turn: Turn, when: str) -> list[Reminder]:
        """`actually 8am`, `no, tomorrow`: a few minutes after a confirmation, the reminder just made moves."""
        got = self._time_only(turn, when)
        if got is None:
            return self._new(turn, turn.text)  # `no school tomorrow 8am` is a reminder
        person = turn.person
        recent = person.last_made_at is not None and turn.now.timestamp() - person.last_made_at <= CORRECTION_WINDOW
        rem = self.store.get(person.last_created) if recent and person.last_created else None
        if rem is None or rem.status not in ("pending", "held"):
            return turn.reply("correct_nothing")
        return self._move(turn, rem, when, *got)

    def _time_only(self, turn: Turn, words: str) -> tuple[parsing.Parsed, str] | None:
        """How the parser reads `words` when they are only a time, and in which language; None when they are
        anything more (or nothing)."""
        try:
            parsed, lang = read(words, turn.tz, turn.now, turn.langs, turn.book.code)
        except parsing.ParseError:
            return None
        return (parsed, lang) if parsed.message == parsing.time_only_message(turn.book.code) else None

    def _move(self, turn: Turn, rem: Reminder, words: str, parsed: parsing.Parsed, lang: str) -> list[Reminder]:
        """Give `rem` the new time the words say (corrections.new_time, by the words of the language they were read in),
        in the person's zone, and say when it is now."""
        try:
            parsed = self._checked(parsed)
        except rules.RuleError as err:
            return [reply(turn.person.phone, refusal(turn.book, err), turn.tz)]
        try:
            due, every = corrections.new_time(phrasebook(lang), words, parsed, rem.due_local.astimezone(ZoneInfo(turn.tz)),
                                        rem.every, turn.now)
        except corrections.MoveError as err:
            return turn.reply(str(err))
        if people.too_far(self.settings, due, turn.now):
            return turn.reply("too_far", days=self.settings.limits.max_days_ahead)
        if not self.store.update(replace(rem, due=due.timestamp(), tz=turn.tz, every=every, attempts=0)):
            return turn.reply("correct_nothing")
        return turn.reply("moved", message=rem.message, when=parsing.describe_when(due, every, turn.book.code))

    def _done(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        """DONE or OK: a reminder that repeats until acknowledged stops repeating."""
        dropped = self.acks.done(self.store, turn.person.phone)
        return turn.reply("acked" if dropped else "ack_nothing")

    def _snooze(self, turn: Turn, arg: str | None) -> list[Reminder]:
        person, now = turn.person, turn.now
        last = self.store.get(person.last_sent[0]) if person.last_sent else None
        if last is None or now.timestamp() - person.last_sent[1] > SNOOZE_WINDOW:
            return turn.reply("snooze_nothing")
        delay = snooze_delay(arg, turn.books)
        if delay is None:
            return turn.reply("snooze_how_long")
        self.acks.done(self.store, person.phone)  # snoozed is answered: no repeats meanwhile
        due = now + delay
        again = Reminder(phone=person.phone, message=last.message, due=due.timestamp(), tz=turn.tz)
        when = turn.book.clock(due.astimezone(ZoneInfo(turn.tz)))
        return [again, *turn.reply("snoozed", message=last.message, time=when)]

    def _tz(self, turn: Turn, arg: str | None) -> list[Reminder]:
        book, now = turn.book, turn.now
        if not arg:
            return turn.reply("tz_is", zone=turn.tz, now=book.clock(now.astimezone(ZoneInfo(turn.tz)), True))
        zone = zone_names.resolve(arg)
        if zone is None:
            return turn.reply("tz_unknown", given=arg)
        moved = people.set_zone(self.store, self.people, turn.person.phone, zone, now)
        extra = book.say("tz_moved", reminders=book.count(moved, "reminder")) if moved else ""
        words = book.say("tz_set", zone=zone, now=book.clock(now.astimezone(ZoneInfo(zone)), True)) + extra
        return [reply(turn.person.phone, words, zone)]

    def _lang(self, turn: Turn, arg: str | None) -> list[Reminder]:
        """LANG es, IDIOMA español: replies in that language from now on; a bare LANG says which one they are in.
        Words after LANG that name no language may be a reminder (`language class tomorrow 5pm`)."""
        codes = ", ".join(parsing.LANGUAGES)
        if not arg:
            return turn.reply("lang_is", name=turn.book.name, codes=codes)
        code = language_named(arg)
        if code is None:
            made = self._new(turn, turn.text)
            if any(item.kind == "reminder" for item in made):
                return made
            return turn.reply("lang_unknown", given=arg[:30], codes=codes)
        set_language(self.people, turn.person.phone, code)
        book = phrasebook(code)
        return [reply(turn.person.phone, book.say("lang_set", name=book.name), turn.tz)]

    def _stop(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        """One confirmation, then nothing (begin.lua); none at all when the provider answers STOP itself."""
        confirm, book = self.settings.service.opt_out_replies, turn.book
        held = people.opt_out(self.store, self.people, turn.person.phone, turn.now, confirm=confirm)
        if not confirm:
            return []
        kept = book.say("stopped_held", reminders=book.count(held, "reminder"), are=book.form(held, "are")) if held \
            else ""
        return turn.reply("stopped", service=self.settings.service.name, held=kept)

    def _start(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        person = turn.person
        resumed = people.opt_in(self.store, self.people, person.phone, turn.now) if person.opted_out else None
        if not self.settings.service.opt_out_replies:
            return []  # the provider answers START itself
        if resumed is None:
            return turn.reply("started_already")
        return turn.reply("started", reminders=turn.book.count(resumed, "reminder"))


def reply(phone: str, text: str, tz: str, due: float | None = None) -> Reminder:
    return Reminder(phone=phone, message=text, due=time.time() if due is None else due, tz=tz, kind="reply")


def line(book: Phrasebook, rem: Reminder, tz: str) -> str:
    """One LIST line: short text, then when, in the reminder's own zone, named when it is not the person's `tz`
    (one kept in its old zone after TZ must not look like a past time)."""
    when = book.patterns["list_drop"].sub("", parsing.describe_when(rem.due_local, rem.every, book.code))
    if rem.tz != tz:
        when += book.say("list_zone", city=rem.tz.rsplit("/", 1)[-1].replace("_", " "))
    text = rem.message if len(rem.message) <= 24 else rem.message[:22].rstrip() + ".."
    return f"{text} - {when}" + (book.say("list_held") if rem.status == "held" else "")


def listing(book: Phrasebook, lines: list[str]) -> str:
    """As many lines as fit one segment, then how many more."""
    shown: list[str] = []
    for i, entry in enumerate(lines):
        rest = len(lines) - i - 1
        candidate = "\n".join([*shown, entry] + ([book.say("list_more", count=rest)] if rest else []))
        if shown and not fits_one_segment(candidate):
            break
        shown.append(entry)
    rest = len(lines) - len(shown)
    return "\n".join(shown + ([book.say("list_more", count=rest)] if rest else []))


def snooze_delay(arg: str | None, books: list[Phrasebook]) -> timedelta | None:
    """'10' or '10m' minutes, '1h' / '2 hours' (in the words of any of `books`); None when unreadable or over a
    day."""
    if not arg:
        return SNOOZE_DEFAULT
    match = next(filter(None, (book.patterns["snooze_for"].fullmatch(arg.strip()) for book in books)), None)
    if not match:
        return None
    amount = float(match.group(1).replace(",", "."))
    delay = timedelta(hours=amount) if match.group(3) else timedelta(minutes=amount)
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


def confirmation(book: Phrasebook, message: str, when: str, hint: str) -> str:
    """`Got it: "gym" on Wed 25 Nov at 7:00 AM. Reply LIST ...` in one SMS where it can be: the person's own words
    whole before the hint, then shortened with the hint, then shortened alone."""
    bare = book.say("confirm", message=message, when=when)
    full = bare + hint
    for candidate in (full, bare, fit(full)):
        if fits_one_segment(candidate):
            return candidate
    return fit(bare)


def refusal(book: Phrasebook, err: rules.RuleError) -> str:
    """The reply to a text whose series cannot be made: the floor when it repeats too often."""
    if isinstance(err, rules.TooOften):
        return book.say("too_often", minutes=f"{err.floor_minutes:g}")
    return book.say("bad_repeat")
