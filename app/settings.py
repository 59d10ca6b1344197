"""Settings read from the environment once, validated, and passed explicitly to every part.

The web app and the worker build their own `Settings` from the same variables, so a misspelt value fails at
start-up with a clear message instead of at the first text.

Each setting is declared once, in its group below: its variable, default, parser, bounds and what it is for. A
field is named after its variable less the group's word (REDIS_KEY_PREFIX is `settings.redis.key_prefix`,
MAX_PENDING_PER_NUMBER `settings.limits.max_pending_per_number`), and .env.example documents every variable
(tests/test_settings.py holds both to that).
"""
from __future__ import annotations

import hmac
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any

from app.env_values import (
    Parser,
    SettingsError,
    _addresses,
    _countries,
    _file,
    _locales,
    _number,
    _one_of,
    _phone_number,
    _plain,
    _private_key,
    _public_url,
    _rate,
    _redis_url,
    _sentinels,
    _switch,
    _text,
    _tokens,
    _whole,
    _zone,
)

SIGNATURE_METHODS = ("md5", "sha1", "sha256", "sha512")
SEND_APIS = ("sms", "messages")
SIMULATOR_MODES = ("auto", "on", "off")
# What HELP and the opt-out confirmation say: plain GSM-7, short enough for their SMS (tests/texting/test_phrasebook.py)
SERVICE_NAME, SERVICE_NAME_MAX = re.compile(r"[A-Za-z0-9 .,'&:!()+-]+"), 30
SUPPORT_CONTACT, SUPPORT_CONTACT_MAX = re.compile(r"[A-Za-z0-9 .,:;/@+()?=&%#_-]+"), 60
TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_:.-]+")  # a WhatsApp template's name (`namespace:name` on older accounts)
# WhatsApp template locale per language the service speaks (Meta's codes); WHATSAPP_TEMPLATE_LOCALES overrides each
TEMPLATE_LOCALES = {"en": "en_US", "es": "es", "fr": "fr", "pt": "pt_BR", "de": "de"}

def setting(env: str, default: Any, parse: Parser | None = None, *, low: float | None = None,
            high: float | None = None, because: str = "", doc: str) -> Any:
    """A dataclass field read from the variable `env` by `parse` (plain text when None), `default` when unset or
    blank; a number must lie in [low, high] (`because` says why the high bound)."""
    return field(default=default, metadata={"env": env, "parse": parse or _text, "low": low, "high": high,
                                            "because": because, "doc": doc})


# --- the settings, by group ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RedisSettings:
    url: str | None = setting("REDIS_URL", None, _redis_url, doc="the Redis to use (unset: an embedded Redis)")
    embedded_path: str = setting("EMBEDDED_REDIS_PATH", ".data/redis.db",
                                 doc="where the embedded Redis keeps its data")
    key_prefix: str = setting("REDIS_KEY_PREFIX", "rmd:", doc="prefix of every key the service writes")
    sentinels: tuple[tuple[str, int], ...] = setting("REDIS_SENTINELS", (), _sentinels,
                                                     doc="Sentinels to ask for the primary (instead of REDIS_URL)")
    sentinel_master: str = setting("REDIS_SENTINEL_MASTER", "mymaster",
                                   doc="the name the Sentinels monitor the primary under")
    password: str | None = setting("REDIS_PASSWORD", None,
                                   doc="with Sentinel: the primary's (and replicas') password (REDIS_URL has its own)")
    sentinel_password: str | None = setting("REDIS_SENTINEL_PASSWORD", None,
                                            doc="the Sentinels' own password, when they have one")
    tls: bool = setting("REDIS_TLS", False, _switch("on", "off"),
                        doc="with Sentinel: TLS to the Sentinels and the primary (REDIS_URL: rediss://)")
    tls_ca_file: str | None = setting("REDIS_TLS_CA_FILE", None, _file,
                                      doc="with Sentinel: the CA that signed their certificates (verified when set)")
    min_replicas: int = setting("REDIS_MIN_REPLICAS", 0, _whole, low=0,
                                doc="replicas that must have a write before it is confirmed (WAIT); 0 = none")
    wait_seconds: float = setting("REDIS_WAIT_SECONDS", 1.0, _number, low=0.001, high=10,
                                  because="Vonage gives a webhook 15 s",
                                  doc="how long a confirmation waits for them; never 0, which WAIT reads as forever")

    def __post_init__(self) -> None:
        if self.url and self.sentinels:
            raise SettingsError("set REDIS_URL or REDIS_SENTINELS, not both (Sentinel tells where the primary is)")


