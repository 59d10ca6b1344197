"""The outbound rate limit (SMS_RATE_LIMIT), shared by every worker through Redis."""
from __future__ import annotations

import time
from pathlib import Path

import redis

from app.storage.state import State

_SCRIPT = (Path(__file__).with_name("lua") / "throttle.lua").read_text()


# Slots are spaced 10% wider than 1/rate: thread and network jitter between a slot and Vonage's receipt must not
# let rate+1 sends land inside one second at Vonage's end.
MARGIN = 1.1


class Throttle(State):
    """Each send reserves a slot after the last one and sleeps until it; rate 0 means no limit. Its key:
    `throttle`, when the last slot was given."""

    def __init__(self, client: redis.Redis, prefix: str, rate: float) -> None:
        super().__init__(client, prefix)
        self.interval_us = round(MARGIN * 1_000_000 / rate) if rate > 0 else 0
        self._reserve = client.register_script(_SCRIPT)

    def wait(self) -> float:
        """Block until this caller may send; returns the seconds waited."""
        if not self.interval_us:
            return 0.0
        delay = int(self._reserve(keys=[self.key("throttle")], args=[self.interval_us])) / 1_000_000
        if delay > 0:
            time.sleep(delay)
        return delay
