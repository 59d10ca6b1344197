"""The worker process's loops: wake when reminders fall due, claim them, and send them through rq delivery jobs.

One process runs two loops: the scheduler (a thread) claims due entries and enqueues jobs; rq's SimpleWorker (the
main thread, where it can handle SIGTERM) runs those jobs, each sending its batch concurrently. SIGTERM lets the
job in hand finish, then exits; jobs still queued and entries still leased are picked up by the next worker.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from functools import partial

import redis
import requests
from rq import SimpleWorker
from rq.exceptions import StopRequested

from app.delivery import courier as delivery
from app.delivery.courier import Courier
from app.delivery.scheduler import Scheduler
from app.settings import Settings
from app.storage import heartbeat
from app.storage.heartbeat import Heartbeats

log = logging.getLogger("worker")


class DeliveryWorker(SimpleWorker):
    """rq's in-process worker, telling our scheduler to stop claiming as soon as a shutdown is asked for."""

    stopping: threading.Event

    def request_stop(self, signum, frame):  # type: ignore[no-untyped-def]
        self.stopping.set()
        super().request_stop(signum, frame)


def resolve_environment_once(sender: object) -> None:
    """requests re-reads the proxy and CA variables of the whole environment on every request, a large share of the
    worker's CPU per SMS: read them once here (REQUESTS_CA_BUNDLE, HTTPS_PROXY, NO_PROXY still apply)."""
    client = getattr(getattr(sender, "client", None), "http_client", None)
    session = getattr(client, "_session", None)
    if session is None or not session.trust_env:
        return
    url = f"https://{client.rest_host}/"
    session.proxies.update(requests.utils.get_environ_proxies(url))
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.trust_env = False


def run(scheduler: Scheduler, courier: Courier, heartbeats: Heartbeats, worker: DeliveryWorker,
        settings: Settings) -> None:
    """Until SIGTERM: the scheduler's thread claims and enqueues, rq's worker runs the jobs here, the heartbeat
    says both are turning."""
    worker.stopping = courier.stopping = scheduler.stopping
    resolve_environment_once(courier.sender)
    try:
        if moved := scheduler.store.index.migrate():  # a store written before the index had buckets
            log.info("moved %d numbers' reminder indexes into shared buckets", moved)
    except redis.RedisError as err:  # Redis not up yet: the worker rides that out, and the next start moves them
        log.warning("could not move old reminder indexes yet (%s)", err)
    delivery.install(courier)
    thread = threading.Thread(target=scheduler.run, name="scheduler", daemon=True)
    thread.start()
    heartbeats.start(scheduler.stopping, partial(trouble, scheduler, thread, courier, settings.delivery.lease_seconds))
    log.info("worker started (rate limit %s/s, %d send threads)", settings.delivery.sms_rate_limit or "no",
             settings.delivery.send_concurrency)
    try:
        while not scheduler.stopping.is_set():
            try:
                worker.work(logging_level="WARNING", with_scheduler=False)
            except redis.RedisError as err:  # rq gives up on a Redis error: start it again once Redis is back
                log.warning("rq worker stopped on a Redis error (%s); restarting", err)
            try:
                fresh = _fresh_worker(worker)
            except StopRequested:  # SIGTERM while between two runs of rq's loop
                break
            if fresh is None:
                break
            worker = fresh
    finally:
        scheduler.stopping.set()
        thread.join(timeout=5)
        courier.pool.shutdown(wait=True)
        delivery.install(None)
        log.info("worker stopped")


def trouble(scheduler: Scheduler, thread: threading.Thread, courier: Courier, lease: float) -> str | None:
    """What keeps this worker from doing its job, for the heartbeat (None: nothing)."""
    quiet = time.time() - scheduler.last_turn
    if not thread.is_alive() or quiet > heartbeat.STUCK_AFTER:
        return f"the scheduler loop has not turned for {quiet:.0f} s"
    if (stuck := courier.stuck_for()) > lease:
        return f"a send has been in flight for {stuck:.0f} s, past its {lease:g} s lease"
    return None


def _fresh_worker(old: DeliveryWorker) -> DeliveryWorker | None:
    """A new rq worker once Redis answers again (rq's own start-up needs it), or None if asked to stop meanwhile."""
    delay = 1.0
    while not old.stopping.wait(delay):
        try:
            worker = DeliveryWorker(old.queues, connection=old.connection)
        except redis.RedisError as err:
            log.warning("Redis still unavailable (%s); retrying in %.0f s", err, delay)
            delay = min(delay * 2, 5.0)
            continue
        worker.stopping = old.stopping
        return worker
    return None
