"""Recurrence: 'every …', 'daily', 'on mondays', 'mon wed fri', 'the 1st of every month', and bounds
('for 30 days', 'until March') -> an RFC 5545 RRULE and its first occurrence."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from . import offsets
from .clock import later, localize
from .errors import fail
from .found import Found, Rec, Scanner
from .grammar import G as g
from .times import ampm_hour
from .vocabulary import V

WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
SUB_DAILY = ("SECONDLY", "MINUTELY", "HOURLY")
_UNIT_FREQ = {"seconds": ("SECONDLY", 1), "minutes": ("MINUTELY", 1), "hours": ("HOURLY", 1), "days": ("DAILY", 1),
              "weeks": ("WEEKLY", 1), "fortnights": ("WEEKLY", 2), "months": ("MONTHLY", 1), "years": ("YEARLY", 1)}
_RE_NUM = re.compile(r"\d+")
_WEEKDAYS, _WEEKENDS = [0, 1, 2, 3, 4], [5, 6]


def extract(sc: Scanner, f: Found, today: date) -> None:
    """Find the recurrence (the first pattern to match wins; later ones may only refine it), then its bounds."""
    for rx, kind in g.RECURRENCE:
        for m in sc.matches(rx):
            rec = _from_match(m, kind)
            if rec is None:
                continue
            if f.rec is None:
                f.rec = rec
            elif rec.byday and not f.rec.byday and f.rec.freq == "WEEKLY":
                f.rec.byday = rec.byday
            elif rec.freq == "MONTHLY" and f.rec.freq == "MONTHLY" and rec.bymonthday:
                f.rec.bymonthday = rec.bymonthday
            elif rec.freq == "DAILY" and rec.daypart and f.rec.freq in ("DAILY", "WEEKLY"):
                f.rec.daypart = f.rec.daypart or rec.daypart
            else:
                continue
            sc.take(m.start(), m.end())
            if kind == "yearly_date":
                break
    if f.rec:
        _extract_bounds(sc, f, today)


def _from_match(m: re.Match, kind: str) -> Rec | None:
    g_ = m.groupdict()
    if kind == "nth_weekday":
        n = g_["n"]
        return Rec("MONTHLY", byday=[V.weekday(g_["wd"])], nth=-1 if n in V.words("last") else int(n[0]))
    if kind == "interval":
        qty = float(g_["qty"])
        offsets.within_reach(qty, V.unit(g_["unit"]))
        freq, mult = _UNIT_FREQ[V.unit(g_["unit"])]
        if qty != int(qty):  # 'every 1.5 hours' -> every 90 minutes
            return Rec("MINUTELY", round(qty * 60)) if freq == "HOURLY" else None
        return Rec(freq, int(qty) * mult) if qty >= 1 else None
    if kind == "other":
        unit = g_["unit"].lower()
        if unit in V.weekday_of or unit.rstrip("s") in V.weekday_of:
            return Rec("WEEKLY", 2, [V.weekday(unit)])
        return Rec(_UNIT_FREQ[V.unit(unit)][0], 2)
    if kind == "dom_month":
        doms = g_.get("doms") or g_["dom"]
        return Rec("MONTHLY", bymonthday=sorted({int(d) for d in _RE_NUM.findall(doms)}))
    if kind == "last_dom":
        return Rec("MONTHLY", bymonthday=[-1])
    if kind == "yearly_date":
        return Rec("YEARLY")
    if kind == "days":
        return Rec("WEEKLY", byday=sorted({V.weekday(w) for w in g.RE_WD.findall(g_["days"])}),
                   daypart=V.daypart_of.get(g_.get("dp") or ""))
    if kind == "day_range":
        a, b = V.weekday(g_["a"]), V.weekday(g_["b"])
        return Rec("WEEKLY", byday=[d % 7 for d in range(a, b + 1 if b >= a else b + 8)])
    if kind == "day_list":
        return _day_list(g_["days"], bool(g.ABBR_OK_AFTER.match(m.string, m.end())))
    if kind == "word":
        return _series(V.data["recurrence_words"].get(re.sub(r"\s+", "", m.group(0).lower()), "DAILY"))
    unit = re.sub(r"\s+", "", g_["unit"].lower())
    return _series(V.data["every_units"].get(unit) or V.data["plural_series"].get(unit)
                   or V.data["every_units"][unit.rstrip("s")])


def _series(spec: str) -> Rec:
    """'DAILY', 'WEEKLY:2', 'DAILY:night', 'WEEKDAYS', 'WEEKENDS' (the vocabulary's shorthand) -> Rec."""
    freq, _, extra = spec.partition(":")
    if freq in ("WEEKDAYS", "WEEKENDS"):
        return Rec("WEEKLY", byday=list(_WEEKDAYS if freq == "WEEKDAYS" else _WEEKENDS), daypart=extra or None)
    if extra.isdigit():
        return Rec(freq, int(extra))
    return Rec(freq, daypart=extra or None)


def _day_list(text: str, timed: bool) -> Rec | None:
    """'mon wed fri', 'sat and sun': two or more days.  Joined by spaces alone, they must be all abbreviations or all
    full names, so 'monday sun cream' stays one day, unless a time follows them ('mon wed friday 6am')."""
    words = g.RE_WD.findall(text)
    days = sorted({V.weekday(w) for w in words})
    if len(days) < 2:
        return None
    joined = re.search(rf"(?:{g.LIST_JOIN})", re.sub(g.WD_ANY, " ", text, flags=g.FLAGS))
    if not joined and not timed and len({w.rstrip('.').lower() in V.weekday_names for w in words}) > 1:
        return None
    return Rec("WEEKLY", byday=days)


def _extract_bounds(sc: Scanner, f: Found, today: date) -> None:
    """'for 30 days', 'for a week' and 'until dec 31', 'until March', 'until friday'."""
    for m in sc.matches(g.BOUND_FOR):
        qty = 1 if m["qty"] in V.words("an") else int(m["qty"])
        unit = V.unit(m["unit"])
        offsets.within_reach(qty, unit)
        if unit == "fortnights":
            qty, unit = qty * 2, "weeks"
        f.bound_for = relativedelta(**{unit: qty})
        sc.take(m.start(), m.end())
        break
    for m in sc.matches(g.BOUND_UNTIL_TIME):
        if f.rec and f.rec.freq in SUB_DAILY:  # 'every 2 hours until 6pm'
            h = int(m["h"])
            f.until_clock = (ampm_hour(h, m["ap"], m.group(0)) if m["ap"] else h, int(m["m"] or 0), not m["ap"])
            sc.take(m.start(), m.end())
            break
    for m in sc.matches(g.BOUND_UNTIL):
        f.until = _until_date(m, today)
        sc.take(m.start(), m.end())
        break


def _until_date(m: re.Match, today: date) -> date:
    """The last day a series may fall on: a date itself, the day before a month starts, or the next such weekday."""
    if m["wd"]:
        return today + timedelta(days=(V.weekday(m["wd"]) - today.weekday() - 1) % 7 + 1)
    month = V.month(m["mon"] or m["mon2"])
    day = int(m["d"] or m["d2"] or 0)
    if not day:
        return date(today.year if month > today.month else today.year + 1, month, 1) - timedelta(days=1)
    for year in (today.year, today.year + 1):
        try:
            cand = date(year, month, day)
        except ValueError:
            continue
        if cand >= today:
            return cand
    raise fail("impossible", m.group(0))


def rule_text(rec: Rec, byhour: list[int] | None = None, minute: int = 0, until: str | None = None) -> str:
    parts = [f"FREQ={rec.freq}"]
    if rec.interval > 1:
        parts.append(f"INTERVAL={rec.interval}")
    if rec.freq == "YEARLY" and rec.bymonth is not None:
        parts += [f"BYMONTH={rec.bymonth}", f"BYMONTHDAY={rec.bymonthday[0]}"]
    if rec.byday and rec.freq == "WEEKLY":
        parts.append("BYDAY=" + ",".join(WEEKDAY_CODES[d] for d in sorted(rec.byday)))
    if rec.nth is not None and rec.freq == "MONTHLY":
        parts.append(f"BYDAY={rec.nth}{WEEKDAY_CODES[rec.byday[0]]}")
    elif rec.bymonthday and rec.freq == "MONTHLY":
        parts.append("BYMONTHDAY=" + ",".join(str(d) for d in rec.bymonthday))
    if byhour:
        parts += ["BYHOUR=" + ",".join(str(h) for h in byhour), f"BYMINUTE={minute}"]
    if until:
        parts.append(f"UNTIL={until}")
    return ";".join(parts)


def first_occurrence(rule: str, start: date, h: int, mi: int, now: datetime, zone: ZoneInfo) -> datetime | None:
    """First occurrence of the rule (counted from the first due, so INTERVAL is ignored here) after now."""
    single = ";".join(p for p in rule.split(";") if not p.startswith("INTERVAL="))
    begin = datetime.combine(start, time(0, 0) if "BYHOUR=" in rule else time(h, mi))
    for naive in rrulestr(single, dtstart=begin).xafter(begin, count=800, inc=True):
        cand = localize(naive, zone)
        if later(cand, now):
            return cand
    return None


def until_stamp(rule: str, first: datetime, f: Found, zone: ZoneInfo) -> str | None:
    """RRULE UNTIL for a bounded series: the UTC instant of its last occurrence ('for 30 days' counts from the first
    occurrence; 'until <day>' includes that day)."""
    if f.bound_for is None and f.until is None and f.until_clock is None:
        return None
    start = first.replace(tzinfo=None)
    if f.until_clock is not None:
        h, mi, bare = f.until_clock
        end = datetime.combine(start.date(), time(h % 24, mi))
        if bare and end <= start and h < 12:
            end += timedelta(hours=12)  # 'until 6' after 10am is 6pm
        if end <= start:
            end += timedelta(days=1)
    elif f.bound_for is not None:
        end = start + f.bound_for - timedelta(seconds=1)
    else:
        end = datetime.combine(f.until, time(23, 59, 59))
    last = rrulestr(rule, dtstart=start).before(end, inc=True)
    if last is None:
        raise fail("past")
    return localize(last, zone).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
