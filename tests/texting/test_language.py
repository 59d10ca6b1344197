"""Texting in Spanish, French, Portuguese and German through the real webhook, real Redis and the vonage SDK against
the fake Vonage: a reminder, LIST, DELETE, UNDO, HELP, opt-out and back, LANG, the English fallback, the number's
country, and a language that sticks. The expected replies are each language's phrasebook, filled in; the inputs are
written as people text them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import parsing
from app.texting.commands import snooze_delay
from app.texting.phrasebook import phrasebook, understand
from app.texting.segments import fits_one_segment
from tests.helpers import Phone, auth, clear_of, clear_of_midnight

SERVICE = "Textable reminders"
US = "14155550100"  # San Francisco: English by its country


@dataclass(frozen=True)
class Speaker:
    code: str
    number: str  # in a country that speaks it, with one time zone
    tz: str
    reminder: str  # a reminder as people text it ...
    message: str  # ... and its words as kept
    list: str
    delete: str  # of reminder 1
    undo: str
    help: str
    stop: str  # the language's usual opt-out word ...
    start: str  # ... and opt-in word
    lang: str  # the LANG command in that language, naming it
    not_opt_out: str  # a reminder that starts with an opt-out word of the language
    change: str  # reminder 1 to Friday 15:00
    correction: str  # the reminder just made to 8:00, its day kept
    snooze: str  # SNOOZE for an hour and a half


SPEAKERS = [
    Speaker("es", "34911234567", "Europe/Madrid", "recuérdame llamar a mamá mañana a las 7", "llamar a mamá",
            "LISTA", "borrar 1", "DESHACER", "AYUDA", "BAJA", "ALTA", "IDIOMA español",
            "salir a correr mañana a las 7", "cambiar 1 viernes 15:00", "no, a las 8", "posponer 1,5 horas"),
    Speaker("fr", "33612345678", "Europe/Paris", "rappelle-moi d'appeler maman demain à 19h", "appeler maman",
            "LISTE", "supprimer 1", "DEFAIRE", "AIDE", "ARRÊT", "START", "LANGUE français",
            "arrêter au pressing demain à 18h", "modifier 1 vendredi 15h", "non, à 8h", "reporter de 90 minutes"),
    Speaker("pt", "5511987654321", "America/Sao_Paulo", "lembre-me de ligar para a mãe amanhã às 19h",
            "ligar para a mãe", "LISTA", "apagar 1", "DESFAZER", "AJUDA", "SAIR", "VOLTAR", "IDIOMA português",
            "sair com o cachorro amanhã às 7h", "mudar 1 sexta 15h", "não, às 8h", "adiar 1.5 horas"),
    Speaker("de", "4915112345678", "Europe/Berlin", "erinnere mich an Mama anrufen morgen um 19 Uhr", "Mama anrufen",
            "LISTE", "löschen 1", "RÜCKGÄNGIG", "HILFE", "STOPP", "START", "SPRACHE deutsch",
            "Ende der Frist morgen um 9 Uhr", "ändern 1 Freitag 15 Uhr", "nein, um 8 Uhr", "später 90 min"),
]
SPOKEN = [pytest.param(s, id=s.code, marks=pytest.mark.skipif(s.code not in parsing.LANGUAGES,
                                                             reason=f"the parser does not speak {s.code} yet"))
          for s in SPEAKERS]


def phone_for(client, app, fake, number: str) -> Phone:
    return Phone(client, app, fake, number=number)


def person(phone: Phone):
    return phone.client.application.extensions["reminders"].people.person(phone.number)


def expected_confirmation(s: Speaker, text: str) -> str:
    """How the service confirms `text` in the speaker's language: the understood time repeated, the local way. Read
    by the clock now, as the service read it a moment ago: a test comparing the two starts clear of midnight."""
    parsed = parsing.parse(text, s.tz, None, s.code)
    return phrasebook(s.code).say("confirm", message=parsed.message, when=parsing.describe_when(
        parsed.due, parsed.every, s.code))


def help_text(code: str) -> str:
    return phrasebook(code).say("help", service=SERVICE, contact="")


@pytest.mark.parametrize("s", SPOKEN)
def test_a_whole_conversation_in_each_language(s, client, app, fake_vonage):
    clear_of_midnight(s.tz)  # 'tomorrow' read by the service, then again for the expected confirmation
    book, phone = phrasebook(s.code), phone_for(client, app, fake_vonage, s.number)
    confirmation = phone.ask(s.reminder)
    assert confirmation.startswith(expected_confirmation(s, s.reminder)), confirmation
    assert f'"{s.message}"' in confirmation and fits_one_segment(confirmation)
    (rem,) = phone.store.for_phone(s.number)
    assert rem.message == s.message and rem.tz == s.tz

    listed = phone.ask(s.list)
    assert listed.startswith(f"1. {s.message} - ") and phone.ask("LIST") == listed  # English commands work too
    assert phone.ask(s.delete) == book.say("cancelled", n=1, message=s.message)
    assert phone.ask(s.list) == book.say("list_empty")

    phone.ask(s.reminder)
    assert phone.ask(s.undo) == book.say("undone", message=s.message)
    assert phone.ask(s.help) == phone.ask("HELP") == help_text(s.code)

    phone.ask(s.reminder)
    stopped = phone.ask(s.stop)
    assert stopped == book.say("stopped", service=SERVICE, held=book.say("stopped_held",
                                                                           reminders=book.count(1, "reminder")))
    assert person(phone).opted_out and phone.text(s.list) == [] and phone.text(s.reminder) == []
    assert phone.ask(s.start) == book.say("started", reminders=book.count(1, "reminder"))
    assert phone.ask("STOP").startswith(SERVICE) and person(phone).opted_out  # English's words, always
    assert phone.ask("START") == book.say("started", reminders=book.count(1, "reminder"))


@pytest.mark.parametrize("s", SPOKEN)
def test_change_and_correction_in_each_language(s, client, app, fake_vonage):
    clear_of_midnight(s.tz)  # a date is said with its year when it is not this one: read by the service, then here
    book, phone = phrasebook(s.code), phone_for(client, app, fake_vonage, s.number)
    phone.ask(s.reminder)
    phone.ask(s.list)
    moved = phone.ask(s.change)
    (rem,) = phone.store.for_phone(s.number)
    assert (rem.due_local.weekday(), rem.due_local.hour, rem.message) == (4, 15, s.message)
    assert moved == book.say("moved", message=s.message, when=parsing.describe_when(rem.due_local, None, s.code))
    phone.store.cancel(rem.id)
    phone.ask(s.reminder)
    (made,) = phone.store.for_phone(s.number)
    corrected = phone.ask(s.correction)
    (rem,) = phone.store.for_phone(s.number)
    assert (rem.due_local.date(), rem.due_local.hour) == (made.due_local.date(), 8), corrected
    assert corrected.startswith(book.say("moved", message=s.message, when="")[:8])


@pytest.mark.parametrize("s", SPOKEN)
def test_snooze_reads_the_language_s_units(s):
    command, arg, book = understand(s.snooze, s.code)
    assert command == "snooze" and snooze_delay(arg, [book]) == timedelta(minutes=90)


@pytest.mark.parametrize("s", SPOKEN)
def test_the_language_s_opt_out_word_inside_a_reminder_stays_a_reminder(s, client, app, fake_vonage):
    clear_of_midnight(s.tz)  # 'tomorrow' read by the service, then again for the expected confirmation
    phone = phone_for(client, app, fake_vonage, s.number)
    assert phone.ask(s.not_opt_out).startswith(expected_confirmation(s, s.not_opt_out))
    assert not person(phone).opted_out
    assert phone.ask(s.stop.lower() + "!!").startswith(SERVICE) and person(phone).opted_out


@pytest.mark.parametrize("s", SPOKEN)
def test_the_number_s_country_speaks_first_then_the_texts_decide(s, client, app, fake_vonage):
    phone = phone_for(client, app, fake_vonage, s.number)
    assert phone.ask("?") == help_text(s.code)  # nothing said yet: the country's language
    assert phone.ask("call mom tomorrow at 7pm").startswith('Got it: "call mom" on ')  # clearly English
    assert phone.ask("?") == help_text("en") and person(phone).lang == "en"  # and that sticks


@pytest.mark.parametrize("s", SPOKEN)
def test_a_speaker_on_a_us_number_is_answered_in_their_language_and_it_sticks(s, client, app, fake_vonage):
    book, phone = phrasebook(s.code), phone_for(client, app, fake_vonage, US)
    assert phone.ask("?") == help_text("en")
    assert phone.ask(s.reminder).startswith(expected_confirmation(s, s.reminder)[:20])
    assert person(phone).lang == s.code and not person(phone).lang_set
    assert phone.ask("LIST").startswith(f"1. {s.message} - ")
    assert phone.ask("ok") == book.say("ack_nothing")  # too short to tell: the language learned stays
    assert phone.ask("DELETE 1") == book.say("cancelled", n=1, message=s.message)


def test_one_ambiguous_text_does_not_switch_the_replies(client, app, fake_vonage):
    phone = phone_for(client, app, fake_vonage, US)
    assert phone.ask("in 20 min take cake out").startswith('Got it: "take cake out" ')
    assert phone.ask("?") == help_text("en") and person(phone).lang in (None, "en")
    # Spanish by its words, but with an English one in it: one such text is not enough
    assert parsing.detect_language("cita con Ana tomorrow 5pm") == "es"
    assert phone.ask("cita con Ana tomorrow 5pm").startswith('Got it: "cita con Ana" ')
    assert phone.ask("?") == help_text("en") and person(phone).lang_next == "es"
    assert phone.ask("call mom tomorrow at 7pm").startswith("Got it: ")  # back in English: the doubt is gone
    assert person(phone).lang_next is None
    assert phone.ask("cita con Ana tomorrow 5pm").startswith("Got it: ") and person(phone).lang in (None, "en")


def test_a_person_who_switches_is_answered_in_the_new_language_from_the_second_text(client, app, fake_vonage):
    clear_of_midnight("America/Los_Angeles")  # 'mañana' read by the service, then again for the expected reply
    es, phone = phrasebook("es"), phone_for(client, app, fake_vonage, US)
    assert phone.ask("call mom tomorrow at 7pm").startswith("Got it: ")
    assert phone.ask("cita con Ana tomorrow 5pm").startswith("Got it: ")  # the first: still English
    assert parsing.detect_language("gym mañana 7am") == "es"
    answer = phone.ask("gym mañana 7am")  # the second in a row: Spanish from now on
    assert person(phone).lang == "es" and person(phone).lang_next is None and not person(phone).lang_set
    rem = next(r for r in phone.store.for_phone(US) if r.message == "gym")
    assert answer.startswith(es.say("confirm", message="gym", when=parsing.describe_when(rem.due_local, None, "es")))
    assert phone.ask("?") == help_text("es")


def test_a_text_beyond_doubt_switches_at_once_and_lang_clears_a_pending_one(client, app, fake_vonage):
    phone = phone_for(client, app, fake_vonage, US)
    phone.ask("cita con Ana tomorrow 5pm")
    assert person(phone).lang_next == "es"
    phone.ask("LANG en")
    assert person(phone).lang_next is None and person(phone).lang_set
    other = phone_for(client, app, fake_vonage, "14155550199")
    other.ask("recuérdame llamar a mamá mañana a las 7")  # no English word in it: Spanish at once
    assert person(other).lang == "es"


@pytest.mark.parametrize("s", SPOKEN)
def test_a_command_word_only_one_language_has_is_heard_in_it(s, client, app, fake_vonage):
    phone = phone_for(client, app, fake_vonage, US)
    assert phone.ask(s.help) == help_text(s.code) and person(phone).lang == s.code


@pytest.mark.parametrize("s", SPOKEN)
def test_lang_sets_the_language_whatever_the_texts_are_in(s, client, app, fake_vonage):
    clear_of_midnight("America/Los_Angeles")  # a date is said with its year when it is not this one: read twice
    book, phone = phrasebook(s.code), phone_for(client, app, fake_vonage, US)
    assert phone.ask(s.lang) == book.say("lang_set", name=book.name)
    assert person(phone).lang == s.code and person(phone).lang_set
    answer = phone.ask("call mom tomorrow at 7pm")  # read in English, answered in the language set
    (rem,) = phone.store.for_phone(US)
    assert rem.message == "call mom" and rem.due_local.hour == 19
    assert answer.startswith(book.say("confirm", message="call mom", when=parsing.describe_when(
        rem.due_local, None, s.code)))
    assert phone.ask(f"LANG {s.code}") == book.say("lang_set", name=book.name)
    assert phone.ask("LANG") == book.say("lang_is", name=book.name, codes=", ".join(parsing.LANGUAGES))
    assert phone.ask("LANG klingon") == book.say("lang_unknown", given="klingon", codes=", ".join(parsing.LANGUAGES))
    assert phone.ask("LANG en") == phrasebook("en").say("lang_set", name="English")


def test_words_after_lang_that_name_no_language_may_be_a_reminder(client, app, fake_vonage):
    phone = phone_for(client, app, fake_vonage, US)
    assert phone.ask("language class tomorrow 5pm").startswith('Got it: "language class" on ')


def test_a_text_the_person_s_language_cannot_read_is_read_in_english(client, app, fake_vonage):
    es, phone = phrasebook("es"), phone_for(client, app, fake_vonage, US)
    # made a moment before noon, 'dentist' would be due (and sent) at once; just before midnight on 31 December, the
    # year said with the date would change between the service's reply and the one expected here
    clear_of("America/Los_Angeles", "12:00", "00:00")
    phone.ask("IDIOMA es")
    for text, message, hour in [("dentist at noon", "dentist", 12), ("gym tomorrow 7am", "gym", 7)]:
        answer = phone.ask(text)
        rem = next(r for r in phone.store.for_phone(US) if r.message == message)
        assert rem.due_local.hour == hour
        assert answer.startswith(es.say("confirm", message=message, when=parsing.describe_when(rem.due_local, None,
                                                                                                "es")))
    nothing = phone.ask("llamar a mamá")  # no time in any language: said in the person's language
    assert nothing == str(_parse_error("llamar a mamá", "es"))


def _parse_error(text: str, lang: str) -> parsing.ParseError:
    try:
        parsing.parse(text, "UTC", None, lang)
    except parsing.ParseError as err:
        return err
    raise AssertionError(f"{text!r} parsed in {lang}")


def test_a_time_only_text_is_called_a_reminder_in_the_person_s_language(client, app, fake_vonage):
    phone = phone_for(client, app, fake_vonage, US)
    phone.ask("LANG es")
    phone.ask("in 10 minutes")
    (rem,) = phone.store.for_phone(US)
    assert rem.message == parsing.parse("en 10 minutos", "UTC", None, "es").message


def test_the_api_reads_text_in_the_language_given_and_people_have_a_language(client):
    body = {"phone_number": "+34911234567", "text": "llamar a mamá mañana a las 7", "lang": "es"}
    made = client.post("/api/reminders", json=body, headers=auth())
    assert made.status_code == 201 and made.json["message"] == "llamar a mamá"
    assert datetime.fromisoformat(made.json["remind_when"]).astimezone(ZoneInfo("Europe/Madrid")).hour == 7
    refused = client.post("/api/reminders", json={**body, "lang": "xx"}, headers=auth())
    assert refused.status_code == 422 and refused.json["error"]["field"] == "lang"
    detected = client.post("/api/reminders", json={**body, "lang": None}, headers=auth())
    assert detected.status_code == 201 and detected.json["message"] == "llamar a mamá"
    assert client.get("/api/people/+34911234567", headers=auth()).json["lang"] == "es"  # its country's
    changed = client.patch("/api/people/+34911234567", json={"lang": "en"}, headers=auth())
    assert changed.status_code == 200 and changed.json["lang"] == "en" and changed.json["lang_set"]
    assert client.patch("/api/people/+34911234567", json={"lang": "klingon"}, headers=auth()).status_code == 422
    cleared = client.patch("/api/people/+34911234567", json={"lang": None}, headers=auth()).json
    assert cleared["lang"] == "es" and not cleared["lang_set"]


OPT_OUTS = {
    "es": ["BAJA", "alto", "Parar!", "cancelar", "fin", "deja de enviarme mensajes",
           "por favor no me envíes más mensajes", "quiero darme de baja", "Baja, gracias"],
    "fr": ["STOP", "ARRÊT", "arret", "désabonner", "arrêtez de m'envoyer des SMS", "je veux me désabonner",
           "Stop merci", "plus de messages svp", "laissez-moi tranquille"],
    "pt": ["SAIR", "parar", "Pare", "não quero mais mensagens", "para de me mandar mensagens", "me tira da lista",
           "sair por favor"],
    "de": ["STOPP", "abmelden", "Kündigen", "keine SMS mehr", "hör auf mir zu schreiben", "bitte abmelden",
           "Stopp, danke"],
}
REMINDERS = {
    "es": ["salir a correr mañana a las 7", "alto el fuego en las noticias a las 8", "cancelar netflix el viernes",
           "parar en la farmacia a las 6", "baja la basura a las 9"],
    "fr": ["arrêter au pressing demain à 18h", "fin du match à 21h", "annuler le dentiste vendredi"],
    "pt": ["sair com o cachorro amanhã às 7h", "parar na farmácia às 18h", "cancelar netflix sexta"],
    "de": ["Ende der Frist morgen um 9 Uhr", "stopp beim Bäcker um 8", "abmelden vom Kurs morgen"],
}
OPT_INS = {"es": ["ALTA", "alta por favor"], "fr": ["START"], "pt": ["VOLTAR"], "de": ["START", "anmelden"]}


@pytest.mark.parametrize("code, text", [(c, t) for c, ts in OPT_OUTS.items() for t in ts])
def test_each_language_s_opt_out_words_work_for_everyone(code, text):
    for lang in parsing.LANGUAGES:  # whatever language the person was last heard in
        assert understand(text, lang)[0] == "stop", (text, lang)


@pytest.mark.parametrize("code, text", [(c, t) for c, ts in REMINDERS.items() for t in ts])
def test_an_opt_out_word_inside_a_reminder_is_no_opt_out(code, text):
    for lang in parsing.LANGUAGES:
        assert understand(text, lang)[0] not in ("stop", "start"), (text, lang)


@pytest.mark.parametrize("code, text", [(c, t) for c, ts in OPT_INS.items() for t in ts])
def test_each_language_s_opt_in_words(code, text):
    assert understand(text, code)[0] == "start" and understand(text, "en")[0] == "start"


@pytest.mark.parametrize(("number", "code", "command"), [
    ("14155550100", "en", "LANG"), ("14155550100", "en", "lang"), ("34612345678", "es", "IDIOMA"),
    ("4915112345678", "de", "SPRACHE"),
])
def test_a_bare_lang_says_the_language_and_how_to_change_it(client, app, fake_vonage, number, code, command):
    phone = phone_for(client, app, fake_vonage, number)
    book = phrasebook(code)
    assert phone.ask(command) == book.say("lang_is", name=book.name, codes=", ".join(parsing.LANGUAGES))
    assert phone.ask("LIST") == book.say("list_empty")  # still answered in the person's language


@pytest.mark.parametrize("unknown", ["klingon", "Klingon", "elvish", "xx", "lang"])
@pytest.mark.parametrize(("number", "code"), [("14155550100", "en"), ("34612345678", "es")])
def test_lang_with_a_name_it_does_not_know_is_refused_in_the_person_s_language(client, app, fake_vonage, number,
                                                                                code, unknown):
    phone = phone_for(client, app, fake_vonage, number)
    book = phrasebook(code)
    refusal = book.say("lang_unknown", given=unknown, codes=", ".join(parsing.LANGUAGES))
    assert phone.ask(f"LANG {unknown}") == refusal
    assert person(phone).lang in (None, code) and not person(phone).lang_set
    assert phone.ask("LIST") == book.say("list_empty")
    assert phone.store.for_phone(phone.number) == []  # not a reminder either


def test_lang_followed_by_a_time_is_still_a_reminder(client, app, fake_vonage):
    clear_of(ZoneInfo("America/Los_Angeles"), "17:00")
    phone = phone_for(client, app, fake_vonage, "14155550100")
    assert phone.ask("language class tomorrow 5pm").startswith('Got it: "language class"')
    assert not person(phone).lang_set
