"""The composition root: every object the service runs on, built here from settings, for the web and the worker
alike. Each is made on first use (never at import or app creation) and kept for the process."""
from __future__ import annotations

from functools import cached_property

from flask import Flask, current_app
from redis import Redis, RedisError
from rq import Queue

from app.delivery.courier import Courier
from app.delivery.outcomes import Outcomes
from app.delivery.scheduler import Scheduler, batch_size_for
from app.delivery.senders import Sender, make_sender
from app.delivery.whatsapp import WhatsappRoute, make_whatsapp
from app.reminders import Reminders
from app.settings import Settings
from app.storage import clock
from app.storage.budget import Budget
from app.storage.connection import WEB_SOCKET_SECONDS, WORKER_SOCKET_SECONDS, connect
from app.storage.evictions import EvictionWatch
from app.storage.feeds import Feeds
from app.storage.heartbeat import Heartbeats
from app.storage.idempotency import IdempotencyKeys
from app.storage.nags import Nags
from app.storage.outbox import Outbox
from app.storage.people import People
from app.storage.quotas import AuthFailures, Quotas
from app.storage.receipts import Receipts
from app.storage.replication import Replication
from app.storage.sessions import Sessions
from app.storage.store import Store
from app.storage.text_parts import Parts
from app.storage.throttle import Throttle
from app.storage.unreachable import Unreachable
from app.texting.commands import Commands
from app.texting.conversation import Conversation


class Services:
    """`blocking`: the worker's, whose connection waits on BLPOP (a longer socket timeout than the web's) and whose
    rq has a connection of its own."""

    def __init__(self, settings: Settings, *, blocking: bool = False) -> None:
        self.settings = settings
        self.blocking = blocking

    # --- Redis and its state -----------------------------------------------------------------------------

    @cached_property
    def redis(self) -> Redis:
        return connect(self.settings, socket_timeout=WORKER_SOCKET_SECONDS if self.blocking else WEB_SOCKET_SECONDS)

    @property
    def prefix(self) -> str:
        return self.settings.redis.key_prefix

    @cached_property
    def store(self) -> Store:
        return Store(self.redis, self.prefix)

    @cached_property
    def people(self) -> People:
        return People(self.redis, self.prefix)

    @cached_property
    def receipts(self) -> Receipts:
        return Receipts(self.redis, self.prefix)

    @cached_property
    def idempotency(self) -> IdempotencyKeys:
        return IdempotencyKeys(self.redis, self.prefix)

    @cached_property
    def replication(self) -> Replication:
        return Replication(self.redis, self.prefix, self.settings)

    @cached_property
    def quotas(self) -> Quotas:
        return Quotas(self.redis, self.prefix)

    @cached_property
    def auth_failures(self) -> AuthFailures:
        return AuthFailures(self.redis, self.prefix)

    @cached_property
    def nags(self) -> Nags:
        return Nags(self.redis, self.prefix)

    @cached_property
    def budget(self) -> Budget:
        return Budget(self.redis, self.prefix)

    @cached_property
    def unreachable(self) -> Unreachable:
        return Unreachable(self.redis, self.prefix)

    @cached_property
    def heartbeats(self) -> Heartbeats:
        """On a connection with a timeout even in the worker: a beat must never wait on Redis for ever."""
        return Heartbeats(connect(self.settings) if self.blocking else self.redis, self.prefix)

    @cached_property
    def evictions(self) -> EvictionWatch:
        return EvictionWatch(self.redis, self.prefix)

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self.redis, self.prefix)

    @cached_property
    def feeds(self) -> Feeds:
        return Feeds(self.redis, self.prefix)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.redis, self.prefix)

    # --- texting --------------------------------------------------------------------------------------------

    @cached_property
    def reminders(self) -> Reminders:
        return Reminders(self.store, self.settings)

    @cached_property
    def commands(self) -> Commands:
        return Commands(self.store, self.people, self.quotas, self.receipts, self.nags, self.reminders,
                        self.settings, self.sessions)

    @cached_property
    def conversation(self) -> Conversation:
        return Conversation(self.store, self.people, self.quotas, Parts(self.redis, self.prefix), self.unreachable,
                            self.replication, self.reminders, self.commands, self.settings)

    # --- delivery -------------------------------------------------------------------------------------------

    @cached_property
    def outcomes(self) -> Outcomes:
        return Outcomes(self.store, self.people, self.receipts, self.unreachable, self.nags,
                        self.settings.delivery.resend_window_minutes)

    @cached_property
    def sender(self) -> Sender:
        return make_sender(self.settings, self.outbox)

    @cached_property
    def courier(self) -> Courier:
        delivery = self.settings.delivery
        return Courier(self.store, self.sender, Throttle(self.redis, self.prefix, delivery.sms_rate_limit),
                       self.people, self.budget, self.receipts, self.nags, delivery,
                       daily_texts=self.settings.limits.max_sms_per_number_per_day,
                       daily_segments=self.settings.limits.max_segments_per_number_per_day,
                       whatsapp=self.whatsapp)

    @cached_property
    def whatsapp(self) -> WhatsappRoute | None:
        """How WhatsApp entries go; None while WhatsApp is off (they go by SMS)."""
        sender = make_whatsapp(self.settings, self.outbox)
        return None if sender is None else WhatsappRoute(sender, self.people, self.settings.whatsapp)

    @cached_property
    def queue(self) -> Queue:
        """The rq queue of delivery jobs, on a connection of its own (rq's worker blocks on it, and sets its socket
        timeout above its dequeue timeout)."""
        jobs = connect(self.settings, socket_timeout=None) if self.blocking else self.redis
        return Queue(self.store.delivery_queue, connection=jobs)

    @cached_property
    def scheduler(self) -> Scheduler:
        # Its own handle on the queue, over the connection with the short socket timeout: rq's worker blocks on
        # the queue's connection, whose socket timeout rq sets above its long dequeue wait.
        jobs = Queue(self.store.delivery_queue, connection=self.redis)
        return Scheduler(self.store, jobs, lease=self.settings.delivery.lease_seconds,
                         batch_size=batch_size_for(self.settings.delivery.sms_rate_limit), people=self.people,
                         retention_days=self.settings.limits.person_retention_days)


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["reminders"] = Services(settings)


CLOCK_EVERY = 60.0  # seconds between the web's readings of Redis's clock (storage/clock.py)


def sync_clock() -> None:
    """Before a request: read Redis's clock if the last reading is a CLOCK_EVERY old, so "in 1 hour" and per-minute
    counts are on the clock the worker uses; a Redis that does not answer leaves the last reading in place."""
    try:
        clock.refresh(services().redis, CLOCK_EVERY)
    except RedisError:
        pass  # the request's own Redis calls answer 503 if Redis stays down


def services() -> Services:
    """The current app's services (web requests and CLI commands)."""
    return current_app.extensions["reminders"]
