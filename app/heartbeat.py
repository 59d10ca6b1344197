"""The worker's heartbeat: how /readyz, /metrics and the dashboard tell a live worker from a dead or stuck one.

Each worker process writes its name and the time into one sorted set every few seconds, but only while its
scheduler thread is alive: a worker whose scheduler died stops beating even though the process still runs.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)
INTERVAL = 5.0  # seconds between beats
STALE_AFTER = 20.0  # seconds without a beat before a worker counts as gone
FORGET_AFTER = 24 * 3600  # seconds before a silent worker's entry is dropped from the set


def worker_name() -> str:
    """The platform's dyno name (e.g. worker.1) when there is one, else host:pid."""
    return os.environ.get("DYNO") or f"{socket.gethostname()}:{os.getpid()}"


def beat(client: redis.Redis, key: str, name: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    pipe = client.pipeline(transaction=False)
    pipe.zadd(key, {name: now})
    pipe.zremrangebyscore(key, "-inf", now - FORGET_AFTER)
    pipe.execute()


def alive(client: redis.Redis, key: str, now: float | None = None) -> list[tuple[str, float]]:
    """(name, seconds since its last beat) of each worker heard from in the last STALE_AFTER seconds."""
    now = time.time() if now is None else now
    found = client.zrangebyscore(key, now - STALE_AFTER, "+inf", withscores=True)
    return [(n.decode() if isinstance(n, bytes) else n, now - at) for n, at in found]


def start(client: redis.Redis, key: str, stopping: threading.Event,
          healthy: Callable[[], bool] = lambda: True) -> threading.Thread:
    """Beat every INTERVAL seconds while `healthy()` holds, until `stopping` is set; then leave the set."""
    name = worker_name()

    def run() -> None:
        while not stopping.is_set():
            if healthy():
                try:
                    beat(client, key, name)
                except redis.RedisError as err:
                    log.warning("heartbeat not written: %s", err)
            stopping.wait(INTERVAL)
        try:
            client.zrem(key, name)
        except redis.RedisError:
            pass

    thread = threading.Thread(target=run, name="heartbeat", daemon=True)
    thread.start()
    return thread
