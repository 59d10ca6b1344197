"""Failover that loses nothing confirmed: the Redis primary is SIGKILLed mid-burst, mid-stream of texts, and behind a
managed Redis's fixed address, and every reminder confirmed before or during the failover is still delivered, with
duplicates no more than the sends in flight.

Real servers: a primary, a replica and three Sentinels (tests/support/redis_cluster.py), `python worker.py`, the
web app, and the real vonage SDK against the fake. Confirmed means the API answered 201 or the webhook 204, with
REDIS_MIN_REPLICAS=1: the replica had the write before the answer. Time bounds are generous: correctness only.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from app import create_app
from tests.conftest import WorkerProcess
from tests.helpers import auth, inbound
from tests.support.redis_cluster import FAST_SYNC, SentinelCluster, TcpProxy, replica_of, wait_for
from tests.support.redis_server import RedisServer

# A primary, a replica, three Sentinels and `python worker.py` per test; a burst is as many reminders as a second allows
pytestmark = [pytest.mark.slow, pytest.mark.timing]

IN_FLIGHT = 8  # SEND_CONCURRENCY: the sends a worker has in flight, the most a failover may double
WORKER = {"SEND_CONCURRENCY": str(IN_FLIGHT), "LEASE_SECONDS": "5", "SMS_RATE_LIMIT": "0"}
CONFIRMED = {"REDIS_MIN_REPLICAS": "1", "REDIS_WAIT_SECONDS": "1", "API_RATE_PER_TOKEN": "100000/minute"}


def numbers(count: int) -> list[str]:
    """One number per reminder, so no per-number limit gets in the way of a burst."""
    return [f"1415555{i:04d}" for i in range(count)]


def create_burst(client, due: float, most: int = 150) -> list[str]:
    """Reminders due together at `due`, each confirmed by the API (201) before the next is asked for; as many as
    this (shared, slow) machine makes a second before they fall due."""
    when = datetime.fromtimestamp(due, UTC).isoformat()
    ids = []
    for phone in numbers(most):
        if time.time() > due - 1:
            break
        made = client.post("/api/reminders", json={"phone_number": f"+{phone}", "message": "burst",
                                                   "remind_when": when}, headers=auth())
        assert made.status_code == 201, made.json
        ids.append(made.json["id"])
    assert len(ids) >= 60, "too few reminders for a burst"
    return ids


def reminder_sends(fake) -> Counter:
    """Accepted sends per reminder id (client-ref '<id>-<due>'; replies' ids start with x)."""
    return Counter(ref for ref in (m["client_ref"].split("-")[0] for m in list(fake.messages))
                   if not ref.startswith("x"))


def assert_all_delivered_once_but_in_flight(fake, ids: list[str]) -> None:
    wait_for(lambda: set(reminder_sends(fake)) >= set(ids), 40, "every confirmed reminder to be delivered")
    time.sleep(0.5)  # let a late duplicate show
    counts = reminder_sends(fake)
    assert set(counts) == set(ids)  # nothing confirmed was lost
    assert sum(counts.values()) - len(ids) <= IN_FLIGHT, counts.most_common(5)


def test_primary_killed_mid_burst_every_confirmed_reminder_is_delivered(env, fake_vonage):
    fake_vonage.latency = 0.05
    with SentinelCluster() as cluster:
        settings = {**env, **cluster.env, **CONFIRMED}
        worker = WorkerProcess(settings, **WORKER)
        try:
            ids = create_burst(create_app(settings).test_client(), time.time() + 5)
            assert cluster.primary.client().zcard("rmd:due") == len(ids)  # on the Sentinels' primary
            assert cluster.replica.client().zcard("rmd:due") == len(ids)  # and, confirmed, on its replica
            fake_vonage.wait_for(30, timeout=30)
            cluster.kill_primary_and_wait_for_failover()  # SIGKILL, with sends in flight
            assert len(reminder_sends(fake_vonage)) < len(ids)
            assert_all_delivered_once_but_in_flight(fake_vonage, ids)
            assert worker.proc.poll() is None
            assert "the Redis primary changed" in worker.output()  # it noticed, and recovered its claims
        finally:
            worker.kill()


def test_primary_killed_during_a_stream_of_texts_every_confirmed_text_is_delivered(env, fake_vonage):
    fake_vonage.latency = 0.02
    with SentinelCluster() as cluster:
        settings = {**env, **cluster.env, **CONFIRMED}
        worker = WorkerProcess(settings, **WORKER)
        web = create_app(settings).test_client()
        texts = [inbound("ping in 2 seconds", msisdn=phone) for phone in numbers(60)]
        answers: dict[str, list[int]] = {t["msisdn"]: [] for t in texts}
        killed_at: list[float] = []

        def fail_over() -> None:
            killed_at.append(time.time())
            cluster.kill_primary_and_wait_for_failover()
            cluster.add_replica()  # the new primary gets a replica, so writes can be confirmed again

        killer = threading.Thread(target=fail_over)
        try:
            waiting, posted = list(texts), []
            deadline = time.time() + 40
            while waiting and time.time() < deadline:  # Vonage: each text is offered until it gets a 2xx
                params = waiting.pop(0)
                status = web.post("/webhooks/inbound-sms", data=params).status_code
                posted.append(time.time())
                answers[params["msisdn"]].append(status)
                if status != 204:
                    waiting.append(params)
                    time.sleep(0.1)
                if len(posted) == 20:
                    assert cluster.primary.client().exists(f"rmd:in:{texts[0]['messageId']}")  # Sentinel's primary
                    killer.start()  # mid-stream: the rest are sent while the primary is down and after
            killer.join(30)
            assert not waiting, f"{len(waiting)} texts never confirmed"
            assert sum(1 for at in posted if at > killed_at[0]) >= 30  # the stream went on through the failover
            met = sum(1 for statuses in answers.values() if statuses != [204])
            print(f"{met} texts were answered 503 at first and confirmed on a retry")
            wait_for(lambda: {m["to"] for m in fake_vonage.messages if m["text"] == "ping"} >= set(answers), 40,
                     "every confirmed text's reminder")
            time.sleep(0.5)
            sent = Counter((m["to"], m["text"] == "ping") for m in list(fake_vonage.messages))
            for phone in answers:
                assert sent[(phone, False)] >= 1, phone  # its confirmation went out
            duplicates = sum(sent.values()) - 2 * len(answers)
            assert duplicates <= IN_FLIGHT, sent.most_common(5)
        finally:
            worker.kill()


def test_managed_redis_failover_behind_the_same_address_loses_nothing_confirmed(env, fake_vonage):
    """As Heroku Redis or ElastiCache fail over: the host name moves to the promoted replica (here a TCP proxy's
    backend), and the service, on REDIS_URL alone, finds it there."""
    fake_vonage.latency = 0.05
    primary = RedisServer(extra_args=FAST_SYNC).start()
    replica = replica_of(primary)
    proxy = TcpProxy(primary.port)
    settings = {**env, "REDIS_URL": proxy.url, **CONFIRMED}
    worker = WorkerProcess(settings, **WORKER)
    try:
        ids = create_burst(create_app(settings).test_client(), time.time() + 5)
        fake_vonage.wait_for(30, timeout=30)
        primary.kill()
        replica.client().replicaof("NO", "ONE")  # the provider promotes the replica ...
        proxy.switch(replica.port)  # ... and points the address at it
        assert_all_delivered_once_but_in_flight(fake_vonage, ids)
        wait_for(lambda: "the Redis primary changed" in worker.output(), 10, "the worker to notice")
    finally:
        worker.kill()
        proxy.stop()
        for server in (primary, replica):
            server.stop()

