"""Which order a zone's country writes numeric dates in (12/3: December 3 or 12 March)."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

# Countries writing numeric day-month pairs month first (US style) or year-month-day (whose 2-part form is month/day).
MONTH_FIRST_COUNTRIES = frozenset({
    "US", "PR", "GU", "VI", "AS", "MP", "UM",  # United States and territories
    "CA", "PH", "FM", "MH", "PW",              # Canada (mixed, US style common), Philippines, Micronesia, …
    "CN", "JP", "KR", "KP", "TW", "HU", "MN", "LT",  # year-month-day countries
})
_ZONE_ALIASES = {"US/Eastern": "US", "US/Central": "US", "US/Mountain": "US", "US/Pacific": "US", "US/Alaska": "US",
                 "US/Hawaii": "US", "US/Arizona": "US", "America/Indianapolis": "US", "Canada/Eastern": "CA",
                 "Canada/Pacific": "CA", "Canada/Central": "CA", "Canada/Mountain": "CA", "Canada/Atlantic": "CA"}


def zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(str(tz))


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """Zone name -> ISO country, from tzdata's zone.tab (pytz's table as a fallback)."""
    table: dict[str, str] = {}
    try:
        from importlib.resources import files
        text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
        for line in text.splitlines():
            if line and not line.startswith("#"):
                cols = line.split("\t")
                if len(cols) >= 3:
                    table[cols[2]] = cols[0]
    except Exception:  # pragma: no cover - tzdata missing
        try:
            import pytz
            for cc, zones in pytz.country_timezones.items():
                for z in zones:
                    table.setdefault(z, cc)
        except Exception:
            pass
    return table


def month_first(tz: ZoneInfo | str) -> bool:
    """True when the zone's country writes 12/3 as December 3 (US style)."""
    key = getattr(tz, "key", str(tz))
    cc = _zone_countries().get(key) or _ZONE_ALIASES.get(key, "")
    return cc in MONTH_FIRST_COUNTRIES
