"""Weekday abbreviations in context: right next to a time the grammar read, an abbreviation is a weekday
('mtg w/ sarah 10:30 mon', 'zahnarzt do 15 uhr'); away from any time, or an everyday word of the language, it stays a
word ('sat down', "c'mon", 'die', 'la mer'); after a time but followed by more words it is not guessed: the parser
asks."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.parsing.reading import read, refusal

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN)


def _when(text: str, lang: str) -> tuple[str, str]:
    return read(text, lang, TUESDAY, "%a %H:%M")


@pytest.mark.parametrize("lang,text,due,message", [
    ("en", "mtg w/ sarah 10:30 mon", "Mon 10:30", "mtg w/ sarah"),
    ("en", "mtg w/ sarah 10:30, mon.", "Mon 10:30", "mtg w/ sarah"),
    ("en", "dentist thu 3pm", "Thu 15:00", "dentist"),
    ("en", "dentist 3pm thu", "Thu 15:00", "dentist"),
    ("en", "call bob 9am tues", "Tue 09:00", "call bob"),
    ("en", "lunch w/ Jo at noon sat", "Sat 12:00", "lunch w/ Jo"),
    ("de", "zahnarzt do 15 uhr", "Thu 15:00", "zahnarzt"),
    ("de", "zahnarzt um 15 uhr do", "Thu 15:00", "zahnarzt"),
    ("fr", "médecin jeu 15h", "Thu 15:00", "médecin"),
    ("fr", "médecin 15h jeu", "Thu 15:00", "médecin"),
    ("pt", "médico qui 15h", "Thu 15:00", "médico"),
    ("pt", "médico às 15h sex", "Fri 15:00", "médico"),
    ("es", "dentista jue 17h", "Thu 17:00", "dentista"),
    ("es", "dentista a las 17h jue", "Thu 17:00", "dentista"),
    ("es", "el vie a las 6 cañas", "Fri 18:00", "cañas"),       # 'el' is the weekday's own article
    ("pt", "5ª-feira às 15h reunião", "Thu 15:00", "reunião"),
    ("pt", "reunião 6a feira 10h", "Fri 10:00", "reunião"),
    ("pt", "ligar à avó dom ao meio-dia", "Sun 12:00", "ligar à avó"),  # noon after its 'at' ('ao')
    ("en", "lunch w/ Jo sat at noon", "Sat 12:00", "lunch w/ Jo"),
])
def test_an_abbreviation_next_to_a_time_is_a_weekday(lang, text, due, message):
    assert _when(text, lang) == (due, message)


@pytest.mark.parametrize("lang,text,due,message", [
    ("en", "c'mon call mom 5pm", "Tue 17:00", "c'mon call mom"),
    ("en", "call mom 5pm c'mon", "Tue 17:00", "call mom c'mon"),
    ("en", "sat down with the boss 5pm", "Tue 17:00", "sat down with the boss"),
    ("de", "Katze füttern um 15 Uhr die", "Tue 15:00", "Katze füttern die"),  # 'die' is the article, never Dienstag
    ("de", "die Katze füttern um 15 Uhr", "Tue 15:00", "die Katze füttern"),
    ("es", "ir al mar a las 5", "Tue 17:00", "ir al mar"),                    # 'mar' is the sea
    ("fr", "aller à la mer 15h", "Tue 15:00", "aller à la mer"),              # after an article: the sea, not mercredi
    ("pt", "sex shop 15h", "Tue 15:00", "sex shop"),
    ("en", "the sun 5pm", "Tue 17:00", "the sun"),
    ("es", "ver la mar a las 5", "Tue 17:00", "ver la mar"),
])
def test_an_abbreviation_that_is_a_word_stays_a_word(lang, text, due, message):
    assert _when(text, lang) == (due, message)


@pytest.mark.parametrize("lang,text", [
    ("en", "5pm sat down with bob"), ("en", "10:30 mon mtg w/ sarah"), ("fr", "15h jeu de cartes"),
    ("pt", "15h sex shop"),
])
def test_an_abbreviation_after_a_time_with_more_words_after_it_is_refused(lang, text):
    assert refusal(text, lang, TUESDAY).code == "unsure"


@pytest.mark.parametrize("lang,text", [
    ("en", "i need a reminder for sun cream at 5pm"), ("en", "until sun cream 5pm"),
    ("en", "i need a reminder for sat down with Bob at 5pm"), ("fr", "cadeau pour mer calme à 15h"),
])
def test_an_abbreviation_after_a_word_that_also_leads_a_noun_with_a_word_after_it_is_refused(lang, text):
    """'for', 'until', 'pour' (`on_also_before_nouns`) lead nouns too: 'for sun cream' is not Sunday's cream."""
    assert refusal(text, lang, TUESDAY).code == "unsure"


@pytest.mark.parametrize("lang,text,due,message", [
    ("en", "table for sat at 8pm", "Sat 20:00", "table"),
    ("en", "pay rent by sat", "Sat 09:00", "pay rent"),
    ("en", "dinner for sat night", "Sat 20:00", "dinner"),
    ("fr", "dîner pour sam à 20h", "Sat 20:00", "dîner"),
    ("en", "on sat dinner 5pm", "Sat 17:00", "dinner"),  # 'on' leads a day only
])
def test_an_abbreviation_after_for_is_a_day_at_the_end_or_before_a_time(lang, text, due, message):
    assert _when(text, lang) == (due, message)
