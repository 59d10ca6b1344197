"""Recurrence rules (RFC 5545 RRULE): the one place that validates a rule and steps a series.

Two promises, whatever the rule's source (a text, the API, or a record stored before these checks existed):
- `check` refuses, with a message naming the problem, any rule that repeats more often than MIN_REPEAT_MINUTES
  (measured by stepping it, not guessed from its fields) or that the stepper could not run;
- `next_occurrence` ends quickly: it answers the next occurrence, None when the series is over, or raises
  `RuleError`. dateutil alone would not: INTERVAL=0 never advances, and a rule that never fires again (FEB 30,
  INTERVAL=7 with a weekday the steps never land on) is searched up to the year 9999, for seconds or minutes.
  So the parts are checked first, the search runs in a 400-year-shifted calendar that ends within a few centuries
  (the Gregorian calendar repeats every 400 years, weekdays included), and steps and time are counted.
Nothing here knows Flask, Redis or the parser.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import MAXYEAR, UTC, datetime, timedelta, tzinfo
from itertools import pairwise

from dateutil.rrule import rrulestr

MAX_STEPS = 50_000  # occurrences one call may walk through
MAX_SECONDS = 0.5  # and how long it may take
MAX_INTERVAL = 1000
MAX_COUNT = 1000
CHECKED_STEPS = 200  # occurrences stepped to measure a rule's shortest gap
FREQS = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
ELAPSED = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600}  # stepped in elapsed time; the rest in wall-clock time
# Each part's allowed values. A time part that only *limits* a sub-daily rule (BYHOUR on HOURLY, BYMINUTE on
# MINUTELY...) is left out: dateutil searches those second by second.
_LIST = r"[+-]?\d{1,3}(?:,[+-]?\d{1,3}){0,59}"
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
RANGES = {"BYMONTH": (1, 12), "BYMONTHDAY": (1, 31), "BYHOUR": (0, 23), "BYMINUTE": (0, 59), "BYSECOND": (0, 59)}
LIMITS_SUB_DAILY = {"HOURLY": {"BYHOUR"}, "MINUTELY": {"BYHOUR", "BYMINUTE"},
                    "SECONDLY": {"BYHOUR", "BYMINUTE", "BYSECOND"}}
SUPPORTED = ("FREQ", "INTERVAL", "UNTIL", "COUNT", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYHOUR", "BYMINUTE",
             "BYSECOND", "WKST")
_UNTIL_UTC = re.compile(r"\d{8}T\d{6}Z")
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class RuleError(ValueError):
    """A rule the service will not run (refused with its message) or cannot step (its series ends failed)."""


class TooOften(RuleError):
    """A rule that repeats more often than the floor."""

    def __init__(self, gap: float, floor_minutes: float) -> None:
        super().__init__(f"it repeats every {_duration(gap)}; a reminder may repeat at most every "
                         f"{floor_minutes:g} minutes")
        self.floor_minutes = floor_minutes


def split(rule: str) -> dict[str, str]:
    """The rule's NAME=VALUE parts as written, unchecked (to read a rule the parser just made)."""
    return dict(p.split("=", 1) for p in rule.upper().removeprefix("RRULE:").split(";") if "=" in p)


def parts(rule: str) -> dict[str, str]:
    """The rule's NAME=VALUE parts, upper-cased, checked one by one (RuleError names the first bad one)."""
    text = rule.strip().upper().removeprefix("RRULE:")
    found: dict[str, str] = {}
    for piece in filter(None, text.split(";")):
        name, eq, value = piece.partition("=")
        if not eq or not value:
            raise RuleError(f"{piece!r} is not NAME=VALUE")
        if name not in SUPPORTED:
            raise RuleError(f"{name} is not supported")
        if name in found:
            raise RuleError(f"{name} is given twice")
        found[name] = value
    freq = found.get("FREQ")
    if freq not in FREQS:
        raise RuleError(f"FREQ must be one of {', '.join(FREQS)}")
    _check_values(found)
    return found


