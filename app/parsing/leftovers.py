"""The "am I sure" check: after a parse, nothing left of the text may still read as a time or a date, and the
phrases found may not disagree.  Otherwise the parser says what it understood and asks, rather than guess."""
from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from ..rules import split
from .describe import clock, day_label
from .errors import unsure
from .found import Found, Scanner
from .grammar import G as g
from .message import default_message, merge
from .resolve import distinct_clocks, in_part
from .vocabulary import V


def check(f: Found, sc: Scanner, text: str, due: datetime, message: str, every: str | None) -> None:
    """Raise ParseError('unsure') naming the first piece of the text that was not understood."""
    series_hours = len(split(every).get("BYHOUR", "0").split(",")) if every else 1
    span = _conflict(f, series_hours) or _hedged(sc) or _timelike_leftover(sc)
    if span is None:
        return
    a, b = sc.norm.original(*span)
    raise unsure(f"{day_label(due)} {clock(due)}", text[a:b], _example(due, g.UNSURE_BEFORE.sub("", message)))


def _conflict(f: Found, series_hours: int) -> tuple[int, int] | None:
    """Two different days, or more times than the series uses, or a time outside the day part said with it."""
    named = {day.weekday() for day, _, by_weekday in f.days if not by_weekday}
    days = {}
    for day, span, by_weekday in f.days:
        if not (by_weekday and day.weekday() in named):  # 'Friday, Dec 4' names one day twice
            days.setdefault(day, span)
    if len(days) > 1:
        return list(days.values())[1]
    clocks = distinct_clocks(f)
    if len(clocks) > max(series_hours, 1):
        return clocks[max(series_hours, 1)].span
    if f.daypart_said and f.daypart and clocks and clocks[0].kind != "bare":
        c, hours = clocks[0], V.data["dayparts"][f.daypart]["hours"]
        readings = [c.hour] if c.kind == "exact" else [c.hour % 12, c.hour % 12 + 12]
        if not any(in_part(h, hours) for h in readings):  # '15 Uhr nachts', '9pm in the morning'
            return max(c.span, f.daypart_said)
    return None


def _hedged(sc: Scanner) -> tuple[int, int] | None:
    """'3pm or 4pm', 'friday, actually saturday', 'every day except sunday': a hedge word before a second phrase."""
    spans = merge(sc.spans)
    for (_, end), (a, b) in pairwise(spans):
        if g.UNSURE_BEFORE.search(sc.low[end:a]):
            return a, b
    for _, end in spans:  # 'at 4 or 5'
        m = g.UNSURE_NUMBER.match(sc.low, end)
        if m:
            return m.start(1), m.end()
    return None


def _timelike_leftover(sc: Scanner) -> tuple[int, int] | None:
    """A piece of the text nobody claimed that still reads as a time or a date ('four pm', 'on seventh')."""
    left = list(sc.low)
    for a, b in sc.spans:
        left[a:b] = " " * (b - a)
    rest = "".join(left)
    for rx in g.LEFTOVER:
        for m in rx.finditer(rest):
            word = sc.word_before(m.start())
            if (word in g.PLACE_BEFORE and rx is not g.TIME_AMPM) or \
                    (m.groupdict().get("full") and word in V.words("the")):
                continue
            if m.groupdict().get("abbr") and V.abbr_needs_company(m["abbr"]) and \
                    not (m["q2"] or g.ABBR_OK_AFTER.match(rest, m.end())):
                continue
            return m.start(), m.end()
    return None


def _example(due: datetime, message: str) -> str:
    """How to say it in one go: 'Tuesday 4pm dentist'."""
    task = "" if message == default_message() else f" {message}"
    weekday = V.describe["weekday_names"][due.weekday()]
    if "example_clock" in V.describe:  # a 24-hour language: 'martes 16:00 dentista', 'mardi 16h dentiste'
        return f"{weekday} {V.describe['example_clock'].format(h=due.hour, m=due.minute)}{task}"
    minute = f":{due.minute:02d}" if due.minute else ""
    ampm = V.describe["am"] if due.hour < 12 else V.describe["pm"]
    return f"{weekday} {due.hour % 12 or 12}{minute}{ampm.lower()}{task}"
