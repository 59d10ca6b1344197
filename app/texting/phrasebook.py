"""What the service says by text and the command words it knows, per language, kept as data in
`app/texting/phrasebooks/<code>.toml` (replies are str.format templates; command words are whole-text patterns; opt-out
and opt-in words are lists read by app/texting/optout.py; `[language]` says how the language is named, which countries'
numbers start in it, and how Babel writes its clock times).

A text is understood by every phrasebook, the person's own first, then English, then the others: English commands
and the legal opt-out words of every language always work, whatever language the person was last heard in.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

from babel.dates import format_datetime

from app.parsing import LANGUAGES, lower_keep_length
from app.texting.optout import ConsentWords, comparable

BOOKS = Path(__file__).with_name("phrasebooks")
EDGES = " .!,;:'\"¡¿"  # stripped from both ends of a text before command words are matched


@dataclass(frozen=True)
class Phrasebook:
    code: str
    name: str  # the language's own name, as replies say it ("español")
    names: frozenset[str]  # words that name it after LANG / IDIOMA, accents dropped ("es", "espanol", "spanish")
    countries: frozenset[str]  # regions (ISO 3166) whose numbers are taken to speak it until they say otherwise
    locale: str  # Babel's locale for clock times
    clocks: dict[str, str]  # Babel patterns: "clock" (7:00 PM), "clock_day" (7:00 PM Fri)
    commands: tuple[tuple[str, re.Pattern], ...]
    nouns: dict[str, list[str]]
    replies: dict[str, str]
    consent: ConsentWords
    patterns: dict[str, re.Pattern]

    def command(self, text: str) -> tuple[str, str | None]:
        """('list', None), ('cancel', '2'), … or ('new', None) when the text is not a command of this language.
        Opt-out and opt-in requests ('stop', 'start') come first, so no other meaning can shadow them."""
        if consent := self.consent.classify(text):
            return consent, None
        return self.match(text)

    def match(self, text: str) -> tuple[str, str | None]:
        """The command whose words are the whole text (accents and case ignored), with its argument as written."""
        clean, folded = _command_form(text)
        for name, pattern in self.commands:
            if match := pattern.fullmatch(folded):
                return name, clean[match.start(1):match.end(1)] if match.groups() and match.group(1) else None
        return "new", None

    def say(self, key: str, **fields: object) -> str:
        return self.replies[key].format(**fields)

    def count(self, n: int, noun: str) -> str:
        """'1 reminder', '3 reminders'."""
        return f"{n} {self.form(n, noun)}"

    def form(self, n: int, word: str) -> str:
        """The word as it goes with a count of n: 'reminder' or 'reminders', 'is' or 'are'."""
        singular, plural = self.nouns[word]
        return singular if n == 1 else plural

    def clock(self, moment: datetime, with_day: bool = False) -> str:
        """'7:00 PM' ('19:00'), or with the weekday: '7:00 PM Fri' ('19:00 vie')."""
        return format_datetime(moment, self.clocks["clock_day" if with_day else "clock"], locale=self.locale)


@lru_cache(maxsize=64)  # every language's book reads the same text in turn: tidy it once
def _command_form(text: str) -> tuple[str, str]:
    """The text as command words are matched against it: compatibility forms folded (optout.comparable: ＬＩＳＴ),
    spaces folded, edges stripped (`clean`), and the same lower-cased without accents (`folded`, of the same length,
    so a group's span points into `clean` too)."""
    clean = re.sub(r"\s+", " ", comparable(text)).strip(EDGES)
    clean = clean if clean.strip("?") else "?"
    return clean, lower_keep_length(clean)


@cache
def phrasebook(code: str = "en") -> Phrasebook:
    with open(BOOKS / f"{code}.toml", "rb") as book:
        data = tomllib.load(book)
    language = data["language"]
    return Phrasebook(code, language["name"], frozenset(lower_keep_length(n) for n in language["names"]),
                      frozenset(language["countries"]), language["locale"],
                      {k: language[k] for k in ("clock", "clock_day")},
                      tuple((name, re.compile(p)) for name, p in data["commands"].items()),
                      data["nouns"], data["replies"],
                      ConsentWords(data["opt_out"], data["opt_in"], data["fillers"]["words"]),
                      {name: re.compile(p, re.IGNORECASE) for name, p in data["patterns"].items()})


def books(first: str) -> list[Phrasebook]:
    """Every language's phrasebook: `first`, then English, then the rest."""
    order = dict.fromkeys([first, "en", *LANGUAGES])
    return [phrasebook(code) for code in order]


def understand(text: str, lang: str) -> tuple[str, str | None, Phrasebook]:
    """What a text asks, read by every phrasebook (the person's language `lang` first, then English), and the
    phrasebook whose words it used. An opt-out or opt-in in any language comes before any command; anything that
    is no command is a new reminder, read in the person's phrasebook."""
    every = books(lang)
    for book in every:
        if consent := book.consent.classify(text):
            return consent, None, book
    for book in every:
        name, arg = book.match(text)
        if name != "new":
            return name, arg, book
    return "new", None, every[0]


def speakers(text: str) -> set[str]:
    """The languages whose command or opt-out words `text` is."""
    return {code for code in LANGUAGES if phrasebook(code).command(text)[0] != "new"}


def language_named(words: str) -> str | None:
    """The language `words` name ('es', 'Español', 'spanish', 'espagnol'), or None."""
    wanted = lower_keep_length(" ".join(comparable(words).split()).strip(EDGES))
    return next((code for code in LANGUAGES if wanted in phrasebook(code).names), None)


@cache  # a few hundred regions; asked several times for every text
def country_language(region: str | None) -> str | None:
    """The language a country's numbers start in ('ES' -> 'es'), or None when no phrasebook claims it."""
    return next((code for code in LANGUAGES if region in phrasebook(code).countries), None)
