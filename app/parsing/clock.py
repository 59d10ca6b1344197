"""Wall-clock helpers: aware datetimes are always built from wall times with zoneinfo, and compared as instants."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach the zone to a wall time; a time skipped by a spring-forward gap moves forward by the gap."""
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone)


def at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """Wall time on a day; hour 24 means midnight at the end of that day."""
    return localize(datetime.combine(day, time(0)) + timedelta(hours=hour, minutes=minute), zone)


def later(a: datetime, b: datetime) -> bool:
    """a strictly after b as instants (same-zone datetime comparison ignores fold and would misorder 1:30 EDT/EST)."""
    return a.timestamp() > b.timestamp()


def first_future(cands: list[datetime], now: datetime) -> datetime | None:
    future = sorted((c for c in cands if later(c, now)), key=lambda d: d.timestamp())
    return future[0] if future else None


def in_part(hour: int, hours: list[int]) -> bool:
    """Whether an hour falls in a day part's [first, last] hours; a part may run past midnight ([20, 5])."""
    low, high = hours
    return low <= hour <= high if low <= high else hour >= low or hour <= high
