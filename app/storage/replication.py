"""Confirmed means replicated: a write is confirmed (API 201, an SMS confirmation) only once enough replicas have it.

Redis replicates asynchronously, so a primary that dies can take its last writes with it, and the replica promoted in
its place never saw them. With REDIS_MIN_REPLICAS=N, each confirmation first runs, on one connection and so on one
server: a check that the write is there, a marker write, and `WAIT N timeout`. The replication stream is ordered, so
replicas that acknowledged the marker hold everything the server had before it, the checked write included. The
check matters after a failover: a WAIT answered by the new primary says nothing about a write the old one took, but
it can only pass if the write is on the new primary too. Fewer acknowledgements raise NotReplicated: the webhook
and the API answer 503 and the caller retries.

An inbound text's replies are parked (store.PARKED) when it is stored and released here only after that WAIT, so no
confirmation goes out for a write that may vanish; a webhook retried after a 503 finds its text handled (the
dedupe on messageId), waits again and releases what is still parked, so the confirmation goes out once.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis

from app.settings import Settings
from app.storage import clock
from app.storage.state import State, as_text
from app.storage.store import INBOUND_TTL, PARKED, Store


class NotReplicated(Exception):
    """Fewer replicas than REDIS_MIN_REPLICAS acknowledged a write in time: it is not confirmed."""

    def __init__(self, acked: int, needed: int) -> None:
        super().__init__(f"{acked} of {needed} replicas acknowledged the write in time")
        self.acked, self.needed = acked, needed


class Replication(State):
    def __init__(self, client: redis.Redis, prefix: str, settings: Settings) -> None:
        super().__init__(client, prefix)
        self.min_replicas = settings.redis.min_replicas
        self.wait_ms = max(1, round(settings.redis.wait_seconds * 1000))  # WAIT reads 0 as 'forever'
        self._release = self.script("release")

    @property
    def required(self) -> bool:
        return self.min_replicas > 0

    def confirm(self, key: str, field: str | None = None, value: str | None = None) -> None:
        """Return once the server holds `key` (or the hash field; with `value`, holding exactly that: a change,
        not the older value a promoted replica would still have) and enough replicas have it; else NotReplicated.
        A no-op with REDIS_MIN_REPLICAS=0."""
        if not self.required:
            return
        pipe = self.redis.pipeline(transaction=False)
        if field is None:
            pipe.exists(key)
            self._wait(pipe, bool)
        elif value is None:
            pipe.hexists(key, field)
            self._wait(pipe, bool)
        else:
            pipe.hget(key, field)
            self._wait(pipe, lambda held: held is not None and as_text(held) == value)

    def confirm_writes(self) -> None:
        """Return once enough replicas have everything this server holds now (the writes just made, when no
        failover came between them and this call); else NotReplicated. For changes that may leave nothing to check
        (an opt-in deletes a field, and maybe the hash). A no-op with REDIS_MIN_REPLICAS=0."""
        if self.required:
            pipe = self.redis.pipeline(transaction=False)
            pipe.ping()
            self._wait(pipe, bool)

    def release(self, store: Store, message_id: str) -> int:
        """After an inbound text's writes are confirmed, make its parked replies sendable (each once); the release
        is itself waited for, so a failover cannot undo it unseen. Returns how many were released."""
        if not self.required:
            return 0
        self.confirm(store.inbound_key(message_id))
        pipe = self.redis.pipeline(transaction=False)
        self._release(keys=[store.key("due"), store.inbound_key(message_id), store.key("wake")],
                      args=[repr(PARKED), repr(clock.now())], client=pipe)
        return int(self._wait(pipe, lambda released: True))

    def _wait(self, pipe: redis.client.Pipeline, holds: Callable[[Any], bool]) -> Any:
        """Run `pipe` (whose first reply is checked with `holds`), then a marker write and WAIT, on one connection;
        returns that first reply."""
        pipe.incr(self.key("replicated"))
        pipe.wait(self.min_replicas, self.wait_ms)
        first, _, acked = pipe.execute()
        if not holds(first):
            raise NotReplicated(0, self.min_replicas)  # the server answering lost the write: a failover took it
        if acked < self.min_replicas:
            raise NotReplicated(acked, self.min_replicas)
        return first

    def replicas(self) -> int:
        """Replicas connected to the primary now (for /readyz)."""
        return int(self.redis.info("replication").get("connected_slaves", 0))


def drop_stranded(store: Store, now: float | None = None, limit: int = 500) -> int:
    """Cancel replies parked longer than a text's dedupe record lives (INBOUND_TTL): no retry of their text can
    release them any more (a later one is handled as a new text, with replies of its own), and a confirmation that
    late would only confuse. Without this they would sit in the schedule for ever. Returns how many went."""
    cutoff = (now or clock.now()) - INBOUND_TTL
    ids = [as_text(rid) for rid in store.redis.zrangebyscore(store.key("due"), PARKED, PARKED, start=0, num=limit)]
    stale = [rem for rem in store.get_many(ids) if rem is not None and rem.due < cutoff]
    return sum(store.discard(rem.id) for rem in stale)

