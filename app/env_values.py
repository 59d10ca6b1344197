"""Reading one environment variable's text into a setting's value: each parser takes the text (stripped, not
empty) and the variable's name, and answers the value or raises SettingsError naming the variable."""
from __future__ import annotations

import ipaddress
import os
import re
import string
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import limits
import phonenumbers

# characters: up to PUBLIC_URL_ONE_SMS, LINK's reply (this, /link/ and a 43-character token) is one SMS; up to
# PUBLIC_URL_MAX, two
PUBLIC_URL_ONE_SMS, PUBLIC_URL_MAX = 60, 120
Parser = Callable[[str, str], Any]  # (the variable's text, stripped and not empty; its name) -> the value


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


def _text(raw: str, name: str) -> str:
    return raw


def _number(raw: str, name: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _whole(raw: str, name: str) -> int:
    value = _number(raw, name)
    if not value.is_integer():
        raise SettingsError(f"{name} must be a whole number, got {raw!r}")
    return int(value)


def _one_of(*allowed: str) -> Parser:
    def parse(raw: str, name: str) -> str:
        if raw.lower() not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return raw.lower()
    return parse


def _switch(yes: str, no: str) -> Parser:
    """A yes/no setting spelt `yes` or `no` (on/off, true/false), as a bool."""
    word = _one_of(yes, no)
    return lambda raw, name: word(raw, name) == yes


def _plain(allowed: re.Pattern, most: int) -> Parser:
    def parse(raw: str, name: str) -> str:
        if not (len(raw) <= most and allowed.fullmatch(raw)):
            raise SettingsError(f"{name} must be plain text of at most {most} characters (letters, digits and simple "
                                f"punctuation), got {raw!r}")
        return raw
    return parse


def _rate(raw: str, name: str) -> str:
    try:
        limits.parse(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a rate such as 10/minute or 100/hour, got {raw!r}") from None
    return raw


def _zone(raw: str, name: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} {raw!r} is not an IANA time zone (e.g. Europe/London)") from None
    return raw


def _file(raw: str, name: str) -> str:
    if not os.path.isfile(raw):
        raise SettingsError(f"{name}: no file at {raw!r}")
    return raw


def _sentinels(raw: str, name: str) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` (IPv6 as `[::1]:26379`)."""
    found = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError(f"{name} must be host:port pairs separated by commas, got {item!r}")
        found.append((host.strip("[]"), int(port)))
    return tuple(found)


def _private_key(raw: str, name: str) -> str:
    """The PEM text, given inline (config vars often carry its newlines as '\\n') or as the path of a key file."""
    if "-----BEGIN" in raw:
        return raw.replace("\\n", "\n")
    try:
        with open(raw, encoding="ascii") as key_file:
            text = key_file.read()
    except (OSError, UnicodeDecodeError):
        raise SettingsError(f"{name}: no readable key file at {raw!r} (give the PEM or a path)") from None
    if "-----BEGIN" not in text:
        raise SettingsError(f"{name}: {raw!r} does not hold a PEM private key")
    return text


def _redis_url(raw: str, name: str) -> str:
    if not _is_redis_url(raw):
        raise SettingsError(f"{name} must look like redis://[:password@]host[:port][/db] (rediss:// for TLS, "
                            f"unix:///path for a socket), got {_without_password(raw)!r}")
    return raw


def _is_redis_url(raw: str) -> bool:
    """redis://[user:password@]host[:port][/db], rediss://… (TLS) or unix:///path/to/socket, as redis-py reads them."""
    try:
        parts = urlsplit(raw)
        _ = parts.port  # read for its check: a port that is not a number raises ValueError
    except ValueError:
        return False
    if parts.scheme == "unix":
        return bool(parts.path)
    db = parts.path.strip("/")
    return parts.scheme in ("redis", "rediss") and bool(parts.hostname) and (not db or db.isdigit())


def _without_password(url: str) -> str:
    """A URL fit for an error message: what stands between :// and @ is masked."""
    head, at, tail = url.rpartition("@")
    return f"{head.partition('://')[0]}://…@{tail}" if at else url


def _phone_number(raw: str, name: str) -> str:
    """A phone number in E.164 (the leading + optional); spaces, dots, dashes and brackets between digits are
    dropped. Letters are refused: people cannot text `+1-800-FLOWERS`, and Vonage sends from numbers only."""
    digits = raw.lstrip("+").translate({ord(c): None for c in " .-()"})
    if not (digits.isascii() and set(digits) <= set(string.digits) and 6 <= len(digits) <= 15):
        raise SettingsError(f"{name} must be a phone number in E.164 form (6 to 15 digits, e.g. 447700900000), "
                            f"got {raw!r}")
    return digits


def _countries(raw: str, name: str) -> frozenset[str]:
    """ISO 3166 codes, comma-separated: `GB,IE`."""
    codes = frozenset(code.strip().upper() for code in raw.split(",") if code.strip())
    unknown = sorted(codes - phonenumbers.SUPPORTED_REGIONS)
    if unknown:
        raise SettingsError(f"{name} must be ISO 3166 country codes separated by commas (GB,IE), got {unknown[0]!r}")
    return codes


def _addresses(raw: str, name: str) -> tuple[str, ...]:
    """`*`, or IP addresses and networks (`10.0.0.0/8,::1`), comma-separated, as networks."""
    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    if items == ("*",):
        return items
    try:
        return tuple(str(ipaddress.ip_network(item)) for item in items)
    except ValueError:
        raise SettingsError(f"{name} must be * or IP addresses and networks separated by commas (10.0.0.0/8,::1), "
                            f"got {raw!r}") from None


def _public_url(raw: str, name: str) -> str:
    """http(s)://host[:port][/path], no query or fragment, at most PUBLIC_URL_MAX characters (a LINK reply quotes
    it); kept without its trailing slash."""
    try:
        parts = urlsplit(raw)
        _ = parts.port  # read for its check: a port that is not a number raises ValueError
    except ValueError:
        parts = None
    if not (parts and parts.scheme in ("http", "https") and parts.hostname and not parts.query and not parts.fragment
            and not parts.username and len(raw) <= PUBLIC_URL_MAX and raw.isascii() and " " not in raw):
        raise SettingsError(f"{name} must be the service's public base URL, http(s)://host[/path] of at most "
                            f"{PUBLIC_URL_MAX} characters, got {raw[:80]!r}")
    return raw.rstrip("/")


def _tokens(raw: str, name: str) -> tuple[str, ...]:
    return tuple(token.strip() for token in raw.split(",") if token.strip())


_LOCALE_PAIR = re.compile(r"([a-z]{2,3})=([a-z]{2,3}(?:_[A-Z]{2})?)")


def _locales(raw: str, name: str) -> tuple[tuple[str, str], ...]:
    """Language code to WhatsApp template locale, comma-separated: `en=en_GB,pt=pt_PT`."""
    pairs = [item.strip() for item in raw.split(",") if item.strip()]
    bad = next((p for p in pairs if not _LOCALE_PAIR.fullmatch(p)), None)
    if bad is not None:
        raise SettingsError(f"{name} must be language=locale pairs separated by commas (en=en_US,pt=pt_BR), "
                            f"got {bad!r}")
    return tuple(tuple(p.split("=", 1)) for p in pairs)  # type: ignore[misc]
