"""Number words in each language become digits before the grammar runs, compounds included: 'twenty-four',
'vingt-cinq', 'trente et un', 'vinte e quatro', 'treinta y cinco', 'vierundzwanzig'.  Offsets in words count from
now like offsets in digits."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.parsing.normalize import normalize
from app.parsing.vocabulary import load
from tests.parsing.reading import after


@pytest.mark.parametrize("lang,text,minutes,message", [
    ("pt", "daqui a vinte e quatro horas ligar", 24 * 60, "ligar"),
    ("pt", "em trinta e cinco minutos tirar o bolo", 35, "tirar o bolo"),
    ("pt", "daqui a quarenta e cinco minutos", 45, "Lembrete"),
    ("de", "in zwanzig minuten Tee", 20, "Tee"),
    ("de", "in vierundzwanzig Stunden Antwort", 24 * 60, "Antwort"),
    ("de", "in dreißig Minuten los", 30, "los"),
    ("de", "in fünfundvierzig Minuten Pause", 45, "Pause"),
    ("fr", "dans vingt-cinq minutes sortir", 25, "sortir"),
    ("fr", "dans quarante-cinq minutes", 45, "Rappel"),
    ("fr", "dans trente et une minutes", 31, "Rappel"),
    ("es", "en veinticinco minutos salir", 25, "salir"),
    ("es", "en treinta y cinco minutos", 35, "Recordatorio"),
    ("en", "in twenty five minutes take cake out", 25, "take cake out"),
    ("en", "in twenty-four hours", 24 * 60, "Reminder"),
])
def test_offsets_in_number_words(lang, text, minutes, message):
    assert after(text, lang) == (timedelta(minutes=minutes), message)


@pytest.mark.parametrize("lang,words,digits", [
    ("en", "twenty-four", "24"), ("en", "forty five", "45"),
    ("fr", "vingt-quatre", "24"), ("fr", "trente et un", "31"), ("fr", "quarante-cinq", "45"), ("fr", "dix-sept", "17"),
    ("pt", "vinte e quatro", "24"), ("pt", "cinquenta e nove", "59"),
    ("es", "veinticuatro", "24"), ("es", "cuarenta y cinco", "45"),
    ("de", "vierundzwanzig", "24"), ("de", "dreißig", "30"), ("de", "neunundfünfzig", "59"),
    ("de", "am vierundzwanzigsten", "am 24."), ("de", "am einunddreißigsten", "am 31."),
])
def test_compound_number_words_are_one_number(lang, words, digits):
    assert normalize(words, load(lang)).text == digits


def test_a_clock_after_a_tens_word_is_not_a_compound():
    """'oito e vinte e cinco' is 8:25: the hour, then 'e', then the compound minutes."""
    assert normalize("as oito e vinte e cinco", load("pt")).text == "as 8 e 25"
