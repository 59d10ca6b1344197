"""Each number's unsent reminders, for LIST, the API, opt-outs and the per-number cap.

A key per number cost more Redis memory, for a number with one reminder, than the reminder's own record. The
numbers share BUCKETS hashes instead (`pidx:<n>`, the number modulo BUCKETS): field = the number, value = its
reminder ids, comma-separated. A hash of up to 512 fields of up to 64 bytes (Redis's defaults) stays a listpack, so
a number costs far less than a key of its own once each bucket holds a few numbers, until the buckets outgrow
listpacks and become hash tables (docs/capacity.md, docs/benchmark.md). The scripts that change the index (add,
settle, hold) share `lua/index.lua`; ordering by due time comes from the records themselves.
"""
from __future__ import annotations

import zlib

from app.storage.state import State, as_text

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

    def migrate(self) -> int:
        """Move per-number sorted sets written before buckets into them; returns how many numbers moved. Each
        number moves atomically (union with what is already in its bucket), so running it twice, or in two
        processes at once, is harmless. A scan that finds nothing left to move marks the store done, so later
        starts skip the scan of the whole keyspace (an older process still running during the upgrade may
        write one more old set: the scan after it catches that)."""
        done = self.key("layout", "index")
        if as_text(self.redis.get(done) or b"") == "buckets":
            return 0
        move, moved = self.script("migrate_index", "index"), 0
        start = len(self.key("p:"))
        for key in self.redis.scan_iter(match=self.key(OLD_KEYS), count=500):
            phone = as_text(key)[start:]
            moved += int(move(keys=[as_text(key), self.bucket(phone)], args=[phone]))
        if not moved:
            self.redis.set(done, "buckets")
        return moved