@dataclass(frozen=True)
class VonageSettings:
    api_key: str | None = setting("VONAGE_API_KEY", None, doc="SMS API (with the secret); unset: SMS are logged")
    api_secret: str | None = setting("VONAGE_API_SECRET", None, doc="SMS API")
    application_id: str | None = setting("VONAGE_APPLICATION_ID", None, doc="Messages API (with the private key)")
    private_key: str | None = setting("VONAGE_PRIVATE_KEY", None, _private_key,
                                      doc="Messages API: PEM text, or a path to the key file")
    send_api: str = setting("VONAGE_SEND_API", None, _one_of(*SEND_APIS),
                            doc="which API sends: sms or messages (unset: messages when only the application is set)")
    number: str = setting("VONAGE_NUMBER", "10000000000", _phone_number,
                          doc="the virtual number people text (E.164, with or without +)")
    signature_secret: str | None = setting("VONAGE_SIGNATURE_SECRET", None,
                                           doc="when set, inbound webhooks must be signed with it")
    signature_method: str = setting("VONAGE_SIGNATURE_METHOD", "sha256", _one_of(*SIGNATURE_METHODS),
                                    doc="the signatures' HMAC, as chosen in Vonage's dashboard")
    allow_unsigned_webhooks: bool = setting("ALLOW_UNSIGNED_WEBHOOKS", False, _switch("true", "false"),
                                            doc="unsafe: accept unsigned webhooks although Vonage is configured")
    rest_host: str = setting("VONAGE_REST_HOST", "rest.nexmo.com", doc="host[:port] of the SMS API")
    api_host: str = setting("VONAGE_API_HOST", "api.nexmo.com", doc="host[:port] of the Messages API")
    timeout: int = setting("VONAGE_TIMEOUT", 10, _whole, low=1, doc="seconds to wait for Vonage's answer to one send")

    def __post_init__(self) -> None:
        if bool(self.api_key) != bool(self.api_secret):
            raise SettingsError("set both VONAGE_API_KEY and VONAGE_API_SECRET, or neither (to log SMS instead)")
        if bool(self.application_id) != bool(self.private_key):
            raise SettingsError("set both VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY (Messages API), or neither")
        if self.send_api is None:  # unset: the API whose credentials are there
            object.__setattr__(self, "send_api", "messages" if self.application_id and not self.api_key else "sms")
        if self.send_api == "messages" and not self.application_id:
            raise SettingsError("VONAGE_SEND_API=messages needs VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY")

    @property
    def enabled(self) -> bool:
        """Without credentials the service logs SMS instead of sending them (local use)."""
        if self.send_api == "messages":
            return bool(self.application_id and self.private_key)
        return bool(self.api_key and self.api_secret)

    @property
    def signatures_required(self) -> bool:
        return bool(self.signature_secret)

    @property
    def unsigned_webhooks_problem(self) -> str | None:
        """Why the web process must not start: with Vonage configured and no signature secret, anyone could post
        texts (the service would text numbers that never wrote) and receipts (changing reminders' status)."""
        if not self.enabled or self.signatures_required or self.allow_unsigned_webhooks:
            return None
        return ("VONAGE_SIGNATURE_SECRET is not set while Vonage credentials are: anyone could fake inbound texts "
                "and delivery receipts. Set it (and turn on signed webhooks in Vonage's dashboard), or set "
                "ALLOW_UNSIGNED_WEBHOOKS=true to accept that risk")


@dataclass(frozen=True)
class ServiceSettings:
    """Who the service says it is, and what it says."""

    name: str = setting("SERVICE_NAME", "Textable reminders", _plain(SERVICE_NAME, SERVICE_NAME_MAX),
                        doc="named in HELP and the opt-out confirmation (CTIA)")
    support_contact: str | None = setting("SUPPORT_CONTACT", None, _plain(SUPPORT_CONTACT, SUPPORT_CONTACT_MAX),
                                          doc="where HELP sends people: a URL, an email address or a phone number")
    opt_out_replies: bool = setting("OPT_OUT_REPLIES", True, _switch("on", "off"),
                                    doc="off: the provider (Vonage Opt-Out Assist) answers STOP and START itself")
    default_timezone: str = setting("DEFAULT_TIMEZONE", "UTC", _zone,
                                    doc="the zone used when none can be told from the phone number")
    public_url: str = setting("PUBLIC_URL", "http://localhost:5000", _public_url,
                              doc="the service's public base URL, which LINK's sign-in links and the calendar feed "
                                  "start with (required in production)")
    simulator: str = setting("SIMULATOR", "auto", _one_of(*SIMULATOR_MODES),
                             doc="the phone simulator page: on, off, or auto (on when Vonage is not configured)")


