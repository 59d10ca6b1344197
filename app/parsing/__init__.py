"""Natural-language reminder parsing for SMS texts.

Turns "gym tmrw 7am" or "every weekday 8:15 take pills" into a cleaned message, a timezone-aware first due time and
an optional RFC 5545 RRULE.  The product's conventions (docs/parsing.md) are a small grammar of pre-compiled regexes
over a normalised copy of the text; the words come from `languages/*.json`; dateparser is only a fallback for explicit
date phrases the grammar does not know.  When something left in the text still reads as a time, the parser asks
instead of guessing.  Each supported language (`LANGUAGES`) is a file of words in `languages/`; `detect_language`
says which one a text is in.  Pure package: no Flask, no Redis, nothing from `app` outside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from . import detect, leftovers
from .clock import later, localize
from .describe import describe_when
from .detect import detect_language, vocabulary_hits
from .errors import ParseError, fail
from .fallback import search as _dp_search
from .message import clean_message
from .normalize import lower_keep_length
from .offsets import MAX_AHEAD
from .resolve import resolve_once, resolve_recurring
from .scan import scan
from .vocabulary import LANGUAGES, load, speaking
from .zones import month_first
from .zones import zone as _zone

__all__ = [
    "LANGUAGES",
    "ParseError",
    "Parsed",
    "describe_when",
    "detect_language",
    "lower_keep_length",
    "month_first",
    "parse",
    "time_only_message",
    "vocabulary_hits",
    "warm_up",
]


@dataclass(frozen=True)
class Parsed:
    message: str            # the reminder text, cleaned
    due: datetime           # timezone-aware, in the given zone, always > now
    every: str | None       # RFC 5545 RRULE without DTSTART, or None


def _now_in(zone: ZoneInfo, now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(zone)
    if now.tzinfo is None:
        return localize(now, zone)
    return now.astimezone(zone)


def parse(text: str, tz: str | ZoneInfo, now: datetime | None = None, lang: str = "en") -> Parsed:
    """Parse an SMS like 'gym tmrw 7am' into (message, due, every), reading it in `lang` (one of LANGUAGES);
    raises ParseError with an SMS-ready reply (ValueError for an unknown language)."""
    with speaking(lang):
        return _parse(text, tz, now)


def _parse(text: str, tz: str | ZoneInfo, now: datetime | None) -> Parsed:
    zone = _zone(tz)
    now = _now_in(zone, now)
    text = (text or "").replace("\u00a0", " ").strip()
    if not text or not any(ch.isalnum() for ch in text):
        raise fail("empty")
    f, sc = scan(text, now, month_first(zone))
    if not f.has_time:
        raise fail("past" if f.past else "no_time")
    if f.past:
        raise fail("past")
    if f.rec:
        due, every = resolve_recurring(f, now, zone)
    else:
        due, every = resolve_once(f, now, zone), None
    if due is None or not later(due, now):
        raise fail("past")
    if due.timestamp() - now.timestamp() > MAX_AHEAD.total_seconds():
        raise fail("too_far")
    message = clean_message(text, [sc.norm.original(a, b) for a, b in f.spans])
    leftovers.check(f, sc, text, due, message, every)
    return Parsed(message, due, every)


_warm = False


def time_only_message(lang: str) -> str:
    """What the parser calls a text that is only a time, in `lang` ('Reminder', 'Recordatorio')."""
    return load(lang).replies["default_message"]


def warm_up() -> None:
    """Pays dateparser's first-call cost (imports, language data, regex compilation) so a fresh gunicorn worker's first
    texter does not; called once at app start-up.  Also exercises the grammar and the zone table."""
    global _warm
    if _warm:
        return
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    _dp_search("lunch with Sam on 3 December 2026 at 5pm", now, False)
    for text in ("gym tomorrow 7am", "every weekday 8:15 take pills", "call mom in 2 hours"):
        parse(text, "America/New_York", now)
    for code in LANGUAGES:  # each language's grammar, and its words in dateparser
        with speaking(code):
            _dp_search(f"x 3 {load(code).data['months'][11]['name']} 2026", now, False)
        for text in load(code).data.get("warm_up", []):
            parse(text, "UTC", now, code)
    detect.warm_up()
    _warm = True
