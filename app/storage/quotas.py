"""Per-number counts that bound what one number can make the service do: texts answered and reminders made per
minute, and notices sent at most once in a while (one polite refusal a minute, never a reply storm)."""
from __future__ import annotations

from typing import NamedTuple

import redis

from app.settings import RedisSettings
from app.storage import clock
from app.storage.people import Person
from app.storage.phoneindex import PhoneIndex, ids_in
from app.storage.state import State
from app.storage.store import Cap


class Arrival(NamedTuple):
    seen: bool  # this message was handled already (a webhook retry)
    person: Person
    texts: int  # texts from the number this minute, this one counted
    unsent: int  # its reminders not sent yet


WINDOW = 60  # seconds: the per-minute counts' window; each count is kept for two (KEPT), so a late reader finds it
KEPT = 2 * WINDOW


class Quotas(State):
    def __init__(self, client: redis.Redis, prefix: str = RedisSettings.key_prefix) -> None:
        super().__init__(client, prefix)
        self.index = PhoneIndex(client, prefix)
        self._arrival = self.script("arrival")

    def arrival(self, phone: str, message_id: str, whatsapp: bool = False) -> Arrival:
        """Everything a new inbound text needs first, in one call (lua/arrival.lua): whether this message was handled
        already (add.lua sets `in:<messageId>`), the sender's record, how many texts the number sent this minute
        (counting this one), and how many reminders it has not been sent yet (its schedule index). A WhatsApp message
        also opens the number's 24-hour window, in the same call."""
        keys = [self.inbound_key(message_id), self.key("person", phone), self._key("texts", phone),
                self.index.bucket(phone)]
        seen, person, texts, unsent = self._arrival(keys=keys, args=[phone, KEPT, repr(clock.now()),
                                                                            "1" if whatsapp else "0"])
        return Arrival(bool(seen), Person.from_hash(phone, dict(zip(person[::2], person[1::2]))), int(texts),
                       len(ids_in(unsent)))

    def reminders_made(self, phone: str, limit: int) -> Cap:
        """The cap on reminders `phone` makes this minute: Store.add counts each against it, in the same step."""
        return Cap(self._key("new", phone), limit, KEPT)

    def first_time(self, what: str, phone: str, seconds: int) -> bool:
        """True at most once per `seconds` for this number (e.g. one polite refusal a minute)."""
        return bool(self.redis.set(self.key("once", what, phone), "1", nx=True, ex=seconds))

    def _key(self, counter: str, phone: str) -> str:
        """This window's count of `counter` for `phone`, kept for KEPT seconds (by arrival.lua, or add.lua for a
        Cap)."""
        return self.key("rate", counter, phone, str(int(clock.now() // WINDOW)))



class AuthFailures(State):
    """Failed attempts per client address, counted per minute in Redis so every web process shares them."""

    def _key(self, address: str) -> str:
        return self.key("rate", "auth", address, str(int(clock.now() // WINDOW)))

    def wait(self, address: str, limit: int) -> int:
        """Seconds until `address` may try again: 0 while it has failed fewer than `limit` times this minute."""
        failed = int(self.redis.get(self._key(address)) or 0)
        return WINDOW - int(clock.now() % WINDOW) if failed >= limit else 0

    def add(self, address: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(self._key(address))
        pipe.expire(self._key(address), KEPT)
        pipe.execute()
