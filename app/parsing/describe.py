"""Saying a due time and a series in words, for confirmations and LIST ('every weekday at 8:15 AM').

The words are the `describe` table of the language's file.  A language with a `babel_locale` formats its days and
times the local way with Babel ('vie 27 nov, 19:00', 'ven. 27 nov. à 19:00'); English keeps its own short form."""
from __future__ import annotations

from datetime import datetime

from ..rules import RuleError, parts, until_instant
from .recurrence import WEEKDAY_CODES
from .vocabulary import V, speaking


class _Describe:
    """`D["on"]` reads the describe table of the current language."""

    def __getitem__(self, key: str):
        return V.describe[key]

    def get(self, key: str, default=None):
        return V.describe.get(key, default)


D = _Describe()


def clock(dt: datetime) -> str:
    if V.data.get("babel_locale"):
        from babel.dates import format_time  # Babel's locale data loads on first use
        return format_time(dt, D["time_pattern"], locale=V.data["babel_locale"])
    return f"{dt.hour % 12 or 12}:{dt.minute:02d} {D['am'] if dt.hour < 12 else D['pm']}"


def ordinal(n: int) -> str:
    if n == -1:
        return D["last_day"]
    s = D["ordinal_suffixes"]
    suffix = s["teens"] if 10 <= n % 100 <= 20 else s.get(str(n % 10), s["default"])
    return f"{n}{suffix}"


def day_label(dt: datetime) -> str:
    """'Wed 25 Nov', with the year when it is not this year."""
    other_year = dt.year != datetime.now(dt.tzinfo).year
    if V.data.get("babel_locale"):
        from babel.dates import format_date
        pattern = D["day_year_pattern" if other_year else "day_pattern"]
        return format_date(dt, pattern, locale=V.data["babel_locale"])
    label = f"{D['weekday_short'][dt.weekday()]} {dt.day} {D['month_short'][dt.month - 1]}"
    if other_year:
        label += f" {dt.year}"
    return label


def join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {D['and']} " + words[-1]


def _times(due: datetime, p: dict[str, str]) -> str:
    """'8:00 AM' or, with BYHOUR, '8:00 AM and 8:00 PM'."""
    if "BYHOUR" not in p:
        return clock(due)
    minute = int(p.get("BYMINUTE", due.minute))
    return join([clock(due.replace(hour=int(h), minute=minute)) for h in sorted(p["BYHOUR"].split(","), key=int)])


def describe_when(due: datetime, every: str | None, lang: str = "en") -> str:
    """The understood time in words, in `lang` ('on Wed 25 Nov at 7:00 AM', 'vie 27 nov, 19:00')."""
    with speaking(lang):
        return _describe(due, every)


def _describe(due: datetime, every: str | None) -> str:
    """Words for a confirmation, in due's own zone: 'on Wed 25 Nov at 7:00 AM', 'every weekday at 8:15 AM',
    'every Monday at 9:00 AM', 'every 2 hours from 3:00 PM', 'every month on the 1st at 9:00 AM'.

    Never 'today'/'tomorrow': the confirmation may be read hours later.  The year is added when it is not this year."""
    if not every:
        return D["on"].format(day=day_label(due), time=clock(due))
    try:
        return _describe_series(due, every, parts(every))
    except (RuleError, ValueError, KeyError, IndexError):  # a rule given through the API in a shape not worded here
        return f"from {day_label(due)} {D['at'].format(times=clock(due))} ({every})"


def _describe_series(due: datetime, every: str, p: dict[str, str]) -> str:
    freq, n = p.get("FREQ", ""), int(p.get("INTERVAL", "1"))
    at = D["at"].format(times=_times(due, p))
    start = D["starting"].format(day=day_label(due)) if n > 1 else ""
    end = D["until"].format(day=day_label(until_instant(p["UNTIL"], due.tzinfo).astimezone(due.tzinfo))) \
        if "UNTIL" in p else ""
    if freq in D["units"]:
        unit = D["units"][freq]
        step = D["every_unit"].format(unit=unit) if n == 1 else D["every_n_units"].format(n=n, unit=unit)
        return f"{step} {D['from'].format(time=clock(due))}{end}"
    if freq == "DAILY":
        step = D["every_day"] if n == 1 else D["every_n_days"].format(n=n)
    elif freq == "WEEKLY":
        days = sorted(WEEKDAY_CODES.index(c) for c in p.get("BYDAY", WEEKDAY_CODES[due.weekday()]).split(","))
        names = D["weekday_word"] if days == [0, 1, 2, 3, 4] else join([D["weekday_names"][d] for d in days])
        if n == 1:
            step = D["every_names"].format(names=names)
        else:
            step = D["every_other_names" if n == 2 else "every_nth_names"].format(names=names, nth=ordinal(n))
    elif freq == "MONTHLY":
        step = D["every_month"] if n == 1 else D["every_n_months"].format(n=n)
        if "BYDAY" in p:
            code = p["BYDAY"]
            if "," in code:
                raise ValueError("several weekdays a month are not worded")
            nth = D["nth_words"].get(code[:-2], code[:-2])
            weekday = D["weekday_names"][WEEKDAY_CODES.index(code[-2:])]
            step += " " + D["on_the_weekday"].format(nth=nth, weekday=weekday)
        else:
            doms = [int(d) for d in p.get("BYMONTHDAY", str(due.day)).split(",")]
            step += " " + D["on_the"].format(nth=join([ordinal(d) for d in doms]))
    elif freq == "YEARLY":
        mo, dom = int(p.get("BYMONTH", due.month)), int(p.get("BYMONTHDAY", due.day))
        step = (D["every_year"] if n == 1 else D["every_n_years"].format(n=n)) + " " + \
            D["on_date"].format(day=dom, month=D["month_names"][mo - 1])
    else:
        return f"from {day_label(due)} {at} ({every})"
    return f"{step} {at}{start}{end}"
