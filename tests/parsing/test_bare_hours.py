"""A bare number right after a day: its hour when something says so (an 'at' word, minutes, a day part it fits, the
end of the task), otherwise a question, never a guess ('morgen 3 Flaschen kaufen' may be three bottles)."""
from __future__ import annotations

import re

import pytest

from app.parsing import parse
from tests.parsing.reading import ZONES, refusal, tuesday_in


def _parse(text: str, lang: str):
    return parse(text, ZONES[lang], tuesday_in(lang), lang)


def _refusal(text: str, lang: str) -> str:
    err = refusal(text, lang, tuesday_in(lang))
    assert err.code == "unsure", str(err)
    return str(err)


COUNTED = [  # (language, text, the number the reply says it did not understand, the hour it understood)
    ("de", "morgen 3 Flaschen kaufen", "3", 9),
    ("de", "morgen drei Flaschen kaufen", "drei", 9),
    ("de", "Freitag 6 Bier", "6", 9),
    ("de", "heute Abend 2 Bier", "2", 19),  # 2 or 14 is no time of the evening
    ("es", "mañana 2 cafés", "2", 9),
    ("es", "mañana dos cafés", "dos", 9),
    ("es", "viernes 6 cervezas", "6", 9),
    ("es", "esta noche 2 cervezas", "2", 20),
    ("fr", "demain 4 croissants", "4", 9),
    ("fr", "demain quatre croissants", "quatre", 9),
    ("fr", "vendredi 6 bières", "6", 9),
    ("pt", "amanhã 2 pães", "2", 9),
    ("pt", "sexta 6 cervejas", "6", 9),
    ("en", "friday 6 beers", "6", 9),
    ("en", "remind me tmrw 2 call mom", "2", 9),  # '2' is 'to'
    ("en", "tomorrow 3 dentist", "3", 9),
    ("en", "tomorrow three dentist", "three", 9),
    ("en", "2morrow 9 dentist", "9", 9),
    ("en", "saterday 10 footy", "10", 9),
    ("en", "tomorrow, 3 dentist", "3", 9),
    ("en", "tomorrow 730 dentist", "730", 9),  # an hour and minutes run together, or 730 flyers
    ("en", "tomorrow 100 pushups", "100", 9),
    ("en", "tonight 2 beers", "2", 20),
]


@pytest.mark.parametrize(("lang", "text", "number", "hour"), COUNTED)
def test_a_number_after_a_day_that_may_count_the_next_word_is_asked_about(lang, text, number, hour):
    assert f'"{number}"' in _refusal(text, lang)  # the piece not understood


@pytest.mark.parametrize(("lang", "text", "number", "hour"), COUNTED)
def test_the_reply_example_can_be_sent_as_it_is(lang, text, number, hour):
    """The example puts a task that starts with the number first: after the time it would be asked about again.
    It is the day at its default hour (or the day part's), not at the number."""
    example = re.findall(r'"([^"]*)"', _refusal(text, lang))[-1]
    parsed = _parse(example, lang)
    assert (parsed.due.hour, parsed.due.minute) == (hour, 0)
    assert example.startswith(number) or number not in example  # a task cut to fit one SMS may lose its words


@pytest.mark.parametrize(("lang", "text", "hour", "minute", "message"), [
    # an 'at' word before it
    ("en", "tomorrow at 3 dentist", 15, 0, "dentist"),
    ("de", "morgen um 3 Zahnarzt", 15, 0, "Zahnarzt"),
    ("es", "mañana a las 2 café", 14, 0, "café"),
    ("pt", "amanhã às 2 pão", 14, 0, "pão"),
    # minutes, or an hour mark, am/pm after it
    ("en", "tomorrow 3pm dentist", 15, 0, "dentist"),
    ("en", "tomorrow 3:30 dentist", 15, 30, "dentist"),
    ("es", "mañana 2:30 café", 14, 30, "café"),
    ("fr", "demain à 4h croissants", 4, 0, "croissants"),
    ("fr", "demain 16h30 croissants", 16, 30, "croissants"),
    ("pt", "amanhã 15h pão", 15, 0, "pão"),
    ("de", "morgen 15 Uhr Zahnarzt", 15, 0, "Zahnarzt"),
    # a day part it fits, before or after it
    ("en", "tonight 8 movie", 20, 0, "movie"),
    ("en", "tmrw eve 7 call", 19, 0, "call"),
    ("en", "tomorrow 7 in the morning gym", 7, 0, "gym"),
    ("es", "esta noche 9 cena", 21, 0, "cena"),
    ("es", "mañana 7 de la mañana gimnasio", 7, 0, "gimnasio"),
    ("fr", "ce soir 8 cinéma", 20, 0, "cinéma"),
    ("pt", "hoje à noite 9 jantar", 21, 0, "jantar"),
    ("de", "heute Abend 8 Kino", 20, 0, "Kino"),
    # the end of the task's words: a wrapper, punctuation or an emoji may follow
    ("en", "gym tomorrow 7", 7, 0, "gym"),
    ("en", "dentist friday 3", 15, 0, "dentist"),
    ("en", "dentist friday 3, remind me please", 15, 0, "dentist"),
    ("en", "gym tomorrow 7 💪", 7, 0, "gym 💪"),
    ("es", "dentista mañana 5, recuérdamelo porfa", 17, 0, "dentista"),
    ("fr", "dentiste demain 4", 16, 0, "dentiste"),
    ("pt", "dentista amanhã 3", 15, 0, "dentista"),
    ("de", "Zahnarzt morgen 3, erinner mich bitte", 15, 0, "Zahnarzt"),
    # a quantity the language lists stays in the message
    ("en", "tomorrow 3 eggs", 9, 0, "3 eggs"),
])
def test_a_number_said_as_an_hour_is_still_read(lang, text, hour, minute, message):
    parsed = _parse(text, lang)
    assert (parsed.due.hour, parsed.due.minute, parsed.message) == (hour, minute, message)
