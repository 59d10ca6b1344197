"""The REST API: reminders as JSON, behind bearer tokens (API_TOKEN)."""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ApiError
from .phones import normalise, zone_for
from .services import services
from .store import Reminder

bp = Blueprint("api", __name__, url_prefix="/api")


class NewReminder(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone_number: str = Field(min_length=3, max_length=32)
    message: str = Field(min_length=1, max_length=1000)
    remind_when: AwareDatetime

    @field_validator("phone_number")
    @classmethod
    def _e164(cls, value: str) -> str:
        phone = normalise(value)
        if phone is None:
            raise ValueError("not a phone number; use E.164, e.g. +14155550100")
        return phone

    @field_validator("remind_when")
    @classmethod
    def _future(cls, value: datetime) -> datetime:
        if value <= datetime.now(timezone.utc):
            raise ValueError("must be in the future")
        return value


@bp.before_request
def _require_token() -> None:
    tokens = services().settings.api_tokens
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if not tokens:
        raise ApiError(401, "unauthorized", "the API is disabled: set API_TOKEN to enable it")
    if scheme.lower() != "bearer" or not any(hmac.compare_digest(token.encode(), t.encode()) for t in tokens):
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <API_TOKEN>")


@bp.post("/reminders")
def create_reminder() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    try:
        new = NewReminder.model_validate(body)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise ApiError(422, "invalid", f"{field}: {first['msg']}" if field else first["msg"], field) from None
    settings = services().settings
    if new.remind_when - datetime.now(timezone.utc) > timedelta(days=settings.max_days_ahead):
        raise ApiError(422, "invalid", f"remind_when: at most {settings.max_days_ahead} days ahead", "remind_when")
    if services().store.person(new.phone_number).opted_out:
        raise ApiError(409, "opted_out", "this number has opted out (texted STOP); it must text START first",
                       "phone_number")
    tz = services().store.person(new.phone_number).tz or zone_for(new.phone_number, settings.default_timezone)
    reminder = Reminder(phone=new.phone_number, message=new.message, due=new.remind_when.timestamp(), tz=tz)
    (rid,) = services().store.add([reminder])
    return jsonify(as_json(services().store.get(rid))), 201


@bp.get("/reminders")
def list_reminders() -> ResponseReturnValue:
    raw = request.args.get("phone_number", "")
    phone = normalise(raw)
    if phone is None:
        raise ApiError(422, "invalid", "phone_number: give an E.164 number, e.g. +14155550100", "phone_number")
    return jsonify({"reminders": [as_json(r) for r in services().store.for_phone(phone)]})


@bp.get("/reminders/<rid>")
def get_reminder(rid: str) -> ResponseReturnValue:
    return jsonify(as_json(_find(rid)))


@bp.delete("/reminders/<rid>")
def delete_reminder(rid: str) -> ResponseReturnValue:
    if _find(rid).status not in ("pending", "sending") or services().store.cancel(rid) is None:
        raise ApiError(409, "not_pending", "only a pending reminder can be deleted", "id")
    return "", 204


def _find(rid: str) -> Reminder:
    rem = services().store.get(rid) if rid.isdigit() and len(rid) < 20 else None
    if rem is None or rem.kind != "reminder":
        raise ApiError(404, "not_found", f"no reminder {rid}", "id")
    return rem


def as_json(rem: Reminder) -> dict:
    return {"id": rem.id, "phone_number": "+" + rem.phone, "message": rem.message,
            "remind_when": datetime.fromtimestamp(rem.due, ZoneInfo(rem.tz)).isoformat(),
            "timezone": rem.tz, "every": rem.every, "status": rem.status, "detail": rem.detail}
