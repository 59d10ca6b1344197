"""Metamorphic tests: every tuned corpus text the parser reads right, rewritten (time phrase moved, case and
punctuation changed, wrapper added or dropped, weekdays and months abbreviated, day and hour swapped), gives the
original's answer or refuses, never another time (tests/parsing/metamorphic.py says how the variants are made).
Also the bugs the variants found, one text each."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.parsing import parse
from tests.parsing.metamorphic import FAMILIES, Report, Variant, digest, generate, outcome, run
from tests.parsing.text_parts import language, split

ROOT = Path(__file__).resolve().parents[2]

MIN_VARIANTS = 20_000


@pytest.fixture(scope="module")
def report() -> Report:
    return run()


def _listing(report: Report, kind: str) -> str:
    return "\n".join(f"[{v.row.get('lang', 'en')} {v.family} {v.name}] {v.text!r} (from {v.row['text']!r}): {said}"
                     for k, v, said in report.differing if k == kind)


def test_no_variant_is_scheduled_at_another_time(report):
    print(f"\n{report.table()}\n{report.total()} variants, {report.seconds:.1f} s of CPU; "
          f"not built: {dict(report.skipped)}")
    assert report.total() >= MIN_VARIANTS
    assert report.total("time") == 0, _listing(report, "time")


def test_no_variant_gets_another_message(report):
    assert report.total("message") == 0, _listing(report, "message")


@pytest.mark.parametrize(("text", "kind"), [
    ("GYM, TOMORROW 7AM!", "same"),
    ("gym tomorrow 8am", "time"),
    ("gym every day 7am", "time"),
    ("gym class tomorrow 7am", "message"),
    ("gym tomorrow 7am or 8am", "refused"),
])
def test_a_variant_is_told_apart(text, kind):
    row = {"text": "gym tomorrow 7am", "tz": "America/New_York", "now": "2026-11-25T10:00:00-05:00",
           "message": "gym", "due": "2026-11-26T07:00:00-05:00", "every": None}
    assert outcome(Variant("case", "test", text, row))[0] == kind


def test_every_transformation_is_made_in_every_language(report):
    langs = {lang for _, lang in report.counts}
    assert langs == {"de", "en", "es", "fr", "pt"}
    missing = [(f, lang) for f in FAMILIES for lang in langs if not sum(report.counts.get((f, lang), {}).values())]
    assert not missing


def test_the_variants_are_the_same_in_every_process():
    """Seeded, and nothing depends on the order of a set: another process with another string hash seed makes the
    same variants."""
    here = digest(generate()[0])
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    there = subprocess.run([sys.executable, "-m", "tests.parsing.metamorphic", "--digest"], env=env, cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert here == there


@pytest.mark.parametrize(("text", "message", "lang", "wrapper", "joiner", "time"), [
    ("remind me tomorrow at 4 about the school event", "the school event", "en", "remind me", "about",
     "tomorrow at 4"),
    ("erinnere mich morgen um 8 Uhr an den Zahnarzt", "Zahnarzt", "de", "erinnere mich", "an den", "morgen um 8 Uhr"),
    ("fais-moi penser à réserver le resto demain", "réserver le resto", "fr", "fais-moi penser", "à", "demain"),
    ("call mom, tomorrow 5pm", "call mom", "en", "", "", "tomorrow 5pm"),
])
def test_a_text_is_cut_into_wrapper_message_and_time_phrase(text, message, lang, wrapper, joiner, time):
    parts = split({"text": text, "message": message}, language(lang))
    assert (" ".join(parts.wrapper), " ".join(parts.joiner), " ".join(parts.time)) == (wrapper, joiner, time)
    assert " ".join(parts.message) == message.replace(",", "")


def test_a_time_phrase_split_by_the_message_is_not_moved():
    assert split({"text": "call mom at 5 about the rent tomorrow", "message": "call mom about the rent"},
                 language("en")) is None


# --------------------------------------------------------------------------------- what the variants found
NOW = datetime(2026, 11, 25, 10, 0)  # a Wednesday


@pytest.mark.parametrize(("text", "lang", "zone", "message", "due", "rule"), [
    # a place word before 'on' does not make the date after it a place number; it was read only by dateparser
    ("flight on  2/12 at 6:10am", "en", "Asia/Kolkata", "flight", "2026-12-02 06:10", None),
    # Portuguese weekdays written as ordinals are weekdays, not days of the month
    ("toda 2ª às 8h academia", "pt", "America/Sao_Paulo", "academia", "2026-11-30 08:00", "FREQ=WEEKLY;BYDAY=MO"),
    ("5ª às 9h30 entrevista", "pt", "America/Sao_Paulo", "entrevista", "2026-11-26 09:30", None),
    # 'depois' starts 'depois de amanhã' here, it is not '11 hours later'
    ("11h depois de amanhã autoescola", "pt", "America/Sao_Paulo", "autoescola", "2026-11-27 11:00", None),
    # an abbreviation that is also a word is a day before a clock idiom or a day part with its qualifier
    ("sun half past nine brunch", "en", "America/New_York", "brunch", "2026-11-29 09:30", None),
    ("sáb de manhã feira", "pt", "America/Sao_Paulo", "feira", "2026-11-28 09:00", None),
    # French 'prochain' after an abbreviated weekday, as after the full name
    ("ven prochain à 14h dentiste", "fr", "Europe/Paris", "dentiste", "2026-11-27 14:00", None),
    # a list of days mixing abbreviations and names is a list when a time follows it
    ("mon wed friday 6am run", "en", "America/New_York", "run", "2026-11-27 06:00", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
    # 'los vie' is as plural as 'los viernes'
    ("los vie a las 6 cañas", "es", "Europe/Madrid", "cañas", "2026-11-27 18:00", "FREQ=WEEKLY;BYDAY=FR"),
    # the dot after an abbreviation ends no sentence: the year, the day part and 'prochain' after it still count
    ("fourth thursday of nov. 2027 thanksgiving", "en", "America/New_York", "thanksgiving", "2027-11-25 09:00", None),
    ("every sun. night call grandma", "en", "America/New_York", "call grandma", "2026-11-29 20:00",
     "FREQ=WEEKLY;BYDAY=SU"),
    ("ven. prochain à 14h dentiste", "fr", "Europe/Paris", "dentiste", "2026-11-27 14:00", None),
    ("Zahnarzt Di. um 10 Uhr", "de", "Europe/Berlin", "Zahnarzt", "2026-12-01 10:00", None),
    # a number the table spells in two words, with any spaces around it
    ("à  dix-sept heures dîner", "fr", "Europe/Paris", "dîner", "2026-11-25 17:00", None),
])
def test_what_the_variants_found(text, lang, zone, message, due, rule):
    tz = ZoneInfo(zone)
    p = parse(text, tz, NOW.replace(tzinfo=tz), lang)
    assert (p.message, p.due.strftime("%Y-%m-%d %H:%M"), p.every) == (message, due, rule)


@pytest.mark.parametrize(("text", "message", "due"), [
    ("take in the sun this afternoon", "take in the sun", "2026-11-25 15:00"),
    ("walk in the sun at 5pm", "walk in the sun", "2026-11-25 17:00"),
    ("sit in the sun in the afternoon", "sit in the sun", "2026-11-25 15:00"),
])
def test_a_word_abbreviation_after_the_or_before_a_today_phrase_stays_a_word(text, message, due):
    tz = ZoneInfo("America/New_York")
    p = parse(text, tz, NOW.replace(tzinfo=tz))
    assert (p.message, p.due.strftime("%Y-%m-%d %H:%M")) == (message, due)


def test_an_everyday_word_before_a_qualified_day_part_stays_a_word():
    """Portuguese `ter` is Tuesday's abbreviation and "to have" (`not_time_like`): `ter de manhã` is no Tuesday."""
    tz = ZoneInfo("America/Sao_Paulo")
    p = parse("vou ter de manhã reunião", tz, NOW.replace(tzinfo=tz), "pt")
    assert p.due.strftime("%Y-%m-%d %H:%M") == "2026-11-26 09:00"


def test_a_full_name_and_a_word_abbreviation_without_a_time_are_not_a_list():
    tz = ZoneInfo("America/New_York")
    with pytest.raises(Exception, match="sun"):
        parse("monday sun cream", tz, NOW.replace(tzinfo=tz))
