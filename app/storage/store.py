"""Reminders in Redis: one sorted set scored by due time is the whole schedule.

Layout (every key under the configured prefix, `rmd:` by default):
- `due`       ZSET id -> epoch seconds when the entry is next due (or when a worker's lease on it runs out)
- `data:<n>`  HASHes id -> compact JSON record (phone, message, due, zone, rule, attempts), reminder ids n*100 to
              n*100+99 in each: small hashes stay listpacks, much smaller than one big hash table.
              Replies (ids `x<n>`, longer and short-lived) live in `data:x`, so they never bloat a bucket.
- `claims`    HASH id -> token of the delivery job that holds it (only while in flight)
- `pidx:<n>`  HASHes phone -> its unsent reminders' ids (LIST, the API), numbers shared out over buckets
              (phoneindex.py); `layout:index` says older per-number keys were all moved into them
- `done:<id>` how an entry ended (sent, failed, cancelled), kept for a week; `dead` ZSET of failed ids
- `h:<phone>` ZSET of a number's finished reminders (newest kept)
- `in:<messageId>` inbound messages already handled (Vonage retries webhooks): written here, with the entries
Multi-key changes run as Lua scripts (in `lua/`) so that every step is atomic. People, receipts, long-message parts
and per-number counts are their own classes over the same connection (see state.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import redis

from app.phones import number_zone
from app.settings import RedisSettings
from app.storage import clock
from app.storage.phoneindex import PhoneIndex
from app.storage.state import State, as_text

Kind = Literal["reminder", "reply"]
Channel = Literal["sms", "whatsapp"]
WHATSAPP_MARK = "w:"  # a WhatsApp entry's number in its record, as a channel-qualified address (begin.lua knows)
PENDING = ("pending", "sending", "held")  # not yet sent: may still be changed or cancelled
DONE_TTL = 7 * 24 * 3600
INBOUND_TTL = 2 * 24 * 3600
BUCKET = 100  # reminders per data hash: well under Redis's listpack limit for hashes (512 entries by default)
ORPHAN_SAMPLE = 100  # entries the orphan check reads of the soonest due, and as many again at random
PARKED = 1e11  # the score of a reply waiting for its text's writes to reach a replica (replication.py releases it)


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
    nag: bool = False  # repeats after each delivery until the person replies DONE (nags.Nags)
    channel: Channel = "sms"  # where it goes: the channel it was made on (delivery/whatsapp.py for WhatsApp)

    @property
    def due_local(self) -> datetime:
        return datetime.fromtimestamp(self.due, ZoneInfo(self.tz))

    def record(self) -> str:
        """The stored form, as short as it can be (memory per pending reminder is a goal): a JSON list
        [phone, message, due, zone, rule, attempts, nag], trailing defaults left out; the zone only when the number
        does not tell it. A WhatsApp entry's number is `w:<number>` (2 bytes; a field would cost 11 and push a
        typical record past the 64 bytes a listpack bucket holds: docs/whatsapp.md)."""
        return json.dumps(self._fields(), ensure_ascii=False, separators=(",", ":"))

    def _fields(self) -> list:
        address = WHATSAPP_MARK + self.phone if self.channel == "whatsapp" else self.phone
        fields = [address, self.message, round(self.due, 3), "" if self.tz == number_zone(self.phone) else self.tz,
                  self.every or "", self.attempts, 1 if self.nag else 0]
        while fields[-1] in ("", 0, None) and len(fields) > 3:
            fields.pop()
        return fields

    @classmethod
    def from_record(cls, rid: str, raw: str | bytes, status: str = "pending") -> Reminder:
        """Read a stored record, or a finished one ({"r": record, "s": status, "w": why})."""
        rec = json.loads(raw)
        if isinstance(rec, dict):
            status, detail, rec = rec["s"], rec.get("w"), rec["r"]
        else:
            detail = None
        address, message, due, tz, every, attempts, nag = rec + ["", "", 0, 0][len(rec) - 3:]
        whatsapp = isinstance(address, str) and address.startswith(WHATSAPP_MARK)
        phone = address[len(WHATSAPP_MARK):] if whatsapp else address
        return cls(phone=phone, message=message, due=due, tz=tz or number_zone(phone) or "UTC", every=every or None,
                    kind="reply" if rid.startswith("x") else "reminder", attempts=attempts, id=rid, status=status,
                    detail=detail, nag=bool(nag), channel="whatsapp" if whatsapp else "sms")

    def checked(self) -> Reminder:
        """This reminder, if its fields have the types sending needs (a record planted or damaged in Redis may
        not); else ValueError, TypeError or KeyError (an unknown zone)."""
        if not (isinstance(self.phone, str) and isinstance(self.message, str) and isinstance(self.attempts, int)
                and isinstance(self.due, (int, float)) and isinstance(self.every, (str, type(None)))):
            raise TypeError("a field has the wrong type")
        _ = self.due_local  # read for its checks: an unknown zone raises (KeyError), as does a due time out of range
        return self

    def final_record(self, status: str, detail: str | None) -> str:
        final = {"r": self._fields(), "s": status, "t": round(clock.now(), 3)}
        if detail:
            final["w"] = detail
        return json.dumps(final, ensure_ascii=False, separators=(",", ":"))

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Cap:
    """A count of reminders a number made, kept in `key` for `seconds`, and the most it may reach (quotas.py makes
    them)."""

    key: str
    limit: int
    seconds: int


class OverCap(Exception):
    """The reminder would go past its number's cap: nothing was added."""


