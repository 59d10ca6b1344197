"""Relative offsets: 'in 2 hours and 30 mins', '1.5 hrs from now', 'in 3 days', '2 hours ago'."""
from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from .errors import fail
from .found import Found, Scanner
from .grammar import G as g
from .vocabulary import V

MAX_AHEAD = timedelta(days=5 * 366)  # "too_far" beyond about five years
UNIT_DAYS = {"seconds": 1 / 86400, "minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7, "fortnights": 14,
             "months": 31, "years": 366}


def extract(sc: Scanner, f: Found, now: datetime) -> None:
    for m in sc.matches(g.AGO):
        f.past = True
        sc.take(m.start(), m.end())
    for m in sc.matches(g.RELATIVE):
        body = m.group("body") or m.group("body2")
        cal, exact, ok, last_unit = relativedelta(), timedelta(), False, ""
        for t in g.TERM_RX.finditer(body):
            if t.group("tail"):
                if last_unit == "hours":  # 'in 2h30' -> 2 hours 30 minutes
                    exact += timedelta(minutes=int(t.group("tail")))
                continue
            qty = quantity(t.group("qty")) + (0.5 if t.group("half") else 0.25 if t.group("quarter") else 0)
            last_unit = V.unit(t.group("unit"))
            ok = True
            cal, exact = add_quantity(cal, exact, qty, last_unit)
        if ok:
            if m.group("tom"):  # 'a week from tomorrow'
                cal += relativedelta(days=1)
            f.cal = (f.cal or relativedelta()) + cal
            f.exact = (f.exact or timedelta()) + exact
            sc.take(m.start(), m.end())
            if cal:
                _name_the_day(f, now, (m.start(), m.end()))


def _name_the_day(f: Found, now: datetime, span: tuple[int, int]) -> None:
    """An offset of days or more names a day too: 'friday in 2 weeks' names two days (a Friday, and a Tuesday two
    weeks on), which the "am I sure" check refuses, where the offset alone would win in silence; 'in 2 weeks on
    tuesday' is one day.  Not an offset of hours: in 'in 1 hour prep for monday meeting' the day is the task's."""
    try:
        day = (now.replace(tzinfo=None) + (f.exact or timedelta()) + (f.cal or relativedelta())).date()
    except (OverflowError, ValueError):
        return  # too far: resolve says so
    f.days = [d for d in f.days if d[1] != span] + [(day, span, False)]


def quantity(text: str) -> float:
    """'2', '1.5', 'an', '2 and a half' (number words were made digits by the normaliser)."""
    w = " ".join(text.lower().replace("-", " ").split())
    for half in V.words("and_a_half"):
        if w.endswith(" " + half):
            return quantity(w[: -len(half) - 1]) + 0.5
    return 1.0 if w in V.words("an") else float(w)


def within_reach(qty: float, unit: str) -> None:
    """Refuse a span past the five-year horizon before it is built: 'in 99999999999999999999999 minutes' would
    overflow timedelta (a 500 for the webhook, retried by Vonage for a day) instead of being too far."""
    if qty * UNIT_DAYS[unit] > MAX_AHEAD.days:
        raise fail("too_far")


def add_quantity(cal: relativedelta, exact: timedelta, qty: float, unit: str) -> tuple[relativedelta, timedelta]:
    """Whole days and longer go to the calendar part (wall clock kept); fractions spill into exact time."""
    within_reach(qty, unit)
    if unit in ("seconds", "minutes", "hours"):
        return cal, exact + timedelta(**{unit: qty})
    days_per = {"days": 1, "weeks": 7, "fortnights": 14}
    whole = int(qty)
    if unit in days_per:
        return cal + relativedelta(days=whole * days_per[unit]), exact + timedelta(days=(qty - whole) * days_per[unit])
    frac_days = (qty - whole) * (30 if unit == "months" else 365)
    return cal + relativedelta(**{unit: whole}), exact + timedelta(days=frac_days)