@dataclass(frozen=True)
class DeliverySettings:
    sms_rate_limit: float = setting("SMS_RATE_LIMIT", 30.0, _number, low=0,
                                    doc="outbound SMS per second across all workers; 0 = no limit")
    send_concurrency: int = setting("SEND_CONCURRENCY", 32, _whole, low=1,
                                    doc="sends one worker process keeps in flight at once")
    lease_seconds: float = setting("LEASE_SECONDS", 60.0, _number, low=1,
                                   doc="how long a worker holds a claimed reminder before another may send it")
    max_send_attempts: int = setting("MAX_SEND_ATTEMPTS", 6, _whole, low=1,
                                     doc="tries per message before it is dead-lettered")
    retry_base_seconds: float = setting("RETRY_BASE_SECONDS", 2.0, _number, low=0,
                                        doc="the first retry's delay; doubles each try, with jitter")
    resend_window_minutes: float = setting("RESEND_WINDOW_MINUTES", 30.0, _number, low=0,
                                           doc="a reminder whose delivery failed for a while is sent again only "
                                               "this soon after its due time")
    nag_minutes: float = setting("NAG_MINUTES", 10.0, _number, low=0.01,
                                 doc="how often an `until done` reminder repeats until DONE (at most 6 times)")


@dataclass(frozen=True)
class Limits:
    """Abuse and cost limits."""

    reminders_per_minute: int = setting("REMINDERS_PER_MINUTE", 10, _whole, low=1,
                                        doc="new reminders one number may make per minute")
    max_pending_per_number: int = setting("MAX_PENDING_PER_NUMBER", 100, _whole, low=1,
                                          doc="pending reminders per number")
    max_days_ahead: int = setting("MAX_DAYS_AHEAD", 365, _whole, low=1, doc="how far ahead a reminder may be set")
    texts_per_minute: int = setting("TEXTS_PER_MINUTE", 20, _whole, low=1,
                                    doc="inbound texts per number per minute that get an answer (no reply storms)")
    concat_timeout_seconds: int = setting("CONCAT_TIMEOUT_SECONDS", 300, _whole, low=1,
                                          doc="how long to wait for the rest of a long message before saying so")
    min_repeat_minutes: float = setting("MIN_REPEAT_MINUTES", 15.0, _number, low=0.01,
                                        doc="the most often a series may repeat (rules.check)")
    max_sms_per_number_per_day: int = setting("MAX_SMS_PER_NUMBER_PER_DAY", 50, _whole, low=0,
                                              doc="SMS to one number in any 24 hours (budget.py); 0 = no budget")
    max_segments_per_number_per_day: int = setting(
        "MAX_SEGMENTS_PER_NUMBER_PER_DAY", 100, _whole, low=0,
        doc="SMS segments to one number in any 24 hours, what Vonage bills (budget.py); 0 = no budget")
    allowed_countries: frozenset[str] = setting("ALLOWED_COUNTRIES", frozenset(), _countries,
                                                doc="the only countries whose numbers are answered or may be given a "
                                                    "reminder (ISO codes: GB,IE); empty = every country")
    api_rate_per_number: str = setting("API_RATE_PER_NUMBER", "10/minute", _rate,
                                       doc="REST API reminder creation, per phone number")
    api_rate_per_token: str = setting("API_RATE_PER_TOKEN", "600/minute", _rate,
                                      doc="REST API reminder creation, per bearer token")
    auth_failures_per_minute: int = setting("AUTH_FAILURES_PER_MINUTE", 10, _whole, low=1,
                                            doc="wrong tokens or passwords from one address before it gets 429")
    person_retention_days: float = setting("PERSON_RETENTION_DAYS", 400.0, _number, low=0.0001,
                                           doc="a number with nothing unsent and no text for this long is forgotten "
                                               "(an opt-out is kept, alone)")