class Store(State):
    """The schedule: every read and write of reminders and replies; nothing else knows its key layout."""

    def __init__(self, client: redis.Redis, prefix: str = RedisSettings.key_prefix) -> None:
        super().__init__(client, prefix)
        self.index = PhoneIndex(client, prefix)
        self._add = self.script("add", "index")
        self._claim = self.script("claim")
        self._begin = self.script("begin")
        self._hold = self.script("hold", "index")
        self._settle = self.script("settle", "index")
        self._recover = self.script("recover")
        self._orphans = self.script("orphans")

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

    def add(self, items: list[Reminder], inbound_id: str | None = None, sender: str | None = None,
            park_replies: bool = False, cap: Cap | None = None) -> list[str] | None:
        """Schedule items atomically; with `inbound_id`, only the first delivery of that message does (None after);
        with `sender`, the first reminder becomes that number's last made (what UNDO cancels); with `park_replies`,
        replies wait (PARKED) until replication.py releases them; with a `cap`, they are one more reminder on its
        count, and nothing is added past its limit (OverCap), in the same step, so texts at once cannot overrun it."""
        keys = [self.key("due"), self.key("data", ""), self.key("seq"), self.key("wake"),
                self.inbound_key(inbound_id or "-")] + [self.index.bucket(item.phone) for item in items] + \
            [self.key("person", sender or "-"), cap.key if cap else self.key("rate", "-")]
        args: list[str | float] = [str(INBOUND_TTL) if inbound_id else "", "1" if sender else "0",
                                   str(cap.limit) if cap else "", str(cap.seconds) if cap else ""]
        for item in items:
            due = PARKED if park_replies and item.kind == "reply" else item.due
            args += [item.record(), repr(due), "1" if item.kind == "reminder" else "0", item.phone]
        result = [as_text(x) for x in self._add(keys=keys, args=args)]
        if result == ["over"]:
            raise OverCap(cap.key if cap else "")
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
        """`begin` for several (id, token) claims in one round trip (the courier's group commit). A record that
        cannot be read is ended as failed here: one bad entry must not fail the others or come back."""
        pipe = self.redis.pipeline(transaction=False)
        for rid, token in claims:
            self._begin(keys=[self.key("due"), self.data_key(rid), self.key("claims")],
                        args=[rid, token, repr(lease_end), self.key("person", "")], client=pipe)
        return [self._begun(rid, raw) for (rid, _), raw in zip(claims, pipe.execute())]

    def _begun(self, rid: str, raw: bytes | None) -> Reminder | None:
        if not raw:
            return None
        try:
            return Reminder.from_record(rid, raw, status="sending").checked()
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            self._quarantine(rid, f"unreadable record ({type(err).__name__})")
            return None

    def _quarantine(self, rid: str, why: str) -> None:
        """End an entry whose record cannot be read: off the schedule, dead-lettered with why, never sent."""
        final = json.dumps({"r": ["", "(unreadable)", 0], "s": "failed", "t": round(clock.now(), 3), "w": why})
        pipe = self.redis.pipeline(transaction=True)
        pipe.zrem(self.key("due"), rid)
        pipe.hdel(self.key("claims"), rid)
        pipe.hdel(self.data_key(rid), rid)
        pipe.set(self.key("done", rid), final, ex=DONE_TTL)
        pipe.zadd(self.key("dead"), {rid: clock.now()})
        pipe.execute()

    def reschedule(self, rem: Reminder, token: str, at: float, *, next_occurrence: bool = False,
                   delivered: bool = True) -> bool:
        """Put a claimed entry back on the schedule: a retry (same occurrence) or a series' next occurrence
        (after this one was delivered, or failed for good)."""
        updated = replace(rem, due=at, attempts=0) if next_occurrence else rem
        index = "1" if (rem.kind == "reminder" and next_occurrence) else ""
        return self._settle_call(rem, token, "reschedule", repr(at), updated.record(), index,
                                 sent=next_occurrence and delivered)

    def update(self, rem: Reminder) -> bool:
        """Store a changed reminder (new time, zone or text) and schedule it at `rem.due` (a held one stays held).
        False when it is gone or a worker is sending it right now."""
        return self._settle_call(rem, "", "reschedule", repr(rem.due), rem.record(), "1")

    def finish(self, rem: Reminder, token: str, status: str, detail: str | None = None) -> bool:
        """End an entry: sent, failed (dead-lettered) or cancelled; keeps how it ended for a week."""
        dead = repr(clock.now()) if status == "failed" else ""
        return self._settle_call(rem, token, "finish", rem.final_record(status, detail), str(DONE_TTL), dead,
                                 sent=status == "sent")

    def cancel(self, rid: str, detail: str | None = None, kinds: tuple[Kind, ...] = ("reminder",)
               ) -> Reminder | None:
        """Cancel an unsent entry of one of `kinds` (a reminder's whole series if recurring); None if there is none
        by that id."""
        rem = self.get(rid)
        if rem is None or rem.status not in PENDING or rem.kind not in kinds:
            return None
        return rem if self.finish(rem, "", "cancelled", detail) else None

    def discard(self, rid: str) -> bool:
        """Drop any unsent entry (a reply that is no longer wanted)."""
        return self.cancel(rid, kinds=("reminder", "reply")) is not None

    def _settle_call(self, rem: Reminder, token: str, mode: str, *args: str, sent: bool = False) -> bool:
        keys = [self.key("due"), self.data_key(rem.id), self.key("claims"), self.index.bucket(rem.phone),
                self.key("done", rem.id), self.key("dead"), self.key("person", rem.phone),
                self.key("h", rem.phone)]
        is_reminder = rem.kind == "reminder"
        marker = f"{rem.id}:{clock.now():.0f}" if sent and is_reminder else ""
        return bool(self._settle(keys=keys, args=[rem.id, token, mode, *args, marker, "1" if is_reminder else "0",
                                                  rem.phone]))

    def hold(self, phone: str) -> int:
        """Take a number's reminders off the schedule (it opted out): they stay stored and listed, as held."""
        return int(self._hold(keys=[self.key("due"), self.key("claims"), self.index.bucket(phone)], args=[phone]))

    def last_id(self) -> int:
        """The id sequence's current value: every entry made so far has an id up to it."""
        return int(self.redis.get(self.key("seq")) or 0)

    def holds(self, rid: str, token: str) -> bool:
        """Whether `token` still holds the claim on `rid` (cancels and opt-outs take claims away)."""
        return as_text(self.redis.hget(self.key("claims"), rid) or b"") == token

    def unsent_count(self, phone: str) -> int:
        """How many reminders a number has that are not sent yet."""
        return len(self.index.ids(phone))

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
        found = [rem for rem in self.get_many(self.index.ids(phone)) if rem is not None]
        return sorted(found, key=lambda rem: (rem.due, rem.id))

    def page(self, phone: str, statuses: set[str], limit: int, after: tuple[float, str] | None
             ) -> tuple[list[Reminder], tuple[float, str] | None]:
        """A page of a number's reminders in the given statuses: unsent ones soonest first (from its index),
        finished ones newest first (from its history). `after` is the previous page's last (score, id); a number
        holds at most a few hundred entries, so each page reads them all and stays right while they change."""
        unsent = bool(statuses & {"pending", "sending", "held"})
        if unsent and statuses - {"pending", "sending", "held"}:
            raise ValueError("list unsent and finished reminders separately")
        if unsent:
            found = [((rem.due, rem.id), rem) for rem in self.for_phone(phone)]
        else:
            members = self.redis.zrange(self.key("h", phone), 0, -1, withscores=True)
            history = sorted(((score, as_text(m)) for m, score in members), reverse=True)
            found = list(zip(history, self.get_many([rid for _, rid in history])))
        if after is not None:
            found = [(key, rem) for key, rem in found if (key > after if unsent else key < after)]
        wanted = [(key, rem) for key, rem in found if rem is not None and rem.status in statuses]
        page = wanted[:limit]
        return [rem for _, rem in page], (page[-1][0] if len(wanted) > limit else None)

    def next_due(self) -> float | None:
        first = self.redis.zrange(self.key("due"), 0, 0, withscores=True)
        return first[0][1] if first else None

    def pending_count(self) -> int:
        return int(self.redis.zcard(self.key("due")))

    def depth(self, now: float, ahead: float, overdue_after: float) -> tuple[int, int, int, int]:
        """The schedule at a glance, in one round trip: entries waiting, due within `ahead` seconds, overdue by
        more than `overdue_after` seconds, and dead letters."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.zcard(self.key("due"))
        pipe.zcount(self.key("due"), now, now + ahead)
        pipe.zcount(self.key("due"), "-inf", now - overdue_after)
        pipe.zcard(self.key("dead"))
        return tuple(int(n) for n in pipe.execute())  # type: ignore[return-value]

    def orphans(self, soonest: int = ORPHAN_SAMPLE, drawn: int = ORPHAN_SAMPLE) -> tuple[int, int]:
        """(entries with no record, entries looked at) among the `soonest` next due and `drawn` more at random: a
        bounded look for data Redis lost (orphans.lua)."""
        missing, sampled = self._orphans(keys=[self.key("due"), self.key("data", "")], args=[soonest, drawn, BUCKET])
        return int(missing), int(sampled)

    def soonest(self, limit: int) -> list[str]:
        """The ids of the next `limit` entries due, soonest first."""
        return [as_text(rid) for rid in self.redis.zrange(self.key("due"), 0, limit - 1)]

    def dead_letters(self, limit: int = 100) -> list[str]:
        return [as_text(i) for i in self.redis.zrevrange(self.key("dead"), 0, limit - 1)]

    def dead_letters_since(self, limit: int) -> list[tuple[str, float]]:
        """(id, when it failed) of the latest dead letters, newest first."""
        return [(as_text(rid), at) for rid, at in self.redis.zrevrange(self.key("dead"), 0, limit - 1,
                                                                       withscores=True)]

    def revive(self, rid: str) -> bool:
        """Take `rid` off the dead letters (False: it was not there, so someone else already did)."""
        return bool(self.redis.zrem(self.key("dead"), rid))

    def fail_delivered(self, rid: str, why: str, at: float) -> bool:
        """An entry Vonage took but could not deliver for a reason only the operator can mend (a WhatsApp template
        missing): it ends `failed`, with why, on the dead letters; False when it has no ending (a series goes on)."""
        if (done := self.redis.get(self.key("done", rid))) is None:
            return False
        final = json.dumps({**json.loads(done), "s": "failed", "w": why}, ensure_ascii=False, separators=(",", ":"))
        self.redis.pipeline(transaction=True).set(self.key("done", rid), final, keepttl=True).zadd(
            self.key("dead"), {rid: at}).execute()
        return True

    def bury(self, rid: str, at: float) -> None:
        """Put `rid` back on the dead letters."""
        self.redis.zadd(self.key("dead"), {rid: at})

    def claims(self) -> dict[str, str]:
        """Entry id -> token of the delivery job holding it, for every entry in flight."""
        return {as_text(rid): as_text(token) for rid, token in self.redis.hgetall(self.key("claims")).items()}

    def recover(self, orphans: dict[str, str], now: float) -> int:
        """Make due now the entries of `orphans` (id -> token) still claimed by those tokens; returns how many."""
        flat = [x for pair in orphans.items() for x in pair]
        return int(self._recover(keys=[self.key("due"), self.key("claims")], args=[repr(now), *flat])) if flat else 0

    def done_key(self, rid: str) -> str:
        """The key that records how an entry ended (a replica must have it before a cancel is confirmed)."""
        return self.key("done", rid)

    def using(self, client: redis.Redis) -> Store:
        """This schedule over another client, such as a pipeline gathering many steps into one round trip."""
        return Store(client, self.prefix)

    def wait_for_work(self, timeout: float) -> None:
        """Sleep until `timeout` passes or something is scheduled sooner than what was known (see add.lua)."""
        if timeout >= 0.01:
            self.redis.blpop([self.key("wake")], timeout=round(timeout, 3))
        elif timeout > 0:
            time.sleep(timeout)  # BLPOP reads a timeout under a millisecond as 0, which blocks forever
