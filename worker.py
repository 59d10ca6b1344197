"""The worker process (Procfile `worker:`): the delivery side, built by the composition root, sending what falls
due until SIGTERM."""
from __future__ import annotations

import os
import signal

from dotenv import load_dotenv

from app import logs
from app.delivery.worker import DeliveryWorker, run
from app.ops.checks import start_or_exit
from app.services import Services
from app.settings import load_settings


def main() -> None:
    load_dotenv(override=False)  # .env under the environment: the command line wins
    logs.setup(os.environ.get("LOG_LEVEL"))  # JSON lines on stdout, numbers masked
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # replaced by rq's warm shutdown once it starts
    start_or_exit("worker", os.environ)  # what fails the release check stops the worker too, in one line
    settings = load_settings()
    services = Services(settings, blocking=True)
    rq_worker = DeliveryWorker([services.queue], connection=services.queue.connection)
    run(services.scheduler, services.courier, services.heartbeats, rq_worker, settings)


if __name__ == "__main__":
    main()
