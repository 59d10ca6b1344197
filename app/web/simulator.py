"""The phone simulator: a chat page where you text the service as any number, without a Vonage account.

It is a client of the real service, not a shortcut: the page posts each text to the inbound webhook exactly as
Vonage would (an SMS; or, with WHATSAPP_NUMBER set and the page's switch on WhatsApp, a WhatsApp message to the
Messages API's webhook), and shows what the worker sent through the log senders (which write every outbound message
to the number's conversation in the outbox: a WhatsApp one as WhatsApp's, a template as a template). Served when
Vonage is not configured, or when SIMULATOR=on; behind the dashboard's login whenever API_TOKEN is set, since a
conversation is somebody's texts. Only texts the webhook accepted are kept, cut to a size (storage/outbox.py), each
recorded before the webhook acts on it.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.phones import normalise
from app.services import services
from app.storage.outbox import Outbox
from app.web.dashboard import login_required
from app.web.webhooks import text_accepted

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
DEFAULT_NUMBER = "14155550100"  # San Francisco: replies come in America/Los_Angeles time
WEBHOOK = "webhooks.inbound_sms"
WHATSAPP_WEBHOOK = "webhooks.inbound_message"  # the Messages API's, where WhatsApp messages arrive


def enabled() -> bool:
    return services().settings.simulator_enabled


def outbox() -> Outbox:
    return services().outbox


@bp.before_request
def _only_when_enabled() -> ResponseReturnValue | None:
    if not enabled():
        abort(404)
    return login_required() if services().settings.api.token else None


@bp.get("")
def page() -> ResponseReturnValue:
    settings = services().settings
    number = normalise(request.args.get("number", "")) or DEFAULT_NUMBER
    return render_template("simulator.html", number=number, service_number=settings.vonage.number,
                           webhook=url_for(WEBHOOK), vonage_enabled=settings.vonage.enabled,
                           signatures_required=settings.vonage.signatures_required,
                           whatsapp_number=settings.whatsapp.number, whatsapp_webhook=url_for(WHATSAPP_WEBHOOK))


@bp.get("/api/messages")
def messages() -> ResponseReturnValue:
    """The number's conversation after the cursor `after` (a message id), oldest first; poll with the cursor."""
    number = normalise(request.args.get("number", ""))
    if number is None:
        return jsonify({"error": {"code": "invalid", "message": "give ?number= as E.164", "field": "number"}}), 422
    after = request.args.get("after") or None
    if after is not None and not _is_stream_id(after):
        after = None
    found = outbox().since(number, after)
    return jsonify({"messages": found, "cursor": found[-1]["id"] if found else after})


def _is_stream_id(value: str) -> bool:
    ms, _, seq = value.partition("-")
    return ms.isdigit() and seq.isdigit()


def _record_inbound(app: Flask, phone: str, text: str, channel: str = "") -> None:
    """The sender's side of the conversation, for a text the webhook accepted (a refused one is shown by the page
    itself and never kept). Recorded before the webhook acts on the text, so before the worker can have sent the
    reply: the page always shows a text above its reply."""
    if enabled():
        outbox().record(phone, "in", text, channel=channel)


def _home() -> ResponseReturnValue:
    return redirect(url_for("simulator.page")) if enabled() else abort(404)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    text_accepted.connect(_record_inbound, app)
    app.add_url_rule("/", "home", _home)
