"""Each number's unsent reminders, for LIST, the API, opt-outs and the per-number cap.

A key per number cost ~130 bytes of Redis memory for a number with one reminder, more than the reminder's own
record. The numbers share BUCKETS hashes instead (`pidx:<n>`, the number modulo BUCKETS): field = the number,
value = its reminder ids, comma-separated. A hash of up to 128 short fields stays a listpack, about 25 bytes a
number (see docs/capacity.md for how that scales). The scripts that change the index (add, settle, hold) share
`lua/index.lua`; ordering by due time comes from the records themselves.
"""
from __future__ import annotations

import zlib

import redis

from .state import State, as_text

BUCKETS = 4096  # changing it moves every number to another bucket: `migrate` would have to run again
OLD_KEYS = "p:*"  # before buckets: a sorted set per number (`p:<phone>`), moved by `migrate`


def ids_in(raw: str | bytes | None) -> list[str]:
    """The ids in an index value (None: the number has none)."""
    return [x for x in as_text(raw).split(",") if x] if raw else []


class PhoneIndex(State):
    def bucket(self, phone: str) -> str:
        """The hash holding `phone`'s ids. Numbers are E.164 digits, whose last digits are spread evenly."""
        n = int(phone) if phone.isdigit() else zlib.crc32(phone.encode())
        return self.key("pidx", str(n % BUCKETS))

    def ids(self, phone: str) -> list[str]:
        return ids_in(self.redis.hget(self.bucket(phone), phone))

    def read_in(self, pipe: redis.client.Pipeline, phone: str) -> None:
        """Queue the read of `phone`'s ids on `pipe` (its answer goes through `ids_in`)."""
        pipe.hget(self.bucket(phone), phone)

    def migrate(self) -> int:
        """Move per-number sorted sets written before buckets into them; returns how many numbers moved. Each
        number moves atomically (union with what is already in its bucket), so running it twice, or in two
        processes at once, is harmless."""
        move, moved = self.script("migrate_index", "index"), 0
        start = len(self.key("p:"))
        for key in self.redis.scan_iter(match=self.key(OLD_KEYS), count=500):
            phone = as_text(key)[start:]
            moved += int(move(keys=[as_text(key), self.bucket(phone)], args=[phone]))
        return moved
