"""Long inbound texts: Vonage delivers them in parts (`concat-*`), in any order and possibly retried; the parts are
kept until all are in (lua/concat.lua), so the whole text is acted on once."""
from __future__ import annotations

import json

from .state import State, as_text


class Parts(State):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._concat = self.script("concat")

    def collect(self, phone: str, ref: str, part: int, total: int, text: str, message_id: str,
                ttl: int = 600) -> tuple[str, str, list[tuple[str, str]]]:
        """Keep one part. Returns ('first' | 'wait', '', []) until every part is in, then
        ('complete', the give-up reply's id or '', parts as (message id, text))."""
        key = self.key("concat", phone, ref)
        state, *rest = [as_text(x) for x in self._concat(keys=[key], args=[part, json.dumps([message_id, text]),
                                                                          total, ttl])]
        if state != "complete":
            return state, "", []
        return state, rest[0], [tuple(json.loads(p)) for p in rest[1:]]

    def arm_timer(self, phone: str, ref: str, timer_id: str) -> bool:
        """Record the give-up reply of a long message; False if the message completed meanwhile."""
        return bool(self.redis.hsetnx(self.key("concat", phone, ref), "timer", timer_id))
