"""Naming a time zone by text: an IANA name, a city, or a common abbreviation (for the TZ command)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from zoneinfo import available_timezones

import pytz

# Abbreviations people text. Each names the region's main zone, so daylight saving follows the place, not the
# letters (EST in July still means New York time).
ABBREVIATIONS = {
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York", "eastern": "America/New_York",
    "ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago", "central": "America/Chicago",
    "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver", "mountain": "America/Denver",
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "akst": "America/Anchorage", "akdt": "America/Anchorage",
    "hst": "Pacific/Honolulu", "ast": "America/Halifax", "nst": "America/St_Johns",
    "gmt": "Europe/London", "bst": "Europe/London", "wet": "Europe/Lisbon", "cet": "Europe/Berlin",
    "cest": "Europe/Berlin", "eet": "Europe/Athens", "eest": "Europe/Athens", "msk": "Europe/Moscow",
    "ist": "Asia/Kolkata", "pkt": "Asia/Karachi", "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "acst": "Australia/Adelaide", "awst": "Australia/Perth", "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland", "utc": "UTC", "z": "UTC",
}
# Big places that are not themselves a zone's name.
CITIES = {
    "nyc": "America/New_York", "newyorkcity": "America/New_York", "boston": "America/New_York",
    "washington": "America/New_York", "dc": "America/New_York", "philadelphia": "America/New_York",
    "atlanta": "America/New_York", "miami": "America/New_York", "dallas": "America/Chicago",
    "houston": "America/Chicago", "austin": "America/Chicago", "la": "America/Los_Angeles",
    "sf": "America/Los_Angeles", "sanfrancisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "sandiego": "America/Los_Angeles", "lasvegas": "America/Los_Angeles", "portland": "America/Los_Angeles",
    "montreal": "America/Toronto", "ottawa": "America/Toronto", "calgary": "America/Edmonton",
    "manchester": "Europe/London", "edinburgh": "Europe/London", "uk": "Europe/London",
    "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin", "hamburg": "Europe/Berlin",
    "barcelona": "Europe/Madrid", "milan": "Europe/Rome", "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata",
    "newdelhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "india": "Asia/Kolkata",
    "beijing": "Asia/Shanghai", "osaka": "Asia/Tokyo", "canberra": "Australia/Sydney",
}


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()  # São Paulo → Sao Paulo
    return re.sub(r"[\s_\-.,']+", "", plain.lower())


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Lower-cased IANA names, and each common zone's city part ('london' → Europe/London)."""
    names = {_key(z): z for z in available_timezones()}
    for zone in [*pytz.common_timezones, *sorted(available_timezones())]:  # common zones win a shared city
        names.setdefault(_key(zone.rsplit("/", 1)[-1]), zone)
    return names


def resolve(text: str) -> str | None:
    """The IANA zone that `text` names, or None."""
    key = _key(text)
    if not key:
        return None
    return ABBREVIATIONS.get(key) or CITIES.get(key) or _zone_names().get(key)