def _check_values(p: dict[str, str]) -> None:
    freq = p["FREQ"]
    interval = p.get("INTERVAL", "1")
    if not interval.isdigit() or not 1 <= int(interval) <= MAX_INTERVAL:
        raise RuleError(f"INTERVAL must be a whole number from 1 to {MAX_INTERVAL}, got {interval}")
    if "COUNT" in p and not (p["COUNT"].isdigit() and 1 <= int(p["COUNT"]) <= MAX_COUNT):
        raise RuleError(f"COUNT must be a whole number from 1 to {MAX_COUNT}")
    if "UNTIL" in p and "COUNT" in p:
        raise RuleError("give UNTIL or COUNT, not both")
    if "UNTIL" in p:
        until_instant(p["UNTIL"], UTC)
    for name, (low, high) in RANGES.items():
        if name in p:
            if not re.fullmatch(_LIST, p[name]):
                raise RuleError(f"{name} must be a list of numbers")
            values = [int(v) for v in p[name].split(",")]
            if not all(low <= abs(v) <= high and (v >= 0 or name == "BYMONTHDAY") for v in values):
                raise RuleError(f"{name} values must be from {low} to {high}")
    if limits := LIMITS_SUB_DAILY.get(freq, set()) & p.keys():
        raise RuleError(f"{', '.join(sorted(limits))} cannot be combined with FREQ={freq}")
    if "WKST" in p and p["WKST"] not in _WEEKDAYS:
        raise RuleError("WKST must be a weekday code such as MO")
    if "BYDAY" in p:
        _check_byday(p)
    if "BYMONTH" in p and "BYMONTHDAY" in p and not _some_day_exists(p["BYMONTH"], p["BYMONTHDAY"]):
        raise RuleError("BYMONTH and BYMONTHDAY name no day that exists")


def _check_byday(p: dict[str, str]) -> None:
    """Weekday codes, numbered (1MO, -1FR: the first Monday, the last Friday) only where a month or year scopes them."""
    codes = p["BYDAY"].split(",")
    if len(codes) > 7 * 5:
        raise RuleError("BYDAY has too many days")
    for code in codes:
        match = _BYDAY.fullmatch(code)
        if match is None:
            raise RuleError(f"BYDAY {code!r} is not a weekday code such as MO or 1MO")
        if match.group(1) is None:
            continue
        most = 53 if p["FREQ"] == "YEARLY" and "BYMONTH" not in p else 5
        if p["FREQ"] not in ("MONTHLY", "YEARLY"):
            raise RuleError(f"a numbered BYDAY ({code}) needs FREQ=MONTHLY or YEARLY")
        if not 1 <= abs(int(match.group(1))) <= most or "BYMONTHDAY" in p:
            raise RuleError(f"BYDAY {code} is out of range (or combined with BYMONTHDAY)")


def _some_day_exists(months: str, days: str) -> bool:
    return any(abs(int(d)) <= _MONTH_DAYS[int(m) - 1] for m in months.split(",") for d in days.split(","))


def until_instant(until: str, zone: tzinfo) -> datetime:
    """RFC 5545 UNTIL: UTC when it ends in Z, else (stored before UNTIL had to be UTC) a wall time or date in the
    series' zone."""
    u = until.strip().upper()
    try:
        naive = datetime.strptime(u.rstrip("Z"), "%Y%m%dT%H%M%S" if "T" in u else "%Y%m%d")
    except ValueError:
        raise RuleError(f"UNTIL must be a UTC date-time such as 20270601T000000Z, got {until}") from None
    if "T" not in u:
        naive = naive.replace(hour=23, minute=59, second=59)
    return naive.replace(tzinfo=UTC if u.endswith("Z") else zone)


