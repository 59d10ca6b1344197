"""corrections.new_time at fixed moments: a time alone keeps the reminder's day, and a bare hour is read near the
reminder's own time, never by what the clock says now (at 08:03, `a las 8` alone reads as 20:00 today)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app import parsing
from app.texting import corrections
from app.texting.phrasebook import phrasebook

MADRID = ZoneInfo("Europe/Madrid")


def move(words: str, old: datetime, now: datetime, lang: str = "en", every: str | None = None) -> datetime:
    parsed = parsing.parse(words, MADRID, now, lang)
    return corrections.new_time(phrasebook(lang), words, parsed, old, every, now)[0]


@pytest.mark.parametrize("words, lang, old_hour, hour", [
    ("a las 8", "es", 7, 8),    # the morning reminder moves an hour, though 8:00 today has passed
    ("at 8", "en", 7, 8),
    ("at 8", "en", 19, 20),        # an evening one stays in the evening
    ("at 6", "en", 7, 6),
    ("at 1", "en", 7, 13),         # six hours either side: the afternoon
    ("8pm", "en", 7, 20),       # an exact time is taken as said
    ("20h", "fr", 7, 20),
])
def test_a_time_alone_keeps_the_day_and_reads_a_bare_hour_near_the_old_time(words, lang, old_hour, hour):
    now = datetime(2026, 11, 27, 8, 3, tzinfo=MADRID)
    old = datetime(2026, 11, 28, old_hour, 0, tzinfo=MADRID)
    assert move(words, old, now, lang) == datetime(2026, 11, 28, hour, 0, tzinfo=MADRID)


def test_a_time_alone_that_has_passed_on_the_reminders_day_is_the_next_such_time():
    now = datetime(2026, 11, 27, 8, 3, tzinfo=MADRID)
    old = datetime(2026, 11, 27, 9, 0, tzinfo=MADRID)
    assert move("7am", old, now) == datetime(2026, 11, 28, 7, 0, tzinfo=MADRID)


def test_a_series_moved_to_a_bare_hour_keeps_its_half_of_the_day():
    now = datetime(2026, 11, 27, 8, 3, tzinfo=MADRID)
    old = datetime(2026, 11, 27, 19, 0, tzinfo=MADRID)
    assert move("at 8", old, now, every="FREQ=DAILY") == datetime(2026, 11, 27, 20, 0, tzinfo=MADRID)
