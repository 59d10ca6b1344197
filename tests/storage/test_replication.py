"""Confirmed means replicated (REDIS_MIN_REPLICAS): WAIT, NotReplicated and the 503s, parked replies released once
or left parked, the Redis settings, the lease recovery after a failover, and what /readyz says. Real servers: a
primary the test starts, and a replica attached when the test wants one."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from rq import Queue

from app import create_app
from app.delivery.courier import deliver_job
from app.delivery.scheduler import Scheduler
from app.settings import SettingsError, load_settings
from app.storage.connection import connect, limiter_storage
from app.storage.phoneindex import PhoneIndex
from app.storage.replication import NotReplicated, Replication, drop_stranded
from app.storage.store import PARKED, Reminder, Store
from app.web.health import redis_state
from tests.helpers import Phone, auth, inbound
from tests.support.redis_cluster import FAST_SYNC, replica_of
from tests.support.redis_server import RedisServer


@pytest.fixture()
def primary() -> Iterator[RedisServer]:
    with RedisServer(extra_args=FAST_SYNC) as server:
        yield server


@pytest.fixture()
def replicated(env, primary) -> dict[str, str]:
    """The test's settings on a primary of its own, confirming writes only once one replica has them."""
    return {**env, "REDIS_URL": primary.url, "REDIS_MIN_REPLICAS": "1", "REDIS_WAIT_SECONDS": "0.5"}


def parked(store: Store) -> list[str]:
    return [rid.decode() for rid in store.redis.zrangebyscore(store.key("due"), PARKED, PARKED)]


# --- settings ------------------------------------------------------------------------------------------------

def test_redis_settings_are_read_and_checked(tmp_path):
    settings = load_settings({"REDIS_SENTINELS": "10.0.0.1:26379, sentinel-2:26380,[::1]:26381",
                              "REDIS_SENTINEL_MASTER": "reminders", "REDIS_PASSWORD": "p",
                              "REDIS_SENTINEL_PASSWORD": "s", "REDIS_TLS": "on", "REDIS_MIN_REPLICAS": "1",
                              "REDIS_WAIT_SECONDS": "0.5"})
    assert settings.redis.sentinels == (("10.0.0.1", 26379), ("sentinel-2", 26380), ("::1", 26381))
    assert (settings.redis.sentinel_master, settings.redis.password, settings.redis.sentinel_password) == \
        ("reminders", "p", "s")
    assert settings.redis.tls and settings.redis.min_replicas == 1 and settings.redis.wait_seconds == 0.5
    defaults = load_settings({})
    assert (defaults.redis.sentinels, defaults.redis.min_replicas, defaults.redis.wait_seconds) == ((), 0, 1.0)
    for bad, named in [({"REDIS_SENTINELS": "sentinel-1"}, "REDIS_SENTINELS"),
                       ({"REDIS_SENTINELS": "h:0"}, "REDIS_SENTINELS"),
                       ({"REDIS_SENTINELS": "h:1", "REDIS_URL": "redis://h"}, "REDIS_URL or REDIS_SENTINELS"),
                       ({"REDIS_MIN_REPLICAS": "-1"}, "REDIS_MIN_REPLICAS"),
                       ({"REDIS_WAIT_SECONDS": "0"}, "REDIS_WAIT_SECONDS"),
                       ({"REDIS_WAIT_SECONDS": "30"}, "REDIS_WAIT_SECONDS"),
                       ({"REDIS_TLS": "yes please"}, "REDIS_TLS"),
                       ({"REDIS_TLS_CA_FILE": str(tmp_path / "missing.pem")}, "REDIS_TLS_CA_FILE")]:
        with pytest.raises(SettingsError, match=named):
            load_settings(bad)


def test_the_rate_limiter_counts_in_the_same_redis_through_the_same_sentinels(tmp_path):
    uri, options = limiter_storage(load_settings({"REDIS_SENTINELS": "h1:26379,h2:26379",
                                                 "REDIS_SENTINEL_MASTER": "reminders",
                                                 "REDIS_PASSWORD": "p", "REDIS_SENTINEL_PASSWORD": "s"}))
    assert uri == "redis+sentinel://h1:26379,h2:26379/reminders"
    assert options["password"] == "p" and options["sentinel_kwargs"]["password"] == "s"
    assert options["use_replicas"] is False  # counts read from the primary, not a lagging replica
    assert limiter_storage(load_settings({"REDIS_URL": "rediss://h:6380"})) == \
        ("rediss://h:6380", {"ssl_cert_reqs": "none", "socket_timeout": 1.0, "socket_connect_timeout": 1.0})
    embedded = limiter_storage(load_settings({"EMBEDDED_REDIS_PATH": str(tmp_path / "redis.db")}))
    assert embedded[0].startswith("redis+unix://")
    assert embedded[1] == {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}  # a frozen Redis: 503, not a hang


