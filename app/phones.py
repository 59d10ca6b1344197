"""Phone numbers: E.164 normalisation and the time zone a number most likely lives in (via phonenumbers)."""
from __future__ import annotations

from functools import lru_cache

import phonenumbers
import pytz
from phonenumbers import timezone as number_zones

# Numbers no reply goes to, because a text to one costs more than a person's number does or reaches no person:
# their type by phonenumbers, and the international networks (+800, +808, +870, +881, +882, +883, +888, +979: no
# country, phonenumbers' region "001"), satellite phones and shared-cost ranges among them.
REFUSED_TYPES = {
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium-rate numbers are not accepted",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared-cost numbers are not accepted",
    phonenumbers.PhoneNumberType.UAN: "universal access (shared-cost) numbers are not accepted",
    phonenumbers.PhoneNumberType.VOICEMAIL: "voicemail access numbers are not accepted",
}
NON_GEOGRAPHIC = "001"  # phonenumbers' region of the international networks
NOT_A_NUMBER = "not a phone number; use E.164, e.g. +14155550100"


def e164(raw: str) -> str:
    """E.164 digits without '+' (Vonage's form); raises ValueError saying why `raw` is not a number we text.
    Letters are refused rather than converted (`+1-800-FLOWERS` is not quietly `18003569377`); so are numbers
    phonenumbers knows to be unallocated, and those in REFUSED_TYPES or on an international network: every text to
    one would cost more than a text to a person."""
    raw = (raw or "").strip()
    if not raw:
        raise ValueError(NOT_A_NUMBER)
    if any(ch.isalpha() for ch in raw):
        raise ValueError("give the number in digits; letters (vanity numbers) are not accepted")
    candidate = raw if raw.startswith("+") else "+" + raw.lstrip("0") if raw.startswith("00") else "+" + raw
    try:
        number = _parse(candidate)
    except phonenumbers.NumberParseException:
        raise ValueError(NOT_A_NUMBER) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("no such number is in use; use E.164, e.g. +14155550100")
    if phonenumbers.region_code_for_number(number) == NON_GEOGRAPHIC:
        raise ValueError("satellite and international network numbers are not accepted")
    refused = REFUSED_TYPES.get(phonenumbers.number_type(number))
    if refused:
        raise ValueError(refused)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def country_refusal(phone: str, allowed: frozenset[str]) -> str | None:
    """Why `phone` (E.164 digits) is not texted under ALLOWED_COUNTRIES `allowed` (empty: every country), if so."""
    if not allowed or number_region(phone) in allowed:
        return None
    return f"only numbers from {', '.join(sorted(allowed))} are accepted"


def normalise(raw: str) -> str | None:
    """E.164 digits without '+', or None when `raw` is not a number we text (see `e164`)."""
    try:
        return e164(raw)
    except ValueError:
        return None


def number_zone(phone: str) -> str | None:
    """The number's zone when it has exactly one (by area code, else by country); None when it is ambiguous."""
    return _number_facts(phone)[0]


def number_region(phone: str) -> str | None:
    """The number's country (ISO 3166: 'ES', 'US'), by its exact range where phonenumbers knows it, else by its
    country code; None when the number says nothing."""
    return _number_facts(phone)[1]


@lru_cache(maxsize=256)  # a webhook's sender is normalised (`e164`), then its facts are read: one parse for both
def _parse(number: str) -> phonenumbers.PhoneNumber:
    """`number` parsed (never changed by its callers, so one parse can serve them all)."""
    return phonenumbers.parse(number, None)


# phonenumbers' look-up is slow, and every stored record read and every text needs it: a number's answers are kept
# rather than looked up again.
@lru_cache(maxsize=65536)
def _number_facts(phone: str) -> tuple[str | None, str | None]:
    """The number's zone and country from one parse: a new number's first text needs both."""
    try:
        number = _parse("+" + phone)
    except phonenumbers.NumberParseException:
        return None, None
    by_code = phonenumbers.region_code_for_country_code(number.country_code)
    zones = [z for z in number_zones.time_zones_for_number(number) if z != number_zones.UNKNOWN_TIMEZONE]
    if not zones:  # numbers outside phonenumbers' ranges (test and fictional ones) still have a country
        zones = pytz.country_timezones.get(by_code, [])
    region = phonenumbers.region_code_for_number(number) or by_code
    return zones[0] if len(zones) == 1 else None, None if region in (None, "ZZ", "001") else region
