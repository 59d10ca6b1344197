"""The conventions (docs/parsing.md) that turn what was found into a due time and an RRULE."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from . import recurrence
from .clock import at, first_future, in_part, later, localize
from .dates import next_dom, next_weekday
from .errors import fail
from .found import Clock, Found
from .vocabulary import V

DEFAULT_HOUR = 9  # a date with no time means 09:00


def same_time(a: Clock, b: Clock) -> bool:
    """Two clocks agree: same minute, and the same hour (a bare hour agrees with either half of the day)."""
    if a.minute != b.minute:
        return False
    return a.hour == b.hour if a.kind == b.kind == "exact" else a.hour % 12 == b.hour % 12


def distinct_clocks(f: Found) -> list[Clock]:
    out: list[Clock] = []
    for c in f.clocks:
        if not any(same_time(c, o) for o in out):
            out.append(c)
    return out


def hour_choices(f: Found, c: Clock | None, named_day: bool) -> list[int]:
    """Candidate 24h hours for a clock: one for exact forms, 12h-clock readings for a bare hour."""
    if c is None:
        return []
    h = c.hour
    part = V.data["dayparts"].get(f.daypart or "")
    if c.kind == "exact" or (c.kind == "clock24" and not part):
        return [h]
    if part and f.daypart != "noon":
        readings = [h % 12, 24 if h == 12 and part["hours"][1] == 24 else h % 12 + 12]  # 'tonight at 12' is midnight
        inside = [r for r in readings if in_part(r, part["hours"])]
        if len(inside) == 1:  # 'um 3 Uhr nachts' is 3:00, 'um 11 Uhr nachts' 23:00
            return inside
        return readings[:1] if part["meridiem"] == "am" else readings[1:]
    if named_day:
        return [h if 7 <= h <= 11 else (12 if h == 12 else h + 12)]
    return [h % 12, h % 12 + 12]


def default_time(f: Found) -> tuple[int, int]:
    """No time given: a mark's or period's own time ('eod' 17:00), else the day part's, else 09:00."""
    if f.default_time and not (f.daypart and f.daypart_said):
        return f.default_time
    if f.daypart:
        return V.data["dayparts"][f.daypart]["hour"], 0
    return DEFAULT_HOUR, 0


def base_day(f: Found, today: date) -> date | None:
    """The named day, if any: explicit date, '15th', weekday (first after today), or today/tomorrow offset."""
    if f.date is not None:
        return f.date
    if f.dom is not None:
        return next_dom(today, f.dom)
    if f.weekday is not None:
        return next_weekday(today, f.weekday)
    if f.offset is not None:
        return today + timedelta(days=f.offset)
    return None


def resolve_once(f: Found, now: datetime, zone: ZoneInfo) -> datetime | None:
    """Apply the conventions to a one-off reminder."""
    if f.cal or f.exact:
        return _relative(f, now, zone)
    day = base_day(f, now.date())
    if day is None and f.date_choices:
        cands = [on_day(f, d, now, zone) for d in f.date_choices]
        return first_future(cands, now) or cands[-1]
    if day is None and f.today_only:
        day = now.date()
    if day is not None:
        return on_day(f, day, now, zone)
    if f.midnight:
        return at(now.date(), 24, 0, zone)
    if not f.clocks and not f.daypart and not f.default_time:
        raise fail("no_time")
    clock = f.clocks[0] if f.clocks else None
    hours = hour_choices(f, clock, named_day=False) or [default_time(f)[0]]
    minute = clock.minute if clock else default_time(f)[1]
    cands = [at(now.date() + timedelta(days=k), h, minute, zone) for k in (0, 1, 2) for h in hours]
    return first_future(cands, now)


def on_day(f: Found, day: date, now: datetime, zone: ZoneInfo) -> datetime:
    """Time on a named day: bare 7-11 morning, 12-6 afternoon ('today' takes the next 12-hour reading instead)."""
    if f.midnight:
        return at(day, 24, 0, zone)
    if f.past_midnight and f.clocks and f.clocks[0].hour == 0:
        day += timedelta(days=1)  # 'vendredi minuit et quart' is in the night after Friday, as 'friday midnight' is
    if not f.clocks:
        h, mi = default_time(f)
        return at(day, h, mi, zone)
    clock = f.clocks[0]
    is_today = day == now.date() and f.date is None and f.dom is None and not f.date_choices
    cands = [at(day, h, clock.minute, zone) for h in hour_choices(f, clock, named_day=not is_today)]
    return first_future(cands, now) or cands[-1]


