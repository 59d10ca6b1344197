"""How a correction (`actually 8am`, `no, tomorrow`) or CHANGE 2 <when> reads its new time for a reminder that
already has one. The rule (README, "Editing by text"):

- words that count from now (`in 2 hours`) or name both a day and a time (`friday 3pm`) give that time;
- a time alone (`8am`) keeps the reminder's day, unless that moment has passed (then the next such time); a bare
  hour is the reading nearest the reminder's own time (`8` moves a 7:00 reminder to 8:00 and a 19:00 one to 20:00),
  whatever the hour is now;
- a day alone (`tomorrow`, `friday`) keeps the reminder's time of day;
- for a series, new days (`every tue and thu`) replace its days, keeping its time unless a time is given too, and a
  time alone moves each occurrence to that time; a day alone is not enough to move a series.
Which words name a day or a time is data in the phrasebook (`[patterns]`), like every other word the service reads.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from app import parsing, rules
from app.texting.phrasebook import Phrasebook


class MoveError(ValueError):
    """The new time cannot be used; the message is the phrasebook key of the reply that says why."""


def new_time(book: Phrasebook, words: str, parsed: parsing.Parsed, old: datetime, every: str | None,
             now: datetime) -> tuple[datetime, str | None]:
    """(the new due time, the rule) for a reminder now due at `old` (in the zone the words were read in) with rule
    `every`, given the words of the new time and how the parser read them alone."""
    relative = bool(book.patterns["relative"].search(words))
    has_time = bool(book.patterns["names_time"].search(words)) and not relative
    has_day = bool(book.patterns["names_day"].search(words)) and not relative
    due = parsed.due
    if parsed.every:  # new days: a series' days replaced (or a one-off made a series)
        start = due if has_time or relative else _at(due.date(), old)
        return (start if start > now else _following(parsed.every, start, now)), parsed.every
    if has_time and not has_day:
        start = _at(old.date(), _nearest(book.code, words, old, due))
        if every is not None:
            return (start if start > now else _following(every, start, now)), every
        return (start if start > now else due), None
    if every is None:
        if has_day and not has_time:
            kept = _at(due.date(), old)
            if kept <= now:
                raise MoveError("move_past")
            return kept, None
        return due, None
    raise MoveError("change_series_how")


def _nearest(lang: str, words: str, old: datetime, due: datetime) -> datetime:
    """The time the words name, read as if six hours before `old`: a bare hour's two readings are twelve hours apart,
    so the first after that is the one nearest the reminder's time. Read from now instead, `8` said at 08:30 would be
    20:00 (`due`), whichever day the reminder is on."""
    try:
        return parsing.parse(words, old.tzinfo, old - timedelta(hours=6), lang).due
    except parsing.ParseError:
        return due


def _at(day: date, clock: datetime) -> datetime:
    """`clock`'s time of day on `day`, in `clock`'s zone."""
    return datetime(day.year, day.month, day.day, clock.hour, clock.minute, tzinfo=clock.tzinfo)


def _following(every: str, start: datetime, now: datetime) -> datetime:
    """The series' first occurrence after now, stepping from `start`."""
    try:
        due = rules.next_occurrence(every, start, after=now)
    except rules.RuleError:
        raise MoveError("bad_repeat") from None
    if due is None:
        raise MoveError("move_past")
    return due
