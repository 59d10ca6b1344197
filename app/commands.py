"""What a text means: a new reminder, or (later) a command. Produces the entries to schedule and the reply.

Replies travel the same schedule as reminders (due now), so a confirmation is sent by the worker with the same
retries, rate limit and once-only guard, and is stored atomically with the reminder it confirms.
"""
from __future__ import annotations

import time
from datetime import datetime

from . import parsing
from .phones import zone_for
from .sending import fits_one_segment
from .settings import Settings
from .store import Reminder, Store

LIST_HINT = " Reply LIST to see your reminders."


class Conversation:
    """Turns an inbound text from a number into scheduled entries, exactly once per inbound message."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings

    def receive(self, phone: str, text: str, message_id: str, now: datetime | None = None) -> bool:
        """Handle one inbound text; False when this message was already handled (a webhook retry)."""
        tz = zone_for(phone, self.settings.default_timezone)
        return self.store.add(self.respond(phone, text, tz, now), inbound_id=message_id) is not None

    def respond(self, phone: str, text: str, tz: str, now: datetime | None = None) -> list[Reminder]:
        try:
            parsed = parsing.parse(text, tz, now)
        except parsing.ParseError as err:
            return [reply(phone, str(err), tz)]
        reminder = Reminder(phone=phone, message=parsed.message, due=parsed.due.timestamp(), tz=tz,
                            every=parsed.every)
        return [reminder, reply(phone, confirmation(parsed.message, parsing.describe_when(parsed.due, parsed.every)), tz)]


def reply(phone: str, text: str, tz: str) -> Reminder:
    return Reminder(phone=phone, message=text, due=time.time(), tz=tz, kind="reply")


def confirmation(message: str, when: str) -> str:
    """`Got it: "gym" on Wed 25 Nov at 7:00 AM. Reply LIST ...`, shortened to one SMS where it can be."""
    for hint in (LIST_HINT, ""):
        size = min(len(message), 160)
        quoted = message if size == len(message) else message[: size - 3].rstrip() + "..."
        while not fits_one_segment(text := f'Got it: "{quoted}" {when}.{hint}') and size > 12:
            size -= 4
            quoted = message[: size - 3].rstrip() + "..."
        if fits_one_segment(text):
            return text
    return text
