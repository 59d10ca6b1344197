"""gunicorn settings for the web process, from the platform's environment."""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
preload_app = True  # dateparser's start-up cost (parsing.warm_up) is paid once, before the workers fork
timeout = 30
accesslog = "-"
