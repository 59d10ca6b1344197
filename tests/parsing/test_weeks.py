"""Week phrases: a weekday of next week or this week is that day of the calendar week (Monday to Sunday, the
convention in all five languages), never the first such day after today; 'next week' alone is its Monday at 09:00
and 'next friday' keeps its meaning (the first Friday after today)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.parsing.reading import read, refusal

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN)
SUNDAY = datetime(2026, 12, 13, 10, 0, tzinfo=BERLIN)


def _when(text: str, lang: str, now: datetime = TUESDAY) -> tuple[str, str]:
    return read(text, lang, now)


@pytest.mark.parametrize("lang,text,message", [
    ("de", "freitag nächste woche", "Erinnerung"),
    ("de", "Zahnarzt Freitag nächste Woche", "Zahnarzt"),
    ("de", "Freitag der nächsten Woche Zahnarzt", "Zahnarzt"),
    ("de", "am Freitag in der nächsten Woche Zahnarzt", "Zahnarzt"),
    ("de", "nächste Woche Freitag Zahnarzt", "Zahnarzt"),
    ("de", "nächste Woche am Freitag Zahnarzt", "Zahnarzt"),
    ("en", "friday of next week", "Reminder"),
    ("en", "dentist friday next week", "dentist"),
    ("en", "next week friday dentist", "dentist"),
    ("en", "next week, on friday dentist", "dentist"),
    ("fr", "jeudi de la semaine prochaine", "Rappel"),
    ("fr", "jeudi la semaine prochaine dentiste", "dentiste"),
    ("fr", "la semaine prochaine jeudi dentiste", "dentiste"),
    ("es", "el viernes de la semana que viene dentista", "dentista"),
    ("es", "el viernes de la próxima semana dentista", "dentista"),
    ("es", "la semana que viene el viernes dentista", "dentista"),
    ("pt", "sexta da semana que vem dentista", "dentista"),
    ("pt", "sexta-feira da próxima semana dentista", "dentista"),
    ("pt", "na sexta da semana que vem dentista", "dentista"),
    ("de", "Freitag kommender Woche Zahnarzt", "Zahnarzt"),
    ("en", "fri next week dentist", "dentist"),
    ("en", "dentist next week, fri", "dentist"),
    ("de", "Zahnarzt nächste Woche Fr.", "Zahnarzt"),
    ("pt", "6a-feira da próxima semana dentista", "dentista"),
])
def test_a_weekday_of_next_week_is_in_the_following_calendar_week(lang, text, message):
    day = "2026-12-17" if "jeudi" in text else "2026-12-18"
    assert _when(text, lang) == (f"{day} 09:00", message)


@pytest.mark.parametrize("lang,text", [
    ("en", "this week friday gym"), ("en", "gym friday this week"), ("de", "diese Woche Freitag gym"),
    ("de", "Freitag dieser Woche gym"), ("fr", "vendredi de cette semaine gym"),
    ("es", "el viernes de esta semana gym"), ("pt", "sexta desta semana gym"),
])
def test_a_weekday_of_this_week_is_in_this_calendar_week(lang, text):
    assert _when(text, lang) == ("2026-12-11 09:00", "gym")


@pytest.mark.parametrize("lang,text", [("en", "this week monday"), ("de", "diese Woche Montag")])
def test_a_day_of_this_week_that_has_gone_is_past(lang, text):
    assert refusal(text, lang, TUESDAY).code == "past"


@pytest.mark.parametrize("lang,text", [
    ("en", "dentist friday next week 3pm"), ("de", "Zahnarzt Freitag nächste Woche um 15 Uhr"),
    ("fr", "dentiste jeudi de la semaine prochaine à 15h"),
    ("es", "dentista el viernes de la semana que viene a las 3"), ("pt", "dentista sexta da semana que vem às 15h"),
])
def test_a_time_with_it_wins(lang, text):
    day = "2026-12-17" if "jeudi" in text else "2026-12-18"
    assert _when(text, lang) == (f"{day} 15:00", "dentist" if lang == "en" else text.split()[0])


@pytest.mark.parametrize("lang,text", [
    ("en", "next week"), ("de", "nächste Woche"), ("fr", "la semaine prochaine"), ("es", "la semana que viene"),
    ("pt", "semana que vem"),
])
def test_next_week_alone_is_its_monday_at_nine(lang, text):
    assert _when(text, lang)[0] == "2026-12-14 09:00"


@pytest.mark.parametrize("lang,text", [
    ("en", "next friday"), ("de", "nächsten Freitag"), ("fr", "vendredi prochain"), ("es", "el próximo viernes"),
    ("pt", "próxima sexta"),
])
def test_next_friday_is_still_the_first_friday_after_today(lang, text):
    assert _when(text, lang)[0] == "2026-12-11 09:00"


def test_next_week_is_the_calendar_week_even_on_a_sunday():
    assert _when("friday next week", "en", SUNDAY)[0] == "2026-12-18 09:00"
    assert _when("next friday", "en", SUNDAY)[0] == "2026-12-18 09:00"


@pytest.mark.parametrize("lang,text,message", [
    ("de", "die nächste Woche Steuer machen", "Steuer machen"),  # 'die' is the article, not Dienstag
    ("pt", "semana que vem ter aula", "ter aula"),                # 'ter' is 'to have', not terça
])
def test_an_abbreviation_that_is_an_everyday_word_is_not_a_day_of_the_week(lang, text, message):
    assert _when(text, lang) == ("2026-12-14 09:00", message)


def test_an_everyday_word_abbreviation_before_of_next_week_is_the_day():
    assert _when("ter da semana que vem dentista", "pt") == ("2026-12-15 09:00", "dentista")


@pytest.mark.parametrize("lang,text", [
    ("en", "friday dentist next week"), ("de", "Freitag Zahnarzt nächste Woche"),
    ("fr", "jeudi dentiste la semaine prochaine"),
    ("en", "next week sat down with bob"), ("de", "nächste Woche Do Zahnarzt"),  # as after a time: more words after
])
def test_a_weekday_apart_from_the_week_phrase_is_refused(lang, text):
    assert refusal(text, lang, TUESDAY).code == "unsure"


@pytest.mark.parametrize("lang,text", [
    ("en", "friday in 2 weeks"), ("de", "Freitag in 2 Wochen"), ("fr", "vendredi dans 2 semaines"),
    ("es", "el viernes dentro de 2 semanas"), ("pt", "sexta daqui a 2 semanas"), ("en", "in a week from tomorrow"),
])
def test_a_day_and_an_offset_that_name_different_days_are_refused(lang, text):
    """The offset used to win in silence (Tuesday 22 December): which Friday is meant is not sure."""
    assert refusal(text, lang, TUESDAY).code == "unsure"


@pytest.mark.parametrize("lang,text", [("en", "in 2 weeks on tuesday"), ("fr", "dans 2 semaines mardi")])
def test_a_day_and_an_offset_that_agree_are_that_day(lang, text):
    assert _when(text, lang)[0] == "2026-12-22 10:00"


def test_a_weekday_in_the_task_of_an_offset_in_hours_is_not_a_second_day():
    assert _when("in 1 hour send the friday report", "en") == ("2026-12-08 11:00", "send the friday report")
