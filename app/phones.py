"""Phone numbers: E.164 normalisation and the time zone a number most likely lives in (via phonenumbers)."""
from __future__ import annotations

from functools import lru_cache

import phonenumbers
import pytz
from phonenumbers import timezone as number_zones


def normalise(raw: str) -> str | None:
    """E.164 digits without '+' (Vonage's form), or None when `raw` is not a valid phone number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    candidate = raw if raw.startswith("+") else "+" + raw.lstrip("0") if raw.startswith("00") else "+" + raw
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


@lru_cache(maxsize=65536)  # read with every stored record: phonenumbers takes ~60 µs a look-up
def number_zone(phone: str) -> str | None:
    """The number's zone when it has exactly one (by area code, else by country); None when it is ambiguous."""
    try:
        number = phonenumbers.parse("+" + phone, None)
    except phonenumbers.NumberParseException:
        return None
    zones = [z for z in number_zones.time_zones_for_number(number) if z != number_zones.UNKNOWN_TIMEZONE]
    if not zones:  # numbers outside phonenumbers' ranges (test and fictional ones) still have a country
        zones = pytz.country_timezones.get(phonenumbers.region_code_for_country_code(number.country_code), [])
    return zones[0] if len(zones) == 1 else None


@lru_cache(maxsize=65536)
def number_region(phone: str) -> str | None:
    """The number's country (ISO 3166: 'ES', 'US'), by its exact range where phonenumbers knows it, else by its
    country code; None when the number says nothing."""
    try:
        number = phonenumbers.parse("+" + phone, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number) or \
        phonenumbers.region_code_for_country_code(number.country_code)
    return None if region in (None, "ZZ", "001") else region
