"""The words of the person's own page (web/me.py), per language, kept as data in `app/web/pagebooks/<code>.toml`.
Every file has the same keys (tests/web/test_me.py). What the page says after a change is what a text would get
back: the SMS phrasebooks' replies (app/texting/phrasebooks)."""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from app.parsing import LANGUAGES

BOOKS = Path(__file__).with_name("pagebooks")


@cache
def words(code: str) -> dict[str, str]:
    """The page's words in `code` (English for a language without a file)."""
    with open(BOOKS / f"{code if code in LANGUAGES else 'en'}.toml", "rb") as book:
        return tomllib.load(book)
