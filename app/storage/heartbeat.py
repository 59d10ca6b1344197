"""The worker's heartbeat: how /readyz, /metrics and the dashboard tell a live worker from a dead or stuck one.

Each worker process writes its name and the time into one sorted set every few seconds while its loops turn. When
one does not (its scheduler thread died or stopped turning, or a send outlived its lease), it writes why into the
hash `<key>:stuck` instead, so /readyz and the dashboard can tell a stuck worker from a dead one.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable

import redis

from app.storage import clock
from app.storage.state import State, as_text

log = logging.getLogger(__name__)
INTERVAL = 5.0  # seconds between beats
STALE_AFTER = 20.0  # seconds without a beat before a worker counts as gone
FORGET_AFTER = 24 * 3600  # seconds before a silent worker's entry is dropped from the set
STUCK_AFTER = 30.0  # seconds without a turn of the scheduler's loop before the worker counts as stuck


def worker_name() -> str:
    """The platform's dyno name (e.g. worker.1) when there is one, else host:pid."""
    return os.environ.get("DYNO") or f"{socket.gethostname()}:{os.getpid()}"


class Heartbeats(State):
    """The sorted set `workers` (name -> its last beat) and the hash `workers:stuck` (name -> why it is stuck)."""

    @property
    def _beats(self) -> str:
        return self.key("workers")

    @property
    def _stuck(self) -> str:
        return self.key("workers", "stuck")

    def beat(self, name: str, now: float | None = None) -> None:
        now = clock.now() if now is None else now
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(self._beats, {name: now})
        pipe.zremrangebyscore(self._beats, "-inf", now - FORGET_AFTER)
        pipe.hdel(self._stuck, name)
        pipe.execute()

    def report_stuck(self, name: str, why: str, now: float | None = None) -> None:
        """Say why this worker is not beating (it keeps its last beat, which goes stale)."""
        now = clock.now() if now is None else now
        self.redis.hset(self._stuck, name, json.dumps({"at": now, "why": why}))

    def stuck(self, now: float | None = None) -> dict[str, str]:
        """name -> why, of each worker that reported itself stuck in the last STALE_AFTER seconds."""
        now = clock.now() if now is None else now
        found = {}
        for name, raw in self.redis.hgetall(self._stuck).items():
            report = json.loads(raw)
            if report["at"] >= now - STALE_AFTER:
                found[as_text(name)] = report["why"]
        return found

    def alive(self, now: float | None = None) -> list[tuple[str, float]]:
        """(name, seconds since its last beat) of each worker heard from in the last STALE_AFTER seconds."""
        now = clock.now() if now is None else now
        found = self.redis.zrangebyscore(self._beats, now - STALE_AFTER, "+inf", withscores=True)
        return [(as_text(n), now - at) for n, at in found]

    def leave(self, name: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrem(self._beats, name)
        pipe.hdel(self._stuck, name)
        pipe.execute()

    def start(self, stopping: threading.Event, trouble: Callable[[], str | None] = lambda: None
              ) -> threading.Thread:
        """Every INTERVAL seconds until `stopping` is set: beat, or report why not (`trouble()` says what is stuck,
        None when nothing is); then leave the set."""
        name = worker_name()

        def run() -> None:
            while not stopping.is_set():
                try:
                    why = trouble()
                    if why is None:
                        self.beat(name)
                    else:
                        log.error("worker stuck: %s", why)
                        self.report_stuck(name, why)
                except redis.RedisError as err:
                    log.warning("heartbeat not written: %s", err)
                stopping.wait(INTERVAL)
            try:
                self.leave(name)
            except redis.RedisError:
                pass

        thread = threading.Thread(target=run, name="heartbeat", daemon=True)
        thread.start()
        return thread
