"""dateparser as a last resort, for explicit date phrases the grammar does not know ('3-Dec-2026', 'Dec-03')."""
from __future__ import annotations

import re
from datetime import datetime

from .found import Found, Scanner
from .grammar import G as g
from .times import add_clock
from .vocabulary import V


def extract(sc: Scanner, f: Found, now: datetime, mfirst: bool) -> None:
    """Accept only a hit that names a month or a numeric date and that dateparser itself says is precise to a day,
    so 'sat down', 'may i' and 'December 2026' never become dates."""
    if not g.fallback_hint(sc.low):
        return
    masked = "".join(" " if not sc.free(i, i + 1) else ch for i, ch in enumerate(sc.low))
    for frag, dt in search(masked, now, mfirst):
        if not g.fallback_hint(frag) or period(frag, now, mfirst) not in ("day", "time"):
            continue
        start = masked.lower().find(frag.lower())
        if start < 0 or not sc.free(start, start + len(frag)):
            continue
        f.date, f.year_given = dt.date(), bool(re.search(r"\d{4}", frag))
        f.days.append((dt.date(), (start, start + len(frag)), False))
        if (dt.hour, dt.minute) != (0, 0) or re.search(r"\d[:.]\d\d|\d\s*[ap]\.?m", frag, g.FLAGS):
            add_clock(f, dt.hour, dt.minute, "exact", frag, (start, start + len(frag)))
        sc.take(start, start + len(frag))
        f.date_end = start + len(frag)
        return


def settings(now: datetime, mfirst: bool) -> dict:
    return {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": now.replace(tzinfo=None), "DATE_ORDER":
            "MDY" if mfirst else "DMY", "RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DAY_OF_MONTH": "first"}


def period(frag: str, now: datetime, mfirst: bool) -> str | None:
    """dateparser's own view of how precise a fragment is ('day', 'month', 'year', 'time')."""
    from dateparser.date import DateDataParser
    try:
        data = DateDataParser(languages=[V.code], settings=settings(now, mfirst)).get_date_data(frag)
    except Exception:
        return None
    return data.period if data and data.date_obj else None


def search(text: str, now: datetime, mfirst: bool) -> list[tuple[str, datetime]]:
    from dateparser.search import search_dates  # imported lazily; warm_up() pays for it at start-up
    try:
        return search_dates(text, languages=[V.code], settings=settings(now, mfirst)) or []
    except Exception:  # dateparser can raise on odd input; the grammar's answer stands
        return []
