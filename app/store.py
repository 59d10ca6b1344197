"""Reminders in Redis: one sorted set scored by due time is the whole schedule.

Layout (every key under the configured prefix, `rmd:` by default):
- `due`       ZSET id -> epoch seconds when the entry is next due (or when a worker's lease on it runs out)
- `data:<n>`  HASHes id -> compact JSON record (phone, message, due, zone, rule, attempts), reminder ids n*100 to
              n*100+99 in each: small hashes stay listpacks, about half the bytes of one big hash table.
              Replies (ids `x<n>`, longer and short-lived) live in `data:x`, so they never bloat a bucket.
- `claims`    HASH id -> token of the delivery job that holds it (only while in flight)
- `p:<phone>` ZSET id -> due, each number's own reminders (LIST, the API)
- `done:<id>` how an entry ended (sent, failed, cancelled), kept for a week; `dead` ZSET of failed ids
- `in:<messageId>` inbound messages already handled (Vonage retries webhooks)
Multi-key changes run as Lua scripts (in `lua/`) so that every step is atomic.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import redis

from .phones import number_zone

Kind = Literal["reminder", "reply"]
PENDING = ("pending", "sending", "held")  # not yet sent: may still be changed or cancelled
DONE_TTL = 7 * 24 * 3600
INBOUND_TTL = 2 * 24 * 3600
_LUA = Path(__file__).with_name("lua")
BUCKET = 100  # reminders per data hash: under Redis's 128-entry listpack limit


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
    id: str = ""
    status: str = "pending"  # pending | sending | sent | failed | cancelled
    detail: str | None = None  # why it failed, for people and operators

    @property
    def due_local(self) -> datetime:
        return datetime.fromtimestamp(self.due, ZoneInfo(self.tz))

    def record(self) -> str:
        """The stored form, as short as it can be (memory per pending reminder is a goal): a JSON list
        [phone, message, due, zone, rule, attempts], trailing defaults left out; the zone only when the number does
        not tell it."""
        fields = [self.phone, self.message, round(self.due, 3), "" if self.tz == number_zone(self.phone) else self.tz,
                  self.every or "", self.attempts]
        while fields[-1] in ("", 0, None) and len(fields) > 3:
            fields.pop()
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_record(cls, rid: str, raw: str | bytes, status: str = "pending") -> "Reminder":
        """Read a stored record, or a finished one ({"r": record, "s": status, "w": why})."""
        rec = json.loads(raw)
        if isinstance(rec, dict):
            status, detail, rec = rec["s"], rec.get("w"), rec["r"]
        else:
            detail = None
        phone, message, due, tz, every, attempts = rec + ["", "", 0][len(rec) - 3:]
        return cls(phone=phone, message=message, due=due, tz=tz or number_zone(phone) or "UTC", every=every or None,
                    kind="reply" if rid.startswith("x") else "reminder", attempts=attempts, id=rid, status=status,
                    detail=detail)

    def final_record(self, status: str, detail: str | None) -> str:
        final = {"r": json.loads(self.record()), "s": status, "t": round(time.time(), 3)}
        if detail:
            final["w"] = detail
        return json.dumps(final, ensure_ascii=False, separators=(",", ":"))

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Person:
    """What the service remembers about a number: its zone, whether it opted out, and its recent context."""

    phone: str
    tz: str | None = None
    asked_tz: bool = False  # we asked once for a zone it could not tell from the number
    opted_out: bool = False
    listed: tuple[str, ...] = ()  # ids in the order the last LIST showed them (CANCEL n)
    last_created: str | None = None  # UNDO
    last_sent: tuple[str, float] | None = None  # (id, when) of the last reminder delivered (SNOOZE)

    @classmethod
    def from_hash(cls, phone: str, raw: dict) -> "Person":
        h = {as_text(k): as_text(v) for k, v in raw.items()}
        sent_id, _, sent_at = h.get("sent", "").partition(":")
        return cls(phone=phone, tz=h.get("tz"), asked_tz=h.get("asked") == "1", opted_out="out" in h,
                   listed=tuple(filter(None, h.get("list", "").split(","))), last_created=h.get("last"),
                   last_sent=(sent_id, float(sent_at)) if sent_at else None)


class Store:
    """All reads and writes of reminders; nothing else in the app knows the key layout."""

    def __init__(self, client: redis.Redis, prefix: str = "rmd:") -> None:
        self.redis = client
        self.prefix = prefix
        self._add = client.register_script((_LUA / "add.lua").read_text())
        self._claim = client.register_script((_LUA / "claim.lua").read_text())
        self._begin = client.register_script((_LUA / "begin.lua").read_text())
        self._concat = client.register_script((_LUA / "concat.lua").read_text())
        self._hold = client.register_script((_LUA / "hold.lua").read_text())
        self._settle = client.register_script((_LUA / "settle.lua").read_text())

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @property
    def delivery_queue(self) -> str:
        """The rq queue the scheduler fills and the worker's rq loop drains (its keys are rq's own)."""
        return self.prefix + "deliveries"

    def data_key(self, rid: str) -> str:
        """The hash holding an entry's record (add.lua computes the same)."""
        return self.key("data", "x" if rid.startswith("x") else str(int(rid) // BUCKET))

    def ping(self) -> bool:
        return bool(self.redis.ping())

    # --- writing -------------------------------------------------------------------------------------------

    def add(self, items: list[Reminder], inbound_id: str | None = None, sender: str | None = None
            ) -> list[str] | None:
        """Schedule items atomically; with `inbound_id`, only the first delivery of that message does (None after);
        with `sender`, the first reminder becomes that number's last made (what UNDO cancels)."""
        keys = [self.key("due"), self.key("data", ""), self.key("seq"), self.key("wake"),
                self.key("in", inbound_id or "-")] + [self.key("p", item.phone) for item in items] + \
            [self.key("person", sender or "-")]
        args: list[str | float] = [str(INBOUND_TTL) if inbound_id else "", "1" if sender else "0"]
        for item in items:
            args += [item.record(), repr(item.due), "1" if item.kind == "reminder" else "0"]
        result = [as_text(x) for x in self._add(keys=keys, args=args)]
        return None if result and result[0] == "duplicate" else result

    def claim(self, now: float, lease_end: float, limit: int, token: str) -> list[str]:
        """Take up to `limit` due entries for one delivery job, leased until `lease_end`."""
        ids = self._claim(keys=[self.key("due"), self.key("claims")],
                          args=[repr(now), repr(lease_end), limit, token])
        return [as_text(i) for i in ids]

    def begin(self, rid: str, token: str, lease_end: float) -> Reminder | None:
        """The entry, leased afresh, if `token` still holds its claim: the guard that keeps a stale or repeated
        job from sending."""
        return self.begin_many([(rid, token)], lease_end)[0]

    def begin_many(self, claims: list[tuple[str, str]], lease_end: float) -> list[Reminder | None]:
        """`begin` for several (id, token) claims in one round trip (the courier's group commit)."""
        pipe = self.redis.pipeline(transaction=False)
        for rid, token in claims:
            self._begin(keys=[self.key("due"), self.data_key(rid), self.key("claims")],
                        args=[rid, token, repr(lease_end), self.key("person", "")], client=pipe)
        return [Reminder.from_record(rid, raw, status="sending") if raw else None
                for (rid, _), raw in zip(claims, pipe.execute())]

    def reschedule(self, rem: Reminder, token: str, at: float, *, next_occurrence: bool = False,
                   delivered: bool = True) -> bool:
        """Put a claimed entry back on the schedule: a retry (same occurrence) or a series' next occurrence
        (after this one was delivered, or failed for good)."""
        updated = replace(rem, due=at, attempts=0) if next_occurrence else rem
        index = repr(at) if (rem.kind == "reminder" and next_occurrence) else ""
        return self._settle_call(rem, token, "reschedule", repr(at), updated.record(), index,
                                 sent=next_occurrence and delivered)

    def update(self, rem: Reminder) -> bool:
        """Store a changed reminder (new time, zone or text) and schedule it at `rem.due` (a held one stays held).
        False when it is gone or a worker is sending it right now."""
        return self._settle_call(rem, "", "reschedule", repr(rem.due), rem.record(), repr(rem.due))

    def finish(self, rem: Reminder, token: str, status: str, detail: str | None = None) -> bool:
        """End an entry: sent, failed (dead-lettered) or cancelled; keeps how it ended for a week."""
        dead = repr(time.time()) if status == "failed" else ""
        return self._settle_call(rem, token, "finish", rem.final_record(status, detail), str(DONE_TTL), dead,
                                 sent=status == "sent")

    def cancel(self, rid: str, detail: str | None = None) -> Reminder | None:
        """Cancel a pending reminder (a whole series if recurring); None if there is none by that id."""
        rem = self.get(rid)
        if rem is None or rem.status not in PENDING or rem.kind != "reminder":
            return None
        return rem if self.finish(rem, "", "cancelled", detail) else None

    def discard(self, rid: str) -> bool:
        """Drop any unsent entry (a reply that is no longer wanted)."""
        rem = self.get(rid)
        return rem is not None and rem.status in PENDING and self.finish(rem, "", "cancelled")

    def _settle_call(self, rem: Reminder, token: str, mode: str, *args: str, sent: bool = False) -> bool:
        keys = [self.key("due"), self.data_key(rem.id), self.key("claims"), self.key("p", rem.phone),
                self.key("done", rem.id), self.key("dead"), self.key("person", rem.phone),
                self.key("h", rem.phone)]
        is_reminder = rem.kind == "reminder"
        marker = f"{rem.id}:{time.time():.0f}" if sent and is_reminder else ""
        return bool(self._settle(keys=keys, args=[rem.id, token, mode, *args, marker, "1" if is_reminder else "0"]))

    def collect_part(self, phone: str, ref: str, part: int, total: int, text: str, message_id: str,
                     ttl: int = 600) -> tuple[str, str, list[tuple[str, str]]]:
        """Keep one part of a long inbound SMS. Returns ('first' | 'wait', '', []) until every part is in, then
        ('complete', the give-up reply's id or '', parts as (message id, text))."""
        key = self.key("concat", phone, ref)
        state, *rest = [as_text(x) for x in self._concat(keys=[key], args=[part, json.dumps([message_id, text]),
                                                                          total, ttl])]
        if state != "complete":
            return state, "", []
        return state, rest[0], [tuple(json.loads(p)) for p in rest[1:]]

    def arm_part_timer(self, phone: str, ref: str, timer_id: str) -> bool:
        """Record the give-up reply of a long message; False if the message completed meanwhile."""
        return bool(self.redis.hsetnx(self.key("concat", phone, ref), "timer", timer_id))

    # --- people --------------------------------------------------------------------------------------------

    def person(self, phone: str) -> Person:
        return Person.from_hash(phone, self.redis.hgetall(self.key("person", phone)))

    def remember(self, phone: str, **fields: str | None) -> None:
        """Set (or, with None, forget) a number's fields: tz, asked, out, list, last."""
        key = self.key("person", phone)
        pipe = self.redis.pipeline(transaction=True)
        if keep := {k: v for k, v in fields.items() if v is not None}:
            pipe.hset(key, mapping=keep)
        if drop := [k for k, v in fields.items() if v is None]:
            pipe.hdel(key, *drop)
        pipe.execute()

    def hold(self, phone: str, since: float) -> int:
        """Opt a number out: mark it (with the id sequence's value, so begin.lua can tell the opt-out's own
        confirmation from older replies) and take its reminders off the schedule; they stay stored, listed as held."""
        self.remember(phone, out=str(int(since)), outseq=str(int(self.redis.get(self.key("seq")) or 0)))
        return int(self._hold(keys=[self.key("due"), self.key("claims"), self.key("p", phone)]))

    def holds(self, rid: str, token: str) -> bool:
        """Whether `token` still holds the claim on `rid` (cancels and opt-outs take claims away)."""
        return as_text(self.redis.hget(self.key("claims"), rid) or b"") == token

    def inbound(self, phone: str, message_id: str) -> tuple[bool, Person, int]:
        """Everything a new inbound text needs first, in one round trip: whether this message was handled already,
        the sender's record, and how many texts the number sent this minute (counting this one)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.exists(self.key("in", message_id))
        pipe.hgetall(self.key("person", phone))
        self._count(pipe, "texts", phone, 60)
        seen, person, texts, _ = pipe.execute()
        return bool(seen), Person.from_hash(phone, person), int(texts)

    def _count(self, pipe: redis.client.Pipeline, counter: str, phone: str, window: int) -> None:
        key = self.key("rate", counter, phone, str(int(time.time() // window)))
        pipe.incr(key)
        pipe.expire(key, window * 2)

    def unsent_count(self, phone: str) -> int:
        """How many reminders a number has that are not sent yet."""
        return int(self.redis.zcard(self.key("p", phone)))

    def reminder_load(self, phone: str) -> tuple[int, int]:
        """For a new reminder, in one round trip: reminders the number made this minute (counting this one), and
        how many it has not been sent yet."""
        pipe = self.redis.pipeline(transaction=False)
        self._count(pipe, "new", phone, 60)
        pipe.zcard(self.key("p", phone))
        made, _, unsent = pipe.execute()
        return int(made), int(unsent)

    def first_time(self, what: str, phone: str, seconds: int) -> bool:
        """True at most once per `seconds` for this number (e.g. one polite refusal a minute)."""
        return bool(self.redis.set(self.key("once", what, phone), "1", nx=True, ex=seconds))

    # --- reading -------------------------------------------------------------------------------------------

    def get(self, rid: str) -> Reminder | None:
        return self.get_many([rid])[0]

    def get_many(self, ids: list[str]) -> list[Reminder | None]:
        """Entries by id with their status: pending, sending (claimed), held (opted out), or how they ended."""
        pipe = self.redis.pipeline(transaction=False)
        for rid in ids:
            pipe.hget(self.data_key(rid), rid)
            pipe.hexists(self.key("claims"), rid)
            pipe.zscore(self.key("due"), rid)
            pipe.get(self.key("done", rid))
        replies = pipe.execute() if ids else []
        found: list[Reminder | None] = []
        for i, rid in enumerate(ids):
            raw, claimed, scheduled, done = replies[4 * i: 4 * i + 4]
            if raw is not None:
                status = "held" if scheduled is None else "sending" if claimed else "pending"
                found.append(Reminder.from_record(rid, raw, status=status))
            else:
                found.append(Reminder.from_record(rid, done) if done is not None else None)
        return found

    def for_phone(self, phone: str) -> list[Reminder]:
        """A number's unsent reminders (pending, sending, or held while it opted out), soonest first."""
        ids = [as_text(i) for i in self.redis.zrange(self.key("p", phone), 0, -1)]
        return [rem for rem in self.get_many(ids) if rem is not None]

    def page(self, phone: str, statuses: set[str], limit: int, after: tuple[float, str] | None
             ) -> tuple[list[Reminder], tuple[float, str] | None]:
        """A page of a number's reminders in the given statuses: unsent ones soonest first (from its index),
        finished ones newest first (from its history). `after` is the previous page's last (score, id); a number
        holds at most a few hundred entries, so each page reads them all and stays right while they change."""
        unsent = bool(statuses & {"pending", "sending", "held"})
        if unsent and statuses - {"pending", "sending", "held"}:
            raise ValueError("list unsent and finished reminders separately")
        members = self.redis.zrange(self.key("p" if unsent else "h", phone), 0, -1, withscores=True)
        ordered = sorted(((score, as_text(m)) for m, score in members), reverse=not unsent)
        if after is not None:
            ordered = [x for x in ordered if (x > after if unsent else x < after)]
        wanted = [(key, rem) for key, rem in zip(ordered, self.get_many([rid for _, rid in ordered]))
                  if rem is not None and rem.status in statuses]
        page = wanted[:limit]
        return [rem for _, rem in page], (page[-1][0] if len(wanted) > limit else None)

    def record_delivery(self, rid: str, state: str, code: str | None, replay_key: str) -> bool:
        """Keep a delivery receipt's verdict on a message; a receipt seen before, or a late 'submitted' after a
        verdict, changes nothing."""
        if not self.redis.set(self.key("dlr-seen", replay_key), "1", nx=True, ex=DONE_TTL):
            return False
        known = self.delivery(rid)
        if state == "submitted" and known and known["state"] != "submitted":
            return False
        value = json.dumps({"state": state, "code": code, "at": round(time.time(), 3)})
        self.redis.set(self.key("dlr", rid), value, ex=DONE_TTL)
        return True

    def delivery(self, rid: str) -> dict | None:
        return self.deliveries([rid])[0]

    def deliveries(self, ids: list[str]) -> list[dict | None]:
        """What the latest delivery receipt said for each id (None: no receipt), in one round trip."""
        raws = self.redis.mget([self.key("dlr", rid) for rid in ids]) if ids else []
        return [json.loads(raw) if raw else None for raw in raws]

    def next_due(self) -> float | None:
        first = self.redis.zrange(self.key("due"), 0, 0, withscores=True)
        return first[0][1] if first else None

    def pending_count(self) -> int:
        return int(self.redis.zcard(self.key("due")))

    def dead_letters(self, limit: int = 100) -> list[str]:
        return [as_text(i) for i in self.redis.zrevrange(self.key("dead"), 0, limit - 1)]

    def wait_for_work(self, timeout: float) -> None:
        """Sleep until `timeout` passes or something is scheduled sooner than what was known (see add.lua)."""
        if timeout >= 0.01:
            self.redis.blpop([self.key("wake")], timeout=round(timeout, 3))
        elif timeout > 0:
            time.sleep(timeout)  # BLPOP reads a timeout under a millisecond as 0, which blocks forever


def as_text(value: str | bytes) -> str:
    """Redis answers bytes; keys and ids are text."""
    return value.decode() if isinstance(value, bytes) else str(value)
