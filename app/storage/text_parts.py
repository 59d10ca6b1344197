"""Long inbound texts: Vonage delivers them in parts (`concat-*`), in any order and possibly retried; the parts are
kept until all are in (lua/concat.lua), so the whole text is acted on once.

What a sender can make us keep is bounded: a part is at most one SMS part long, a message has at most MAX_PARTS
parts, and a number has at most MAX_OPEN messages waiting for parts (each part also counts as a text toward
TEXTS_PER_MINUTE, texting/conversation.py)."""
from __future__ import annotations

import json

from app.storage import clock
from app.storage.state import State, as_text

MAX_PART_CHARS = 160  # characters (not bytes) one SMS part can carry: 153 GSM-7, 67 UCS-2, 160 leaves room
MAX_PARTS = 16  # concat-total: a longer text could not be a reminder anyway (reminders.MAX_MESSAGE)
MAX_OPEN = 3  # messages one number may have waiting for their parts


class Parts(State):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._concat = self.script("concat")

    def collect(self, phone: str, ref: str, part: int, total: int, text: str, message_id: str,
                ttl: int) -> tuple[str, str, list[tuple[str, str]]]:
        """Keep one part. Returns ('full', '', []) when the number has MAX_OPEN messages waiting already (the part
        is dropped), ('first' | 'wait', '', []) until every part is in, then ('complete', the give-up reply's id
        or '', parts as (message id, text))."""
        keys = [self.key("concat", phone, ref), self.key("concat-open", phone)]
        args = [part, json.dumps([message_id, text]), total, ttl, clock.now(), MAX_OPEN]
        state, *rest = [as_text(x) for x in self._concat(keys=keys, args=args)]
        if state != "complete":
            return state, "", []
        return state, rest[0], [tuple(json.loads(p)) for p in rest[1:]]

    def arm_timer(self, phone: str, ref: str, timer_id: str) -> bool:
        """Record the give-up reply of a long message; False if the message completed meanwhile."""
        return bool(self.redis.hsetnx(self.key("concat", phone, ref), "timer", timer_id))
