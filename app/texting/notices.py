"""What the worker says on its own, in each person's language: the notice that the daily budget is reached, and the
repeats of a reminder that nags until DONE."""
from __future__ import annotations

from app.storage.people import Person
from app.texting.language import language_of
from app.texting.phrasebook import phrasebook


def budget_reached(person: Person, limit: int) -> str:
    return phrasebook(language_of(person)).say("budget_reached", limit=limit)


def nag_repeat(person: Person, message: str) -> str:
    return phrasebook(language_of(person)).say("nag_repeat", message=message)
