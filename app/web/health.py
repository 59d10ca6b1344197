"""Endpoints for the platform and for monitoring: liveness, readiness and Prometheus metrics.

/healthz says whether this web process can do its job: it answers, and Redis answers (503 when not, so a load
balancer stops sending it webhooks it would have to refuse).
/readyz says whether the service as a whole works: Redis answers, at least one worker's heartbeat is fresh and that
worker is not stuck (storage/heartbeat.py), (with REDIS_MIN_REPLICAS) enough replicas are connected for writes to be
confirmed, and Redis has lost no data: no keys evicted since the service started, no sampled entry on the schedule
without its record (ops/metrics.py `losses`). Both say what Redis is doing when it does not answer: failing over (no
primary yet, or a primary turned replica) or unavailable while the client reconnects.
"""
from __future__ import annotations

import redis
from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue
from redis.exceptions import ReadOnlyError
from redis.sentinel import MasterNotFoundError

from app.ops import metrics
from app.services import services
from app.storage import heartbeat

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        services().store.ping()
    except redis.RedisError as err:
        return jsonify({"status": "unavailable", "redis": redis_state(err)}), 503
    return jsonify({"status": "ok"})


def redis_state(err: redis.RedisError) -> str:
    """What a Redis error says about the server: a failover under way, or an outage the client is riding out."""
    if isinstance(err, MasterNotFoundError):
        return "failing over: the Sentinels know no primary yet; reconnecting"
    if isinstance(err, ReadOnlyError) or "now a slave" in str(err):
        return "failing over: the server answering is a replica now; reconnecting"
    return f"unavailable: {type(err).__name__}; reconnecting"


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    store = services().store
    checks: dict[str, str] = {}
    try:
        store.ping()
        checks["redis"] = "ok"
        heartbeats = services().heartbeats
        stuck = heartbeats.stuck()
        workers = [name for name, _ in heartbeats.alive() if name not in stuck]
        checks["worker"] = (f"ok ({len(workers)} alive)" if workers
                            else "stuck: " + "; ".join(f"{name}: {why}" for name, why in stuck.items()) if stuck
                            else f"no worker heartbeat in the last {heartbeat.STALE_AFTER:g} s")
        replication = services().replication
        if replication.required:
            have, need = replication.replicas(), replication.min_replicas
            checks["replicas"] = (f"ok ({have} connected, {need} needed)" if have >= need else
                                  f"{have} connected, {need} needed (REDIS_MIN_REPLICAS): new reminders get 503")
        lost = metrics.losses(services())
        checks["data"] = "; ".join(lost.reasons()) or f"ok (nothing evicted; {lost.sampled} entries sampled)"
    except redis.RedisError as err:
        checks["redis"] = redis_state(err)
    ready = all(value.startswith("ok") for value in checks.values()) and "worker" in checks
    return jsonify({"status": "ok" if ready else "unavailable", "checks": checks}), 200 if ready else 503


@bp.get("/metrics")
def prometheus() -> ResponseReturnValue:
    """Counts only (no numbers, no text), so it is served without a token, as scrapers expect."""
    body, content_type = metrics.exposition(services())
    return Response(body, content_type=content_type)
