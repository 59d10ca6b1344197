"""The REST API: reminders and people as JSON, behind bearer tokens (API_TOKEN).

Request and response shapes are pydantic models; spectree validates requests against them and generates the
OpenAPI document (`/openapi.json`, pages under `/docs/`) from the same models, so the document cannot drift from
the code. Creation is rate limited per phone number and per token (flask-limiter, counters in Redis).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import redis
from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_swagger_ui import get_swaggerui_blueprint
from pydantic import BaseModel
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree

from app import parsing
from app.phones import country_refusal, normalise
from app.reminders import Refused
from app.services import services
from app.storage import clock, people
from app.storage.connection import limiter_key_prefix, limiter_storage
from app.storage.idempotency import Claim, fingerprint
from app.storage.replication import NotReplicated
from app.storage.store import Reminder
from app.texting.language import language_of, read, set_language
from app.web import auth
from app.web.errors import ApiError
from app.web.schemas import (
    CreateHeaders,
    ErrorOut,
    ListQuery,
    NewReminder,
    PersonChange,
    PersonOut,
    ReminderChange,
    ReminderOut,
    ReminderPage,
)

bp = Blueprint("api", __name__, url_prefix="/api")
ERRORS = (400, 401, 404, 409, 413, 422, 429, 503)


# --- validation, documentation, limits ----------------------------------------------------------------------

def _invalid(req, resp, err, instance, adapter) -> None:
    """Every validation failure answers in the service's one error shape, naming the field."""
    if req.method in ("POST", "PATCH", "PUT") and not isinstance(req.get_json(silent=True), dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    if err is not None:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        message = first["msg"].removeprefix("Value error, ")
        raise ApiError(422, "invalid", f"{field}: {message}" if field else message, field)


# No pages of spectree's own: they load their scripts from public CDNs. /docs/swagger/ is Swagger UI as the
# flask-swagger-ui package ships it, served from here (init_app).
spec = SpecTree("flask", title="Textable reminders API", version="1", path="docs", before=_invalid, annotations=False,
                page_templates={},
                security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer"))],
                security={"bearer": []})


def responses(ok: int, model: type[BaseModel] | None, *errors: int) -> Response:
    """The documented answers of a route: its success, and its errors in the one error shape."""
    codes = {f"HTTP_{code}": ErrorOut for code in errors or ERRORS}
    if model is None:
        return Response(f"HTTP_{ok}", **codes)
    return Response(**{f"HTTP_{ok}": model}, **codes)


def _token_key() -> str:
    return hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest()[:16]


def _phone_key() -> str:
    body = request.get_json(silent=True)
    return "phone:" + ((normalise(str(body.get("phone_number", ""))) or "-") if isinstance(body, dict) else "-")


limiter = Limiter(key_func=_token_key, headers_enabled=True, strategy="moving-window")


@limiter.request_filter
def _not_api() -> bool:
    """Only the API has limits: webhooks (Vonage's retries, per-number quotas) skip the limiter's per-request work."""
    return request.blueprint != bp.name


def init_app(app: Flask) -> None:
    settings = app.extensions["reminders"].settings
    app.config["RATELIMIT_STORAGE_URI"], app.config["RATELIMIT_STORAGE_OPTIONS"] = limiter_storage(settings)
    limiter._storage_options = {}  # init_app adds each app's options to the last one's: Sentinel's would stay
    app.config["RATELIMIT_KEY_PREFIX"] = limiter_key_prefix(settings)
    limiter.init_app(app)
    app.register_blueprint(bp)
    spec.register(app)
    app.add_url_rule("/openapi.json", "openapi", lambda: jsonify(spec.spec))
    app.register_blueprint(get_swaggerui_blueprint("/docs/swagger", "/openapi.json",
                                                   config={"app_name": spec.config.title}))


# --- routes -------------------------------------------------------------------------------------------------

@bp.before_request
def _require_token() -> None:
    tokens = services().settings.api.token
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not tokens:
        raise ApiError(401, "unauthorized", "the API is disabled: set API_TOKEN to enable it")
    if not auth.check(token if scheme.lower() == "bearer" else None):
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <API_TOKEN>")


@bp.post("/reminders")
@limiter.limit(lambda: services().settings.limits.api_rate_per_token)
@limiter.limit(lambda: services().settings.limits.api_rate_per_number, key_func=_phone_key)
@spec.validate(json=NewReminder, headers=CreateHeaders, resp=responses(201, ReminderOut), tags=["reminders"])
def create_reminder() -> ResponseReturnValue:
    """Schedule a reminder; with an `Idempotency-Key`, once however often the request is retried."""
    new: NewReminder = request.context.json
    key: str | None = request.context.headers.idempotency_key
    claim = None if key is None else _claim(new, key)
    if claim and claim.answer == "replay":
        return _replay(claim.reminder)
    with _forgotten_on_failure(claim):
        rem = _reminder(new)
    store = services().store
    made = services().reminders.add([rem], inbound_id=claim.name if claim else None)
    if made is None:  # a request whose claim went stale stored its reminder after all, after this one took it over
        return _replay(services().idempotency.made(claim))  # type: ignore[arg-type]
    with _forgotten_on_failure(claim):
        _confirm(made[0])
    return as_json(store.get(made[0])), 201


def _reminder(new: NewReminder) -> Reminder:
    """The reminder a create asks for, checked (else ApiError); nothing is written."""
    store, settings = services().store, services().settings
    refused = country_refusal(new.phone_number, settings.limits.allowed_countries)
    if refused:
        raise ApiError(422, "invalid", f"phone_number: {refused} (ALLOWED_COUNTRIES)", "phone_number")
    if new.channel == "whatsapp" and not settings.whatsapp.enabled:
        raise ApiError(422, "invalid", "channel: WhatsApp is off on this service (WHATSAPP_NUMBER is not set)",
                       "channel")
    person = services().people.person(new.phone_number)
    if person.opted_out:
        raise ApiError(409, "opted_out", "this number has opted out (texted STOP); it must text START first",
                       "phone_number")
    if new.channel == "whatsapp" and person.whatsapp_blocked:
        raise ApiError(409, "whatsapp_blocked", "this number blocked the service on WhatsApp; it must write to it "
                                                "there first (or use channel sms)", "channel")
    tz = new.timezone or people.zone_of(person, settings.service.default_timezone)[0]
    message, due, every = _what_and_when(new, tz, language_of(person))
    try:
        return services().reminders.make(phone=new.phone_number, message=message, due=due, tz=tz, every=every,
                                         now=clock.utcnow(), unsent=store.unsent_count(new.phone_number),
                                         channel=new.channel)
    except Refused as no:
        raise _refused(no, "every" if new.every else "text") from None


def _refused(no: Refused, rule_field: str = "every") -> ApiError:
    """reminders.Refused as the API says it."""
    if no.reason == "too_many":
        return ApiError(409, "too_many", f"this number has {no.limit} pending reminders already", "phone_number")
    if no.reason == "rule":
        return ApiError(422, "invalid", f"{rule_field}: {no.error}", rule_field)
    if no.reason == "too_far":
        return ApiError(422, "invalid", f"remind_when: at most {no.limit} days ahead", "remind_when")
    if no.reason == "past":
        return ApiError(422, "invalid", "remind_when: must be in the future", "remind_when")
    return ApiError(422, "invalid", f"message: at most {no.limit} characters", "message")


def _claim(new: NewReminder, key: str) -> Claim:
    """The key's claim for this request (storage/idempotency.py): new, or a replay; else 422 or 409."""
    claim = services().idempotency.claim(_token_key(), key, fingerprint(new))
    if claim.answer == "conflict":
        raise ApiError(422, "idempotency_key_reused", "Idempotency-Key: already used for a different request",
                       "Idempotency-Key")
    if claim.answer == "in_progress":
        raise ApiError(409, "in_progress", "Idempotency-Key: a request with this key is still being handled; retry",
                       "Idempotency-Key", {"Retry-After": "1"})
    return claim


@contextmanager
def _forgotten_on_failure(claim: Claim | None) -> Iterator[None]:
    """A create that fails before its reminder is stored, or whose reminder `_confirm` cancels, forgets its claim,
    so the retry makes the reminder afresh. A failure of the add itself (a Redis error: stored or not, unknown)
    keeps it: the retry replays the reminder if it was stored, else makes it once the claim is stale (STALE)."""
    try:
        yield
    except Exception:
        if claim is not None:
            with suppress(redis.RedisError):  # then the claim goes stale instead
                services().idempotency.forget(claim)
        raise


def _replay(rid: str | None) -> ResponseReturnValue:
    """The reminder an earlier request with the key made, as it is now; 201 only once replicas have it, as for the
    first answer (that request may have died before its confirmation)."""
    services().replication.confirm_writes()
    return as_json(_find(rid or "")), 201, {"Idempotent-Replayed": "true"}


def _confirm(rid: str) -> None:
    """201 only once enough replicas have the reminder (REDIS_MIN_REPLICAS); else it is cancelled again, so that
    the client's retry after the 503 does not leave two."""
    store = services().store
    try:
        services().replication.confirm(store.data_key(rid), rid)
    except NotReplicated:
        with suppress(redis.RedisError):
            store.cancel(rid, detail="not confirmed: too few replicas had it")
        raise


def _what_and_when(new: NewReminder, tz: str, speaks: str) -> tuple[str, datetime, str | None]:
    """The reminder's words, time and rule: given, or read from `text` in `lang` (else as an SMS from a person who
    `speaks` that language would be), with English after it."""
    if new.text is not None:
        if new.message is not None or new.remind_when is not None:
            raise ApiError(422, "invalid", "text: give either text, or message and remind_when", "text")
        try:
            langs = (new.lang,) if new.lang else (parsing.detect_language(new.text), speaks)
            parsed, _ = read(new.text, tz, None, (*langs, "en"), new.lang or speaks)
        except parsing.ParseError as err:
            raise ApiError(422, "unparseable", str(err), "text") from None
        return parsed.message, parsed.due, new.every or parsed.every
    for field in ("message", "remind_when"):
        if getattr(new, field) is None:
            raise ApiError(422, "invalid", f"{field}: required (or give text instead)", field)
    assert new.message is not None and new.remind_when is not None
    return new.message, _future(new.remind_when), new.every


def _future(when: datetime) -> datetime:
    """A time given outright: ahead, and not too far (else 422)."""
    try:
        services().reminders.in_future(when, clock.utcnow())
    except Refused as no:
        raise _refused(no) from None
    return when


@bp.get("/reminders")
@spec.validate(query=ListQuery, resp=responses(200, ReminderPage), tags=["reminders"])
def list_reminders() -> ResponseReturnValue:
    """A number's reminders: unsent ones soonest first, finished ones (kept a week) newest first."""
    query: ListQuery = request.context.query
    statuses = {"unsent": {"pending", "sending", "held"}, "finished": {"sent", "failed", "cancelled"},
                "pending": {"pending", "sending"}}.get(query.status, {query.status})
    found, last = services().store.page(query.phone_number, statuses, query.limit, _cursor(query.cursor))
    return {"reminders": [as_json(r) for r in found], "next_cursor": _encode_cursor(last)}


@bp.get("/reminders/<rid>")
@spec.validate(resp=responses(200, ReminderOut, 401, 404, 429, 503), tags=["reminders"])
def get_reminder(rid: str) -> ResponseReturnValue:
    """One reminder, also after it was sent, failed or was cancelled (for a week)."""
    return as_json(_find(rid))


@bp.patch("/reminders/<rid>")
@spec.validate(json=ReminderChange, resp=responses(200, ReminderOut), tags=["reminders"])
def change_reminder(rid: str) -> ResponseReturnValue:
    """Change a pending reminder's text or time (a series moves to the new first occurrence)."""
    change: ReminderChange = request.context.json
    rem = _find(rid)
    if rem.status not in ("pending", "held"):
        raise ApiError(409, "not_pending", "only a reminder that has not been sent can be changed", "id")
    due = rem.due if change.remind_when is None else _future(change.remind_when).timestamp()
    changed, store = replace(rem, message=change.message or rem.message, due=due), services().store
    if not store.update(changed):
        raise ApiError(409, "not_pending", "the reminder is being sent, or was sent or cancelled, meanwhile", "id")
    services().replication.confirm(store.data_key(rid), rid, changed.record())  # else 503: the retry changes it again
    return as_json(store.get(rid))


@bp.delete("/reminders/<rid>")
@spec.validate(resp=responses(204, None, 401, 404, 409, 429, 503), tags=["reminders"])
def delete_reminder(rid: str) -> ResponseReturnValue:
    """Cancel a reminder (a whole series if recurring). Deleting a cancelled reminder again answers 204 too, so a
    retry (after a 503, a timeout) never reads as a failure."""
    store = services().store
    if _find(rid).status != "cancelled" and store.cancel(rid) is None:
        raise ApiError(409, "not_pending", "only a reminder that has not been sent can be deleted", "id")
    services().replication.confirm(store.done_key(rid))  # else 503: the cancel may not survive a failover
    return "", 204


@bp.get("/people/<phone>")
@spec.validate(resp=responses(200, PersonOut, 401, 404, 429, 503), tags=["people"])
def get_person(phone: str) -> ResponseReturnValue:
    """A number's settings: its time zone and whether it opted out."""
    return _person_json(_number(phone))


@bp.patch("/people/<phone>")
@spec.validate(json=PersonChange, resp=responses(200, PersonOut), tags=["people"])
def change_person(phone: str) -> ResponseReturnValue:
    """Set a number's time zone (pending reminders keep their wall-clock time), opt it out, or set the language
    replies are in. An opt-out is the person's to end, by texting START: the API may record one, never clear it."""
    change: PersonChange = request.context.json
    number, store, now = _number(phone), services().store, clock.utcnow()
    opted_out = services().people.person(number).opted_out
    if change.opted_out is False and opted_out:
        raise ApiError(409, "opted_out", "this number opted out; only the person can end that, by texting START",
                       "opted_out")
    if change.timezone is not None:
        people.set_zone(store, services().people, number, change.timezone, now)
    if change.opted_out and not opted_out:
        people.opt_out(store, services().people, number, now)
    if "lang" in change.model_fields_set:
        set_language(services().people, number, change.lang)
    services().replication.confirm_writes()  # else 503 (the retry sets the same again): an opt-out must not vanish
    return _person_json(number)


# --- helpers ------------------------------------------------------------------------------------------------

def _find(rid: str) -> Reminder:
    rem = services().store.get(rid) if rid.isascii() and rid.isdigit() and len(rid) < 20 else None
    if rem is None or rem.kind != "reminder":
        raise ApiError(404, "not_found", f"no reminder {rid}", "id")
    return rem


def _number(raw: str) -> str:
    phone = normalise(raw)
    if phone is None:
        raise ApiError(404, "not_found", "not a phone number; use E.164, e.g. +14155550100", "phone")
    return phone


def _person_json(phone: str) -> dict:
    person = services().people.person(phone)
    tz, guessed = people.zone_of(person, services().settings.service.default_timezone)
    pending = sum(r.status != "held" for r in services().store.for_phone(phone))
    return {"phone_number": "+" + phone, "timezone": tz, "timezone_guessed": guessed,
            "opted_out": person.opted_out, "pending": pending, "lang": language_of(person),
            "lang_set": person.lang_set}


def _cursor(raw: str | None) -> tuple[float, str] | None:
    if raw is None:
        return None
    try:
        score, rid = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=="))
        return float(score), str(rid)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiError(422, "invalid", "cursor: not a cursor this API gave out", "cursor") from None


def _encode_cursor(last: tuple[float, str] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(list(last)).encode()).decode().rstrip("=") if last else None


def as_json(rem: Reminder) -> dict:
    delivery = services().receipts.of(rem.id)
    if delivery:
        delivery = {**delivery, "at": datetime.fromtimestamp(delivery["at"], UTC).isoformat()}
    elif rem.status == "sent":  # Vonage took it; no receipt (yet)
        delivery = {"state": "submitted", "code": None, "at": None}
    return {"id": rem.id, "phone_number": "+" + rem.phone, "message": rem.message,
            "remind_when": datetime.fromtimestamp(rem.due, ZoneInfo(rem.tz)).isoformat(),
            "timezone": rem.tz, "every": rem.every, "status": rem.status, "detail": rem.detail,
            "channel": rem.channel, "delivery": delivery}
