"""The phrasebooks: replies are data, every language has every reply, and each still fits its segments once filled
in with long but realistic values, counted as Vonage bills them (UCS-2, 70 characters, as soon as one character is
outside GSM-7)."""
from __future__ import annotations

import string
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app import parsing
from app.env_values import PUBLIC_URL_MAX, PUBLIC_URL_ONE_SMS
from app.settings import SERVICE_NAME_MAX, SUPPORT_CONTACT_MAX
from app.texting.phrasebook import BOOKS, country_language, language_named, phrasebook, understand
from app.texting.replies import confirmation
from app.texting.segments import fits_one_segment
from tests.support.fake_vonage import count_segments, is_gsm7

CODES = sorted(p.stem for p in BOOKS.glob("*.toml"))
MESSAGES = {"en": "call mom", "es": "llamar a mamá", "fr": "appeler maman", "pt": "ligar para a mãe",
            "de": "Mama anrufen"}
# CTIA's HELP content takes two; LINK's two at most, with the longest PUBLIC_URL (one up to PUBLIC_URL_ONE_SMS:
# test_link_fits_one_segment_with_a_public_url_of_ordinary_length); every other reply one
SEGMENTS = {"help": 2, "link": 2}
HINTS = ("list_hint", "ask_tz", "nag_hint")  # appended to a confirmation when they fit (commands.confirmation)
LONG_WHEN = [(datetime(2027, 8, 28, 19, 45), None), (datetime(2026, 12, 2, 12, 30), "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
             (datetime(2026, 12, 5, 9, 0), "FREQ=MONTHLY;BYMONTHDAY=1")]


def segments(text: str) -> int:
    return count_segments(text, unicode=not is_gsm7(text))


def when_in(code: str) -> str:
    """The longest of a few realistic confirmation times, as the parser says them in that language."""
    zone = ZoneInfo("Europe/Madrid")
    return max((parsing.describe_when(due.replace(tzinfo=zone), every, code) for due, every in LONG_WHEN), key=len)


def samples(code: str) -> dict[str, object]:
    """Long but realistic values for every field a reply template uses, in that language."""
    book = phrasebook(code)
    reminders = book.count(100, "reminder")
    return {"limit": 1000, "days": 365, "count": 100, "n": 100, "zone": "America/Argentina/Buenos_Aires",
            "now": book.clock(datetime(2026, 11, 28, 12, 45), True), "given": "somewhere nobody knows",
            "reminders": reminders, "held": book.say("stopped_held", reminders=reminders, are=book.form(100, "are")),
            "when": when_in(code),
            "message": MESSAGES.get(code, "call mom"), "service": "S" * SERVICE_NAME_MAX,
            "contact": book.say("help_contact", contact="c" * SUPPORT_CONTACT_MAX), "city": "Dumont DUrville",
            "channel": "WhatsApp",
            "minutes": "1440", "time": book.clock(datetime(2026, 11, 28, 12, 45)), "name": book.name,
            "codes": "de, en, es, fr, it, nl, pt",
            "url": "https://" + "r" * (PUBLIC_URL_MAX - 8) + "/link/" + "x" * 43,  # the longest link
            "are": book.form(100, "are")}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_parser_language_has_a_phrasebook_with_every_reply_and_command():
    english = phrasebook("en")
    assert set(parsing.LANGUAGES) <= set(CODES)
    for code in CODES:
        book = phrasebook(code)
        assert book.replies.keys() == english.replies.keys(), code
        assert {name for name, _ in book.commands} == {name for name, _ in english.commands}, code
        assert book.patterns.keys() == english.patterns.keys() and book.nouns.keys() == english.nouns.keys(), code
        assert code in book.names and language_named(book.name) in (code, None)
        assert book.match("?") == ("help", None) and book.match("gym at 7") == ("new", None), code


@pytest.mark.parametrize("code, key", [(c, k) for c in CODES for k in sorted(phrasebook(c).replies)])
def test_every_reply_fits_its_segments_when_filled_in(code, key):
    if code not in parsing.LANGUAGES:
        pytest.skip(f"the parser does not speak {code} yet")
    values = samples(code)
    template = phrasebook(code).replies[key]
    assert fields(template) <= values.keys(), f"add samples for {fields(template) - values.keys()}"
    text = template.format(**values)
    assert segments(text) <= SEGMENTS.get(key, 1), f"{code}.{key}: {text!r}"


@pytest.mark.parametrize("code, hint", [(c, h) for c in CODES for h in HINTS])
def test_a_hint_fits_with_a_short_confirmation(code, hint):
    """A hint follows the confirmation when both fit; with a typical short reminder they do."""
    if code not in parsing.LANGUAGES:
        pytest.skip(f"the parser does not speak {code} yet")
    book = phrasebook(code)
    when = parsing.describe_when(datetime(2026, 12, 4, 7, 30, tzinfo=ZoneInfo("Europe/Madrid")), None, code)
    text = confirmation(book, "gym", when, book.say(hint, minutes="10"))
    assert text.endswith(book.say(hint, minutes="10")) and segments(text) == 1, text


@pytest.mark.parametrize("code", CODES)
def test_a_long_confirmation_still_fits_one_segment(code):
    if code not in parsing.LANGUAGES:
        pytest.skip(f"the parser does not speak {code} yet")
    book = phrasebook(code)
    text = confirmation(book, MESSAGES.get(code, "x") + " y " * 40, when_in(code), book.say("list_hint"))
    assert segments(text) == 1 and when_in(code) in text


@pytest.mark.parametrize("text, expected", [("HELP", ("help", None)), (" delete #3 ", ("cancel", "3")),
                                            ("Snooze for 1h", ("snooze", "1h")), ("gym at 7", ("new", None)),
                                            ("LANG es", ("lang", "es"))])
def test_command_words_come_from_the_phrasebook(text, expected):
    assert phrasebook("en").command(text) == expected


def test_language_names_and_countries_are_data():
    assert language_named("Español") == language_named("espanol") == language_named("SPANISH") == "es"
    assert language_named("klingon") is None
    assert country_language("MX") == "es" and country_language("US") == "en" and country_language(None) is None
    claimed = [c for code in CODES for c in phrasebook(code).countries]
    assert len(claimed) == len(set(claimed)), "a country claimed by two languages"


def test_no_word_opts_out_in_one_language_and_in_in_another():
    stop = {w for code in CODES for w in phrasebook(code).consent.stop_words}
    start = {w for code in CODES for w in phrasebook(code).consent.start_words}
    assert not stop & start


@pytest.mark.parametrize("text", ["a" * 160, "a" * 161, "{" * 80, "{" * 81, "a" * 150 + "€" * 5, "a" * 151 + "€" * 5,
                                  "é" * 160, "ш" * 70, "ш" * 71, "a" * 69 + "😀", "x" * 79 + "|" + "y" * 79])
def test_the_one_segment_check_agrees_with_vonages_segment_count(text):
    """At the edges: 160 GSM-7 places with extension characters taking two, 70 UTF-16 units (an emoji takes two)."""
    assert fits_one_segment(text) == (count_segments(text, unicode=any(c in "ш😀" for c in text)) == 1)


def _styled(capital: int, small: int | None = None):  # type: ignore[no-untyped-def]
    """Latin letters in one of Unicode's letter-like styles (a style without small letters: capitals)."""
    def write(word: str) -> str:
        return "".join(chr(small + ord(c) - ord("a")) if c.islower() and small else chr(capital + ord(c.upper()) - 65)
                       for c in word)
    return write


FORMS = {  # how people (and keyboards, and font generators) write a command word without ASCII letters
    "full-width": _styled(0xFF21, 0xFF41),
    "mathematical bold": _styled(0x1D400, 0x1D41A),
    "mathematical sans-serif bold italic": _styled(0x1D63C, 0x1D656),
    "mathematical script bold": _styled(0x1D4D0, 0x1D4EA),
    "circled": _styled(0x24B6, 0x24D0),
    "squared": _styled(0x1F130),
    "negative circled": _styled(0x1F150),
    "negative squared": _styled(0x1F170),
}
WORDS = [("STOP", "stop"), ("Stop", "stop"), ("START", "start"), ("HELP", "help"), ("LIST", "list"), ("BAJA", "stop"),
         ("Stopp", "stop")]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("word", "command"), WORDS)
def test_command_and_opt_out_words_match_in_every_letter_like_form(form, word, command):
    """Compatibility folding (NFKC), and the enclosed letters it leaves alone: ＳＴＯＰ, 𝐒𝐓𝐎𝐏, ⓈⓉⓄⓅ, 🅢🅣🅞🅟 opt out."""
    styled = FORMS[form](word)
    assert not styled.isascii()
    for lang in ("en", "es", "de"):
        assert understand(styled, lang)[0] == command, (styled, lang)
        assert understand(f"  {styled}!! ", lang)[0] == command


def test_folding_keeps_a_command_s_argument_and_a_reminder_s_words():
    assert understand("ＤＥＬＥＴＥ　２", "en")[:2] == ("cancel", "2")
    assert understand("ＬＡＮＧ　ｅｓ", "en")[:2] == ("lang", "es")
    assert understand("𝐬𝐭𝐨𝐩 at the bank at 5pm", "en")[0] == "new"


@pytest.mark.parametrize("code", CODES)
def test_link_fits_one_segment_with_a_public_url_of_ordinary_length(code):
    url = "https://" + "r" * (PUBLIC_URL_ONE_SMS - 8) + "/link/" + "x" * 43
    assert segments(phrasebook(code).say("link", url=url)) == 1
