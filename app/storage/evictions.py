"""Keys Redis evicted since the service first saw the server: the sign that a maxmemory-policy other than
noeviction is deleting data (reminders among it) without a word.

Redis counts evictions (INFO's `evicted_keys`) from its own start, not the service's, and a web process cannot
know when the service started. So the count the service first saw on this server (its `run_id`) is kept in
Redis as the baseline, and what the count has gained since is the figure that matters: it survives restarts of web
and worker, and starts again when Redis does (a new run id, a count from 0). Each process also keeps the baseline
it saw itself: an evicting Redis may evict the baseline's own key, and a baseline written afresh after that would
hide what came before. A count that fell below its baseline was reset (CONFIG RESETSTAT): the baseline follows it.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.storage.state import State, as_text


@dataclass(frozen=True)
class Evictions:
    since_start: int  # keys evicted since the service first saw this server
    policy: str  # the server's maxmemory-policy, to say why


class EvictionWatch(State):
    _seen: tuple[str, int] = ("", -1)  # (run id, baseline) as this process first saw them

    def read(self) -> Evictions:
        info = self.redis.info()  # the default sections: server (run_id), memory (the policy) and stats
        run_id, count = str(info["run_id"]), int(info.get("evicted_keys", 0))
        stored = self._stored()
        baselines = [base for rid, base in (stored, self._seen) if rid == run_id]
        baseline = min([*baselines, count])  # the first sight of this server, or a count reset since
        if stored != (run_id, baseline):
            self.redis.set(self.key("evictions"), f"{run_id} {baseline}")
        self._seen = (run_id, baseline)
        return Evictions(count - baseline, str(info.get("maxmemory_policy", "?")))

    def _stored(self) -> tuple[str, int]:
        run_id, _, count = as_text(self.redis.get(self.key("evictions")) or b"").partition(" ")
        return run_id, int(count) if count.isdigit() else -1
