"""Days: ISO, month-name and numeric dates, 'the 15th', 'first tuesday of october', 'next week', 'this weekend',
'end of the month', today/tonight/tomorrow and weekdays."""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from .errors import fail
from .found import Found, Scanner
from .grammar import G as g
from .times import add_clock
from .vocabulary import V


def next_weekday(today: date, weekday: int) -> date:
    """The first such weekday *after* today."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def next_dom(today: date, dom: int) -> date:
    """'the 15th': this month if the day has not gone yet, otherwise the next month that has it."""
    y, mo = today.year, today.month
    for _ in range(24):
        try:
            cand = date(y, mo, dom)
            if cand >= today:
                return cand
        except ValueError:
            pass
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    raise fail("impossible", f"the {dom}th")


def add_months(day: date, months: int, dom: int = 1) -> date:
    """Day `dom` (-1: the last) of the month `months` after day's month."""
    y, mo = divmod(day.month - 1 + months, 12)
    y, mo = day.year + y, mo + 1
    last = calendar.monthrange(y, mo)[1]
    if dom == -1 or dom > last:
        if dom > last:
            raise fail("impossible", f"the {dom}th")
        dom = last
    return date(y, mo, dom)


def nth_weekday_of(year: int, month: int, weekday: int, n: int) -> date | None:
    """The nth (1..5, or -1 for the last) such weekday of a month, or None when the month has no such day."""
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month and d.weekday() == weekday]
    if n == -1:
        return days[-1]
    return days[n - 1] if n <= len(days) else None


def make_date(y: int | None, mo: int, d: int, frag: str, today: date) -> tuple[date, bool]:
    """Build a date; with no year, the next time that month/day comes round (Feb 29 -> next leap year)."""
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        raise fail("impossible", frag)
    if y is not None:
        try:
            return date(y + 2000 if y < 100 else y, mo, d), True
        except ValueError:
            raise fail("impossible", frag) from None
    for year in range(today.year, today.year + 9):
        try:
            cand = date(year, mo, d)
        except ValueError:
            continue
        if cand >= today:
            return cand, False
    raise fail("impossible", frag)


def _day(f: Found, sc: Scanner, m: re.Match, day: date | None, by_weekday: bool = False) -> None:
    """Claim a day-naming match and remember the day it names (two different days are a conflict)."""
    sc.take(m.start(), m.end())
    f.date_end = max(f.date_end, m.end())
    if day is not None:
        f.days.append((day, (m.start(), m.end()), by_weekday))


def _set_date(f: Found, sc: Scanner, m: re.Match, d: date, year_given: bool) -> None:
    if f.date is None:
        f.date, f.year_given = d, year_given
    _day(f, sc, m, d)


def extract(sc: Scanner, f: Found, today: date, mfirst: bool) -> None:
    """All the day patterns, most specific first."""
    _extract_nth_weekdays(sc, f, today)
    _extract_calendar_dates(sc, f, today, mfirst)
    _extract_periods(sc, f, today)
    _extract_daywords(sc, f, today)
    _extract_weekdays(sc, f, today)
    if f.next_month and f.dom is not None:  # 'next month on the 15th'
        f.date, f.dom, f.date_choices = add_months(today, 1, f.dom), None, []
        f.days = [(f.date, f.days[-1][1], False)]


def _extract_nth_weekdays(sc: Scanner, f: Found, today: date) -> None:
    """'first tuesday of october', 'last friday of the month', 'the 2nd monday of next month'."""
    for m in sc.matches(g.NTH_WEEKDAY):
        n = -1 if m["n"] in V.words("last") else int(m["n"][0])
        wd = V.weekday(m["wd"])
        if m["mon"]:
            month = V.month(m["mon"])
            years = [int(m["y"])] if m["y"] else [today.year, today.year + 1]
            cands = [(y, month) for y in years]
        elif m["next"]:
            first = add_months(today, 1)
            cands = [(first.year, first.month)]
        elif m["year"]:
            cands = [(today.year, 12)]
        else:  # this month, else the next one
            first = add_months(today, 1)
            cands = [(today.year, today.month), (first.year, first.month)]
        days = [nth_weekday_of(y, mo, wd, n) for y, mo in cands]
        if all(d is None for d in days):
            raise fail("impossible", sc.text(m))
        future = [d for d in days if d is not None and (d >= today or m["y"])]
        if not future:
            raise fail("past")
        _set_date(f, sc, m, future[0], bool(m["y"]))


