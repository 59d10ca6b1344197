"""Idempotency-Key for API creates: a create retried after its answer was lost gets the first one's reminder, not a
second reminder.

Keys are scoped per API token (a hash of it, never the token) and kept 24 hours. Each key's record,
`idem:<scope>:<key>`, holds the request's fingerprint and when it was claimed. The reminder's id is not in it: the
create passes the record's name to `Store.add` as its dedupe id, so add.lua writes `in:idem:<scope>:<key>` in the
same step as the reminder, and no moment exists when the reminder is made but the key does not lead to it. Two
requests that both believe they hold the claim (one took over a claim gone stale) still make one reminder: the
second add finds the dedupe key.
"""
from __future__ import annotations

import hashlib
from typing import Literal, NamedTuple

import redis
from pydantic import BaseModel

from app.settings import RedisSettings
from app.storage.state import State, as_text

TTL = 24 * 3600  # seconds a key is remembered
STALE = 60  # seconds after which a claim with no reminder is taken to be a request that died, and taken over

Answer = Literal["new", "replay", "conflict", "in_progress"]


class Claim(NamedTuple):
    answer: Answer
    name: str  # idem:<scope>:<key>, and the inbound id the create's Store.add dedupes on
    at: str = ""  # a new claim's time (Redis's clock), so forget() removes this claim and no later one
    reminder: str | None = None  # replay: the reminder the first request made


def fingerprint(body: BaseModel) -> str:
    """The request as validated, so that spacing and key order do not make a retry look like another request."""
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


class IdempotencyKeys(State):
    def __init__(self, client: redis.Redis, prefix: str = RedisSettings.key_prefix) -> None:
        super().__init__(client, prefix)
        self._script = self.script("idempotency")

    def claim(self, scope: str, key: str, fp: str) -> Claim:
        """Claim `key` for the request with fingerprint `fp`, or say why not (lua/idempotency.lua), in one step."""
        name = f"idem:{scope}:{key}"
        answer, *rest = [as_text(x) for x in self._script(keys=self._keys(name), args=["claim", fp, STALE, TTL])]
        if answer == "replay":
            return Claim("replay", name, reminder=rest[0])
        return Claim(answer, name, at=rest[0] if rest else "")  # type: ignore[arg-type]

    def forget(self, claim: Claim) -> bool:
        """Drop a new claim whose create made no reminder (or cancelled it), so a retry is handled afresh; a claim
        another request took over meanwhile is left alone."""
        return bool(self._script(keys=self._keys(claim.name), args=["forget", claim.at]))

    def made(self, claim: Claim) -> str | None:
        """The reminder made under this claim's key, if any."""
        made = self.redis.get(self._keys(claim.name)[1])
        return as_text(made) if made is not None else None

    def _keys(self, name: str) -> list[str]:
        return [self.key(name), self.inbound_key(name)]
