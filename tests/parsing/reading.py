"""How the parser's tests read a text: typed at a fixed moment, in the zone of that moment, in one language."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.parsing import ParseError, parse

# A zone where each language is spoken, for tests that read every language at home.
ZONES = {"en": "America/New_York", "es": "Europe/Madrid", "fr": "Europe/Paris", "pt": "America/Sao_Paulo",
         "de": "Europe/Berlin"}


def tuesday_in(lang: str) -> datetime:
    """Tue 2026-12-08 10:00 in the language's zone."""
    return datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo(ZONES[lang]))


def read(text: str, lang: str, now: datetime, fmt: str = "%Y-%m-%d %H:%M") -> tuple[str, str]:
    """(the due time, local, as `fmt`; the message) of a text typed at `now`, in `now`'s zone."""
    p = parse(text, now.tzinfo, now, lang)
    return p.due.strftime(fmt), p.message


def after(text: str, lang: str) -> tuple[timedelta, str]:
    """(how long from now it is due; the message) of a text typed on the Tuesday at home."""
    now = tuesday_in(lang)
    p = parse(text, now.tzinfo, now, lang)
    return p.due - now, p.message


def refusal(text: str, lang: str, now: datetime) -> ParseError:
    """The parser's refusal of a text typed at `now` (the test fails if it answers instead)."""
    with pytest.raises(ParseError) as info:
        parse(text, now.tzinfo, now, lang)
    return info.value
