"""The phone simulator: a chat page where you text the service as any number, without a Vonage account.

It is a client of the real service, not a shortcut: the page posts each text to the inbound webhook exactly as
Vonage would, and shows what the worker sent through the log sender (which writes every outbound SMS to the
number's conversation in the outbox). Served when Vonage is not configured, or when SIMULATOR=on.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from .outbox import Outbox
from .phones import normalise
from .errors import ApiError
from .services import services
from .webhooks import inbound_params

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
DEFAULT_NUMBER = "14155550100"  # San Francisco: replies come in America/Los_Angeles time
WEBHOOK = "webhooks.inbound_sms"


def enabled() -> bool:
    return services().settings.simulator_enabled


def outbox() -> Outbox:
    return Outbox(services().redis, services().settings.key_prefix)


@bp.before_request
def _only_when_enabled() -> None:
    if not enabled():
        abort(404)


@bp.get("")
def page() -> ResponseReturnValue:
    settings = services().settings
    number = normalise(request.args.get("number", "")) or DEFAULT_NUMBER
    return render_template("simulator.html", number=number, service_number=settings.vonage_number,
                           webhook=url_for(WEBHOOK), vonage_enabled=settings.vonage_enabled,
                           signatures_required=settings.signatures_required)


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


def _record_inbound() -> None:
    """Before the webhook runs (so the text is shown before its reply): the sender's side of the conversation."""
    if request.endpoint != WEBHOOK or not enabled():
        return
    try:
        params = inbound_params()
    except ApiError:
        return  # the webhook itself answers it with the error
    phone, text = normalise(params.get("msisdn", "")), params.get("text")
    if phone and text is not None:
        outbox().record(phone, "in", text)


def _note_rejection(response: Response) -> Response:
    """A text the webhook refused shows as a note, so the simulator never shows a text as accepted when not."""
    if request.endpoint == WEBHOOK and response.status_code >= 400 and enabled():
        phone = normalise(request.values.get("msisdn", ""))
        if phone:
            reason = (response.get_json(silent=True) or {}).get("error", {}).get("message", response.status)
            outbox().record(phone, "note", f"The webhook refused that text ({response.status_code}): {reason}")
    return response


def _home() -> ResponseReturnValue:
    return redirect(url_for("simulator.page")) if enabled() else abort(404)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_record_inbound)
    app.after_request(_note_rejection)
    app.add_url_rule("/", "home", _home)
