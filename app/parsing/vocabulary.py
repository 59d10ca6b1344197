"""The words the parser knows, loaded once from `languages/<code>.json`.

Word lists stay data so that another language is a new file, not new code: this module only turns the lists into
regex alternations and look-up tables.  English is the one language loaded today.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

LANGUAGE_DIR = Path(__file__).with_name("languages")


def alternation(words) -> str:
    """A non-capturing regex group matching any of `words` (longest first; spaces match any whitespace)."""
    escaped = sorted({re.escape(w).replace(r"\ ", r"\s+") for w in words}, key=len, reverse=True)
    return "(?:" + "|".join(escaped) + ")"


class Vocabulary:
    """One language's words, with the tables the grammar and the normaliser need."""

    def __init__(self, data: dict):
        self.data = data
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
        self.daypart_of = {w: name for name, part in data["dayparts"].items() for w in part["words"]}
        self.mark_of = {w: name for name, mark in data["marks"].items() for w in mark["words"]}
        self.period_of = {w: name for name, words in data["periods"].items() for w in words}

    def words(self, key: str) -> list[str]:
        return self.data["words"][key]

    def alt(self, *keys: str) -> str:
        """Alternation of one or more `words` lists."""
        return alternation([w for k in keys for w in self.words(k)])

    def weekday(self, word: str) -> int:
        """0=Monday..6=Sunday for a name, abbreviation or plural ('mondays')."""
        w = word.lower().strip(". ")
        if w not in self.weekday_of and w.endswith(self.data["plural_suffix"]):
            w = w[: -len(self.data["plural_suffix"])]
        return self.weekday_of[w]

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


@lru_cache(maxsize=None)
def load(code: str = "en") -> Vocabulary:
    """The vocabulary of one language, read once."""
    return Vocabulary(json.loads((LANGUAGE_DIR / f"{code}.json").read_text(encoding="utf-8")))


EN = load("en")