def check(rule: str, *, min_minutes: float, start: datetime | None = None) -> str:
    """The rule as the service will store it, or RuleError (TooOften for a rule that repeats more often than
    `min_minutes`, measured over its first occurrences from `start`, the series' first due). A COUNT becomes the
    UNTIL of its last occurrence; UNTIL must be UTC (`...Z`)."""
    p = parts(rule)
    if "UNTIL" in p and not _UNTIL_UTC.fullmatch(p["UNTIL"]):
        raise RuleError(f"UNTIL must be a UTC date-time such as 20270601T000000Z, got {p['UNTIL']}")
    start = (start or datetime.now(UTC)).replace(microsecond=0)  # as dateutil steps: whole seconds
    count = int(p.pop("COUNT", "0"))
    text = ";".join(f"{k}={v}" for k, v in p.items())
    dues = [start]
    for due in occurrences(text, start):
        if len(dues) >= max(CHECKED_STEPS, count):
            break
        dues.append(due)
    gaps = [b.timestamp() - a.timestamp() for a, b in pairwise(dues)]
    if gaps and min(gaps) < min_minutes * 60:
        raise TooOften(min(gaps), min_minutes)
    if count:
        last = dues[min(count, len(dues)) - 1]
        text += ";UNTIL=" + last.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return text


def next_occurrence(rule: str, previous: datetime, *, after: datetime | None = None) -> datetime | None:
    """The series' first occurrence after `previous` (an aware occurrence, in the series' zone) and after `after`
    (to resume a series that was held: one call, not a loop of steps), keeping its wall-clock time across daylight
    saving for daily and longer rules; None when the rule has ended. RuleError when it cannot be stepped."""
    floor = previous if after is None or after.timestamp() <= previous.timestamp() else after
    return next(occurrences(rule, previous, floor), None)


def occurrences(rule: str, first: datetime, floor: datetime | None = None) -> Iterator[datetime]:
    """The occurrences after `first` (and after `floor`), soonest first, bounded in steps and time."""
    zone = first.tzinfo
    if zone is None:
        raise ValueError("first must be timezone-aware")
    p = parts(rule)
    if "COUNT" in p:
        raise RuleError("COUNT is only taken when a series is made (it becomes UNTIL)")
    end = until_instant(p.pop("UNTIL"), zone) if "UNTIL" in p else None
    floor = floor or first
    elapsed = p["FREQ"] in ELAPSED
    step = ELAPSED.get(p["FREQ"], 0) * int(p.get("INTERVAL", "1"))
    start = _naive(first, elapsed)
    if elapsed and floor.timestamp() > first.timestamp():  # whole periods at once: the same occurrences, fewer steps
        start += timedelta(seconds=(floor.timestamp() - first.timestamp()) // step * step)
    years = (MAXYEAR - start.year) // 400 * 400
    try:
        found = rrulestr(";".join(f"{k}={v}" for k, v in p.items()), dtstart=start.replace(year=start.year + years))
    except (ValueError, TypeError, OverflowError) as err:
        raise RuleError(f"not a rule that can be stepped: {err}") from None
    deadline, steps = time.monotonic() + MAX_SECONDS, 0
    try:
        for naive in found.xafter(start.replace(year=start.year + years), inc=False):
            steps += 1
            if steps > MAX_STEPS or time.monotonic() > deadline:
                raise RuleError(f"stepping the rule took more than {MAX_STEPS} steps or {MAX_SECONDS:g} s")
            due = _aware(naive.replace(year=naive.year - years), zone, elapsed)
            if end is not None and due.timestamp() > end.timestamp():
                return
            if due.timestamp() > floor.timestamp():
                yield due
    except (ValueError, OverflowError) as err:
        if isinstance(err, RuleError):
            raise
        raise RuleError(f"not a rule that can be stepped: {err}") from None


def _naive(moment: datetime, elapsed: bool) -> datetime:
    """What dateutil steps: UTC for hourly and shorter rules, the wall-clock time for the rest."""
    return moment.astimezone(UTC).replace(tzinfo=None) if elapsed else moment.replace(tzinfo=None)


def _aware(naive: datetime, zone: tzinfo, elapsed: bool) -> datetime:
    """Back to an aware time in the series' zone; a wall time skipped by a spring-forward gap moves forward by it."""
    if elapsed:
        return naive.replace(tzinfo=UTC).astimezone(zone)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g} second" + ("" if seconds == 1 else "s")
    minutes = seconds / 60
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")
