"""Offsets with a quarter or a half in each language ('an hour and a quarter', 'deux heures et quart', 'una hora y
cuarto', 'zweieinhalb Stunden') count from now; a clock word left next to an offset is asked about."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.parsing import ParseError
from tests.parsing.reading import after, read, tuesday_in


@pytest.mark.parametrize("lang,text,minutes,message", [
    ("en", "in an hour and a quarter stretch", 75, "stretch"),
    ("en", "in 2 hours and a quarter", 135, "Reminder"),
    ("fr", "dans deux heures et quart sortir", 135, "sortir"),
    ("fr", "dans une heure et un quart", 75, "Rappel"),
    ("es", "en una hora y cuarto salir", 75, "salir"),
    ("pt", "daqui a uma hora e um quarto", 75, "Lembrete"),
    ("de", "in einer Stunde und ein viertel", 75, "Erinnerung"),
    ("de", "in zweieinhalb Stunden Pause", 150, "Pause"),
    ("de", "in einer dreiviertel Stunde Pause", 45, "Pause"),
    ("de", "in ca. 20 Minuten Pizza", 20, "Pizza"),
])
def test_an_offset_with_a_quarter_or_a_half(lang, text, minutes, message):
    assert after(text, lang) == (timedelta(minutes=minutes), message)


@pytest.mark.parametrize("lang,text,left", [
    ("fr", "dans deux heures quart", "quart"),
    ("en", "in 2 hours quarter", "quarter"),
])
def test_a_clock_word_next_to_an_offset_is_asked_about(lang, text, left):
    with pytest.raises(ParseError) as info:
        after(text, lang)
    assert info.value.code == "unsure" and left in str(info.value)


def test_a_number_next_to_an_offset_stays_in_the_message():
    assert after("task 4 in 5 hours", "en") == (timedelta(hours=5), "task 4")


@pytest.mark.parametrize("lang,text,message", [
    ("fr", "un quart d'heure de marche demain", "un quart d'heure de marche"),  # a length of time, not 00:25
    ("en", "a quarter of an hour walk tomorrow", "a quarter of an hour walk"),
    ("es", "un cuarto de hora de caminar mañana", "un cuarto de hora de caminar"),
])
def test_a_quarter_of_an_hour_in_the_task_is_not_a_clock(lang, text, message):
    assert read(text, lang, tuesday_in(lang), "%a %H:%M") == ("Wed 09:00", message)
