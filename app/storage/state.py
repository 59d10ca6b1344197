"""What every piece of the service's Redis state shares: one connection, one key prefix, Lua kept beside the code.

The schedule (`store.Store`), people (`people.People`), delivery receipts (`receipts.Receipts`), long-message parts
(`text_parts.Parts`) and per-number counts (`quotas.Quotas`) are each a small class over the same client and prefix,
so each concept's keys and scripts live with the code that uses them.
"""
from __future__ import annotations

from pathlib import Path

import redis
from redis.commands.core import Script

from app.settings import RedisSettings

LUA = Path(__file__).with_name("lua")


class State:
    def __init__(self, client: redis.Redis, prefix: str = RedisSettings.key_prefix) -> None:
        self.redis = client
        self.prefix = prefix

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def inbound_key(self, message_id: str) -> str:
        """The dedupe key add.lua sets, with the ids it made, once an inbound message (or a keyed API create) is
        handled: a retry finds it."""
        return self.key("in", message_id)

    def script(self, name: str, *libraries: str) -> Script:
        """A Lua script from `app/storage/lua/<name>.lua`, after the functions of any `libraries` (`lua/<library>.lua`)
        it calls, registered on this connection (EVALSHA, loaded on first use)."""
        return self.redis.register_script("".join((LUA / f"{part}.lua").read_text() for part in (*libraries, name)))


def as_text(value: str | bytes) -> str:
    """Redis answers bytes; keys and ids are text."""
    return value.decode() if isinstance(value, bytes) else str(value)
