"""Idempotency-Key on POST /api/reminders: a retried create makes one reminder, whatever happened to the first
answer, and a create that failed is made afresh by its retry. Real Redis, the API through Flask's test client."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from app import create_app
from tests.helpers import auth
from tests.support.redis_cluster import FAST_SYNC, replica_of
from tests.support.redis_server import RedisServer

PHONE = "+14155550100"
WHEN = (datetime.now(UTC) + timedelta(days=1)).isoformat()  # one time for the run: retries are the same body


def body(**fields) -> dict:
    return {"phone_number": PHONE, "message": "dentist", "remind_when": WHEN} | fields


def create(client, key: str | None, json_body: dict, token: str = "test-token"):
    headers = auth(token) | ({"Idempotency-Key": key} if key is not None else {})
    return client.post("/api/reminders", json=json_body, headers=headers)


def listed(client, status: str = "unsent") -> list[dict]:
    return client.get("/api/reminders", query_string={"phone_number": PHONE, "status": status},
                      headers=auth()).json["reminders"]


def records(redis_client: redis.Redis) -> list[str]:
    return [key.decode() for key in redis_client.keys("rmd:idem:*")]


def test_the_same_key_twice_makes_one_reminder_and_replays_it_as_it_is_now(client, redis_client):
    first = create(client, "order-1", body())
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = create(client, "order-1", body())
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert [r["id"] for r in listed(client)] == [first.json["id"]]

    (record,) = records(redis_client)
    assert "test-token" not in record and 24 * 3600 - 60 < redis_client.ttl(record) <= 24 * 3600

    assert client.delete(f"/api/reminders/{first.json['id']}", headers=auth()).status_code == 204
    replayed = create(client, "order-1", body())
    assert replayed.status_code == 201 and replayed.json["id"] == first.json["id"]
    assert replayed.json["status"] == "cancelled" and listed(client) == []  # as it is now; no new one made


def test_the_fingerprint_is_the_validated_request_not_its_spelling(client):
    first = create(client, "k", body())
    spelled = json.dumps(dict(reversed(list(body().items()))), indent=3)  # other order, other spacing
    again = client.post("/api/reminders", data=spelled, content_type="application/json",
                        headers=auth() | {"Idempotency-Key": "k"})
    assert again.status_code == 201 and again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_refused(client):
    first = create(client, "k", body())
    refused = create(client, "k", body(message="dentist at 9"))
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "idempotency_key_reused"
    assert refused.json["error"]["field"] == "Idempotency-Key"
    assert [r["id"] for r in listed(client)] == [first.json["id"]]


def test_keys_are_per_token(client):
    mine = create(client, "k", body())
    theirs = create(client, "k", body(), token="second-token")
    assert mine.status_code == theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert mine.json["id"] != theirs.json["id"] and len(listed(client)) == 2
    assert create(client, "k", body()).json["id"] == mine.json["id"]  # each token's retry replays its own
    assert create(client, "k", body(), token="second-token").json["id"] == theirs.json["id"]
    assert len(listed(client)) == 2


def test_concurrent_requests_with_one_key_make_one_reminder(app):
    threads, answers = 8, []
    barrier = threading.Barrier(threads)

    def post() -> None:
        client = app.test_client()
        barrier.wait()
        answers.append(create(client, "same", body()))

    workers = [threading.Thread(target=post) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    made = [a for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a.headers]
    others = [a for a in answers if a not in made]
    assert len(answers) == threads and len(made) == 1
    for answer in others:
        if answer.status_code == 201:
            assert answer.headers["Idempotent-Replayed"] == "true" and answer.json["id"] == made[0].json["id"]
        else:
            assert answer.status_code == 409 and answer.json["error"]["code"] == "in_progress"
            assert "Retry-After" in answer.headers
    assert [r["id"] for r in listed(app.test_client())] == [made[0].json["id"]]


def test_a_create_refused_is_made_by_its_retry(env):
    client = create_app({**env, "MAX_PENDING_PER_NUMBER": "1"}).test_client()
    existing = create(client, None, body(message="first")).json["id"]
    refused = create(client, "k", body())
    assert refused.status_code == 409 and refused.json["error"]["code"] == "too_many"
    assert client.delete(f"/api/reminders/{existing}", headers=auth()).status_code == 204
    made = create(client, "k", body())
    assert made.status_code == 201 and "Idempotent-Replayed" not in made.headers
    again = create(client, "k", body())
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["id"] == made.json["id"]


def test_a_create_that_failed_validation_frees_its_key_for_the_corrected_request(client):
    refused = create(client, "k", {"phone_number": PHONE, "text": "blah blah"})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "unparseable"
    made = create(client, "k", body())  # another body: no conflict, the failed one left nothing behind
    assert made.status_code == 201 and "Idempotent-Replayed" not in made.headers
    assert create(client, "k", body()).json["id"] == made.json["id"]


@pytest.fixture()
def primary() -> Iterator[RedisServer]:
    with RedisServer(extra_args=FAST_SYNC) as server:
        yield server


@pytest.mark.slow
def test_a_create_not_replicated_is_made_afresh_by_its_retry_not_replayed(env, primary):
    client = create_app({**env, "REDIS_URL": primary.url, "REDIS_MIN_REPLICAS": "1",
                         "REDIS_WAIT_SECONDS": "0.5"}).test_client()
    refused = create(client, "k", body())
    assert refused.status_code == 503 and refused.json["error"]["code"] == "not_replicated"
    (cancelled,) = listed(client, "cancelled")  # _confirm undid it
    replica = replica_of(primary)
    try:
        made = create(client, "k", body())
        assert made.status_code == 201 and "Idempotent-Replayed" not in made.headers
        assert made.json["id"] != cancelled["id"] and made.json["status"] == "pending"
        again = create(client, "k", body())
        assert again.headers["Idempotent-Replayed"] == "true" and again.json["id"] == made.json["id"]
        assert [r["id"] for r in listed(client)] == [made.json["id"]]
    finally:
        replica.stop()


def test_an_add_whose_answer_was_lost_is_replayed_not_made_again(app, monkeypatch):
    store = app.extensions["reminders"].store
    add = store.add

    def stored_but_lost(*args, **kwargs):
        add(*args, **kwargs)
        raise redis.ConnectionError("the answer was lost")

    monkeypatch.setattr(store, "add", stored_but_lost)
    client = app.test_client()
    assert create(client, "k", body()).status_code == 503
    monkeypatch.setattr(store, "add", add)
    again = create(client, "k", body())
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert [r["id"] for r in listed(client)] == [again.json["id"]]


def test_a_claim_whose_request_died_is_busy_for_a_minute_then_taken_over(app, redis_client, monkeypatch):
    store = app.extensions["reminders"].store
    add = store.add
    monkeypatch.setattr(store, "add", lambda *a, **k: (_ for _ in ()).throw(redis.ConnectionError("gone")))
    client = app.test_client()
    assert create(client, "k", body()).status_code == 503  # claimed; stored or not, unknown: the claim is kept
    monkeypatch.setattr(store, "add", add)
    busy = create(client, "k", body())
    assert busy.status_code == 409 and busy.json["error"]["code"] == "in_progress"
    assert "Retry-After" in busy.headers and listed(client) == []

    (record,) = records(redis_client)
    redis_client.hset(record, "at", float(redis_client.hget(record, "at")) - 61)  # the claim is a minute old
    made = create(client, "k", body())
    assert made.status_code == 201 and "Idempotent-Replayed" not in made.headers
    assert [r["id"] for r in listed(client)] == [made.json["id"]]


@pytest.mark.parametrize("key", ["", "x" * 256, "café", "a\tb", "a\x7fb"])
def test_an_invalid_key_is_refused_and_makes_nothing(client, key):
    refused = create(client, key, body())
    assert refused.status_code == 422 and refused.json["error"]["field"] == "Idempotency-Key"
    assert listed(client) == []


def test_a_key_of_255_printable_characters_is_fine(client):
    key = "".join(chr(32 + i % 95) for i in range(1, 256))
    assert key[0] != " " != key[-1] and len(key) == 255
    first = create(client, key, body())
    assert first.status_code == 201
    assert create(client, key, body()).json["id"] == first.json["id"]


def test_without_the_header_every_create_makes_a_reminder(client, redis_client):
    keyed = create(client, "k", body())
    plain = [create(client, None, body()) for _ in range(2)]
    assert [a.status_code for a in plain] == [201, 201]
    assert all("Idempotent-Replayed" not in a.headers for a in plain)
    assert len({keyed.json["id"], *(a.json["id"] for a in plain)}) == 3 and len(listed(client)) == 3
    assert len(records(redis_client)) == 1  # only the keyed create left a record
    assert create(client, "k", body()).json["id"] == keyed.json["id"]


def test_the_header_is_in_the_openapi_document(client):
    operation = client.get("/openapi.json").json["paths"]["/api/reminders"]["post"]
    (header,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header" and header["required"] is False
    assert header["schema"]["type"] == "string" and header["schema"]["maxLength"] == 255
