"""Numbers a carrier reported as unable to get texts for good (invalid, barred: delivery/outcomes.py): their reminders
are held, like an opt-out's but for another reason, until the number texts in again.

The mark is the field `unreachable` ("<since>:<code>") of the number's hash `person:<phone>`, where settle.lua sees
it and keeps the number's reminders held; the sorted set `unreachable` (number -> since) lists the marked numbers
for the dashboard.
"""
from __future__ import annotations

from datetime import datetime

from app.storage import clock, people
from app.storage.state import State, as_text
from app.storage.store import Store


class Unreachable(State):
    def mark(self, store: Store, phone: str, code: str | None) -> int:
        """Hold the number's reminders and remember why; returns how many were held."""
        now = clock.now()
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.key("person", phone), "unreachable", f"{now:.0f}:{code or ''}")
        pipe.zadd(self.key("unreachable"), {phone: now})
        pipe.execute()
        return store.hold(phone)

    def clear(self, store: Store, phone: str, now: datetime, opted_out: bool) -> int:
        """The number texted in, so it can get texts again: what is still ahead resumes (unless it opted out, whose
        hold stays). Returns how many resumed."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hdel(self.key("person", phone), "unreachable")
        pipe.zrem(self.key("unreachable"), phone)
        pipe.execute()
        return 0 if opted_out else people.resume(store, phone, now)

    def numbers(self, limit: int = 20) -> list[tuple[str, float, str]]:
        """(number, since, carrier's code) of marked numbers, newest first."""
        marked = [(as_text(p), since) for p, since in
                  self.redis.zrevrange(self.key("unreachable"), 0, limit - 1, withscores=True)]
        pipe = self.redis.pipeline(transaction=False)
        for phone, _ in marked:
            pipe.hget(self.key("person", phone), "unreachable")
        return [(phone, since, as_text(mark or b"").partition(":")[2])
                for (phone, since), mark in zip(marked, pipe.execute())]

    def count(self) -> int:
        return int(self.redis.zcard(self.key("unreachable")))
