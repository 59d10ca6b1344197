"""Liveness for the platform's router: 200 when Redis answers, 503 when it does not."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from .services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    services().store.ping()  # a RedisError becomes a JSON 503 (errors.py)
    return jsonify({"status": "ok"})
