"""The operator dashboard: is the service healthy, what is waiting, what failed; retry a dead letter.

Behind HTTP Basic auth whose password is an API_TOKEN (any user name), so a browser can open it and an operator
needs no second secret. Numbers are shown masked and message text not at all: the operator sees the service,
not people's reminders.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.logs import mask_phone
from app.ops import operations
from app.services import services
from app.web import auth

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
REALM = 'Basic realm="Reminders dashboard", charset="UTF-8"'


@bp.before_request
def _require_token() -> ResponseReturnValue | None:
    if not services().settings.api.token:
        return Response("The dashboard is disabled: set API_TOKEN to enable it.\n", 403, mimetype="text/plain")
    if refused := login_required():
        return refused
    if request.method == "POST" and not _same_origin():
        return Response("Cross-site form posts are refused.\n", 403, mimetype="text/plain")
    return None


def login_required() -> Response | None:
    """401 asking for the Basic login (any user name, an API_TOKEN as the password) unless it was given; the
    phone simulator uses it too."""
    if auth.check(auth.basic_password()):
        return None
    return Response("Log in with any user name and an API_TOKEN as the password.\n", 401,
                    {"WWW-Authenticate": REALM}, mimetype="text/plain")


def _same_origin() -> bool:
    """Browsers resend Basic credentials on any site's form post: accept only posts from this origin."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True  # not a browser (curl, the tests): nothing to forge
    return urlsplit(source).netloc == request.host


@bp.get("")
def page() -> ResponseReturnValue:
    store, settings = services().store, services().settings
    marked = services().unreachable
    zone = ZoneInfo(settings.service.default_timezone)
    figures = operations.stats(services(), settings.service.default_timezone)

    def local(ts: float | None) -> str:
        return datetime.fromtimestamp(ts, zone).strftime("%a %d %b %H:%M:%S") if ts else ""

    return render_template(
        "dashboard.html", stats=figures, zone=settings.service.default_timezone, local=local, mask=mask_phone,
        dead=operations.dead_letters(store), upcoming=operations.upcoming(store, limit=15),
        opted_out=operations.opted_out(services().people, limit=20), rq_workers=operations.rq_workers(services().queue),
        unreachable=marked.numbers(limit=20), unreachable_count=marked.count(),
        capped=services().budget.capped(limit=20), budget=settings.limits.max_sms_per_number_per_day,
        queue_name=services().queue.name,
        flash=request.args.get("flash", ""), vonage_enabled=settings.vonage.enabled,
        now=datetime.now(zone).strftime("%H:%M:%S"))


@bp.get("/api/stats")
def stats_json() -> ResponseReturnValue:
    settings = services().settings
    return jsonify(operations.stats(services(), settings.service.default_timezone).as_dict())


@bp.post("/dead/<rid>/retry")
def retry(rid: str) -> ResponseReturnValue:
    try:
        new_id = operations.retry(services(), rid)
        message = f"Retrying {rid} as {new_id}."
    except operations.RetryError as err:
        message = str(err)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"message": message})
    return redirect(url_for("dashboard.page", flash=message), 303)
