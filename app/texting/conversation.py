"""One text in, its reply out: what a text means (a command such as LIST, CANCEL 2, TZ London or STOP, else a new
reminder; commands.COMMANDS), in the person's language and zone, within the number's limits.

Each text produces the entries to schedule — a reminder, and always at most one reply — which the store adds
atomically and only once per inbound message id. Replies travel the same schedule as reminders (due now), so they
get the same retries, rate limit and once-only guard. Replies are kept to one SMS segment, in the person's language
(language.py): every phrasebook has the same replies, so no code here knows which language it speaks.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from app import parsing
from app.reminders import MAX_MESSAGE, Reminders
from app.settings import Settings
from app.storage import clock
from app.storage.people import People
from app.storage.quotas import Quotas
from app.storage.replication import Replication
from app.storage.store import Channel, OverCap, Reminder, Store
from app.storage.text_parts import Parts
from app.storage.unreachable import Unreachable
from app.texting.commands import COMMANDS, Commands
from app.texting.language import heard_in, language_of, learn
from app.texting.phrasebook import phrasebook, understand
from app.texting.replies import printable, reply
from app.texting.turn import Turn

WHOLE_TEXT = ("new", "correct", "change", "lang")  # commands that may turn out to be a new reminder after all


class Conversation:
    """One number's texts in, entries to schedule out."""

    def __init__(self, store: Store, people: People, quotas: Quotas, parts: Parts, unreachable: Unreachable,
                 replication: Replication, reminders: Reminders, commands: Commands, settings: Settings) -> None:
        self.store, self.people, self.quotas, self.parts = store, people, quotas, parts
        self.unreachable, self.replication, self.reminders = unreachable, replication, reminders
        self.commands, self.settings = commands, settings

    def receive(self, phone: str, text: str | None, message_id: str, now: datetime | None = None,
                channel: Channel = "sms") -> bool:
        """Handle one inbound text (None: a message that is no text, a WhatsApp image say), arrived on `channel`,
        where its reply and what it makes go; False when this message was already handled (a webhook retry)."""
        seen, person, texts, unsent = self.quotas.arrival(phone, message_id, whatsapp=channel == "whatsapp")
        if seen:
            self.replication.release(self.store, message_id)  # a retry after a 503: the replies still parked
            return False
        now = now or clock.utcnow()
        if person.unreachable:  # it texted, so it can get texts again
            self.unreachable.clear(self.store, phone, now, person.opted_out)
        media, text, book = text is None, printable(text or ""), phrasebook(language_of(person))
        too_long = len(text) > MAX_MESSAGE  # no command: before any reading, a 64 KB text must cost nothing
        command, arg, heard = ("new", None, book) if too_long or media else understand(text, book.code)
        if person.opted_out and command != "start":
            items: list[Reminder] = []  # opted out: nothing is ever sent until START
        elif texts > self.settings.limits.texts_per_minute:
            items = self.commands.refusal(person, book.say("too_fast"))
        elif media:
            items = [reply(phone, book.say("only_text"), self.commands.zone(person)[0])]
        elif too_long:
            items = [reply(phone, book.say("too_long", limit=MAX_MESSAGE), self.commands.zone(person)[0])]
        else:
            detected = parsing.detect_language(text) if command in WHOLE_TEXT else None
            # After LANG come a language's name, not words in it (`LANG klingon` reads as German): only the command
            # word itself may teach the person's language, and LANG's handler sets it
            person = learn(self.people, person, heard_in(text, None if command == "lang" else detected), text)
            tz, ask = self.commands.zone(person)
            turn = Turn(person, text, phrasebook(language_of(person)), heard, detected, now, tz, ask, unsent)
            handler = COMMANDS[command]
            items, book = handler(self.commands, turn, text if command == "new" else arg), turn.book
        made = command == "new" and any(item.kind == "reminder" for item in items)
        cap = self.quotas.reminders_made(phone, self.settings.limits.reminders_per_minute) if made else None
        park = self.replication.required
        try:
            added = self.reminders.add(on_channel(items, channel), inbound_id=message_id, sender=phone,
                                       park_replies=park, cap=cap)
        except OverCap:
            no = self.commands.refusal(person, book.say("too_many_now"))
            added = self.store.add(on_channel(no, channel), inbound_id=message_id, sender=phone, park_replies=park)
        self.replication.release(self.store, message_id)  # NotReplicated: 503, and Vonage retries
        return added is not None

    def receive_part(self, phone: str, ref: str, part: int, total: int, text: str, message_id: str) -> bool:
        """A part of a long message: act once all parts are in; say so if the rest never comes. Each part counts
        as a text, so parts cannot buy more answers than whole texts."""
        _seen, person, texts, _ = self.quotas.arrival(phone, message_id)
        book = phrasebook(language_of(person))
        if texts > self.settings.limits.texts_per_minute:
            if no := self.commands.refusal(person, book.say("too_fast")):
                self.store.add(no)
            return False
        state, timer, parts = self.parts.collect(phone, ref, part, total, text, message_id,
                                                 ttl=self.settings.limits.concat_timeout_seconds * 2)
        if state == "first":
            give_up = reply(phone, book.say("part_missing"), "UTC",
                            due=clock.now() + self.settings.limits.concat_timeout_seconds)
            (timer_id,) = self.store.add([give_up])
            if not self.parts.arm_timer(phone, ref, timer_id):
                self.store.discard(timer_id)  # the message completed while the timer was being set
        if state != "complete":
            return True
        if timer not in ("", "spent"):
            self.store.discard(timer)
        return self.receive(phone, "".join(t for _, t in parts), parts[0][0])


def on_channel(items: list[Reminder], channel: Channel) -> list[Reminder]:
    """What a text makes goes where the text came from: its reply, and a reminder it sets, on that channel."""
    return items if channel == "sms" else [replace(item, channel=channel) for item in items]