# --- the webhook: 503 until a replica has the text, then the confirmation once ---------------------------------

def test_a_text_no_replica_confirmed_gets_503_and_its_reply_stays_parked(replicated):
    app = create_app(replicated)
    client, store = app.test_client(), app.extensions["reminders"].store
    params = inbound("gym tomorrow 7am")
    response = client.post("/webhooks/inbound-sms", data=params)
    assert response.status_code == 503 and response.json["error"]["code"] == "not_replicated"
    assert len(parked(store)) == 1  # the confirmation: stored, but not sendable
    assert store.claim(time.time() + 3600, time.time() + 60, 100, "t") == []
    assert client.post("/webhooks/inbound-sms", data=params).status_code == 503  # Vonage's retry: still none
    assert len(parked(store)) == 1 and len(store.for_phone(params["msisdn"])) == 1  # one reminder, one reply


@pytest.mark.slow
def test_the_retry_once_a_replica_has_it_sends_the_confirmation_exactly_once(replicated, primary, fake_vonage):
    app = create_app(replicated)
    client = app.test_client()
    phone = Phone(client, app, fake_vonage)
    params = inbound("gym tomorrow 7am")
    assert client.post("/webhooks/inbound-sms", data=params).status_code == 503
    assert phone.deliver() == []  # no confirmation for a write that may vanish
    replica = replica_of(primary)
    try:
        assert client.post("/webhooks/inbound-sms", data=params).status_code == 204  # Vonage's retry
        (confirmation,) = phone.deliver()
        assert confirmation.startswith('Got it: "gym"')
        assert len(PhoneIndex(replica.client()).ids(params["msisdn"])) == 1  # the reminder is on the replica
        assert client.post("/webhooks/inbound-sms", data=params).status_code == 204  # and another retry
        assert phone.deliver() == []  # sends nothing more
        assert phone.text("LIST")[0].startswith("1. gym")  # with a replica, replies go at once
    finally:
        replica.stop()


def test_confirm_fails_on_a_server_that_lost_the_write_whatever_wait_says(replicated, primary):
    replication = Replication(primary.client(), "rmd:", load_settings(replicated))
    replica = replica_of(primary)
    try:
        primary.client().set("rmd:in:known", "1")
        replication.confirm("rmd:in:known")  # on the server, and on its replica
        with pytest.raises(NotReplicated):  # as on a promoted replica that never saw the write: WAIT alone passes
            replication.confirm("rmd:in:never-written")
    finally:
        replica.stop()


def test_with_no_replicas_required_nothing_is_parked_or_waited_for(env, fake_vonage, app, client):
    phone = Phone(client, app, fake_vonage)
    assert phone.ask("gym tomorrow 7am").startswith('Got it: "gym"')
    assert parked(app.extensions["reminders"].store) == []


def test_replies_no_retry_can_release_any_more_are_cancelled_not_kept_for_ever(redis_client):
    store = Store(redis_client)
    now = time.time()
    old, fresh = (Reminder(phone="14155550100", message="Got it", due=at, kind="reply")
                  for at in (now - 3 * 86400, now))
    (old_id,), (fresh_id,) = store.add([old], park_replies=True), store.add([fresh], park_replies=True)
    assert sorted(parked(store)) == sorted([old_id, fresh_id])
    assert drop_stranded(store, now) == 1
    assert parked(store) == [fresh_id] and store.get(old_id).status == "cancelled"
    assert drop_stranded(store, now) == 0


# --- the API -------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_api_answers_503_until_a_replica_has_the_reminder_and_leaves_none_behind(replicated, primary):
    client = create_app(replicated).test_client()
    body = {"phone_number": "+14155550100", "text": "gym tomorrow 7am"}
    refused = client.post("/api/reminders", json=body, headers=auth())
    assert refused.status_code == 503 and refused.json["error"]["code"] == "not_replicated"
    listed = client.get("/api/reminders?phone_number=%2B14155550100", headers=auth()).json
    assert listed["reminders"] == []  # undone: the client's retry will not make a second
    replica = replica_of(primary)
    try:
        made = client.post("/api/reminders", json=body, headers=auth())
        assert made.status_code == 201 and made.json["status"] == "pending"
    finally:
        replica.stop()


