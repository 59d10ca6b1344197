"""Reminders in Redis: one sorted set scored by due time is the whole schedule.

Layout (every key under the configured prefix, `rmd:` by default):
- `due`       ZSET id -> epoch seconds when the entry is next due (or when a worker's lease on it runs out)
- `data`      HASH id -> compact JSON record (phone, message, due, zone, rule, kind, attempts)
- `claims`    HASH id -> token of the delivery job that holds it (only while in flight)
- `p:<phone>` ZSET id -> due, each number's own reminders (LIST, the API)
- `done:<id>` how an entry ended (sent, failed, cancelled), kept for a week; `dead` ZSET of failed ids
- `in:<messageId>` inbound messages already handled (Vonage retries webhooks)
Multi-key changes run as Lua scripts (in `lua/`) so that every step is atomic.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import redis

Kind = Literal["reminder", "reply"]
DONE_TTL = 7 * 24 * 3600
INBOUND_TTL = 2 * 24 * 3600
_LUA = Path(__file__).with_name("lua")


@dataclass(frozen=True)
class Reminder:
    """A reminder, or a reply waiting to go out: both travel the same schedule to the worker."""

    phone: str  # E.164 without '+', as Vonage writes numbers
    message: str
    due: float  # epoch seconds of the current occurrence
    tz: str = "UTC"
    every: str | None = None  # RFC 5545 RRULE, for recurring reminders
    kind: Kind = "reminder"
    attempts: int = 0
    created: float = field(default_factory=time.time)
    id: str = ""
    status: str = "pending"  # pending | sending | sent | failed | cancelled
    detail: str | None = None  # why it failed, for people and operators

    @property
    def due_local(self) -> datetime:
        return datetime.fromtimestamp(self.due, ZoneInfo(self.tz))

    def record(self) -> str:
        """The compact stored form: short keys, defaults left out, to keep memory per reminder low."""
        rec = {"p": self.phone, "m": self.message, "d": round(self.due, 3), "z": self.tz, "c": int(self.created)}
        if self.every:
            rec["e"] = self.every
        if self.kind == "reply":
            rec["k"] = "x"
        if self.attempts:
            rec["a"] = self.attempts
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_record(cls, rid: str, raw: str | bytes, status: str = "pending") -> "Reminder":
        rec = json.loads(raw)
        return cls(phone=rec["p"], message=rec["m"], due=rec["d"], tz=rec["z"], every=rec.get("e"),
                   kind="reply" if rec.get("k") == "x" else "reminder", attempts=rec.get("a", 0),
                   created=rec.get("c", 0), id=rid, status=rec.get("s", status), detail=rec.get("r"))

    def final_record(self, status: str, detail: str | None) -> str:
        rec = json.loads(self.record())
        rec.update({"s": status, "t": round(time.time(), 3)} | ({"r": detail} if detail else {}))
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))

    def as_dict(self) -> dict:
        return asdict(self)


class Store:
    """All reads and writes of reminders; nothing else in the app knows the key layout."""

    def __init__(self, client: redis.Redis, prefix: str = "rmd:") -> None:
        self.redis = client
        self.prefix = prefix
        self._add = client.register_script((_LUA / "add.lua").read_text())
        self._claim = client.register_script((_LUA / "claim.lua").read_text())
        self._begin = client.register_script((_LUA / "begin.lua").read_text())
        self._settle = client.register_script((_LUA / "settle.lua").read_text())

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def ping(self) -> bool:
        return bool(self.redis.ping())

    # --- writing -------------------------------------------------------------------------------------------

    def add(self, items: list[Reminder], inbound_id: str | None = None) -> list[str] | None:
        """Schedule items atomically; with `inbound_id`, only the first delivery of that message does (None after)."""
        keys = [self.key("due"), self.key("data"), self.key("seq"), self.key("wake"),
                self.key("in", inbound_id or "-")] + [self.key("p", item.phone) for item in items]
        args: list[str | float] = [str(INBOUND_TTL) if inbound_id else ""]
        for item in items:
            args += [item.record(), repr(item.due), "1" if item.kind == "reminder" else "0"]
        result = [_text(x) for x in self._add(keys=keys, args=args)]
        return None if result and result[0] == "duplicate" else result

    def claim(self, now: float, lease_end: float, limit: int, token: str) -> list[str]:
        """Take up to `limit` due entries for one delivery job, leased until `lease_end`."""
        ids = self._claim(keys=[self.key("due"), self.key("data"), self.key("claims")],
                          args=[repr(now), repr(lease_end), limit, token])
        return [_text(i) for i in ids]

    def begin(self, rid: str, token: str, lease_end: float) -> Reminder | None:
        """The entry, leased afresh, if `token` still holds its claim: the guard that keeps a stale or repeated
        job from sending."""
        raw = self._begin(keys=[self.key("due"), self.key("data"), self.key("claims")],
                          args=[rid, token, repr(lease_end)])
        return Reminder.from_record(rid, raw, status="sending") if raw else None

    def reschedule(self, rem: Reminder, token: str, at: float, *, next_occurrence: bool = False) -> bool:
        """Put a claimed entry back on the schedule: a retry (same occurrence) or a series' next occurrence."""
        updated = replace(rem, due=at, attempts=0) if next_occurrence else rem
        index = repr(at) if (rem.kind == "reminder" and next_occurrence) else ""
        return self._settle_call(rem, token, "reschedule", repr(at), updated.record(), index)

    def finish(self, rem: Reminder, token: str, status: str, detail: str | None = None) -> bool:
        """End an entry: sent, failed (dead-lettered) or cancelled; keeps how it ended for a week."""
        dead = repr(time.time()) if status == "failed" else ""
        return self._settle_call(rem, token, "finish", rem.final_record(status, detail), str(DONE_TTL), dead)

    def cancel(self, rid: str) -> Reminder | None:
        """Cancel a pending reminder (a whole series if recurring); None if there is none by that id."""
        rem = self.get(rid)
        if rem is None or rem.status not in ("pending", "sending") or rem.kind != "reminder":
            return None
        return rem if self.finish(rem, "", "cancelled") else None

    def _settle_call(self, rem: Reminder, token: str, mode: str, *args: str) -> bool:
        keys = [self.key("due"), self.key("data"), self.key("claims"), self.key("p", rem.phone),
                self.key("done", rem.id), self.key("dead")]
        return bool(self._settle(keys=keys, args=[rem.id, token, mode, *args]))

    def collect_part(self, phone: str, ref: str, part: int, total: int, text: str, message_id: str,
                     ttl: int = 600) -> tuple[str, str] | None:
        """Keep one part of a long inbound SMS. Once every part is in: the joined text and the first part's
        message id, which stands for the whole (a retried part then finds it already handled)."""
        key = self.key("concat", phone, ref)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, str(part), json.dumps([message_id, text]))
        pipe.expire(key, ttl)
        pipe.hgetall(key)
        parts = {int(k): json.loads(v) for k, v in pipe.execute()[2].items()}
        if any(i not in parts for i in range(1, total + 1)):
            return None
        return "".join(parts[i][1] for i in range(1, total + 1)), parts[1][0]

    # --- reading -------------------------------------------------------------------------------------------

    def get(self, rid: str) -> Reminder | None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hget(self.key("data"), rid)
        pipe.hexists(self.key("claims"), rid)
        pipe.get(self.key("done", rid))
        raw, claimed, done = pipe.execute()
        if raw is not None:
            return Reminder.from_record(rid, raw, status="sending" if claimed else "pending")
        return Reminder.from_record(rid, done) if done is not None else None

    def for_phone(self, phone: str) -> list[Reminder]:
        """A number's pending reminders, soonest first."""
        ids = [_text(i) for i in self.redis.zrange(self.key("p", phone), 0, -1)]
        if not ids:
            return []
        raws = self.redis.hmget(self.key("data"), ids)
        return [Reminder.from_record(i, raw) for i, raw in zip(ids, raws) if raw is not None]

    def next_due(self) -> float | None:
        first = self.redis.zrange(self.key("due"), 0, 0, withscores=True)
        return first[0][1] if first else None

    def pending_count(self) -> int:
        return int(self.redis.zcard(self.key("due")))

    def dead_letters(self, limit: int = 100) -> list[str]:
        return [_text(i) for i in self.redis.zrevrange(self.key("dead"), 0, limit - 1)]

    def wait_for_work(self, timeout: float) -> None:
        """Sleep until `timeout` passes or something is scheduled sooner than what was known (see add.lua)."""
        if timeout >= 0.01:
            self.redis.blpop([self.key("wake")], timeout=round(timeout, 3))
        elif timeout > 0:
            time.sleep(timeout)  # BLPOP reads a timeout under a millisecond as 0, which blocks forever


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