def _extract_periods(sc: Scanner, f: Found, today: date) -> None:
    """'wednesday next week', 'next week', 'this weekend', 'next month', 'end of the month' (rules: the vocabulary)."""
    for m in sc.matches(g.PERIOD_DAY):  # weeks are calendar weeks, Monday to Sunday, in all five languages
        week = 0 if m["this1"] or m["this2"] else 1
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
        _set_date(f, sc, m, monday + timedelta(days=V.weekday(m["wd"] or m["wd2"] or m["wd3"])), True)
    for m in sc.matches(g.PERIOD):
        name = V.period_of[re.sub(r"\s+", " ", m["p"])]
        rule = V.data["period_rules"][name]
        if "week" in rule:
            monday = today - timedelta(days=today.weekday()) + timedelta(weeks=rule["week"])
            choices = [monday + timedelta(days=rule["weekday"])]
            if "also" in rule:
                choices.append(monday + timedelta(days=rule["also"]))
        else:
            month = rule["month"]
            if isinstance(month, str):
                choices = [date(today.year, V.month(month), 1)]
                choices = [add_months(choices[0], 0, rule["day"])]
            else:
                choices = [add_months(today, month, rule["day"])]
            f.next_month = f.next_month or (month == 1 and rule["day"] == 1)
        if not f.date_choices:
            f.date_choices = [d for d in choices if d >= today] or choices
            f.default_time = (rule["hour"], 0)
        _day(f, sc, m, None if f.next_month else f.date_choices[0])


def _extract_calendar_dates(sc: Scanner, f: Found, today: date, mfirst: bool) -> None:
    """ISO, month-name and numeric dates (order by the zone's country), and 'the 15th'."""
    for m in sc.matches(g.ISO):
        d, _ = make_date(int(m["y"]), int(m["m"]), int(m["d"]), sc.text(m), today)
        if m["H"] is not None:
            add_clock(f, int(m["H"]), int(m["M"]), "exact", sc.text(m), (m.start(), m.end()))
        _set_date(f, sc, m, d, True)
    for rx in (g.DATE_DM, g.DATE_MD):
        for m in sc.matches(rx):
            if m.groupdict().get("nm"):
                _set_date(f, sc, m, add_months(today, 1, int(m["d"])), True)
                continue
            y = int(m["y"]) if m["y"] else None
            d, given = make_date(y, V.month(m["mon"]), int(m["d"]), sc.text(m), today)
            _set_date(f, sc, m, d, given)
    for m in sc.matches(g.DATE_NUM):
        a, b, sep = int(m["a"]), int(m["b"]), m["sep"]
        if sep != "/" and not m["y"] and not _dotted_day_month(sc, m, a, b):
            continue  # '10.30' is a time and '9-5' a range; dotted/dashed dates need a year or a trailing dot
        if sc.text(m).strip() in ("24/7", "on 24/7") or a > 31 or b > 31 or a == 0 or b == 0:
            continue
        if not m["y"] and sc.word_before(m.start("a")) in V.data["place_before_number"]:
            continue
        mo, d = (a, b) if mfirst and sep != "." else (b, a)  # a dotted date is always day.month
        dt, given = make_date(int(m["y"]) if m["y"] else None, mo, d, sc.text(m), today)
        _set_date(f, sc, m, dt, given)
    for rx in (g.DOM, g.BARE_ORDINAL):
        for m in sc.matches(rx):
            if rx is g.DOM and not m["ord"] and (m["on"] is None or _clock_after(m)):
                continue
            day = int(m["d"])
            if not 1 <= day <= 31:
                raise fail("impossible", sc.text(m))
            if f.dom is None:
                f.dom = day
            _day(f, sc, m, next_dom(today, day))


def _dotted_day_month(sc: Scanner, m: re.Match, day: int, month: int) -> bool:
    """'24.12.', 'am 24.12', 'bis 3.1.': day.month where the language writes dates so (`dotted_day_month`).  A
    trailing dot or a date word before it ('am') makes a date; a clock word before it ('um 10.12') a time."""
    if m["sep"] != "." or not V.data.get("dotted_day_month") or not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    before = sc.low[max(0, m.start() - 30):m.start("a")]
    if g.AFTER_CLOCK_WORD.search(before):
        return False
    return sc.low.startswith(".", m.end()) or bool(g.DATE_WORD_BEFORE.search(before))


