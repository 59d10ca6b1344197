"""The parser in Spanish, French, Portuguese and German: each language's corpus, its own rules, the local way of
saying a time, which language a text is in, and the parse command's --lang."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from app.parsing import LANGUAGES, ParseError, describe_when, parse
from app.parsing.vocabulary import load as load_vocabulary
from tests.corpus_score import CORPUS_DIR, detection, load, score, table
from tests.helpers import clear_of_midnight

OTHERS = [code for code in LANGUAGES if code != "en"]  # a new language file brings its corpus into these tests
MIN_ACCURACY = 0.95
MAX_WRONG = 0.01
MIN_DETECTED = 0.95
NOW = datetime(2026, 11, 25, 10, 0)  # a Wednesday
MADRID, PARIS, SAO_PAULO, BERLIN = (ZoneInfo(z) for z in ("Europe/Madrid", "Europe/Paris", "America/Sao_Paulo",
                                                           "Europe/Berlin"))


def when(text: str, lang: str, zone: ZoneInfo) -> tuple[str, str, str | None]:
    """(message, local 'YYYY-MM-DD HH:MM', rule) for a text read in `lang` at NOW."""
    p = parse(text, zone, NOW.replace(tzinfo=zone), lang)
    return p.message, p.due.strftime("%Y-%m-%d %H:%M"), p.every


def code_of(text: str, lang: str, zone: ZoneInfo) -> str:
    with pytest.raises(ParseError) as err:
        parse(text, zone, NOW.replace(tzinfo=zone), lang)
    return err.value.code


# ------------------------------------------------------------------------------------------------------- corpora
def test_supported_languages():
    assert LANGUAGES == ("de", "en", "es", "fr", "pt")


@pytest.mark.parametrize("lang", OTHERS)
def test_each_language_has_a_corpus_and_a_held_out_fifth(lang):
    rows, held = load(CORPUS_DIR / f"{lang}.jsonl"), load(CORPUS_DIR / f"{lang}_heldout.jsonl")
    assert len(rows) >= 150 and len(held) >= len(rows) // 5
    assert {r["lang"] for r in rows + held} == {lang}
    assert sum("error" in r for r in rows) >= 8
    assert sum(bool(r.get("every")) for r in rows) >= 15


@pytest.mark.parametrize("lang", OTHERS)
def test_corpus_accuracy(lang):
    tallies = score(load(CORPUS_DIR / f"{lang}.jsonl"))
    overall = tallies["all"]
    print(f"\n{lang}: {overall.right}/{overall.total} right, {overall.wrong} wrong\n{table(tallies)}")
    for line in overall.misses:
        print("  " + line)
    assert overall.accuracy >= MIN_ACCURACY
    assert overall.wrong_rate <= MAX_WRONG


@pytest.mark.parametrize("lang", OTHERS)
def test_language_is_detected_on_the_corpus(lang):
    counts = detection(load(CORPUS_DIR / f"{lang}.jsonl"))
    assert counts["right"] / sum(counts.values()) >= MIN_DETECTED, counts


def test_english_texts_are_never_taken_for_another_language():
    rows = load(CORPUS_DIR / "everyday.jsonl") + load(CORPUS_DIR / "heldout.jsonl")
    assert detection(rows)["wrong"] == 0


# ------------------------------------------------------------------------------------------------------- Spanish
def test_spanish_wrapper_accents_and_the_bare_hour():
    assert when("recuérdame llamar a mamá mañana a las 7", "es", MADRID) == ("llamar a mamá", "2026-11-26 07:00", None)
    assert when("recuerdame llamar a mama manana a las 7", "es", MADRID) == ("llamar a mama", "2026-11-26 07:00", None)


def test_spanish_day_parts_hour_first_idioms_and_series():
    assert when("mañana a las 7 de la tarde dentista", "es", MADRID)[1] == "2026-11-26 19:00"
    assert when("mañana por la mañana banco", "es", MADRID)[1:] == ("2026-11-26 09:00", None)
    assert when("a las 8 menos cuarto bus", "es", MADRID)[1] == "2026-11-25 19:45"
    assert when("todos los lunes a las 8 gimnasio", "es", MADRID) == ("gimnasio", "2026-11-30 08:00",
                                                                     "FREQ=WEEKLY;BYDAY=MO")
    assert when("en veinte minutos sacar la pizza", "es", MADRID)[1] == "2026-11-25 10:20"


def test_spanish_hedge_is_unsure():
    assert code_of("llamar a Pepe a las 3 o a las 4", "es", MADRID) == "unsure"


# -------------------------------------------------------------------------------------------------------- French
def test_french_elided_wrapper_and_24_hour_clock():
    assert when("rappelle-moi d'appeler maman demain à 19h", "fr", PARIS) == ("appeler maman", "2026-11-26 19:00",
                                                                             None)
    assert when("à 7h réveil", "fr", PARIS)[1] == "2026-11-26 07:00"  # '7h' is 07:00, not 19:00
    assert when("ce soir sortir les poubelles", "fr", PARIS)[1] == "2026-11-25 19:00"
    assert when("tous les jours à 8h médicaments", "fr", PARIS)[2] == "FREQ=DAILY"


# ---------------------------------------------------------------------------------------------------- Portuguese
def test_portuguese_wrappers_and_series():
    assert when("lembra-me de ligar à mãe amanhã às 7h", "pt", SAO_PAULO) == ("ligar à mãe", "2026-11-26 07:00", None)
    assert when("lembre-me de pagar a conta amanha", "pt", SAO_PAULO)[:2] == ("pagar a conta", "2026-11-26 09:00")
    assert when("toda segunda às 8h academia", "pt", SAO_PAULO)[2] == "FREQ=WEEKLY;BYDAY=MO"
    assert when("de 2 em 2 horas beber água", "pt", SAO_PAULO)[2] == "FREQ=HOURLY;INTERVAL=2"


# -------------------------------------------------------------------------------------------------------- German
def test_german_night_is_never_read_as_afternoon():
    assert when("um 3 Uhr nachts Flug", "de", BERLIN)[1] == "2026-11-26 03:00"
    assert when("um 11 Uhr nachts Tabletten", "de", BERLIN)[1] == "2026-11-25 23:00"
    assert code_of("um 15 Uhr nachts Flug", "de", BERLIN) == "unsure"


def test_german_clock_habits():
    assert when("erinnere mich morgen um 8 Uhr an den Zahnarzt", "de", BERLIN) == ("Zahnarzt", "2026-11-26 08:00",
                                                                                  None)
    assert when("um 8 Uhr abends essen", "de", BERLIN)[1] == "2026-11-25 20:00"
    assert when("halb 8 Bus", "de", BERLIN)[1] == "2026-11-25 19:30"  # 'halb 8' is half past seven
    assert when("montags 18 Uhr Sport", "de", BERLIN)[2] == "FREQ=WEEKLY;BYDAY=MO"
    assert when("Montag bis Freitag um 6:45 Uhr aufstehen", "de", BERLIN)[1] == "2026-11-26 06:45"
    assert when("um 7:30 Uhr abends Kino", "de", BERLIN)[1] == "2026-11-25 19:30"


def test_a_written_clock_is_24_hour_in_german_and_french():
    """The held-out miss: a bare '6:45' read on the English 12-hour rule became 18:45."""
    assert when("Montag bis Freitag um 6:45 aufstehen", "de", BERLIN)[1] == "2026-11-26 06:45"
    assert when("du lundi au vendredi à 6:45 réveil", "fr", PARIS)[1] == "2026-11-26 06:45"
    assert when("um 6:45 abends joggen", "de", BERLIN)[1] == "2026-11-25 18:45"


def test_english_is_still_english():
    assert when("half 8 bus", "en", BERLIN)[1] == "2026-11-25 20:30"  # British 'half eight' is 8:30
    with pytest.raises(ParseError):
        parse("manana a las 7", "UTC", NOW, "en")


def test_unknown_language_is_a_value_error():
    with pytest.raises(ValueError):
        parse("domani alle 7", "UTC", NOW, "xx")


# ---------------------------------------------------------------------------------------------- saying it back
def test_confirmation_time_is_said_the_local_way_and_fits_one_ucs2_segment():
    clear_of_midnight(MADRID)  # this year, read here and again by describe_when
    due = datetime(2026, 11, 27, 19, 0, tzinfo=MADRID)
    year = "" if datetime.now(MADRID).year == 2026 else " 2026"  # the year is said when it is not this one
    assert describe_when(due, None, "es") == f"vie 27 nov{year}, 19:00"
    assert describe_when(due.replace(tzinfo=PARIS), None, "fr") == f"ven. 27 nov.{year} à 19:00"
    assert describe_when(due, None, "en") == f"on Fri 27 Nov{year} at 7:00 PM"
    for lang in OTHERS:
        said = describe_when(due, "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20270301T000000Z", lang)
        assert len(said) <= 70, said


def test_unsure_reply_is_in_the_language_read():
    with pytest.raises(ParseError) as err:
        parse("llamar a Pepe a las 3 o a las 4", MADRID, NOW.replace(tzinfo=MADRID), "es")
    assert str(err.value).startswith("Entendí") and "a las 4" in str(err.value)


@pytest.mark.parametrize("lang", OTHERS)
def test_every_reply_fits_one_segment(lang):
    """ASCII replies in 160 characters, others (UCS-2 when accented) in 70, whatever was not understood."""
    limit = {True: 160, False: 70}
    for code, template in load_vocabulary(lang).replies.items():
        reply = template.format(frag="x" * 30, got="", example="")
        assert len(reply) <= limit[reply.isascii()], (code, reply)
    with pytest.raises(ParseError) as err:
        parse("llamar a Pepe a las 3 o a las 4 de la tarde del día siguiente", MADRID, NOW.replace(tzinfo=MADRID), "es")
    assert len(str(err.value)) <= 70


@pytest.mark.parametrize("lang", OTHERS)
def test_every_language_file_has_what_the_grammar_needs(lang):
    english = load_vocabulary("en").data
    data = load_vocabulary(lang).data
    assert set(english) - {"_about"} <= set(data)
    for text in data["warm_up"]:
        parse(text, "UTC", NOW, lang)


# ------------------------------------------------------------------------------------------------------- CLI
@pytest.fixture()
def runner(env):
    return create_app(env).test_cli_runner()


def test_parse_command_takes_lang_or_detects_it(runner):
    args = ["parse", "mañana a las 7 dentista", "--tz", "Europe/Madrid", "--now", "2026-11-25T10:00:00"]
    for extra in (["--lang", "es"], []):
        result = runner.invoke(args=args + extra)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == {"message": "dentista", "due": "2026-11-26T07:00:00+01:00", "every": None}


def test_parse_jsonl_reads_lang_per_line(runner):
    lines = [{"text": "demain 19h dîner", "tz": "Europe/Paris", "now": "2026-11-25T10:00:00", "lang": "fr"},
             {"text": "morgen 19 Uhr Essen", "tz": "Europe/Berlin", "now": "2026-11-25T10:00:00"},
             {"text": "domani alle 7", "lang": "xx"}]
    result = runner.invoke(args=["parse", "--jsonl"], input="".join(json.dumps(x) + "\n" for x in lines))
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert answers[0] == {"message": "dîner", "due": "2026-11-26T19:00:00+01:00", "every": None}
    assert answers[1] == {"message": "Essen", "due": "2026-11-26T19:00:00+01:00", "every": None}
    assert "error" in answers[2]
