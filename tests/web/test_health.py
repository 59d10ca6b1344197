"""/readyz and /metrics say when Redis has lost data: keys evicted since the service started, entries on the schedule
whose record is gone. A real Redis with a memory limit and an evicting policy, as managed Redis often has."""
from __future__ import annotations

import pytest

from app import create_app
from app.storage.heartbeat import Heartbeats
from tests.helpers import inbound
from tests.ops.test_operations import scrape
from tests.support.redis_server import RedisServer


def _evict(client) -> int:
    """Write filler until Redis evicts keys; how many it has evicted since it started."""
    filler, i, before = "x" * 20_000, 0, int(client.info("stats")["evicted_keys"])
    while int(client.info("stats")["evicted_keys"]) == before:
        client.set(f"filler:{i}", filler)
        i += 1
    return int(client.info("stats")["evicted_keys"])


@pytest.fixture()
def evicting(env):
    with RedisServer(extra_args=("--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru")) as server:
        client = server.client()
        Heartbeats(client, "rmd:").beat("worker.1")  # a live worker: only the data can make /readyz red
        yield {**env, "REDIS_URL": server.url}, client, create_app({**env, "REDIS_URL": server.url}).test_client()
        client.close()


@pytest.mark.slow
def test_readyz_turns_red_once_redis_has_evicted_keys_since_the_service_started(evicting):
    """1,500 numbers texting a Redis with maxmemory and allkeys-lru: 5,644 keys evicted, reminders gone, /readyz
    still "ok"."""
    settings, redis, web = evicting
    web.post("/webhooks/inbound-sms", data=inbound("dentist in 1 hour"))
    answer = web.get("/readyz")
    assert answer.status_code == 200 and answer.json["checks"]["data"].startswith("ok"), answer.json
    evicted = _evict(redis)
    Heartbeats(redis, "rmd:").beat("worker.1")  # the filler may have evicted the beat too
    answer = web.get("/readyz")
    assert answer.status_code == 503
    assert "evicted" in answer.json["checks"]["data"] and "allkeys-lru" in answer.json["checks"]["data"]
    assert scrape(web)["reminders_redis_evicted_keys"] >= evicted
    # another process (a web started later) reads the baseline the first one stored: still red
    later = create_app(settings).test_client()
    assert "evicted" in later.get("/readyz").json["checks"]["data"]


@pytest.mark.slow
def test_evictions_before_the_service_first_saw_redis_do_not_count_and_a_reset_count_starts_again(evicting):
    _, redis, web = evicting
    _evict(redis)  # before the service looked
    redis.flushall()
    Heartbeats(redis, "rmd:").beat("worker.1")
    assert web.get("/readyz").status_code == 200
    _evict(redis)
    redis.delete(*redis.keys("filler:*"))
    Heartbeats(redis, "rmd:").beat("worker.1")
    assert web.get("/readyz").status_code == 503
    redis.config_resetstat()  # the operator fixed the policy and reset Redis's counts
    assert web.get("/readyz").status_code == 200


def test_readyz_turns_red_when_entries_on_the_schedule_have_lost_their_record(client, redis_client):
    """The sorted set still held 2,797 orphan entries after the evictions, and nothing said so."""
    Heartbeats(redis_client, "rmd:").beat("worker.1")
    for text in ("dentist in 1 hour", "gym tomorrow 7am"):
        assert client.post("/webhooks/inbound-sms", data=inbound(text)).status_code == 204
    assert client.get("/readyz").status_code == 200 and scrape(client)["reminders_schedule_orphans"] == 0
    lost = [key for key in redis_client.keys("rmd:data:*") if key != b"rmd:data:x"]
    redis_client.delete(*lost)  # the reminders' records, as an eviction takes them; their replies stay
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["data"].startswith("2 of 4 entries sampled on the schedule have lost their record")
    assert scrape(client)["reminders_schedule_orphans"] == 2
    assert "lost their record" in client.get("/dashboard", headers=_basic()).get_data(as_text=True)


def _basic() -> dict[str, str]:
    from tests.ops.test_operations import basic

    return basic()
