"""Delivery receipts: what Vonage last said about each reminder we sent (submitted, delivered, failed, rejected).

Receipts come back through webhooks that Vonage retries and may deliver late, twice or out of order, and a long SMS
gets one receipt per part, so lua/receipt.lua records each once (by its replay key), per part of each occurrence: a
reminder is delivered only when every part is, an older occurrence's receipt or a late `submitted` never replaces
a verdict. Keys: `dlr:<id>` the verdict, `dlr-parts:<ref>` and `dlr-n:<ref>` an occurrence's parts and their
number, `dlr-seen:<replay key>`.
"""
from __future__ import annotations

import json

from app.storage import clock
from app.storage.state import State

KEEP = 7 * 24 * 3600  # seconds, as long as a finished reminder's record


def split_ref(client_ref: str) -> tuple[str, int]:
    """Our sends carry client-ref '<entry id>-<occurrence due time>': (id, occurrence)."""
    rid, _, occurrence = client_ref.partition("-")
    return rid, int(occurrence) if occurrence.isdigit() else 0


class Receipts(State):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._record = self.script("receipt")

    def record(self, client_ref: str, state: str, code: str | None, replay_key: str, part: str = "") -> str | None:
        """Keep one receipt (of one part); returns the reminder's verdict after it, or None for a receipt seen
        before."""
        rid, occurrence = split_ref(client_ref)
        keys = [self.key("dlr-seen", replay_key), self.key("dlr", rid), self.key("dlr-parts", client_ref),
                self.key("dlr-n", client_ref)]
        verdict = self._record(keys=keys, args=[occurrence, part or replay_key, state, code or "", clock.now(), KEEP])
        return verdict.decode() if isinstance(verdict, bytes) else verdict

    def expect_parts(self, client_ref: str, parts: int) -> None:
        """A long SMS went out in `parts` parts: each gets its own receipt, and all must say delivered."""
        self.redis.set(self.key("dlr-n", client_ref), parts, ex=KEEP)

    def first_resend(self, client_ref: str) -> bool:
        """Whether this is the first re-send of the occurrence `client_ref` (`resent:<ref>`): a temporary failure
        is sent again once."""
        return bool(self.redis.set(self.key("resent", client_ref), "1", nx=True, ex=KEEP))

    def first(self, replay_key: str) -> bool:
        """Whether this receipt is new (for receipts that leave no verdict, such as a reply's)."""
        return bool(self.redis.set(self.key("dlr-seen", replay_key), "1", nx=True, ex=KEEP))

    def of(self, rid: str) -> dict | None:
        return self.of_many([rid])[0]

    def of_many(self, ids: list[str]) -> list[dict | None]:
        """What the receipts said of each id's latest occurrence (None: no receipt), in one round trip."""
        raws = self.redis.mget([self.key("dlr", rid) for rid in ids]) if ids else []
        return [_verdict(json.loads(raw)) if raw else None for raw in raws]


def _verdict(stored: dict) -> dict:
    """What a verdict says, without the bookkeeping (its occurrence)."""
    return {"state": stored["state"], "code": stored.get("code"), "at": stored["at"]}
