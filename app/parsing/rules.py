"""Stepping a series: the next occurrence of an RRULE after the last one (moving to app/rules.py; kept as it was)."""
from __future__ import annotations

from datetime import datetime, timezone

from dateutil.rrule import rrulestr

from .clock import later, localize


def rule_parts(every: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in every.upper().replace("RRULE:", "").split(";") if "=" in p)


def next_occurrence(every: str, previous: datetime) -> datetime | None:
    """First occurrence of the RRULE strictly after `previous` (aware datetime in the person's zone), keeping the
    series' wall-clock time across daylight-saving changes; None when the rule has ended.

    Daily-and-longer rules step in wall-clock time (8:15 stays 8:15 after a DST change); hourly and shorter rules
    step in elapsed time.  COUNT is not tracked here (only the rule and the last due are known)."""
    zone = previous.tzinfo
    if zone is None:
        raise ValueError("previous must be timezone-aware")
    parts = rule_parts(every)
    until = parts.pop("UNTIL", None)
    elapsed = parts.get("FREQ") in ("SECONDLY", "MINUTELY", "HOURLY")
    if elapsed:
        start = previous.astimezone(timezone.utc).replace(tzinfo=None)
    else:
        start = previous.replace(tzinfo=None)
    rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=start)
    nxt = rule.after(start, inc=False)
    if nxt is None:
        return None
    result = nxt.replace(tzinfo=timezone.utc).astimezone(zone) if elapsed else localize(nxt, zone)
    if until and later(result, until_instant(until, zone)):
        return None
    return result


def until_instant(until: str, zone) -> datetime:
    """RFC 5545 UNTIL: UTC when it ends in Z, else a wall time (or date) in the series' zone."""
    u = until.strip().upper()
    fmt = "%Y%m%dT%H%M%S" if "T" in u else "%Y%m%d"
    naive = datetime.strptime(u.rstrip("Z"), fmt)
    if "T" not in u:
        naive = naive.replace(hour=23, minute=59, second=59)
    if u.endswith("Z"):
        return naive.replace(tzinfo=timezone.utc)
    return naive.replace(tzinfo=zone)
