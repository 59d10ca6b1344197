"""Clock idioms in each language are read, not just refused: the hour first and what to add or take away
('midi moins dix', 'meia noite e meia', '8 y cuarto'), the minutes first ('dez para o meio dia', 'quarter to 5'),
the fraction of the hour to come ('halb fünf', 'dreiviertel 5'), an hour with its day part ('las cuatro de la
mañana', 'nachmittags um 2 Uhr 15') and 'o'clock' with am or pm."""
from __future__ import annotations

import pytest

from app.parsing import ParseError, parse
from tests.parsing.reading import ZONES, tuesday_in


def read(lang: str, text: str) -> tuple[str, str]:
    """(due as 'Tue 10:00' in the language's zone, message) for a text typed at Tue 2026-12-08 10:00 there."""
    p = parse(text, ZONES[lang], tuesday_in(lang), lang)
    assert p.every is None
    return p.due.strftime("%a %H:%M"), p.message


@pytest.mark.parametrize("lang,text,due,message", [
    # French: the hour, then 'et quart', 'et demie', 'moins dix', 'moins le quart', 'trois quarts'
    ("fr", "rappel midi moins dix", "Tue 11:50", "Rappel"),
    ("fr", "minuit et quart appeler Léa", "Wed 00:15", "appeler Léa"),
    ("fr", "minuit moins le quart", "Tue 23:45", "Rappel"),
    ("fr", "vendredi minuit et quart appeler Léa", "Sat 00:15", "appeler Léa"),  # the night after Friday, as
    ("en", "friday half past midnight meds", "Sat 00:30", "meds"),                # 'friday midnight' is
    ("pt", "sexta meia noite e meia remédio", "Sat 00:30", "remédio"),
    ("fr", "vendredi minuit moins le quart", "Fri 23:45", "Rappel"),
    ("fr", "dix heures trois quarts réunion", "Tue 10:45", "réunion"),
    ("fr", "rdv 9 heures trois quarts", "Wed 09:45", "rdv"),
    ("fr", "déjeuner midi et quart", "Tue 12:15", "déjeuner"),
    ("fr", "rdv demain midi moins vingt", "Wed 11:40", "rdv"),
    ("fr", "rdv demain à quinze heures moins cinq", "Wed 14:55", "rdv"),
    ("fr", "rdv à dix-sept heures", "Tue 17:00", "rdv"),
    ("fr", "dîner à vingt et une heures", "Tue 21:00", "dîner"),
    # Portuguese: 'e meia', 'e quinze', minutes first with 'para (o/as)'
    ("pt", "meia noite e meia tomar remédio", "Wed 00:30", "tomar remédio"),
    ("pt", "almoço dez para o meio dia", "Tue 11:50", "almoço"),
    ("pt", "almoço meio-dia e meia", "Tue 12:30", "almoço"),
    ("pt", "almoço ao meio dia e quinze", "Tue 12:15", "almoço"),
    ("pt", "dez para as cinco ligar", "Tue 16:50", "ligar"),
    ("pt", "quinze para as oito reunião", "Tue 19:45", "reunião"),
    ("pt", "às cinco para as seis jantar", "Tue 17:55", "jantar"),  # not a range, as English '5 to 6pm' is
    ("pt", "às oito e vinte e cinco", "Tue 20:25", "Lembrete"),
    ("pt", "às vinte e uma jantar", "Tue 21:00", "jantar"),
    # Spanish: the hour with its day part, 'y cuarto', 'menos cuarto', minutes first with 'para las'
    ("es", "las cuatro de la mañana gimnasio", "Wed 04:00", "gimnasio"),
    ("es", "cena a las diez de la noche", "Tue 22:00", "cena"),
    ("es", "diez de la noche llamar", "Tue 22:00", "llamar"),
    ("es", "a las 7 y media de la tarde", "Tue 19:30", "Recordatorio"),
    ("es", "cuarto para las 5 llamar", "Tue 16:45", "llamar"),
    ("es", "diez para las doce", "Tue 11:50", "Recordatorio"),
    ("es", "mediodía y media comer", "Tue 12:30", "comer"),
    ("es", "medianoche menos cuarto", "Tue 23:45", "Recordatorio"),
    ("es", "a las ocho y veinticinco", "Tue 20:25", "Recordatorio"),
    # German: the fraction of the hour to come, with 'Uhr' and a day part; a day part before the time
    ("de", "halb fünf uhr nachmittags Kaffee", "Tue 16:30", "Kaffee"),
    ("de", "arzt nachmittags um 2 uhr 15", "Tue 14:15", "arzt"),
    ("de", "dreiviertel 5 Termin", "Tue 16:45", "Termin"),
    ("de", "um drei viertel 5 Termin", "Tue 16:45", "Termin"),
    ("de", "viertel nach 6 Essen", "Tue 18:15", "Essen"),
    ("de", "viertel vor 8 Zug", "Tue 19:45", "Zug"),
    ("de", "abends um 8 Kino", "Tue 20:00", "Kino"),
    ("de", "morgen halb 9 Arzt", "Wed 08:30", "Arzt"),
    ("de", "um einundzwanzig Uhr anrufen", "Tue 21:00", "anrufen"),
    ("de", "um fünf nach halb vier Kaffee", "Tue 15:35", "Kaffee"),  # minutes around the half hour to come
    ("de", "um fünf vor halb vier Kaffee", "Tue 15:25", "Kaffee"),
    ("de", "zehn nach halb 8 abends Kino", "Tue 19:40", "Kino"),
    # English: o'clock with am or pm; the minutes first
    ("en", "call 4 oclock am", "Wed 04:00", "call"),
    ("en", "call 4 o'clock pm", "Tue 16:00", "call"),
    ("en", "11 oclock pm tomorrow gym", "Wed 23:00", "gym"),
    ("en", "walk evening, at 7", "Tue 19:00", "walk"),
    ("en", "ten to noon standup", "Tue 11:50", "standup"),
    ("de", "guten Morgen, Zahnarzt um 3", "Tue 15:00", "guten Morgen, Zahnarzt"),  # a greeting, not tomorrow
    ("pt", "às 10h depois de amanhã cabeleireiro", "Thu 10:00", "cabeleireiro"),  # not '10h depois', 10 hours later
    # a word that only stresses the time ('pile', 'y pico', 'em ponto', 'Punkt') goes with it
    ("fr", "à 3 heures pile appeler", "Wed 03:00", "appeler"),
    ("es", "a las siete y pico cenar", "Tue 19:00", "cenar"),
    ("pt", "ao meio dia em ponto almoço", "Tue 12:00", "almoço"),
    ("de", "um Punkt 8 Arzt", "Tue 20:00", "Arzt"),
    ("en", "call at 5pm sharp", "Tue 17:00", "call sharp"),  # English keeps it (the original corpus does)
])
def test_clock_idioms_are_read(lang, text, due, message):
    assert read(lang, text) == (due, message)


