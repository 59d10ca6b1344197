"""Settings read from the environment once, validated, and passed explicitly to every part.

The web app and the worker build their own `Settings` from the same variables, so a misspelt value fails at
start-up with a clear message instead of at the first text.
"""
from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import limits

SIGNATURE_METHODS = ("md5", "sha1", "sha256", "sha512")
SEND_APIS = ("sms", "messages")
SIMULATOR_MODES = ("auto", "on", "off")
SWITCH = ("on", "off")
BOOLEAN = ("true", "false")
# What HELP and the opt-out confirmation say, kept to plain GSM-7 and short enough for their SMS
# (tests/texting/test_phrasebook.py)
SERVICE_NAME, SERVICE_NAME_MAX = re.compile(r"[A-Za-z0-9 .,'&:!()+-]+"), 30
SUPPORT_CONTACT, SUPPORT_CONTACT_MAX = re.compile(r"[A-Za-z0-9 .,:;/@+()?=&%#_-]+"), 60


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    redis_url: str | None = None
    embedded_redis_path: str = ".data/redis.db"
    redis_sentinels: tuple[tuple[str, int], ...] = ()  # Sentinels to ask for the primary (instead of REDIS_URL)
    redis_sentinel_master: str = "mymaster"  # the name the Sentinels monitor the primary under
    redis_password: str | None = None  # with Sentinel: the primary's (and replicas') password (REDIS_URL has its own)
    redis_sentinel_password: str | None = None  # the Sentinels' own password, when they have one
    redis_tls: bool = False  # with Sentinel: TLS to the Sentinels and the primary (REDIS_URL: rediss://)
    redis_tls_ca_file: str | None = None  # with Sentinel: the CA that signed their certificates (verified when set)
    redis_min_replicas: int = 0  # replicas that must have a write before it is confirmed (WAIT); 0 = none
    redis_wait_seconds: float = 1.0  # how long a confirmation waits for them
    vonage_api_key: str | None = None
    vonage_api_secret: str | None = None
    vonage_application_id: str | None = None  # Messages API
    vonage_private_key: str | None = None  # Messages API: PEM text, or a path to the key file
    vonage_send_api: str = "sms"  # which API sends: sms (key + secret) or messages (application + key)
    vonage_number: str = "10000000000"
    service_name: str = "Textable reminders"  # named in HELP and the opt-out confirmation (CTIA)
    support_contact: str | None = None  # where HELP sends people: a URL, an email address or a phone number
    opt_out_replies: bool = True  # off: the provider (Vonage Opt-Out Assist) answers STOP and START itself
    vonage_signature_secret: str | None = None
    vonage_signature_method: str = "sha256"
    allow_unsigned_webhooks: bool = False  # unsafe: accept unsigned webhooks although Vonage is configured
    vonage_rest_host: str = "rest.nexmo.com"
    vonage_api_host: str = "api.nexmo.com"
    vonage_timeout: int = 10
    api_tokens: tuple[str, ...] = field(default_factory=tuple)
    default_timezone: str = "UTC"
    simulator: str = "auto"  # the phone simulator page: on, off, or auto (on when Vonage is not configured)
    sms_rate_limit: float = 30.0
    send_concurrency: int = 32
    lease_seconds: float = 60.0
    max_send_attempts: int = 6
    retry_base_seconds: float = 2.0
    resend_window_minutes: float = 30.0  # a reminder whose delivery failed for a while is sent again only this soon
    key_prefix: str = "rmd:"
    reminders_per_minute: int = 10  # new reminders one number may make per minute
    max_pending: int = 100  # pending reminders per number
    max_days_ahead: int = 365  # how far ahead a reminder may be set
    texts_per_minute: int = 20  # inbound texts per number per minute that get an answer (no reply storms)
    concat_timeout: int = 300  # seconds to wait for the rest of a long message before saying so
    nag_minutes: float = 10.0  # how often an `until done` reminder repeats until DONE (at most 6 times)
    min_repeat_minutes: float = 15.0  # the most often a series may repeat (rules.check)
    max_sms_per_number_per_day: int = 50  # SMS to one number in any 24 hours (budget.py); 0 = no budget
    api_rate_per_number: str = "10/minute"  # REST API reminder creation, per phone number
    api_rate_per_token: str = "600/minute"  # REST API reminder creation, per bearer token
    auth_failures_per_minute: int = 10  # wrong tokens or passwords from one client address before it gets 429

    @property
    def vonage_enabled(self) -> bool:
        """Without credentials the service logs SMS instead of sending them (local use)."""
        if self.vonage_send_api == "messages":
            return bool(self.vonage_application_id and self.vonage_private_key)
        return bool(self.vonage_api_key and self.vonage_api_secret)

    def knows_token(self, given: str | None) -> bool:
        """Whether `given` is one of API_TOKEN's tokens (the API's bearer token, the dashboard's password)."""
        return bool(given) and any(hmac.compare_digest(given.encode(), t.encode()) for t in self.api_tokens)

    @property
    def signatures_required(self) -> bool:
        return bool(self.vonage_signature_secret)

    @property
    def unsigned_webhooks_problem(self) -> str | None:
        """Why the web process must not start: with Vonage configured and no signature secret, anyone could post
        texts (the service would text numbers that never wrote) and receipts (changing reminders' status)."""
        if not self.vonage_enabled or self.signatures_required or self.allow_unsigned_webhooks:
            return None
        return ("VONAGE_SIGNATURE_SECRET is not set while Vonage credentials are: anyone could fake inbound texts "
                "and delivery receipts. Set it (and turn on signed webhooks in Vonage's dashboard), or set "
                "ALLOW_UNSIGNED_WEBHOOKS=true to accept that risk")

    @property
    def simulator_enabled(self) -> bool:
        return self.simulator == "on" or (self.simulator == "auto" and not self.vonage_enabled)


