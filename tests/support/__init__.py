"""Test doubles that the reminder service's tests own end to end.

`RedisServer` runs a throwaway redis-server (never the machine's shared one) and
`FakeVonage` is an HTTPS stand-in for Vonage's SMS API that the real SDK talks to.
Imports are lazy so `python -m tests.support.fake_vonage` does not load the module twice.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.fake_vonage import FakeVonage
    from tests.support.redis_server import RedisServer

__all__ = ["FakeVonage", "RedisServer"]
_MODULES = {"FakeVonage": "fake_vonage", "RedisServer": "redis_server"}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
