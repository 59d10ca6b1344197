"""The words the parser knows, loaded once from `languages/<code>.json`.

Word lists stay data so that another language is a new file, not new code: this module only turns the lists into
regex alternations and look-up tables.  The parser reads one language at a time: `speaking(code)` makes it the
current one, and `V` is its vocabulary.  Words are kept without accents (`manana`, `a las`, `uber`): the normaliser
drops them from the text too, so `mañana` and `manana` read the same.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path

LANGUAGE_DIR = Path(__file__).with_name("languages")
LANGUAGES: tuple[str, ...] = tuple(sorted(p.stem for p in LANGUAGE_DIR.glob("*.json")))
_UNTRANSLATED = ("replies", "describe", "_about", "code", "babel_locale", "letters")  # kept as written, accents and all


def alternation(words) -> str:
    """A non-capturing regex group matching any of `words` (longest first; spaces match any whitespace).
    No words: a group that never matches."""
    escaped = sorted({re.escape(w).replace(r"\ ", r"\s+") for w in words}, key=len, reverse=True)
    return "(?:" + "|".join(escaped) + ")" if escaped else "(?!)"


@lru_cache(maxsize=4096)
def fold_char(c: str) -> str:
    """'é' -> 'e', 'ñ' -> 'n', 'ü' -> 'u': one character for one, so offsets into the text stay valid."""
    if c.isascii():
        return c
    base = unicodedata.normalize("NFD", c)[0]
    return base if len(base) == 1 and base.isascii() else c


def fold(text: str) -> str:
    return "".join(fold_char(c) for c in text)


def _folded(node):
    if isinstance(node, dict):
        return {fold(k): _folded(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_folded(v) for v in node]
    return fold(node) if isinstance(node, str) else node


class Vocabulary:
    """One language's words, with the tables the grammar and the normaliser need."""

    def __init__(self, code: str, data: dict):
        self.code = code
        data = {k: v if k in _UNTRANSLATED else _folded(v) for k, v in data.items()}
        self.data = data
        self.grammar = None  # built by grammar.of() on first use
        self.replies: dict[str, str] = data["replies"]
        self.describe: dict = data["describe"]
        self.weekday_of: dict[str, int] = {}
        self.weekday_names: list[str] = []
        self.weekday_abbrs: list[str] = []
        for i, day in enumerate(data["weekdays"]):
            self.weekday_names.append(day["name"])
            self.weekday_of[day["name"]] = i
            for abbr in day["abbr"]:
                self.weekday_abbrs.append(abbr)
                self.weekday_of[abbr] = i
        self.month_of: dict[str, int] = {}
        self.month_words: list[str] = []
        for i, month in enumerate(data["months"], start=1):
            for word in [month["name"], *month["abbr"]]:
                self.month_of[word] = i
                self.month_words.append(word)
        self.unit_of = {w: unit for unit, words in data["units"].items() for w in words}
        self.numbers: dict[str, int] = data["numbers"]
        self.tens: dict[str, int] = data["tens"]
        self.ordinals: dict[str, int] = data["ordinals"]
        compound = data["compound_numbers"]
        self.number_joiners: frozenset[str] = frozenset(compound["joiners"])  # 'vinte e quatro', 'trente et un'
        units = [w for w, n in self.numbers.items() if 1 <= n <= 9]
        self._units_first = re.compile(  # German 'vierundzwanzig': the unit, 'und', then the tens, in one word
            rf"({alternation(units)}){compound['units_first']}({alternation(self.tens)})"
        ) if compound["units_first"] else None
        tens_ordinals = [w for w, n in self.ordinals.items() if n >= 20 and n % 10 == 0]
        self._units_first_ordinal = re.compile(  # 'vierundzwanzigsten', 'einunddreißigsten'
            rf"({alternation(units)}){compound['units_first']}({alternation(tens_ordinals)})"
        ) if compound["units_first"] else None
        self.daypart_of = {w: name for name, part in data["dayparts"].items() for w in part["words"]}
        self.mark_of = {w: name for name, mark in data["marks"].items() for w in mark["words"]}
        self.period_of = {w: name for name, words in data["periods"].items() for w in words}

    def compound_number(self, word: str) -> int | None:
        """A number written as one word of unit and tens ('vierundzwanzig' 24), or None."""
        m = self._units_first.fullmatch(word) if self._units_first else None
        return self.numbers[m[1]] + self.tens[m[2]] if m else None

    def compound_ordinal(self, word: str) -> int | None:
        """An ordinal written as one word of unit and tens ('vierundzwanzigsten' 24th), or None."""
        m = self._units_first_ordinal.fullmatch(word) if self._units_first_ordinal else None
        return self.numbers[m[1]] + self.ordinals[m[2]] if m else None

    def words(self, key: str) -> list[str]:
        """A word list; a language that does not use one (English has no 'hour_clock' like '19h') leaves it out."""
        return self.data["words"].get(key, [])

    def alt(self, *keys: str) -> str:
        """Alternation of one or more `words` lists."""
        return alternation([w for k in keys for w in self.words(k)])

    def weekday(self, word: str) -> int:
        """0=Monday..6=Sunday for a name, abbreviation or plural ('mondays')."""
        w = word.lower().strip(". ")
        if w not in self.weekday_of and w.endswith(self.data["plural_suffix"]):
            w = w[: -len(self.data["plural_suffix"])]
        return self.weekday_of[w]

    def abbr_needs_company(self, word: str) -> bool:
        """A weekday abbreviation that is also a word or a name ('sat', 'sun', 'wed', 'Thu') is a day only with
        'on/next/this' or a time next to it; the language's `weekday_abbr_alone` ('fri', 'tues') are days alone."""
        return word.lower().strip(". ") not in self.words("weekday_abbr_alone")

    def month(self, word: str) -> int:
        return self.month_of[word.lower().strip(". ")]

    def unit(self, word: str) -> str:
        """A unit spelling as seconds/minutes/hours/days/weeks/fortnights/months/years."""
        return self.unit_of[word.lower()]

    def known(self) -> set[str]:
        """Every single word the vocabulary names, anywhere (the fuzzy speller leaves these alone)."""
        words: set[str] = set()

        def walk(node) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    walk(key)
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)
            elif isinstance(node, str):
                words.update(node.lower().split())
        walk({k: v for k, v in self.data.items() if k not in ("replies", "describe", "_about")})  # incl. not_typos
        return words

    def fuzzy_targets(self) -> list[str]:
        """Long words worth correcting a one-letter typo towards: weekdays, long month names, day and unit words."""
        n = self.data["fuzzy_min_length"]
        names = self.weekday_names + [w + self.data["plural_suffix"] for w in self.weekday_names]
        names += [m["name"] for m in self.data["months"]]
        names += self.words("tomorrow") + self.words("tonight") + self.words("weekend") + self.words("weekday")
        names += self.data["units"]["minutes"][:1] + self.data["units"]["seconds"][:1]
        return [w for w in names if len(w) >= n]


@cache
def load(code: str = "en") -> Vocabulary:
    """The vocabulary of one language, read once."""
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; known: {', '.join(LANGUAGES)}")
    return Vocabulary(code, json.loads((LANGUAGE_DIR / f"{code}.json").read_text(encoding="utf-8")))


EN = load("en")
_current: ContextVar[Vocabulary] = ContextVar("parsing_language", default=EN)


def current() -> Vocabulary:
    """The vocabulary of the text being parsed (English outside `speaking`)."""
    return _current.get()


@contextmanager
def speaking(code: str) -> Iterator[Vocabulary]:
    """Parse, clean and describe in one language for the duration of the block."""
    token = _current.set(load(code))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class _CurrentVocabulary:
    """`V.words("at")` reads the vocabulary of the language being parsed."""

    def __getattr__(self, name: str):
        return getattr(_current.get(), name)


V = _CurrentVocabulary()
