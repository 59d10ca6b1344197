"""/metrics: the shared counters (storage/counters.py) and the schedule's state, read at scrape time through a
prometheus-client custom collector; and the signs that Redis lost data (`losses`), which /readyz and the dashboard
word."""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.utils import floatToGoString

from app.services import Services
from app.storage import clock, counters
from app.storage.counters import KINDS, LATENESS_BUCKETS

OVERDUE_AFTER = 5.0  # seconds past due, not yet taken by a worker


@dataclass(frozen=True)
class Losses:
    """Signs that Redis lost data: keys it evicted since the service first saw it (storage/evictions.py), and
    entries on the schedule whose record is gone, in a bounded sample (Store.orphans)."""

    evicted: int
    policy: str  # the server's maxmemory-policy
    orphans: int
    sampled: int

    def reasons(self) -> list[str]:
        """What is wrong, in words for an operator; empty when nothing is."""
        found = []
        if self.evicted:
            found.append(f"Redis evicted {self.evicted} keys since the service started (maxmemory-policy "
                         f"{self.policy}): reminders may be lost; set it to noeviction (docs/durability.md)")
        if self.orphans:
            found.append(f"{self.orphans} of {self.sampled} entries sampled on the schedule have lost their record: "
                         f"reminders were lost (docs/durability.md)")
        return found


def losses(services: Services) -> Losses:
    evictions = services.evictions.read()
    orphans, sampled = services.store.orphans()
    return Losses(evictions.since_start, evictions.policy, orphans, sampled)


def percentile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class RedisCollector:
    """Prometheus collector reading the shared counters and the schedule's depth at scrape time."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        total = counters.totals(self.services.store)
        created = CounterMetricFamily("reminders_created", "Reminders created (by text or the API).")
        created.add_metric([], total.get("created", 0))
        yield created
        for name, doc in (("sent", "SMS accepted by Vonage (or written by the log sender)."),
                          ("failed", "SMS given up on and dead-lettered."),
                          ("retried", "SMS sends retried after a temporary failure."),
                          ("over_budget", "Sends stopped by the daily budget per number (reminders wait, replies "
                                          "are dropped).")):
            family = CounterMetricFamily(f"reminders_sms_{name}", doc, labels=["kind"])
            for kind in KINDS:
                family.add_metric([kind], total.get(f"{name}:{kind}", 0))
            yield family
        by_channel = CounterMetricFamily("reminders_sent_by_channel", "Messages accepted by Vonage (or written by the "
                                         "log sender), by the channel they went on.", labels=["channel"])
        whatsapp = total.get("sent_whatsapp", 0)
        by_channel.add_metric(["sms"], sum(total.get(f"sent:{kind}", 0) for kind in KINDS) - whatsapp)
        by_channel.add_metric(["whatsapp"], whatsapp)
        yield by_channel
        yield self._lateness(total)
        yield from self._depth(now)
        yield from self._losses()

    def _lateness(self, total: dict[str, float]) -> Metric:
        family = HistogramMetricFamily("reminders_lateness_seconds",
                                       "Seconds from due time to the send (replies: from the text's arrival).",
                                       labels=["kind"])
        for kind in KINDS:
            running, buckets = 0.0, []
            for bound in [*LATENESS_BUCKETS, math.inf]:
                running += total.get(f"late:{kind}:{bound:g}", 0)
                buckets.append((floatToGoString(bound), running))
            family.add_metric([kind], buckets, total.get(f"latesum:{kind}", 0))
        return family

    def _depth(self, now: float) -> Iterator[Metric]:
        services = self.services
        scheduled, _, overdue, dead = services.store.depth(now, 0, OVERDUE_AFTER)
        capped = services.budget.capped_count(now)
        jobs = services.queue.count
        for name, doc, value in (
                ("scheduled", "Entries on the schedule (reminders and replies not yet sent).", scheduled),
                ("overdue", "Entries more than 5 s past due and not yet taken by a worker.", overdue),
                ("dead_letters", "Messages on the dead-letter list.", dead),
                ("queue_jobs", "Delivery jobs waiting in the rq queue.", jobs),
                ("numbers_over_budget", "Numbers that met their daily SMS budget in the last 24 hours.", capped),
                ("workers_alive", "Workers whose heartbeat is fresh.",
                 len(services.heartbeats.alive(now)))):
            gauge = GaugeMetricFamily(f"reminders_{name}", doc)
            gauge.add_metric([], value)
            yield gauge


    def _losses(self) -> Iterator[Metric]:
        lost = losses(self.services)
        for name, doc, value in (
                ("redis_evicted_keys", "Keys Redis evicted since the service first saw the server (any is data "
                                       "lost: set maxmemory-policy noeviction).", lost.evicted),
                ("schedule_orphans", "Entries on the schedule whose record is gone, among those sampled (the "
                                     "soonest due and some at random).", lost.orphans),
                ("schedule_sampled", "Entries the orphan check looked at.", lost.sampled)):
            gauge = GaugeMetricFamily(f"reminders_{name}", doc)
            gauge.add_metric([], value)
            yield gauge


def exposition(services: Services) -> tuple[bytes, str]:
    """The Prometheus text page and its content type."""
    counters.flush()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RedisCollector(services))  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST
