"""Reminders that must not be missed (`take pills 8am daily until done`): after each delivery the reminder repeats
every NAG_MINUTES, at most NAG_TIMES times, until the person replies DONE or OK.

The repeats are ordinary entries on the schedule, added when the reminder is delivered (by the courier), so they
travel the normal courier: its rate limit, its retries, the daily per-number budget, and begin.lua's rule that
nothing follows an opt-out's confirmation. They are replies (ids `x<n>`), so they are not listed, and DONE drops
those not sent yet. `ack:<phone>` is the set of a number's repeats still to come; `nagged:<id>:<due>` makes a repeated
delivery of the same occurrence (at-least-once) start its repeats once.
"""
from __future__ import annotations

import time

from app.storage.people import People
from app.storage.state import State, as_text
from app.storage.store import Reminder, Store
from app.texting.language import language_of
from app.texting.phrasebook import phrasebook

NAG_TIMES = 6


class Acks(State):
    def start(self, store: Store, rem: Reminder, every: float) -> list[str]:
        """Schedule the repeats of a delivered occurrence, `every` seconds apart; returns their ids (none when this
        occurrence already has its repeats)."""
        span = int(every * NAG_TIMES) + 3600
        if not self.redis.set(self.key("nagged", rem.id, str(int(rem.due))), "1", nx=True, ex=span):
            return []
        person = People(self.redis, self.prefix).person(rem.phone)
        now, text = time.time(), phrasebook(language_of(person)).say("nag_repeat", message=rem.message)
        repeats = [Reminder(phone=rem.phone, message=text, due=now + every * n, tz=rem.tz, kind="reply")
                   for n in range(1, NAG_TIMES + 1)]
        ids = Store.add(store, repeats)  # Store's own add: repeats are not newly created reminders (metrics)
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
