"""A WhatsApp message on the Messages API's inbound webhook (webhooks.py checked its JWT): a text joins the same
conversation as an SMS, and its reply goes back on WhatsApp; any other kind (image, audio, location, …) gets a short
reply saying only text is understood. Deduplicated on its `message_uuid`, like a Messages API SMS."""
from __future__ import annotations

import logging
from collections.abc import Callable

from blinker import NamedSignal
from flask import current_app
from flask.typing import ResponseReturnValue

from app.services import services
from app.web.errors import ApiError

log = logging.getLogger(__name__)
MAX_UUID = 100  # characters of a message_uuid (Vonage's are 36): it becomes part of a Redis key


def receive_whatsapp(body: dict, answerable: Callable[[str], str | None], text_accepted: NamedSignal
                     ) -> ResponseReturnValue:
    """Handle one inbound WhatsApp message; `answerable` and `text_accepted` are webhooks.py's."""
    if not services().settings.whatsapp.enabled:
        log.info("ignoring an inbound WhatsApp message: WHATSAPP_NUMBER is not set")
        return "", 204
    kind = body.get("message_type") or ("text" if "text" in body else None)  # Vonage always says; be lenient
    for field in ("from", "message_uuid"):
        if not isinstance(body.get(field), (str, int)) or not str(body[field]):
            raise ApiError(400, "missing_field", f"an inbound WhatsApp message needs {field}", field)
    if not isinstance(kind, str) or not kind:
        raise ApiError(400, "missing_field", "an inbound WhatsApp message needs message_type", "message_type")
    if len(str(body["message_uuid"])) > MAX_UUID:
        raise ApiError(400, "invalid_field", f"message_uuid is at most {MAX_UUID} characters", "message_uuid")
    text = body.get("text") if kind == "text" else None
    if kind == "text" and not isinstance(text, str):
        raise ApiError(400, "missing_field", "a WhatsApp text needs text", "text")
    phone = answerable(str(body["from"]))
    if phone is not None:
        conversation = services().conversation  # Redis down: 503 (errors.py), so Vonage retries
        if text is not None:
            text_accepted.send(current_app._get_current_object(), phone=phone, text=text, channel="whatsapp")
        conversation.receive(phone, text, f"mapi:{body['message_uuid']}", channel="whatsapp")
    return "", 204
