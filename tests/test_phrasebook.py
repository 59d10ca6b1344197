"""The phrasebook: replies are data, and each still fits one SMS segment once filled in."""
from __future__ import annotations

import string

import pytest

from app.phrasebook import phrasebook
from app.sending import fits_one_segment

# Long but realistic values for every field a reply template uses.
SAMPLES = {"limit": 1000, "days": 365, "count": 100, "n": 100, "zone": "America/Argentina/Buenos_Aires",
           "now": "12:45 PM Wed", "given": "somewhere nobody knows", "reminders": "100 reminders",
           "held": " Your 100 reminders are on hold.", "when": "12:45 PM", "message": "call mom"}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(phrasebook("en").replies))
def test_every_english_reply_fits_one_segment_when_filled_in(key):
    template = phrasebook("en").replies[key]
    assert fields(template) <= SAMPLES.keys(), f"add samples for {fields(template) - SAMPLES.keys()}"
    assert fits_one_segment(template.format(**SAMPLES)), key


@pytest.mark.parametrize("text, expected", [("HELP", ("help", None)), (" delete #3 ", ("cancel", "3")),
                                            ("Snooze for 1h", ("snooze", "1h")), ("gym at 7", ("new", None))])
def test_command_words_come_from_the_phrasebook(text, expected):
    assert phrasebook("en").command(text) == expected
