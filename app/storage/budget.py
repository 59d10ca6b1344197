"""The daily budget per number: the last line of defence against cost. At most MAX_SMS_PER_NUMBER_PER_DAY SMS go to
one number in any 24 hours, whatever asked for them.

What counts: every send begun to the number (reminders, each occurrence of a series, `until done` repeats, and
replies to its texts), each occurrence once however often it is tried. Two messages do not count and always go: the
opt-out's confirmation, and the one notice that the budget is reached. Past the budget a reminder waits until the
budget frees (its oldest counted send turns 24 hours old) and then goes, so nothing is lost; a reply is dropped (an
answer hours late would only confuse).

begin.lua enforces it atomically as each send begins, so concurrent workers cannot overshoot. Its keys:
`sent:<phone>` (ZSET '<id>:<due>' -> when begun, the last 24 hours), `bnote:<phone>` (the notice is owed, then its
id; expires after 24 hours), `bnotify` (numbers owed a notice) and `capped` (number -> when it last met its budget).
"""
from __future__ import annotations

from collections.abc import Callable

from app.storage import clock
from app.storage.state import State, as_text
from app.storage.store import Reminder, Store

DAY = 24 * 3600
NOTICE_DELAY = 1.0  # seconds: the notice's id is recorded as exempt before it can be claimed


class Budget(State):
    def send_notices(self, store: Store, words: Callable[[str], str]) -> int:
        """Schedule the one notice each number that met its budget is owed, saying `words(phone)`; returns how
        many."""
        sent = 0
        while phone := self.redis.lpop(self.key("bnotify")):
            phone = as_text(phone)
            notice = Reminder(phone=phone, message=words(phone), due=clock.now() + NOTICE_DELAY, kind="reply")
            (rid,) = store.add([notice])
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

    def used(self, phone: str, now: float | None = None) -> int:
        """Sends counted against the number in the last 24 hours."""
        now = clock.now() if now is None else now
        return int(self.redis.zcount(self.key("sent", phone), now - DAY, "+inf"))