def _number(env: Mapping[str, str], name: str, default: float, minimum: float = 0) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum:g}, got {raw!r}")
    return value


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value.lower() not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value.lower()


def _private_key(value: str | None) -> str | None:
    """The PEM text, given inline (config vars often carry its newlines as '\\n') or as the path of a key file."""
    if not value:
        return None
    if "-----BEGIN" in value:
        return value.replace("\\n", "\n")
    try:
        with open(value, encoding="ascii") as key_file:
            text = key_file.read()
    except (OSError, UnicodeDecodeError):
        raise SettingsError(f"VONAGE_PRIVATE_KEY: no readable key file at {value!r} (give the PEM or a path)") from None
    if "-----BEGIN" not in text:
        raise SettingsError(f"VONAGE_PRIVATE_KEY: {value!r} does not hold a PEM private key")
    return text


def _rate(value: str, name: str) -> str:
    try:
        limits.parse(value)
    except ValueError:
        raise SettingsError(f"{name} must be a rate such as 10/minute or 100/hour, got {value!r}") from None
    return value


def _text(value: str | None, name: str, allowed: re.Pattern, most: int) -> str | None:
    if value is not None and not (len(value) <= most and allowed.fullmatch(value)):
        raise SettingsError(f"{name} must be plain text of at most {most} characters (letters, digits and simple "
                            f"punctuation), got {value!r}")
    return value


