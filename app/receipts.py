"""Delivery receipts: what Vonage last said about each message we sent (submitted, delivered, failed, rejected).

Receipts come back through webhooks that Vonage retries and may deliver late or out of order, so each is recorded
once (by its replay key) and a late `submitted` never overwrites a verdict.
"""
from __future__ import annotations

import json
import time

from .state import State

KEEP = 7 * 24 * 3600  # seconds, as long as a finished reminder's record


class Receipts(State):
    def record(self, rid: str, state: str, code: str | None, replay_key: str) -> bool:
        """Keep a receipt's verdict on a message; a receipt seen before, or a late 'submitted' after a verdict,
        changes nothing."""
        if not self.redis.set(self.key("dlr-seen", replay_key), "1", nx=True, ex=KEEP):
            return False
        known = self.of(rid)
        if state == "submitted" and known and known["state"] != "submitted":
            return False
        value = json.dumps({"state": state, "code": code, "at": round(time.time(), 3)})
        self.redis.set(self.key("dlr", rid), value, ex=KEEP)
        return True

    def of(self, rid: str) -> dict | None:
        return self.of_many([rid])[0]

    def of_many(self, ids: list[str]) -> list[dict | None]:
        """What the latest receipt said for each id (None: no receipt), in one round trip."""
        raws = self.redis.mget([self.key("dlr", rid) for rid in ids]) if ids else []
        return [json.loads(raw) if raw else None for raw in raws]
