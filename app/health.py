"""Endpoints for the platform and for monitoring: liveness, readiness and Prometheus metrics.

/healthz says whether this web process can do its job: it answers, and Redis answers (503 when not, so a load
balancer stops sending it webhooks it would have to refuse).
/readyz says whether the service as a whole works: Redis answers and at least one worker's heartbeat is fresh and
that worker is not stuck (heartbeat.py).
"""
from __future__ import annotations

import redis
from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue

from . import heartbeat, metrics
from .services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    services().store.ping()  # a RedisError becomes a JSON 503 (errors.py)
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    store = services().store
    checks: dict[str, str] = {}
    try:
        store.ping()
        checks["redis"] = "ok"
        stuck = heartbeat.stuck(store.redis, store.key("workers"))
        workers = [name for name, _ in heartbeat.alive(store.redis, store.key("workers")) if name not in stuck]
        checks["worker"] = (f"ok ({len(workers)} alive)" if workers
                            else "stuck: " + "; ".join(f"{name}: {why}" for name, why in stuck.items()) if stuck
                            else f"no worker heartbeat in the last {heartbeat.STALE_AFTER:g} s")
    except redis.RedisError as err:
        checks["redis"] = f"unavailable: {type(err).__name__}"
    ready = all(value.startswith("ok") for value in checks.values()) and "worker" in checks
    return jsonify({"status": "ok" if ready else "unavailable", "checks": checks}), 200 if ready else 503


@bp.get("/metrics")
def prometheus() -> ResponseReturnValue:
    """Counts only (no numbers, no text), so it is served without a token, as scrapers expect."""
    body, content_type = metrics.exposition(services().store)
    return Response(body, content_type=content_type)
