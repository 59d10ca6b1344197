"""Per-number counts that bound what one number can make the service do: texts answered and reminders made per
minute, and notices sent at most once in a while (one polite refusal a minute, never a reply storm)."""
from __future__ import annotations

import time

import redis

from .people import Person
from .phoneindex import PhoneIndex, ids_in
from .state import State


class Quotas(State):
    def __init__(self, client: redis.Redis, prefix: str = "rmd:") -> None:
        super().__init__(client, prefix)
        self.index = PhoneIndex(client, prefix)

    def arrival(self, phone: str, message_id: str) -> tuple[bool, Person, int]:
        """Everything a new inbound text needs first, in one round trip: whether this message was handled already
        (add.lua sets `in:<messageId>`), the sender's record, and how many texts the number sent this minute
        (counting this one)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.exists(self.key("in", message_id))
        pipe.hgetall(self.key("person", phone))
        self._count(pipe, "texts", phone, 60)
        seen, person, texts, _ = pipe.execute()
        return bool(seen), Person.from_hash(phone, person), int(texts)

    def reminder_load(self, phone: str) -> tuple[int, int]:
        """For a new reminder, in one round trip: reminders the number made this minute (counting this one), and
        how many it has not been sent yet (its schedule index)."""
        pipe = self.redis.pipeline(transaction=False)
        self._count(pipe, "new", phone, 60)
        self.index.read_in(pipe, phone)
        made, _, unsent = pipe.execute()
        return int(made), len(ids_in(unsent))

    def first_time(self, what: str, phone: str, seconds: int) -> bool:
        """True at most once per `seconds` for this number (e.g. one polite refusal a minute)."""
        return bool(self.redis.set(self.key("once", what, phone), "1", nx=True, ex=seconds))

    def _count(self, pipe: redis.client.Pipeline, counter: str, phone: str, window: int) -> None:
        key = self.key("rate", counter, phone, str(int(time.time() // window)))
        pipe.incr(key)
        pipe.expire(key, window * 2)
