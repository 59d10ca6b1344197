"""gunicorn settings for the web process, from the platform's environment."""
import os

from app.logs import gunicorn_logconfig

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gthread, with each request (headers and body) read by the event loop under a deadline (app/webserver.py): slow
# clients cannot take every thread, so /healthz keeps answering
worker_class = "app.webserver.RequestDeadlineWorker"
preload_app = True  # dateparser's start-up cost (parsing.warm_up) is paid once, before the workers fork
timeout = 30
accesslog = None  # the app writes one JSON access line per request, without query strings (app/logs.py)
logger_class = "app.webserver.AccessFreeLogger"  # so gunicorn does not build its own access line to drop
logconfig_dict = gunicorn_logconfig(os.environ.get("LOG_LEVEL"))  # gunicorn's own lines as JSON too
forwarded_allow_ips = "*"  # behind the platform's router: trust its X-Forwarded-Proto/For
