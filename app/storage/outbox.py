"""Each number's conversation as the phone simulator shows it: texts in and out, in a short Redis stream.

The log sender writes every outbound SMS here (it has no phone to deliver to), and the simulator records the
texts it posts to the inbound webhook, so the page can show both sides, in order, by polling with a cursor.
"""
from __future__ import annotations

from typing import Literal

import redis

from app.settings import RedisSettings
from app.storage import clock
from app.storage.state import as_text

Direction = Literal["in", "out", "note"]  # note: something the simulator says
KEEP = 100  # messages per number
TTL = 24 * 3600  # seconds a quiet conversation is kept
MAX_TEXT = 1600  # characters kept of one message: ten SMS segments, more than any reply or reminder


class Outbox:
    def __init__(self, client: redis.Redis, prefix: str = RedisSettings.key_prefix) -> None:
        self.redis, self.prefix = client, prefix

    def key(self, phone: str) -> str:
        return f"{self.prefix}sim:{phone}"

    def record(self, phone: str, direction: Direction, text: str, channel: str = "", template: str = "") -> str:
        """Append one message (on WhatsApp: `channel`, and the `template` it went as, if any); returns its id (the
        stream's, ordered by time)."""
        fields = {"dir": direction, "text": text[:MAX_TEXT], "at": f"{clock.now():.3f}"}
        fields.update({k: v for k, v in (("ch", channel), ("tpl", template[:MAX_TEXT])) if v})
        pipe = self.redis.pipeline(transaction=True)
        pipe.xadd(self.key(phone), fields, maxlen=KEEP, approximate=True)
        pipe.expire(self.key(phone), TTL)
        entry_id = pipe.execute()[0]
        return entry_id.decode() if isinstance(entry_id, bytes) else entry_id

    def since(self, phone: str, after: str | None = None, limit: int = 100) -> list[dict]:
        """Messages after the id `after` (all kept ones when None), oldest first."""
        start = f"({after}" if after else "-"
        entries = self.redis.xrange(self.key(phone), start, "+", count=limit)
        return [_message(entry_id, fields) for entry_id, fields in entries]


def _message(entry_id: str | bytes, fields: dict) -> dict:
    def get(k: str) -> str:
        return as_text(fields.get(k.encode(), fields.get(k, b"")))

    return {"id": as_text(entry_id), "dir": get("dir"), "text": get("text"), "at": float(get("at") or 0),
            "channel": get("ch") or "sms", "template": get("tpl") or None}