@dataclass(frozen=True)
class WhatsappSettings:
    number: str | None = setting("WHATSAPP_NUMBER", None, _phone_number,
                                 doc="the WhatsApp Business sender (E.164); set: WhatsApp is on (with "
                                     "VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY; without them, logged)")
    template: str = setting("WHATSAPP_TEMPLATE", "reminder", _plain(TEMPLATE_NAME, 512),
                            doc="the approved utility template a reminder outside WhatsApp's 24-hour window goes as; "
                                "its one body parameter is the reminder's text")
    template_locales: tuple[tuple[str, str], ...] = setting(
        "WHATSAPP_TEMPLATE_LOCALES", (), _locales,
        doc="the template's locale per language, e.g. en=en_GB,pt=pt_PT (others keep en_US, es, fr, pt_BR, de)")

    @property
    def enabled(self) -> bool:
        return bool(self.number)

    def locale(self, lang: str | None) -> str:
        """The template's locale for a person speaking `lang` (English's when the service does not know it)."""
        chosen = {**TEMPLATE_LOCALES, **dict(self.template_locales)}
        return chosen.get(lang or "en", chosen["en"])


@dataclass(frozen=True)
class ApiSettings:
    token: tuple[str, ...] = setting("API_TOKEN", (), _tokens,
                                     doc="the REST API's bearer tokens, comma-separated; the dashboard's passwords")

    forwarded_allow_ips: tuple[str, ...] = setting(
        "FORWARDED_ALLOW_IPS", ("127.0.0.1/32", "::1/128"), _addresses,
        doc="proxies whose X-Forwarded-For names the client (failed logins are counted per client); * = any peer, "
            "for a platform whose router is the only way in (Heroku)")

    def knows_token(self, given: str | None) -> bool:
        """Whether `given` is one of API_TOKEN's tokens (the API's bearer token, the dashboard's password)."""
        return bool(given) and any(hmac.compare_digest(given.encode(), t.encode()) for t in self.token)


@dataclass(frozen=True)
class Settings:
    redis: RedisSettings = field(default_factory=RedisSettings)
    vonage: VonageSettings = field(default_factory=VonageSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    limits: Limits = field(default_factory=Limits)
    api: ApiSettings = field(default_factory=ApiSettings)
    whatsapp: WhatsappSettings = field(default_factory=WhatsappSettings)

    @property
    def simulator_enabled(self) -> bool:
        return self.service.simulator == "on" or (self.service.simulator == "auto" and not self.vonage.enabled)

    @property
    def open_simulator_problem(self) -> str | None:
        """Why the web process must not start: with Vonage configured the simulator shows real people's texts and
        sends real SMS, and without API_TOKEN it has no login."""
        if not (self.simulator_enabled and self.vonage.enabled) or self.api.token:
            return None
        return ("SIMULATOR=on while Vonage credentials are set and API_TOKEN is not: anyone could read real people's "
                "texts at /simulator and text as any number. Set API_TOKEN (the simulator then asks for it), or "
                "SIMULATOR=off")

    @property
    def start_problems(self) -> list[str]:
        """Why the web process must not start, if anything."""
        return [p for p in (self.vonage.unsigned_webhooks_problem, self.open_simulator_problem) if p]


# --- loading -------------------------------------------------------------------------------------------------------

def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from environment-style strings (os.environ by default)."""
    return _load(Settings, os.environ if env is None else env)


def _load(cls: type, env: Mapping[str, str]) -> Any:
    """An instance of `cls`: each setting read from `env`, each group (a field without a variable) built alike.
    Checks across settings are the groups' own (__post_init__)."""
    return cls(**{f.name: _read(f, env) if "env" in f.metadata else _load(f.default_factory, env)  # type: ignore
                  for f in fields(cls)})


def _read(f: Field, env: Mapping[str, str]) -> Any:
    meta = f.metadata
    name = meta["env"]
    raw = (env.get(name) or "").strip()
    if not raw:  # unset and empty alike
        return f.default
    value = meta["parse"](raw, name)
    if meta["low"] is not None and value < meta["low"]:
        raise SettingsError(f"{name} must be at least {meta['low']:g}, got {raw!r}")
    if meta["high"] is not None and value > meta["high"]:
        why = f" ({meta['because']})" if meta["because"] else ""
        raise SettingsError(f"{name} must be at most {meta['high']:g}{why}, got {value:g}")
    return value


def declared(cls: type = Settings, group: str = "") -> Iterator[tuple[str, Field]]:
    """Every setting, as (its group's name in Settings, its field); the field's metadata holds the rest."""
    for f in fields(cls):
        if "env" in f.metadata:
            yield group, f
        else:
            yield from declared(f.default_factory, f.name)  # type: ignore[arg-type]
