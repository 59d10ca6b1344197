"""Telling that the Redis primary changed: after a Sentinel failover, or when a managed Redis puts a new server
behind the same host name. Each server has its own run id, so a new one means the worker must look for what the old
primary took with it (scheduler.Scheduler.recover), and /healthz can say a failover happened."""
from __future__ import annotations

import time

import redis

CHECK_EVERY = 1.0  # seconds between looks: INFO is cheap, but not for every scheduler tick of a burst


class PrimaryWatch:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.run_id: str | None = None
        self.address: str = "?"
        self._checked = 0.0

    def changed(self) -> bool:
        """Whether the server answering is not the one seen at the last look (at most one look a CHECK_EVERY)."""
        now = time.monotonic()
        if now - self._checked < CHECK_EVERY:
            return False
        info = self.client.info("server")
        self._checked = now
        before, self.run_id = self.run_id, str(info["run_id"])
        self.address = f"{info.get('tcp_port', '?')}"
        return before is not None and before != self.run_id

    def __str__(self) -> str:
        return f"now run id {(self.run_id or '?')[:8]}, port {self.address}"
