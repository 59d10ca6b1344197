"""Vonage's webhooks: inbound texts (SMS API and Messages API) and delivery receipts (both APIs).

Vonage retries a webhook until it gets a 2xx, so: a forged or stale request gets 401 and changes nothing; a
request we cannot store (Redis down) gets 503 so Vonage tries again later; a repeat of a handled message or
receipt is a no-op answered 204. SMS API webhooks are signed with a `sig` parameter, Messages API webhooks with a
JWT whose `payload_hash` covers the body.
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from functools import lru_cache

import jwt
from flask import Blueprint, current_app, request
from flask.signals import Namespace
from flask.typing import ResponseReturnValue
from vonage import Auth
from vonage_jwt import verify_signature
from vonage_jwt.errors import VonageVerifyJwtError

from app.delivery.outcomes import Receipt
from app.phones import country_refusal, e164
from app.services import services
from app.storage.text_parts import MAX_PART_CHARS, MAX_PARTS
from app.web.errors import ApiError
from app.web.whatsapp_inbound import receive_whatsapp

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
WHATSAPP_CODE = re.compile(r"\b13[0-9]{4}\b")  # Meta's WhatsApp error codes (131047, 132001, …)
SIGNATURE_MAX_AGE = 300  # seconds; an older signed timestamp is a replay
# Sent with (phone, text) for an inbound SMS the webhook accepts, before it is acted on: anything the worker sends in
# reply comes after it (the phone simulator records the sender's side of the conversation here).
text_accepted = Namespace().signal("text-accepted")


@bp.route("/inbound-sms", methods=["GET", "POST"])
def inbound_sms() -> ResponseReturnValue:
    params = inbound_params()
    _verify_signature(params)
    missing = [f for f in ("msisdn", "messageId") if not params.get(f)] + ([] if "text" in params else ["text"])
    if missing:
        raise ApiError(400, "missing_field", f"an inbound SMS needs {missing[0]}", missing[0])
    phone, message_id = answerable(params["msisdn"]), params["messageId"]
    if phone is None:
        return "", 204
    conversation = services().conversation  # Redis down: 503 (errors.py), so Vonage retries
    if params.get("concat", "").lower() == "true":
        part = _part(params)
        text_accepted.send(current_app._get_current_object(), phone=phone, text=params["text"])
        conversation.receive_part(phone, *part, message_id)
    else:
        text_accepted.send(current_app._get_current_object(), phone=phone, text=params["text"])
        conversation.receive(phone, params["text"], message_id)
    return "", 204


@bp.post("/inbound")
def inbound_message() -> ResponseReturnValue:
    """The Messages API's inbound webhook: SMS (Vonage has already joined a long message's parts) and WhatsApp
    (whatsapp_inbound.py)."""
    body = _signed_json()
    if body.get("channel") == "whatsapp":
        return receive_whatsapp(body, answerable, text_accepted)
    if body.get("channel") != "sms":
        return "", 204
    missing = [f for f in ("from", "message_uuid") if not body.get(f)] + ([] if "text" in body else ["text"])
    if missing:
        raise ApiError(400, "missing_field", f"an inbound message needs {missing[0]}", missing[0])
    phone = answerable(str(body["from"]))
    if phone is not None:
        services().conversation.receive(phone, str(body["text"]), f"mapi:{body['message_uuid']}")
    return "", 204


@bp.route("/delivery-receipt", methods=["GET", "POST"])
def delivery_receipt() -> ResponseReturnValue:
    """The SMS API's delivery receipt for one part of a message we sent (delivery/outcomes.py: what it makes us do)."""
    params = inbound_params()
    _verify_signature(params)
    for field in ("messageId", "status"):
        if not params.get(field):
            raise ApiError(400, "missing_field", f"a delivery receipt needs {field}", field)
    services().outcomes.act(Receipt("sms", params.get("client-ref", ""), params["status"], params.get("err-code"),
                            params["messageId"]))
    return "", 204


@bp.post("/status")
def message_status() -> ResponseReturnValue:
    """The Messages API's status webhook for a message we sent."""
    body = _signed_json()
    for field in ("message_uuid", "status"):
        if not body.get(field):
            raise ApiError(400, "missing_field", f"a status update needs {field}", field)
    api = "whatsapp" if body.get("channel") == "whatsapp" else "messages"  # WhatsApp's codes mean more: outcomes.py
    services().outcomes.act(Receipt(api, str(body.get("client_ref") or ""), str(body["status"]),
                            _error_code(body.get("error")), str(body["message_uuid"])))
    return "", 204


