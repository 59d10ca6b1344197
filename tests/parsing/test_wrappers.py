"""Wrappers in texting spellings or not at the start: the time is right and the message keeps only the task
('recuérdame q …', 'joão me lembra de …', 'erinnere mich bitte an …', 'mom remind me to …')."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.parsing import parse

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN)


def _when(text: str, lang: str) -> tuple[str, str]:
    p = parse(text, BERLIN, NOW, lang)
    return p.due.strftime("%Y-%m-%d %H:%M"), p.message


@pytest.mark.parametrize("lang,text,message", [
    ("es", "recuérdame q mañana tengo dentista a las 5", "tengo dentista"),
    ("es", "recuerdame k mañana tengo dentista a las 5", "tengo dentista"),
    ("es", "acuerdame q mañana tengo dentista a las 5", "tengo dentista"),
    ("es", "oye mamá, recuérdame q mañana tengo dentista a las 5", "tengo dentista"),
    ("pt", "me lembra q amanhã tenho dentista às 17h", "tenho dentista"),
])
def test_que_in_texting_spelling_goes_with_its_wrapper(lang, text, message):
    assert _when(text, lang) == ("2026-12-09 17:00", message)


@pytest.mark.parametrize("lang,text", [
    ("pt", "joão me lembra de pagar a conta amanhã"),
    ("pt", "mãe, me lembra de pagar a conta amanhã"),
    ("pt", "vc me lembra de pagar a conta amanhã"),
    ("pt", "oi mãe, me lembra de pagar a conta amanhã"),
    ("es", "mamá, recuérdame pagar a conta mañana"),
    ("fr", "maman rappelle-moi de pagar a conta demain"),
    ("de", "Mama, erinnere mich morgen pagar a conta"),
    ("en", "mom remind me to pagar a conta tomorrow"),
])
def test_a_name_before_a_wrapper_is_who_it_speaks_to(lang, text):
    assert _when(text, lang) == ("2026-12-09 09:00", "pagar a conta")


@pytest.mark.parametrize("lang,text,message", [
    ("fr", "rappelle moi de payer le loyer demain", "payer le loyer"),
    ("fr", "rappelle-moi d'appeler maman demain", "appeler maman"),
    ("fr", "stp rappelle-moi de payer le loyer demain", "payer le loyer"),
    ("de", "erinner mich dran morgen die Miete zu zahlen", "die Miete zu zahlen"),
    ("de", "erinnere mich bitte an die Miete morgen", "Miete"),
    ("de", "erinnere mich bitte morgen an die Miete", "Miete"),
    ("en", "pls remind me to pay rent tomorrow", "pay rent"),
    ("en", "hey remind me to pay rent tomorrow", "pay rent"),
    ("en", "can u remind me to pay rent tomorrow", "pay rent"),
    ("de", "erinnere mich bitte daran, dass ich morgen Zahnarzt habe", "ich Zahnarzt habe"),
    ("fr", "peux tu me rappeler demain de payer le loyer", "payer le loyer"),
    ("es", "xfa recuérdame mañana llamar a Ana", "llamar a Ana"),
    ("pt", "pfv me lembra amanhã de ligar pro banco", "ligar pro banco"),
    ("fr", "rappelle moi stp de payer le loyer demain", "payer le loyer"),
    ("es", "recuérdame xfa mañana llamar a Ana", "llamar a Ana"),
    ("pt", "me lembra por favor de ligar pro banco amanhã", "ligar pro banco"),
    ("en", "remind me please to pay rent tomorrow", "pay rent"),
    ("en", "remind me hey jude tomorrow", "hey jude"),  # a greeting after the wrapper is the task
])
def test_wrappers_with_courtesies(lang, text, message):
    assert _when(text, lang) == ("2026-12-09 09:00", message)


@pytest.mark.parametrize("lang,text,message", [
    ("en", "dentist reminder tomorrow", "dentist reminder"),  # not a wrapper that speaks to someone
    ("pt", "conta de luz lembrete amanhã", "conta de luz lembrete"),
    ("es", "que mañana llueve", "que llueve"),                 # 'que' alone is no wrapper
])
def test_a_word_before_other_wrappers_stays(lang, text, message):
    assert _when(text, lang) == ("2026-12-09 09:00", message)
