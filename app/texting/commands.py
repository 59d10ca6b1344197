"""What each command does: a handler per command word, and COMMANDS, the table from a command's name (the
phrasebooks' `[commands]`, and `stop`/`start` from their opt-out words) to its handler. A text that is no command is
a new reminder (`new`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from app import parsing
from app.reminders import Refused, Reminders
from app.settings import Settings
from app.storage import people
from app.storage.nags import Nags
from app.storage.people import People, Person
from app.storage.quotas import Quotas
from app.storage.receipts import Receipts
from app.storage.store import Reminder, Store
from app.texting import corrections, zone_names
from app.texting.language import read, set_language
from app.texting.phrasebook import Phrasebook, language_named, phrasebook
from app.texting.replies import confirmation, line, listing, refusal, reply
from app.texting.turn import Turn

SNOOZE_DEFAULT = timedelta(minutes=10)
CHANNEL_NAMES = {"sms": "SMS", "whatsapp": "WhatsApp"}  # names, the same in every language
SNOOZE_WINDOW = 24 * 3600  # seconds after a reminder arrives during which SNOOZE repeats it
CORRECTION_WINDOW = 5 * 60  # seconds after a confirmation during which `actually 8am` moves that reminder


class Commands:
    """The handlers, each turning one text (a Turn) and its command's argument into the entries to schedule."""

    def __init__(self, store: Store, people: People, quotas: Quotas, receipts: Receipts, nags: Nags,
                 reminders: Reminders, settings: Settings) -> None:
        self.store, self.people, self.quotas, self.receipts, self.nags = store, people, quotas, receipts, nags
        self.reminders, self.settings = reminders, settings

    def new(self, turn: Turn, text: str) -> list[Reminder]:
        person, book, nag = turn.person, turn.book, 0
        for words in turn.books:  # `until done`, `nag me`, `hasta que responda HECHO`: not the reminder's text
            text, found = words.patterns["nag"].subn("", text)
            nag += found
        try:
            parsed, _ = read(text, turn.tz, turn.now, turn.langs, book.code)
        except parsing.ParseError as err:
            return [reply(person.phone, str(err), turn.tz)]
        try:
            reminder = self.reminders.make(phone=person.phone, message=parsed.message, due=parsed.due, tz=turn.tz,
                                           every=parsed.every, now=turn.now, unsent=turn.unsent, nag=bool(nag))
        except Refused as no:
            return self.refused(turn, no)
        if turn.ask_tz:
            self.people.remember(person.phone, asked="1")
        hint = book.say("ask_tz") if turn.ask_tz else \
            book.say("nag_hint", minutes=f"{self.settings.delivery.nag_minutes:g}") if nag else book.say("list_hint")
        when = parsing.describe_when(parsed.due, reminder.every, book.code)
        return [reminder, reply(person.phone, confirmation(book, parsed.message, when, hint), turn.tz)]

    def zone(self, person: Person) -> tuple[str, bool]:
        """The number's zone, and whether to ask for it (once) because the number alone cannot tell."""
        tz, guessed = people.zone_of(person, self.settings.service.default_timezone)
        return tz, guessed and not person.asked_tz

    def refused(self, turn: Turn, no: Refused) -> list[Reminder]:
        """The reply to a reminder that cannot be made (reminders.Refused)."""
        if no.reason == "too_many":  # the cap a minute is counted as it is added (Conversation.receive)
            return self.refusal(turn.person, turn.book.say("too_many_pending", limit=no.limit))
        if no.reason == "rule" and no.error is not None:
            return [reply(turn.person.phone, refusal(turn.book, no.error), turn.tz)]
        if no.reason == "too_far":
            return turn.reply("too_far", days=no.limit)
        return turn.reply("too_long", limit=no.limit)

    def refusal(self, person: Person, words: str) -> list[Reminder]:
        """A polite no, sent at most once a minute per number: never a reply storm."""
        if not self.quotas.first_time("refusal", person.phone, 60):
            return []
        return [reply(person.phone, words, self.zone(person)[0])]

    def help(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        """What carriers expect of HELP (CTIA): the service's name, where to get help, rates, how to opt out."""
        contact, book = self.settings.service.support_contact, turn.book
        words = book.say("help", service=self.settings.service.name,
                         contact=book.say("help_contact", contact=contact) if contact else "")
        return [reply(turn.person.phone, words, turn.tz)]  # two segments, whole

    def show_list(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        phone, book = turn.person.phone, turn.book
        reminders = self.store.for_phone(phone)
        self.people.remember(phone, list=",".join(r.id for r in reminders))
        if not reminders:
            return turn.reply("list_empty")
        receipts = self.receipts.of_many([r.id for r in reminders])
        both = len({r.channel for r in reminders}) > 1  # the channel is shown only when the number uses both
        lines = [f"{i}. {line(book, r, turn.tz)}" + (book.say("list_failed") if (got or {}).get("state") in
                                                      ("failed", "rejected") else "")
                 + (book.say("list_channel", channel=CHANNEL_NAMES[r.channel]) if both else "")
                 for i, (r, got) in enumerate(zip(reminders, receipts), 1)]
        return [reply(phone, listing(book, lines), turn.tz)]

    def cancel(self, turn: Turn, which: str) -> list[Reminder]:
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

    def undo(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        last = turn.person.last_created
        gone = self.store.cancel(last) if last else None
        if gone is None:
            return turn.reply("undo_nothing")
        return turn.reply("undone", message=gone.message)

    def change(self, turn: Turn, arg: str) -> list[Reminder]:
        """CHANGE 2 <when> (EDIT, MOVE): a reminder from the last LIST gets a new time and keeps its text."""
        number, _, when = arg.partition(" ")
        when = turn.heard.patterns["change_to"].sub("", when.strip())  # MOVE 2 to friday
        if not when:
            return turn.reply("change_how")
        got = self._time_only(turn, when)
        if got is None:
            return self.new(turn, turn.text)  # `move 2 boxes tomorrow` is a reminder
        order = turn.person.listed or tuple(r.id for r in self.store.for_phone(turn.person.phone))
        n = int(number)
        rem = self.store.get(order[n - 1]) if 1 <= n <= len(order) else None
        if rem is None or rem.status not in ("pending", "held"):
            return turn.reply("no_such", n=n)
        return self._move(turn, rem, when, *got)

    def correct(self, turn: Turn, when: str) -> list[Reminder]:
        """`actually 8am`, `no, tomorrow`: a few minutes after a confirmation, the reminder just made moves."""
        got = self._time_only(turn, when)
        if got is None:
            return self.new(turn, turn.text)  # `no school tomorrow 8am` is a reminder
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
            if parsed.every:
                parsed = replace(parsed, every=self.reminders.rule(parsed.every, parsed.due))
            old = rem.due_local.astimezone(ZoneInfo(turn.tz))
            due, every = corrections.new_time(phrasebook(lang), words, parsed, old, rem.every, turn.now)
            self.reminders.not_too_far(due, turn.now)
        except corrections.MoveError as err:
            return turn.reply(str(err))
        except Refused as no:
            return self.refused(turn, no)
        if not self.store.update(replace(rem, due=due.timestamp(), tz=turn.tz, every=every, attempts=0)):
            return turn.reply("correct_nothing")
        return turn.reply("moved", message=rem.message, when=parsing.describe_when(due, every, turn.book.code))

    def done(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        """DONE or OK: a reminder that repeats until acknowledged stops repeating."""
        dropped = self.nags.done(self.store, turn.person.phone)
        return turn.reply("acked" if dropped else "ack_nothing")

    def snooze(self, turn: Turn, arg: str | None) -> list[Reminder]:
        person, now = turn.person, turn.now
        last = self.store.get(person.last_sent[0]) if person.last_sent else None
        if last is None or now.timestamp() - person.last_sent[1] > SNOOZE_WINDOW:
            return turn.reply("snooze_nothing")
        delay = snooze_delay(arg, turn.books)
        if delay is None:
            return turn.reply("snooze_how_long")
        self.nags.done(self.store, person.phone)  # snoozed is answered: no repeats meanwhile
        due = now + delay
        again = Reminder(phone=person.phone, message=last.message, due=due.timestamp(), tz=turn.tz)
        when = turn.book.clock(due.astimezone(ZoneInfo(turn.tz)))
        return [again, *turn.reply("snoozed", message=last.message, time=when)]

    def tz(self, turn: Turn, arg: str | None) -> list[Reminder]:
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

    def lang(self, turn: Turn, arg: str | None) -> list[Reminder]:
        """LANG es, IDIOMA español: replies in that language from now on; a bare LANG says which one they are in.
        Words after LANG that name no language may be a reminder (`language class tomorrow 5pm`)."""
        codes = ", ".join(parsing.LANGUAGES)
        if not arg:
            return turn.reply("lang_is", name=turn.book.name, codes=codes)
        code = language_named(arg)
        if code is None:
            made = self.new(turn, turn.text)
            if any(item.kind == "reminder" for item in made):
                return made
            return turn.reply("lang_unknown", given=arg[:30], codes=codes)
        set_language(self.people, turn.person.phone, code)
        book = phrasebook(code)
        return [reply(turn.person.phone, book.say("lang_set", name=book.name), turn.tz)]

    def stop(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        """One confirmation, then nothing (storage/lua/begin.lua); none at all when the provider answers STOP itself."""
        confirm, book = self.settings.service.opt_out_replies, turn.book
        held = people.opt_out(self.store, self.people, turn.person.phone, turn.now, confirm=confirm)
        if not confirm:
            return []
        kept = book.say("stopped_held", reminders=book.count(held, "reminder"), are=book.form(held, "are")) if held \
            else ""
        return turn.reply("stopped", service=self.settings.service.name, held=kept)

    def start(self, turn: Turn, _arg: str | None) -> list[Reminder]:
        person = turn.person
        resumed = people.opt_in(self.store, self.people, person.phone, turn.now) if person.opted_out else None
        if not self.settings.service.opt_out_replies:
            return []  # the provider answers START itself
        if resumed is None:
            return turn.reply("started_already")
        return turn.reply("started", reminders=turn.book.count(resumed, "reminder"))


Handler = Callable[[Commands, Turn, "str | None"], list[Reminder]]
COMMANDS: dict[str, Handler] = {
    "new": Commands.new,
    "help": Commands.help,
    "list": Commands.show_list,
    "cancel": Commands.cancel,
    "undo": Commands.undo,
    "change": Commands.change,
    "correct": Commands.correct,
    "done": Commands.done,
    "snooze": Commands.snooze,
    "tz": Commands.tz,
    "lang": Commands.lang,
    "stop": Commands.stop,
    "start": Commands.start,
}


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
