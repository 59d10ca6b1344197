"""One text being answered, as every command handler sees it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.storage.people import Person
from app.storage.store import Reminder
from app.texting.phrasebook import Phrasebook, phrasebook
from app.texting.replies import fit, reply


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