def _sentinels(value: str | None) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` (IPv6 as `[::1]:26379`)."""
    found = []
    for item in filter(None, (part.strip() for part in (value or "").split(","))):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError(f"REDIS_SENTINELS must be host:port pairs separated by commas, got {item!r}")
        found.append((host.strip("[]"), int(port)))
    return tuple(found)


def _wait(env: Mapping[str, str]) -> float:
    """WAIT's timeout: never 0, which Redis reads as 'wait forever'."""
    seconds = _number(env, "REDIS_WAIT_SECONDS", Settings.redis_wait_seconds, minimum=0.001)
    if seconds > 10:
        raise SettingsError(f"REDIS_WAIT_SECONDS must be at most 10 (Vonage gives a webhook 15 s), got {seconds:g}")
    return seconds


def _ca_file(value: str | None) -> str | None:
    if value and not os.path.isfile(value):
        raise SettingsError(f"REDIS_TLS_CA_FILE: no file at {value!r}")
    return value


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"DEFAULT_TIMEZONE {name!r} is not an IANA time zone (e.g. Europe/London)") from None
    return name


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from environment-style strings (os.environ by default)."""
    env = os.environ if env is None else env
    get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
    method = (get("VONAGE_SIGNATURE_METHOD") or "sha256").lower()
    if method not in SIGNATURE_METHODS:
        raise SettingsError(f"VONAGE_SIGNATURE_METHOD must be one of {', '.join(SIGNATURE_METHODS)}, got {method!r}")
    key, secret = get("VONAGE_API_KEY"), get("VONAGE_API_SECRET")
    if bool(key) != bool(secret):
        raise SettingsError("set both VONAGE_API_KEY and VONAGE_API_SECRET, or neither (to log SMS instead)")
    application, private_key = get("VONAGE_APPLICATION_ID"), _private_key(get("VONAGE_PRIVATE_KEY"))
    if bool(application) != bool(private_key):
        raise SettingsError("set both VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY (Messages API), or neither")
    send_api = _choice(get("VONAGE_SEND_API") or ("messages" if application and not key else "sms"),
                       "VONAGE_SEND_API", SEND_APIS)
    if send_api == "messages" and not application:
        raise SettingsError("VONAGE_SEND_API=messages needs VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY")
    if get("REDIS_URL") and get("REDIS_SENTINELS"):
        raise SettingsError("set REDIS_URL or REDIS_SENTINELS, not both (Sentinel tells where the primary is)")
    return Settings(
        redis_url=get("REDIS_URL"),
        embedded_redis_path=get("EMBEDDED_REDIS_PATH") or Settings.embedded_redis_path,
        redis_sentinels=_sentinels(get("REDIS_SENTINELS")),
        redis_sentinel_master=get("REDIS_SENTINEL_MASTER") or Settings.redis_sentinel_master,
        redis_password=get("REDIS_PASSWORD"),
        redis_sentinel_password=get("REDIS_SENTINEL_PASSWORD"),
        redis_tls=_choice(get("REDIS_TLS") or "off", "REDIS_TLS", SWITCH) == "on",
        redis_tls_ca_file=_ca_file(get("REDIS_TLS_CA_FILE")),
        redis_min_replicas=int(_number(env, "REDIS_MIN_REPLICAS", Settings.redis_min_replicas)),
        redis_wait_seconds=_wait(env),
        vonage_api_key=key,
        vonage_api_secret=secret,
        vonage_application_id=application,
        vonage_private_key=private_key,
        vonage_send_api=send_api,
        vonage_number=(get("VONAGE_NUMBER") or Settings.vonage_number).lstrip("+"),
        service_name=_text(get("SERVICE_NAME") or Settings.service_name, "SERVICE_NAME", SERVICE_NAME,
                           SERVICE_NAME_MAX),
        support_contact=_text(get("SUPPORT_CONTACT"), "SUPPORT_CONTACT", SUPPORT_CONTACT, SUPPORT_CONTACT_MAX),
        opt_out_replies=_choice(get("OPT_OUT_REPLIES") or "on", "OPT_OUT_REPLIES", SWITCH) == "on",
        vonage_signature_secret=get("VONAGE_SIGNATURE_SECRET"),
        vonage_signature_method=method,
        allow_unsigned_webhooks=_choice(get("ALLOW_UNSIGNED_WEBHOOKS") or "false", "ALLOW_UNSIGNED_WEBHOOKS",
                                        BOOLEAN) == "true",
        vonage_rest_host=get("VONAGE_REST_HOST") or Settings.vonage_rest_host,
        vonage_api_host=get("VONAGE_API_HOST") or Settings.vonage_api_host,
        vonage_timeout=int(_number(env, "VONAGE_TIMEOUT", Settings.vonage_timeout, minimum=1)),
        api_tokens=tuple(t.strip() for t in (get("API_TOKEN") or "").split(",") if t.strip()),
        default_timezone=_zone(get("DEFAULT_TIMEZONE") or "UTC"),
        simulator=_choice(get("SIMULATOR") or "auto", "SIMULATOR", SIMULATOR_MODES),
        sms_rate_limit=_number(env, "SMS_RATE_LIMIT", Settings.sms_rate_limit),
        send_concurrency=int(_number(env, "SEND_CONCURRENCY", Settings.send_concurrency, minimum=1)),
        lease_seconds=_number(env, "LEASE_SECONDS", Settings.lease_seconds, minimum=1),
        max_send_attempts=int(_number(env, "MAX_SEND_ATTEMPTS", Settings.max_send_attempts, minimum=1)),
        retry_base_seconds=_number(env, "RETRY_BASE_SECONDS", Settings.retry_base_seconds),
        resend_window_minutes=_number(env, "RESEND_WINDOW_MINUTES", Settings.resend_window_minutes),
        key_prefix=get("REDIS_KEY_PREFIX") or Settings.key_prefix,
        reminders_per_minute=int(_number(env, "REMINDERS_PER_MINUTE", Settings.reminders_per_minute, minimum=1)),
        max_pending=int(_number(env, "MAX_PENDING_PER_NUMBER", Settings.max_pending, minimum=1)),
        max_days_ahead=int(_number(env, "MAX_DAYS_AHEAD", Settings.max_days_ahead, minimum=1)),
        texts_per_minute=int(_number(env, "TEXTS_PER_MINUTE", Settings.texts_per_minute, minimum=1)),
        api_rate_per_number=_rate(get("API_RATE_PER_NUMBER") or Settings.api_rate_per_number, "API_RATE_PER_NUMBER"),
        api_rate_per_token=_rate(get("API_RATE_PER_TOKEN") or Settings.api_rate_per_token, "API_RATE_PER_TOKEN"),
        auth_failures_per_minute=int(_number(env, "AUTH_FAILURES_PER_MINUTE", Settings.auth_failures_per_minute,
                                             minimum=1)),
        concat_timeout=int(_number(env, "CONCAT_TIMEOUT_SECONDS", Settings.concat_timeout, minimum=1)),
        nag_minutes=_number(env, "NAG_MINUTES", Settings.nag_minutes, minimum=0.01),
        min_repeat_minutes=_number(env, "MIN_REPEAT_MINUTES", Settings.min_repeat_minutes, minimum=0.01),
        max_sms_per_number_per_day=int(_number(env, "MAX_SMS_PER_NUMBER_PER_DAY",
                                               Settings.max_sms_per_number_per_day)),
    )