def _clock_after(m: re.Match) -> bool:
    """'by 5' is five o'clock, not the 5th: a bare hour after a word that also leads a clock ('by the 5th' is a day)."""
    bare = m.group(0).split()
    return len(bare) == 2 and int(m["d"]) <= 12 and m["on"].lower() in V.words("at_clock")


def _extract_daywords(sc: Scanner, f: Found, today: date) -> None:
    """today / tonight / tomorrow / the day after tomorrow."""
    for m in sc.matches(g.DAYWORD):
        off = 2 if m["dat"] else 1 if m["tom"] else 0
        if m["ton"]:
            f.daypart = f.daypart or "night"
            f.today_only = True
        if f.offset is None:
            f.offset = off
        _day(f, sc, m, today + timedelta(days=off))


def _extract_weekdays(sc: Scanner, f: Found, today: date) -> None:
    """Weekday names; most abbreviations need 'on/next/this' or a time next to it ('sat down', 'sun cream')."""
    for m in sc.matches(g.WEEKDAY):
        word = m["full"] or m["abbr"]
        qualified = bool(m["q"] or m["q2"])
        if m["abbr"] and V.abbr_needs_company(word) and not qualified and (
                not _in_company(sc, m.end(), word)
                or sc.word_before(m.start()) in V.data["not_a_weekday_after"]):
            continue  # 'sat down'; after an article or a possessive a noun: 'à la mer 15h' is the sea
        if m["abbr"] and V.abbr_needs_company(word) and _noun_after(sc, m):
            continue  # 'a reminder for sun cream at 5pm': left to the "am I sure" check, which asks
        if not qualified and (m["full"] or V.abbr_needs_company(word)) and sc.word_before(m.start()) in V.words("the"):
            continue  # 'The Monday Club', 'the sunday roast' is a name; 'in the sun at 5pm' a word
        _weekday(f, sc, m, V.weekday(word), today)


def _noun_after(sc: Scanner, m: re.Match) -> bool:
    """'for sun cream', 'bis Mo ...': an abbreviation that is also a word, after a word that also leads a noun (the
    language's `on_also_before_nouns`: 'for', 'pour', 'bis'), and with another word after it rather than a time, may
    be that noun ('reservation for sat' and 'for sat 8pm' are Saturday)."""
    qualifier = " ".join((m["q2"] or "").split())
    return qualifier in V.data["on_also_before_nouns"] and not _in_company(sc, m.end(), m["abbr"]) \
        and bool(_WORD_NEXT.match(sc.low, m.end()))


_WORD_NEXT = re.compile(r"\s+[^\W\d_]")


def _in_company(sc: Scanner, end: int, abbr: str) -> bool:
    """A time, a day part or a month after an abbreviation that is also a word makes it a day; so does a day part
    with its qualifier ('sab de manhã'), unless the abbreviation is an everyday word of the language ('ter a noite
    livre': to have the night free)."""
    if g.ABBR_OK_AFTER.match(sc.low, end):
        return True
    everyday = abbr.lower().strip(". ") in V.data.get("not_time_like", [])
    return not everyday and bool(g.ABBR_DAYPART_AFTER.match(sc.low, end))


def _weekday(f: Found, sc: Scanner, m: re.Match, wd: int, today: date) -> None:
    if f.weekday is None:
        f.weekday = wd
    _day(f, sc, m, next_weekday(today, wd), by_weekday=True)


def extract_abbr_after_clock(sc: Scanner, f: Found, today: date) -> None:
    """'mtg w/ sarah 10:30 mon', 'call bob 9am tues': a weekday abbreviation right after a time the grammar read, and
    ending the text, is that weekday.  Anywhere else an abbreviation that is also a word ('sat down', 'c'mon') stays
    a word, and one after a time but followed by more words ('5pm sat down') is left to the "am I sure" check,
    which asks.  Runs after the times: it needs their spans."""
    ends = {c.span[1] for c in f.clocks}
    for m in sc.matches(g.ABBR_LAST):  # at most one: it ends the text
        if len(sc.low[:m.start()].rstrip(" ,")) in ends:
            _weekday(f, sc, m, V.weekday(m["abbr"]), today)
