"""The reminder service's web app: Vonage webhooks, the REST API and health checks."""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from dotenv import load_dotenv
from flask import Flask

from . import cli, errors, parsing, services
from .settings import load_settings

MAX_BODY = 64 * 1024  # bytes; inbound SMS and API bodies are far smaller


def create_app(overrides: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment (plus `.env`), with `overrides` on top (tests pass their own)."""
    load_dotenv()
    settings = load_settings({**os.environ, **(overrides or {})})
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json.sort_keys = False
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    services.init_app(app, settings)
    errors.init_app(app)
    cli.init_app(app)

    from . import api, health, webhooks

    app.register_blueprint(webhooks.bp)
    api.init_app(app)
    app.register_blueprint(health.bp)
    parsing.warm_up()  # dateparser's first-call cost, paid here rather than by the first texter
    return app