@pytest.mark.slow
def test_api_changes_are_confirmed_only_once_a_replica_has_them(env, replicated, primary):
    """A cancel, a change or an opt-out answered 2xx must survive a failover like a new reminder: without a replica
    each answers 503, and the client's retry (the same request again) is confirmed once one has caught up."""
    rid = create_app({**env, "REDIS_URL": primary.url}).test_client().post(
        "/api/reminders", json={"phone_number": "+14155550100", "text": "gym tomorrow 7am"}, headers=auth()).json["id"]
    client = create_app(replicated).test_client()
    requests = [("patch", f"/api/reminders/{rid}", {"message": "stretch"}), ("delete", f"/api/reminders/{rid}", None),
                ("patch", "/api/people/+14155550100", {"opted_out": True})]
    for method, path, body in requests:
        refused = getattr(client, method)(path, json=body, headers=auth())
        assert refused.status_code == 503 and refused.json["error"]["code"] == "not_replicated", path
    replica = replica_of(primary)
    try:
        assert [getattr(client, method)(path, json=body, headers=auth()).status_code
                for method, path, body in requests] == [409, 204, 200]  # cancelled meanwhile: no change after that
        store = Store(replica.client())
        assert store.get(rid).status == "cancelled" and store.get(rid).message == "stretch"
        assert replica.client().hexists("rmd:person:14155550100", "out")
    finally:
        replica.stop()


def test_a_change_confirmed_on_a_server_that_kept_the_older_value_is_not_confirmed(replicated, primary):
    replication = Replication(primary.client(), "rmd:", load_settings(replicated))
    primary.client().hset("rmd:data:0", "7", "old record")
    replica = replica_of(primary)
    try:
        replication.confirm("rmd:data:0", "7", "old record")
        with pytest.raises(NotReplicated):  # as on a promoted replica that never saw the change
            replication.confirm("rmd:data:0", "7", "new record")
    finally:
        replica.stop()


# --- /readyz -------------------------------------------------------------------------------------------------

def test_readyz_says_how_many_replicas_are_connected_against_how_many_are_needed(replicated, primary):
    client = create_app(replicated).test_client()
    checks = client.get("/readyz").json["checks"]
    assert checks["replicas"].startswith("0 connected, 1 needed")
    replica = replica_of(primary)
    try:
        assert client.get("/readyz").json["checks"]["replicas"] == "ok (1 connected, 1 needed)"
    finally:
        replica.stop()


def test_redis_errors_say_whether_a_failover_is_under_way():
    from redis.exceptions import ConnectionError, ReadOnlyError
    from redis.sentinel import MasterNotFoundError

    assert redis_state(MasterNotFoundError("No master found")).startswith("failing over")
    assert redis_state(ReadOnlyError("READONLY")).startswith("failing over")
    assert redis_state(ConnectionError("The previous master is now a slave")).startswith("failing over")
    assert redis_state(ConnectionError("refused")) == "unavailable: ConnectionError; reconnecting"


# --- the worker after a failover -------------------------------------------------------------------------------

def test_recover_makes_due_the_claims_of_jobs_the_new_primary_does_not_know(redis_client):
    store = Store(redis_client)
    queue = Queue(store.delivery_queue, connection=redis_client)
    scheduler = Scheduler(store, queue, lease=60, batch_size=10)
    ids = store.add([Reminder(phone="14155550100", message=f"r{i}", due=time.time() - 1) for i in range(4)])
    lost, alive = uuid.uuid4().hex, uuid.uuid4().hex
    assert store.claim(time.time(), time.time() + 60, 2, lost) == ids[:2]  # its enqueue was lost in a failover
    assert store.claim(time.time(), time.time() + 60, 2, alive) == ids[2:]
    queue.enqueue(deliver_job, alive, ids[2:], job_id=f"deliver-{alive}")
    assert scheduler.recover() == 2
    assert store.holds(ids[2], alive)  # a job the primary knows keeps its claims
    assert store.claim(time.time(), time.time() + 60, 10, "again") == ids[:2]  # due now, not in 60 s
    queue.enqueue(deliver_job, "again", ids[:2], job_id="deliver-again")
    assert scheduler.recover() == 0


def test_connect_through_sentinel_writes_to_the_primary():
    from tests.support.redis_cluster import SentinelCluster

    with SentinelCluster() as cluster:
        client = connect(load_settings(cluster.env))
        client.set("greeting", "hello")
        assert cluster.primary.client().get("greeting") == b"hello"
