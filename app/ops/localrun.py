"""`script/run`'s keeper of the embedded Redis: `python -m app.ops.localrun COMMAND…` starts the embedded redis-server
(when REDIS_URL is unset), runs COMMAND with REDIS_URL pointing at its unix socket, and shuts the server down
(saving its data) once COMMAND has exited, however it was stopped.

Before, the web and worker processes each joined the embedded server and none owned it, so Ctrl+C stopped them
and left redis-server running. One owner for the whole run also gives every process the same REDIS_URL, so the
API's rate limits (Flask-Limiter) are shared by all web processes.

`.env` is read here, once, under the process environment: a variable given on the command line
(`PORT=5612 script/run`) wins over the same one in `.env`, and every process of the run inherits the result
(script/run tells honcho not to read `.env` itself: honcho lays it over the environment). With `--banner` the run's
addresses are printed first, from that same environment.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import redis
from dotenv import load_dotenv
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.settings import Settings, load_settings
from app.storage.connection import embedded_server

DEFAULT_PORT = "5000"


def banner(port: str, settings: Settings) -> str:
    url = f"http://127.0.0.1:{port}"
    if settings.api.token:
        dashboard = (f"  Dashboard:        {url}/dashboard   "
                     "(any user name, your API_TOKEN as password; the simulator asks too)")
    else:
        dashboard = f"""  Dashboard:        off. No API_TOKEN is set, so {url}/dashboard and the REST API are closed
                    and the simulator asks for no login. To set one, add a line to .env (or run
                    `API_TOKEN=… script/run`), then restart:

    echo "API_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')" >> .env"""
    return f"""Starting web on {url} and the worker.

  Phone simulator:  {url}/simulator   (text the service as a phone; replies arrive live)
{dashboard}

Or text it from another terminal:

  curl -d msisdn=14155550100 -d messageId=$RANDOM -d 'text=stretch in 1 minute' {url}/webhooks/inbound-sms

Ctrl+C stops both.
"""


def main(argv: list[str]) -> int:
    show_banner = argv[:1] == ["--banner"]
    argv = argv[1:] if show_banner else argv
    if not argv:
        print("usage: python -m app.ops.localrun [--banner] COMMAND [ARG…]", file=sys.stderr)
        return 2
    load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)  # the command line wins over .env
    os.environ.setdefault("PORT", DEFAULT_PORT)
    os.environ.setdefault("PUBLIC_URL", f"http://localhost:{os.environ['PORT']}")  # LINK's links reach this run
    settings = load_settings()
    if show_banner:
        print(banner(os.environ["PORT"], settings), flush=True)
    if settings.redis.url:  # a Redis someone else runs: nothing to own
        os.execvp(argv[0], argv)
    server = embedded_server(os.path.abspath(settings.redis.embedded_path))
    print(f"embedded Redis on unix://{server.socket_file} (pid {server.pid}), stopped when this run ends", flush=True)
    child = subprocess.Popen(argv, env={**os.environ, "REDIS_URL": f"unix://{server.socket_file}"})
    # Ctrl+C reaches the whole foreground group: the command stops itself, this process waits for it. A SIGTERM
    # sent to this process alone is passed on. (Handlers, unlike SIG_IGN, are not inherited by the command.)
    signal.signal(signal.SIGINT, lambda *_: say("stopping web and worker…"))
    signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
    try:
        code = child.wait()
        return 128 - code if code < 0 else code  # killed by a signal: the shell's convention (Ctrl+C: 130)
    finally:
        say("stopping the embedded Redis (saving its data)…")
        stop(server)
        say("stopped")


def say(what: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} localrun | {what}", flush=True)


def stop(server: redis.Redis) -> None:
    """SHUTDOWN SAVE, over a connection that does not retry: the server closing it is the answer, and redis-py's
    default retries (with backoff) after that kept every Ctrl+C waiting for seconds."""
    once = redis.Redis(unix_socket_path=server.socket_file, retry=Retry(NoBackoff(), 0), socket_timeout=30)
    try:
        once.shutdown(save=True)
    except redis.ConnectionError:
        pass  # gone already
    finally:
        once.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
