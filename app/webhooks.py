"""Vonage's inbound-SMS webhook: verify, de-duplicate, hand the text to the conversation, answer fast.

Vonage retries a webhook until it gets a 2xx, so: a forged or stale request gets 401 and changes nothing; a
request we cannot store (Redis down) gets 503 so Vonage tries again later; a repeat of a handled message is a
no-op answered 204.
"""
from __future__ import annotations

import logging
import time

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from vonage import Auth

from .errors import ApiError
from .phones import normalise
from .services import services

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
SIGNATURE_MAX_AGE = 300  # seconds; an older signed timestamp is a replay


@bp.route("/inbound-sms", methods=["GET", "POST"])
def inbound_sms() -> ResponseReturnValue:
    params = _params()
    _verify_signature(params)
    missing = [f for f in ("msisdn", "messageId") if not params.get(f)] + ([] if "text" in params else ["text"])
    if missing:
        raise ApiError(400, "missing_field", f"an inbound SMS needs {missing[0]}", missing[0])
    phone, message_id = normalise(params["msisdn"]), params["messageId"]
    if phone is None:
        log.info("ignoring inbound SMS from a sender that is not a phone number")
        return "", 204
    conversation = services().conversation  # Redis down: 503 (errors.py), so Vonage retries
    if params.get("concat", "").lower() == "true":
        conversation.receive_part(phone, *_part(params), params["text"], message_id)
    else:
        conversation.receive(phone, params["text"], message_id)
    return "", 204


def _params() -> dict[str, str]:
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
    if not settings.signatures_required:
        return
    checker = Auth(api_key=settings.vonage_api_key or "unused", signature_secret=settings.vonage_signature_secret,
                   signature_method=settings.vonage_signature_method)
    signed = dict(params)
    if not signed.get("sig") or not signed.get("timestamp") or not checker.check_signature(signed):
        raise ApiError(401, "bad_signature", "the request's Vonage signature is missing or wrong", "sig")
    try:
        age = abs(time.time() - int(params["timestamp"]))
    except ValueError:
        raise ApiError(401, "bad_signature", "the signed timestamp is not a number", "timestamp") from None
    if age > SIGNATURE_MAX_AGE:
        raise ApiError(401, "stale_signature", "the signed timestamp is too old (a replay?)", "timestamp")


def _part(params: dict[str, str]) -> tuple[str, int, int]:
    """A long SMS arrives in parts: (concat-ref, part, total), checked."""
    ref, total, part = params.get("concat-ref", ""), params.get("concat-total", ""), params.get("concat-part", "")
    if not (ref and total.isdigit() and part.isdigit() and 1 <= int(part) <= int(total) <= 255):
        raise ApiError(400, "invalid_field", "concat-ref, concat-total and concat-part do not describe a part",
                       "concat-part")
    return ref, int(part), int(total)
