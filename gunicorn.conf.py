"""gunicorn settings for the web process, from the platform's environment."""
from gevent import monkey

monkey.patch_all()  # first: gunicorn loads this before the app (preload_app), and gevent must patch before it loads

import gc
import os

from dotenv import load_dotenv

from app.logs import gunicorn_logconfig
from app.ops.checks import start_or_exit
from app.settings import load_settings

load_dotenv(override=False)  # .env fills in what the environment leaves unset, never overrides it (PORT=5612 gunicorn)
# Before the app loads (preload_app): a setting that cannot work stops the web with one line naming it, where
# create_app would end in a traceback
start_or_exit("web", os.environ)

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gevent, with each request (headers and body) read whole under a deadline (app/web/server.py): a connection is a
# greenlet, so slow clients cannot take what others need, and /healthz keeps answering
worker_class = "app.web.server.RequestDeadlineWorker"
worker_connections = 1000  # open connections a process serves at once (slow clients included)
preload_app = True  # dateparser's start-up cost (parsing.warm_up) is paid once, before the workers fork
timeout = 30
accesslog = None  # the app writes one JSON access line per request, without query strings (app/logs.py)
logger_class = "app.web.server.AccessFreeLogger"  # so gunicorn does not build its own access line to drop
logconfig_dict = gunicorn_logconfig(os.environ.get("LOG_LEVEL"))  # gunicorn's own lines as JSON too
# the proxies whose X-Forwarded-Proto gunicorn believes: the same ones whose X-Forwarded-For the app believes
forwarded_allow_ips = ",".join(load_settings().api.forwarded_allow_ips)


def pre_fork(server, worker) -> None:  # type: ignore[no-untyped-def]
    """The preloaded app's many objects (dateparser's and the language detector's data among them) live as long as
    the process: frozen, a worker's full garbage collections skip them (else each one scans them all while the
    process stands paused) and leave their memory pages shared with the master."""
    gc.freeze()
