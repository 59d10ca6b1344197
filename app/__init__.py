"""The reminder service's web app: Vonage webhooks, the REST API, health and metrics, the phone simulator and
the operator dashboard."""
from __future__ import annotations

import os
from collections.abc import Mapping

from dotenv import load_dotenv
from flask import Flask

from app import logs, parsing, services
from app.ops import admin, cli
from app.settings import SettingsError, load_settings
from app.web import errors, guards, simulator


def create_app(overrides: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment (plus `.env`), with `overrides` on top (tests pass their own)."""
    load_dotenv(override=False)  # .env under the environment: the command line wins
    settings = load_settings({**os.environ, **(overrides or {})})
    if settings.start_problems:
        raise SettingsError("; and ".join(settings.start_problems))
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config["MAX_CONTENT_LENGTH"] = guards.MAX_BODY
    app.wsgi_app = guards.BodyLimit(app.wsgi_app, guards.MAX_BODY)  # type: ignore[method-assign]  # chunked bodies too
    app.wsgi_app = guards.TrustedForwarding(app.wsgi_app, settings.api.forwarded_allow_ips)  # type: ignore[method-assign]
    app.wsgi_app = guards.SecureHeaders(app.wsgi_app)  # type: ignore[method-assign]  # outermost: every response
    app.json.sort_keys = False
    logs.setup({**os.environ, **(overrides or {})}.get("LOG_LEVEL"))
    logs.init_app(app)

    services.init_app(app, settings)
    errors.init_app(app)
    app.before_request(services.sync_clock)  # after the request's deadline is set (errors.py)
    cli.init_app(app)
    admin.init_app(app)

    from app.web import api, dashboard, feed, health, me, webhooks

    app.register_blueprint(webhooks.bp)
    api.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(me.bp)  # the person's own page and their calendar feed (docs/page.md)
    app.register_blueprint(feed.bp)
    simulator.init_app(app)
    parsing.warm_up()  # dateparser's first-call cost, paid here rather than by the first texter
    return app
