"""The real processes a benchmark run drives: a private redis-server, the fake Vonage (its own process), gunicorn
from the Procfile, and `worker.py`. Each is started here, waited for until it is ready, and stopped by its pid."""
from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import requests

from tests.support.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
API_KEY, API_SECRET = "bench-key", "bench-secret"
SIGNATURE_SECRET = "bench-signature-secret"
SERVICE_NUMBER = "447700900000"


class FakeVonageProcess:
    """`python -m tests.support.fake_vonage` in its own process, so its CPU is not the benchmark client's."""

    def __init__(self, latency: float, logdir: Path) -> None:
        self.log = open(logdir / f"fake-vonage-{time.time_ns()}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.fake_vonage", "--port", "0", "--latency", str(latency),
             "--api-key", API_KEY, "--api-secret", API_SECRET],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"fake Vonage did not start; see {self.log.name}")
        info = json.loads(line)
        self.host, self.ca_bundle = info["host"], info["ca_bundle"]
        self.session = requests.Session()

    def stats(self) -> dict:
        return self.session.get(f"https://{self.host}/_fake/stats", timeout=10, verify=self.ca_bundle).json()

    def messages(self, since: int = 0) -> list[tuple[str, float]]:
        """(client_ref, received_at) of every accepted send from index `since` on."""
        got = self.session.get(f"https://{self.host}/_fake/messages", params={"since": since}, timeout=30,
                               verify=self.ca_bundle).json()
        return [(ref, at) for ref, at in got["messages"]]

    def wait_for(self, count: int, timeout: float, poll: float = 0.2) -> int:
        """Wait until at least `count` sends were accepted in all; returns how many were."""
        deadline = time.time() + timeout
        while True:
            n = self.stats()["messages"]
            if n >= count or time.time() > deadline:
                return n
            time.sleep(poll)

    def stop(self) -> None:
        self.session.close()
        _stop(self.proc)
        self.log.close()


class WorkerProcess:
    """`python worker.py` (the Procfile's worker line) with the benchmark's settings; output to a log file."""

    def __init__(self, env: dict[str, str], logdir: Path, **overrides: str) -> None:
        full = {**os.environ, **env, **overrides, "PYTHONUNBUFFERED": "1"}
        self.logpath = logdir / f"worker-{time.time_ns()}.log"
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=full, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while "worker started" not in self.logpath.read_text():
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.logpath.read_text()[-3000:]}")
            time.sleep(0.05)

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        _stop(self.proc, sig)
        self.log.close()


class WebProcess:
    """gunicorn exactly as the Procfile's web line runs it."""

    def __init__(self, env: dict[str, str], logdir: Path, **overrides: str) -> None:
        self.port = free_port()
        command = procfile()["web"]
        full = {**os.environ, **env, **overrides, "PORT": str(self.port), "PYTHONUNBUFFERED": "1",
                "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.log = open(logdir / f"web-{time.time_ns()}.log", "w")
        self.proc = subprocess.Popen(shlex.split(command), cwd=ROOT, env=full, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {self.log.name}")
            time.sleep(0.1)

    def cpu(self) -> float:
        """The master's and its workers' CPU."""
        return cpu_seconds(self.proc.pid, with_children=True)

    def stop(self) -> None:
        _stop(self.proc)
        self.log.close()


def cpu_seconds(pid: int, with_children: bool = False) -> float:
    """User + system CPU a process has used (from /proc), and with `with_children` its live children's too (gunicorn's
    workers): process CPU time, steady on a shared machine where wall-clock rates are not."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    total = (int(fields[11]) + int(fields[12])) / tick
    if with_children:
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += cpu_seconds(int(child), True)
    return total


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict((name.strip(), cmd.strip()) for name, _, cmd in (line.partition(":") for line in lines if line.strip()))


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Stack:
    """A private Redis plus whatever processes a scenario needs; `with Stack(...) as s:` stops them all."""

    def __init__(self, latency: float = 0.02, logdir: Path | None = None, redis_args: tuple[str, ...] = ()) -> None:
        self.logdir = logdir or Path(tempfile.mkdtemp(prefix="bench-logs-"))
        self.redis = RedisServer(extra_args=redis_args).start()
        self.fake = FakeVonageProcess(latency, self.logdir) if latency is not None else None
        self.workers: list[WorkerProcess] = []
        self.web: WebProcess | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {"REDIS_URL": self.redis.url, "VONAGE_NUMBER": SERVICE_NUMBER, "DEFAULT_TIMEZONE": "UTC",
               "VONAGE_SIGNATURE_SECRET": SIGNATURE_SECRET, "VONAGE_SIGNATURE_METHOD": "sha256",
               "LOG_LEVEL": "INFO", "API_TOKEN": "bench-token", "EMBEDDED_REDIS_PATH": str(self.logdir / "unused.db")}
        if self.fake is not None:
            env |= {"VONAGE_API_KEY": API_KEY, "VONAGE_API_SECRET": API_SECRET, "VONAGE_REST_HOST": self.fake.host,
                    "VONAGE_API_HOST": self.fake.host, "REQUESTS_CA_BUNDLE": self.fake.ca_bundle}
        return env

    def start_worker(self, **overrides: str) -> WorkerProcess:
        self.workers.append(WorkerProcess(self.env, self.logdir, **overrides))
        return self.workers[-1]

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers.clear()

    def start_web(self, **overrides: str) -> WebProcess:
        self.web = WebProcess(self.env, self.logdir, **overrides)
        return self.web

    def client(self):
        return self.redis.client()

    def close(self) -> None:
        self.stop_workers()
        if self.web is not None:
            self.web.stop()
        if self.fake is not None:
            self.fake.stop()
        self.redis.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
