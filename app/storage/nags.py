"""Reminders that must not be missed (`take pills 8am daily until done`): after each delivery the reminder repeats
every NAG_MINUTES, at most NAG_TIMES times, until the person replies DONE or OK.

The repeats are ordinary entries on the schedule, added when the reminder is delivered (by the courier), so they
travel the normal courier: its rate limit, its retries, the daily per-number budget, and begin.lua's rule that
nothing follows an opt-out's confirmation. They are replies (ids `x<n>`), so they are not listed, and DONE drops
those not sent yet. `ack:<phone>` is the set of a number's repeats still to come; `nagged:<id>:<due>` makes a repeated
delivery of the same occurrence (at-least-once) start its repeats once.
"""
from __future__ import annotations

from app.storage import clock
from app.storage.state import State, as_text
from app.storage.store import Reminder, Store

NAG_TIMES = 6


class Nags(State):
    def start(self, store: Store, rem: Reminder, every: float, text: str) -> list[str]:
        """Schedule the repeats of a delivered occurrence, `every` seconds apart, each saying `text`; returns their
        ids (none when this occurrence already has its repeats)."""
        span = int(every * NAG_TIMES) + 3600
        if not self.redis.set(self.key("nagged", rem.id, str(int(rem.due))), "1", nx=True, ex=span):
            return []
        now = clock.now()
        repeats = [Reminder(phone=rem.phone, message=text, due=now + every * n, tz=rem.tz, kind="reply",
                            channel=rem.channel)
                   for n in range(1, NAG_TIMES + 1)]
        ids = store.add(repeats)
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(self.key("ack", rem.phone), *ids)
        pipe.expire(self.key("ack", rem.phone), span)
        pipe.execute()
        return ids

    def done(self, store: Store, phone: str) -> int:
        """The person acknowledged: drop every repeat not sent yet. Returns how many were dropped."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.smembers(self.key("ack", phone))
        pipe.delete(self.key("ack", phone))
        ids, _ = pipe.execute()
        return sum(store.discard(as_text(rid)) for rid in ids)
