"""What the service says by text and the command words it knows, per language, kept as data in
`app/phrasebooks/<code>.toml` (replies are str.format templates; command words are whole-text patterns; opt-out and
opt-in words are lists read by app/optout.py)."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .optout import ConsentWords

BOOKS = Path(__file__).with_name("phrasebooks")


@dataclass(frozen=True)
class Phrasebook:
    code: str
    commands: tuple[tuple[str, re.Pattern], ...]
    nouns: dict[str, list[str]]
    replies: dict[str, str]
    consent: ConsentWords
    patterns: dict[str, re.Pattern]

    def command(self, text: str) -> tuple[str, str | None]:
        """('list', None), ('cancel', '2'), … or ('new', None) when the text is not a command. Opt-out and opt-in
        requests ('stop', 'start') come first, so no other meaning can shadow them."""
        if consent := self.consent.classify(text):
            return consent, None
        clean = re.sub(r"\s+", " ", text.lower()).strip(" .!,;:'\"")
        clean = clean if clean.strip("?") else "?"
        for name, pattern in self.commands:
            if match := pattern.fullmatch(clean):
                return name, match.group(1) if match.groups() else None
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


@lru_cache(maxsize=None)
def phrasebook(code: str = "en") -> Phrasebook:
    with open(BOOKS / f"{code}.toml", "rb") as book:
        data = tomllib.load(book)
    return Phrasebook(code, tuple((name, re.compile(p)) for name, p in data["commands"].items()),
                      data["nouns"], data["replies"],
                      ConsentWords(data["opt_out"], data["opt_in"], data["fillers"]["words"]),
                      {name: re.compile(p, re.IGNORECASE) for name, p in data["patterns"].items()})