def answerable(sender: str) -> str | None:
    """The sender's number when its text may be answered, else None: nothing is kept or scheduled for it and it gets
    no reply (a reply is what would cost), Vonage gets its 204. Refused: what is no number we text (phones.e164:
    unallocated, premium-rate, shared-cost, satellite) and numbers outside ALLOWED_COUNTRIES."""
    try:
        phone = e164(sender)
    except ValueError as why:
        log.info("ignoring an inbound SMS: %s", why)
        return None
    refused = country_refusal(phone, services().settings.limits.allowed_countries)
    if refused:
        log.info("ignoring an inbound SMS from %s: %s", phone, refused)
        return None
    return phone


def _error_code(error: object) -> str | None:
    """A Messages API error's code: WhatsApp's own (six digits, 131047) where its `detail` quotes one, else its
    `title` (e.g. "1240"), else the end of its `type` URL (`...#1240`)."""
    if not isinstance(error, dict):
        return None
    title, kind = str(error.get("title") or ""), str(error.get("type") or "")
    quoted = WHATSAPP_CODE.search(str(error.get("detail") or "")[:1000])
    if quoted and not WHATSAPP_CODE.fullmatch(title):
        return quoted.group(0)
    if title.isdigit() or "#" not in kind:
        return title[:20] or None
    return kind.rpartition("#")[2][:20]


def _signed_json() -> dict:
    """A Messages API webhook body, after its JWT checks out (when a signature secret is set)."""
    settings = services().settings
    if settings.vonage.signatures_required:
        _verify_jwt(settings.vonage.signature_secret or "")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    return body


def _verify_jwt(secret: str) -> None:
    """Vonage signs Messages API webhooks with an HS256 JWT; its payload_hash must match the body we got."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        valid = scheme.lower() == "bearer" and verify_signature(token, secret)
    except VonageVerifyJwtError:
        valid = False
    if not valid:
        raise ApiError(401, "bad_signature", "the request's Vonage JWT is missing or wrong", "Authorization")
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    if claims.get("payload_hash") != hashlib.sha256(request.get_data()).hexdigest():
        raise ApiError(401, "bad_signature", "the body does not match the JWT's payload_hash", "payload_hash")
    if abs(time.time() - float(claims.get("iat") or 0)) > SIGNATURE_MAX_AGE:
        raise ApiError(401, "stale_signature", "the JWT was issued too long ago (a replay?)", "iat")


def inbound_params() -> dict[str, str]:
    """Vonage sends GET query parameters, a POST form, or a POST JSON body, depending on the account's setting."""
    params = {k: v for k, v in request.args.items()}
    params.update(request.form.items())
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_json", "the body must be a JSON object")
        params.update({k: v if isinstance(v, str) else _json_scalar(v) for k, v in body.items()})
    return params


def _json_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (int, float)):
        return "" if value is None else str(value)
    raise ApiError(400, "invalid_field", "webhook fields must be strings or numbers")


def _verify_signature(params: dict[str, str]) -> None:
    settings = services().settings
    if not settings.vonage.signatures_required:
        return
    checker = _checker(settings.vonage.api_key or "unused", settings.vonage.signature_secret,
                       settings.vonage.signature_method)
    signed = dict(params)
    if not signed.get("sig") or not signed.get("timestamp") or not checker.check_signature(signed):
        raise ApiError(401, "bad_signature", "the request's Vonage signature is missing or wrong", "sig")
    try:
        age = abs(time.time() - int(params["timestamp"]))
    except ValueError:
        raise ApiError(401, "bad_signature", "the signed timestamp is not a number", "timestamp") from None
    if age > SIGNATURE_MAX_AGE:
        raise ApiError(401, "stale_signature", "the signed timestamp is too old (a replay?)", "timestamp")


@lru_cache(maxsize=4)
def _checker(api_key: str, secret: str | None, method: str) -> Auth:
    """The SDK's signature checker, built once per settings: building one validates its arguments (pydantic) at a
    cost that showed in every webhook's CPU."""
    return Auth(api_key=api_key, signature_secret=secret, signature_method=method)


def _part(params: dict[str, str]) -> tuple[str, int, int, str]:
    """A long SMS arrives in parts: (concat-ref, part, total, text), checked against what an SMS part can be."""
    ref, total, part = params.get("concat-ref", ""), params.get("concat-total", ""), params.get("concat-part", "")
    if not (ref and len(ref) <= 16 and total.isdigit() and part.isdigit() and 1 <= int(part) <= int(total)):
        raise ApiError(400, "invalid_field", "concat-ref, concat-total and concat-part do not describe a part",
                       "concat-part")
    if int(total) > MAX_PARTS:
        raise ApiError(400, "invalid_field", f"a long message has at most {MAX_PARTS} parts", "concat-total")
    if len(params["text"]) > MAX_PART_CHARS:
        raise ApiError(400, "invalid_field", f"one part of a long SMS carries at most {MAX_PART_CHARS} characters",
                       "text")
    return ref, int(part), int(total), params["text"]
