"""The phrasebook: replies are data, and each still fits one SMS segment once filled in."""
from __future__ import annotations

import string

import pytest

from app.phrasebook import phrasebook
from app.sending import fits_one_segment
from app.settings import SERVICE_NAME_MAX, SUPPORT_CONTACT_MAX
from tests.support.fake_vonage import count_segments

# Long but realistic values for every field a reply template uses.
SAMPLES = {"limit": 1000, "days": 365, "count": 100, "n": 100, "zone": "America/Argentina/Buenos_Aires",
           "now": "12:45 PM Wed", "given": "somewhere nobody knows", "reminders": "100 reminders",
           "held": " Your 100 reminders are on hold.", "when": "12:45 PM", "message": "call mom",
           "service": "S" * SERVICE_NAME_MAX, "contact": "c" * SUPPORT_CONTACT_MAX, "city": "Dumont DUrville",
           "minutes": "1440", "are": "are"}
SEGMENTS = {"help": 2}  # CTIA's HELP content takes two; every other reply one


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(phrasebook("en").replies))
def test_every_english_reply_fits_its_segments_when_filled_in(key):
    book = phrasebook("en")
    template = book.replies[key]
    assert fields(template) <= SAMPLES.keys(), f"add samples for {fields(template) - SAMPLES.keys()}"
    samples = dict(SAMPLES, contact=book.say("help_contact", contact=SAMPLES["contact"])) if key == "help" else SAMPLES
    text = template.format(**samples)
    assert count_segments(text, unicode=False) <= SEGMENTS.get(key, 1) and (key in SEGMENTS or fits_one_segment(text))


@pytest.mark.parametrize("text, expected", [("HELP", ("help", None)), (" delete #3 ", ("cancel", "3")),
                                            ("Snooze for 1h", ("snooze", "1h")), ("gym at 7", ("new", None))])
def test_command_words_come_from_the_phrasebook(text, expected):
    assert phrasebook("en").command(text) == expected


@pytest.mark.parametrize("text", ["a" * 160, "a" * 161, "{" * 80, "{" * 81, "a" * 150 + "€" * 5, "a" * 151 + "€" * 5,
                                  "é" * 160, "ш" * 70, "ш" * 71, "a" * 69 + "😀", "x" * 79 + "|" + "y" * 79])
def test_the_one_segment_check_agrees_with_vonages_segment_count(text):
    """At the edges: 160 GSM-7 places with extension characters taking two, 70 UTF-16 units (an emoji takes two)."""
    assert fits_one_segment(text) == (count_segments(text, unicode=any(c in "ш😀" for c in text)) == 1)
