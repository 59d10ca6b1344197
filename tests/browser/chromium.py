"""Finding (and, on a fresh machine, installing) Debian's Chromium for the browser tests.

Why Debian's package: playwright's own browser download cannot run on our machines; the pip-installed playwright
drives any Chromium given as `executable_path`. Installing here, not by hand, keeps CI green on a new machine.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile

CANDIDATES = ("chromium", "chromium-browser")
# Flags for a root, offline, headless run: without the background-networking ones Chromium keeps dialling
# Google's hosts, which this network refuses.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def find() -> str | None:
    override = os.environ.get("CHROMIUM_PATH")
    if override:
        return override if os.access(override, os.X_OK) else None
    return next(filter(None, map(shutil.which, CANDIDATES)), None)


def install() -> tuple[str | None, str]:
    """Chromium's path, installing Debian's package with apt-get when missing; else (None, why not)."""
    found = find()
    if found:
        return found, ""
    if not shutil.which("apt-get"):
        return None, "chromium is not installed and there is no apt-get to install it (set CHROMIUM_PATH)"
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        return None, "chromium is not installed and installing it needs root (apt-get install chromium)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with open(os.path.join(tempfile.gettempdir(), "reminders-chromium-install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers (pytest-xdist) install once, one after another
        found = find()
        return (found, "") if found else _apt_install(sudo, env)


def _apt_install(sudo: list[str], env: dict[str, str]) -> tuple[str | None, str]:
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                                                "chromium", "fonts-dejavu-core"]):
        done = subprocess.run(sudo + step, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            return None, f"`{' '.join(step)}` failed:\n{done.stderr[-2000:]}"
    return find(), ""


if __name__ == "__main__":  # `python -m tests.browser.chromium`: install ahead of a test run
    path, why = install()
    print(path or why)
    raise SystemExit(0 if path else 1)
