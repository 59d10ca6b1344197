"""The daily budget per number: the last line of defence against cost. At most MAX_SMS_PER_NUMBER_PER_DAY SMS, and
MAX_SEGMENTS_PER_NUMBER_PER_DAY segments (what Vonage bills: a 1,000-emoji message is 30), go to one number in any 24
hours, whatever asked for them.

What counts: every SMS to the number (reminders, each occurrence of a series, `until done` repeats, replies to its
texts, opt-out and opt-in confirmations, the notice below), each occurrence once however often it is tried. Past the
budget a reminder waits until the budget frees (its oldest counted send turns 24 hours old) and then goes, so nothing
is lost; a reply is dropped (an answer hours late would only confuse), and the number is owed one notice. One SMS a
day may go past the budget, counted apart (`spare`): the opt-out's confirmation, which the rules allow after every
opt-out, else that notice.
So STOP and START repeated cannot buy texts: the opt-out and opt-in still take effect, answered only within budget.

spend.lua checks it atomically as each send begins, so concurrent workers cannot overshoot. Its keys:
`sent:<phone>` (ZSET '<id>:<due>/<segments>' -> when begun, the last 24 hours), `bnote:<phone>` (the notice is owed,
then its id; expires after 24 hours), `spare:<phone>` (the day's one SMS past the budget is spent), `bnotify` (numbers
owed a notice) and `capped` (number -> when it last met its budget).
"""
from __future__ import annotations

from collections.abc import Callable

import redis

from app.settings import RedisSettings
from app.storage import clock
from app.storage.state import State, as_text
from app.storage.store import Channel, Reminder, Store

DAY = 24 * 3600
NOTICE_DELAY = 1.0  # seconds: the notice's id is recorded before it can be claimed, so spend.lua knows it
OVER_BUDGET = "over"  # what spend.lua answers for an entry past its number's daily budget


class Budget(State):
    def __init__(self, client: redis.Redis, prefix: str = RedisSettings.key_prefix) -> None:
        super().__init__(client, prefix)
        self._spend = self.script("spend")

    def spend_many(self, store: Store, begun: list[tuple[Reminder, str, int]], texts: int, segments: int
                   ) -> list[str | None]:
        """Count each begun (entry, its job's token, its segments) against its number's budget of `texts` SMS and
        `segments` segments a day (0: no such limit), in one round trip: 'ok' to send, OVER_BUDGET, or None when
        the job no longer holds the entry."""
        pipe = self.redis.pipeline(transaction=False)
        for rem, token, parts in begun:
            phone = rem.phone
            keys = [store.key("due"), store.data_key(rem.id), store.key("claims"), self.key("sent", phone),
                    self.key("bnote", phone), self.key("spare", phone), self.key("person", phone),
                    self.key("capped"), self.key("bnotify")]
            self._spend(keys=keys, args=[rem.id, token, f"{rem.id}:{rem.due!r}", parts, texts, segments, phone],
                        client=pipe)
        return [as_text(verdict) if verdict else None for verdict in pipe.execute()]

    def send_notices(self, store: Store, notice: Callable[[str, int], tuple[str, Channel]]) -> int:
        """Schedule the one notice each number that met its budget is owed: `notice(phone, texts it had in the last
        24 hours)` says its words and the channel it goes on; returns how many."""
        sent = 0
        while phone := self.redis.lpop(self.key("bnotify")):
            phone = as_text(phone)
            message, channel = notice(phone, self.texts(phone))
            note = Reminder(phone=phone, message=message, due=clock.now() + NOTICE_DELAY, kind="reply", channel=channel)
            (rid,) = store.add([note])
            self.redis.set(self.key("bnote", phone), rid, xx=True, keepttl=True)
            sent += 1
        return sent

    def capped(self, now: float | None = None, limit: int = 50) -> list[tuple[str, float]]:
        """(number, when it last met its budget) of the numbers that did in the last 24 hours, newest first."""
        now = clock.now() if now is None else now
        found = self.redis.zrevrangebyscore(self.key("capped"), "+inf", now - DAY, start=0, num=limit,
                                            withscores=True)
        return [(as_text(phone), at) for phone, at in found]

    def capped_count(self, now: float | None = None) -> int:
        now = clock.now() if now is None else now
        return int(self.redis.zcount(self.key("capped"), now - DAY, "+inf"))

    def texts(self, phone: str, now: float | None = None) -> int:
        """SMS counted against the number in the last 24 hours."""
        now = clock.now() if now is None else now
        return int(self.redis.zcount(self.key("sent", phone), now - DAY, "+inf"))

    def used(self, phone: str, now: float | None = None) -> int:
        """Segments counted against the number in the last 24 hours (a send counted before segments were: one)."""
        now = clock.now() if now is None else now
        counted = self.redis.zrangebyscore(self.key("sent", phone), now - DAY, "+inf")
        return sum(int(parts) if sep else 1 for sep, parts in
                   (as_text(member).rpartition("/")[1:] for member in counted))