@pytest.mark.parametrize("lang,text,due,message", [
    ("es", "7 de la mañana", "Wed 07:00", "Recordatorio"),
    ("es", "desayuno 7 de la mañana", "Wed 07:00", "desayuno"),
    ("pt", "7 da manhã correr", "Wed 07:00", "correr"),
    ("pt", "ligar às 9 da noite", "Tue 21:00", "ligar"),
    ("fr", "appeler 8 du soir", "Tue 20:00", "appeler"),
    ("en", "gym 7 in the morning", "Wed 07:00", "gym"),
])
def test_an_hour_is_joined_to_its_day_part(lang, text, due, message):
    assert read(lang, text) == (due, message)


@pytest.mark.parametrize("lang,text,message", [
    ("pt", "reunião amanhã às 10 para 2 pessoas", "reunião para 2 pessoas"),  # 'para 2 pessoas' counts people
    ("pt", "amanhã às 10 para o médico", "para o médico"),
    ("de", "morgen um 8 nach Berlin fahren", "nach Berlin fahren"),
    ("en", "remind me at 5pm to call mom", "call mom"),
    ("en", "15 min after 3pm pills", "pills"),
    ("pt", "reservar mesa 10 para as 8", "reservar mesa 10"),  # a table, then 'para as 8': at 8
    ("es", "mesa 10 para las 9", "mesa 10"),
])
def test_joining_words_that_join_no_time_stay_in_the_message(lang, text, message):
    assert read(lang, text)[1] == message


@pytest.mark.parametrize("lang,text", [
    ("fr", "demain 10h et 2 amis"),       # not 10:02: minutes said alone are a multiple of 5
    ("de", "Zahnarzt morgen um 10 Uhr dreiviertel"),  # 'dreiviertel' comes before its hour
    ("es", "comprar 2 por la tarde"),     # 'por la tarde' is when, but '2' is not said to be its hour
    ("en", "take 2 at night"),
])
def test_an_idiom_that_does_not_fit_is_asked_about(lang, text):
    with pytest.raises(ParseError) as info:
        read(lang, text)
    assert info.value.code == "unsure"
