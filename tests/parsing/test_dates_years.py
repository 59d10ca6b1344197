"""Dates with a year and dotted numeric dates: a four-digit number after a month, a date or 'de'/'del'/'im' is the
year, never a clock time or a word of the message; 'am 24.12.' is a day and a month, never 24:12 or 12:00."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.parsing import parse
from tests.parsing.reading import read, refusal

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)  # a Wednesday


def _when(text: str, lang: str) -> tuple[str, str]:
    return read(text, lang, NOW)


@pytest.mark.parametrize("lang,text,due,message", [
    ("es", "cita el 5 de mayo de 2027", "2027-05-05 09:00", "cita"),
    ("es", "cita el 5 de mayo del 2027 a las 10", "2027-05-05 10:00", "cita"),
    ("es", "primer lunes de mayo de 2027 dentista", "2027-05-03 09:00", "dentista"),
    ("en", "May 5 2027 dentist", "2027-05-05 09:00", "dentist"),
    ("en", "dentist 5th of May 2027", "2027-05-05 09:00", "dentist"),
    ("de", "am 5. Mai 2027 Zahnarzt", "2027-05-05 09:00", "Zahnarzt"),
    ("de", "Zahnarzt 5. Mai im 2027", "2027-05-05 09:00", "Zahnarzt"),
    ("fr", "le 5 mai 2027 dentiste", "2027-05-05 09:00", "dentiste"),
    ("fr", "le 5 mai de 2027 dentiste", "2027-05-05 09:00", "dentiste"),
    ("pt", "5 de maio de 2027 dentista", "2027-05-05 09:00", "dentista"),
    ("pt", "dia 5 de maio de 2027 às 15h dentista", "2027-05-05 15:00", "dentista"),
])
def test_a_four_digit_number_after_a_date_is_its_year(lang, text, due, message):
    assert _when(text, lang) == (due, message)


@pytest.mark.parametrize("lang,text", [
    ("es", "el 5 de mayo de 2015"), ("pt", "5 de maio de 2015 dentista"), ("de", "am 24. Dezember 2015 um 8"),
    ("fr", "le 5 mai de 2015"), ("en", "dentist May 5 of 2015"),
])
def test_a_past_year_is_past_not_a_clock(lang, text):
    assert refusal(text, lang, NOW).code == "past"


@pytest.mark.parametrize("lang,text,due,message", [
    ("de", "Zahnarzt am 11.12.", "2026-12-11 09:00", "Zahnarzt"),   # never 12:00
    ("de", "am 5.12. Impfung", "2026-12-05 09:00", "Impfung"),      # never 5 January
    ("de", "10.12.", "2026-12-10 09:00", "Erinnerung"),             # never 10:12
    ("de", "bis 3.1. Steuer", "2027-01-03 09:00", "Steuer"),
    ("de", "24.12. Geschenke", "2026-12-24 09:00", "Geschenke"),
    ("de", "am 24.12 um 18 Uhr Bescherung", "2026-12-24 18:00", "Bescherung"),
    ("de", "am 24.12. um 18 Uhr Bescherung", "2026-12-24 18:00", "Bescherung"),
    ("fr", "le 24.12. Noël", "2026-12-24 09:00", "Noël"),
    ("es", "el 24.12. cena", "2026-12-24 09:00", "cena"),
    ("pt", "dia 24.12. ceia", "2026-12-24 09:00", "ceia"),
    ("de", "um 18.30 Sport", "2026-11-25 18:30", "Sport"),          # a clock word before it: a time
    ("de", "Treffen um 10.12.", "2026-11-25 10:12", "Treffen"),
    ("es", "cena a las 10.30.", "2026-11-25 10:30", "cena"),        # no month 30: a time and a full stop
])
def test_a_dotted_day_and_month_is_a_date(lang, text, due, message):
    assert _when(text, lang) == (due, message)


def test_a_dotted_date_is_day_first_in_a_month_first_zone():
    p = parse("Impfung am 5.12.", "America/New_York", NOW, "de")
    assert (p.due.month, p.due.day) == (12, 5)
