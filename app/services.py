"""The app's connections, opened on first use (never at import or app creation) and kept for the process."""
from __future__ import annotations

from functools import cached_property

from flask import Flask, current_app
from redis import Redis

from app.settings import Settings
from app.storage.connection import connect
from app.storage.counters import CountingStore
from app.storage.idempotency import IdempotencyKeys
from app.storage.people import People
from app.storage.quotas import Quotas
from app.storage.receipts import Receipts
from app.storage.replication import Replication
from app.storage.store import Store
from app.storage.text_parts import Parts
from app.texting.conversation import Conversation


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def redis(self) -> Redis:
        return connect(self.settings)

    @cached_property
    def store(self) -> Store:
        return CountingStore(self.redis, self.settings.redis.key_prefix)  # counts reminders created, for /metrics

    @cached_property
    def people(self) -> People:
        return People(self.redis, self.settings.redis.key_prefix)

    @cached_property
    def receipts(self) -> Receipts:
        return Receipts(self.redis, self.settings.redis.key_prefix)

    @cached_property
    def idempotency(self) -> IdempotencyKeys:
        return IdempotencyKeys(self.redis, self.settings.redis.key_prefix)

    @cached_property
    def replication(self) -> Replication:
        return Replication(self.redis, self.settings.redis.key_prefix, self.settings)

    @cached_property
    def conversation(self) -> Conversation:
        prefix = self.settings.redis.key_prefix
        return Conversation(self.store, self.people, Quotas(self.redis, prefix), Parts(self.redis, prefix),
                            self.receipts, self.settings)


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["reminders"] = Services(settings)


def services() -> Services:
    return current_app.extensions["reminders"]