def _relative(f: Found, now: datetime, zone: ZoneInfo) -> datetime:
    """'in 3 days' keeps the wall-clock time (a time given with it wins); 'in 2 hours' is elapsed time."""
    base = now
    if f.cal:
        try:
            naive = now.replace(tzinfo=None) + f.cal
        except (OverflowError, ValueError):
            raise fail("too_far") from None
        if f.clocks or f.daypart or f.midnight or f.default_time:
            return on_day(f, naive.date(), now, zone)
        base = localize(naive, zone)
    try:
        return (base.astimezone(UTC) + (f.exact or timedelta())).astimezone(zone)
    except OverflowError:
        raise fail("too_far") from None


def _series_time(f: Found) -> tuple[list[int], int]:
    """Wall-clock hours and minute of a daily-or-longer series: bare hours read as on a named day (7-11 am, 12-6 pm).
    Several hours ('8am and 8pm') when every time given has the same minute."""
    if f.midnight:
        return [0], 0
    clocks = distinct_clocks(f)
    if not clocks:
        h, mi = default_time(f)
        return [h], mi
    hours = [hour_choices(f, c, named_day=True)[0] % 24 for c in clocks]
    if len(clocks) > 1 and len({c.minute for c in clocks}) == 1:
        return sorted(set(hours)), clocks[0].minute
    return hours[:1], clocks[0].minute


def resolve_recurring(f: Found, now: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    """First occurrence strictly after now, plus the RRULE (BY* parts filled from the day/date found)."""
    rec = f.rec
    assert rec is not None
    if rec.freq in recurrence.SUB_DAILY:
        if f.clocks or f.has_date or f.daypart:
            due = resolve_once(f, now, zone)
        else:
            unit = {"SECONDLY": "seconds", "MINUTELY": "minutes", "HOURLY": "hours"}[rec.freq]
            due = (now.astimezone(UTC) + timedelta(**{unit: rec.interval})).astimezone(zone)
        rule = recurrence.rule_text(rec)
        return due, _bounded(rule, due, f, zone)
    hours, mi = _series_time(f)
    h = hours[0]
    start = base_day(f, now.date()) or (f.date_choices[0] if f.date_choices else now.date())
    if rec.freq == "WEEKLY" and not rec.byday:
        if f.weekday is not None:
            rec.byday, start = [f.weekday], now.date()
        else:
            if not f.has_date:
                start = _first_daily(start, h, mi, now, zone).date()
            rec.byday = [start.weekday()]
    elif rec.freq == "MONTHLY" and not rec.bymonthday and rec.nth is None:
        if f.dom is not None:
            rec.bymonthday, start = [f.dom], now.date()
        else:
            if not f.has_date:
                start = _first_daily(start, h, mi, now, zone).date()
            rec.bymonthday = [start.day]
    elif rec.freq == "MONTHLY":
        start = now.date()
    elif rec.freq == "YEARLY":
        anchor = f.date if f.date is not None else _first_daily(start, h, mi, now, zone).date()
        rec.bymonth, rec.bymonthday = anchor.month, [anchor.day]
        start = anchor if f.year_given and f.date is not None else now.date()
    rule = recurrence.rule_text(rec, hours if len(hours) > 1 else None, mi)
    due = recurrence.first_occurrence(rule, start, h, mi, now, zone)
    if due is None:
        raise fail("impossible", "that date")
    return due, _bounded(rule, due, f, zone)


def _bounded(rule: str, due: datetime, f: Found, zone: ZoneInfo) -> str:
    until = recurrence.until_stamp(rule, due, f, zone)
    return f"{rule};UNTIL={until}" if until else rule


def _first_daily(start: date, h: int, mi: int, now: datetime, zone: ZoneInfo) -> datetime:
    """Next time h:mi comes round on or after `start`."""
    for k in range(3):
        cand = at(start + timedelta(days=k), h, mi, zone)
        if later(cand, now):
            return cand
    return at(start + timedelta(days=3), h, mi, zone)
