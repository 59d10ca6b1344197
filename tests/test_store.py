"""The schedule's guarantees, against a real Redis: atomic claims, leases, claim tokens, once-only inbound."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from app.store import Reminder, Store


@pytest.fixture()
def store(redis_client) -> Store:
    return Store(redis_client)


def reminder(due: float, phone: str = "14155550100", **kw) -> Reminder:
    return Reminder(phone=phone, message="gym", due=due, tz="America/Los_Angeles", **kw)


def test_concurrent_claims_never_share_an_entry(store, redis_server):
    now = time.time()
    store.add([reminder(now - 1) for _ in range(500)])
    stores = [Store(redis_server.client()) for _ in range(8)]

    def drain(i: int) -> list[str]:
        got: list[str] = []
        while ids := stores[i].claim(time.time(), time.time() + 60, 7, f"token-{i}"):
            got += ids
        return got

    with ThreadPoolExecutor(8) as pool:
        claimed = [i for ids in pool.map(drain, range(8)) for i in ids]
    assert len(claimed) == 500 and len(set(claimed)) == 500


def test_only_due_entries_are_claimed_soonest_first(store):
    now = time.time()
    later, first, second = store.add([reminder(now + 60), reminder(now - 5), reminder(now - 1)])
    assert store.claim(now, now + 30, 10, "t") == [first, second]
    assert store.next_due() == pytest.approx(now + 30)  # the leases end before the later reminder


def test_an_expired_lease_makes_the_entry_due_again_for_another_token(store):
    now = time.time()
    (rid,) = store.add([reminder(now - 1)])
    assert store.claim(now, now + 0.2, 10, "dead-worker") == [rid]
    assert store.claim(now + 0.1, now + 60, 10, "other") == []
    assert store.claim(now + 0.3, now + 60, 10, "other") == [rid]
    assert store.begin(rid, "dead-worker", now + 60) is None  # the old holder may no longer send
    assert store.begin(rid, "other", now + 60).message == "gym"


def test_settling_needs_the_claim_token(store):
    now = time.time()
    (rid,) = store.add([reminder(now - 1)])
    store.claim(now, now + 60, 10, "mine")
    rem = store.begin(rid, "mine", now + 60)
    assert not store.finish(rem, "not-mine", "sent")
    assert store.finish(rem, "mine", "sent")
    assert not store.finish(rem, "mine", "sent")  # a repeated acknowledgement changes nothing
    assert store.get(rid).status == "sent" and store.for_phone(rem.phone) == [] and store.next_due() is None


def test_next_occurrence_keeps_the_series_pending(store):
    now = time.time()
    (rid,) = store.add([reminder(now - 1, every="FREQ=DAILY")])
    store.claim(now, now + 60, 10, "t")
    rem = store.begin(rid, "t", now + 60)
    assert store.reschedule(rem, "t", now + 86400, next_occurrence=True)
    again = store.get(rid)
    assert again.status == "pending" and again.due == pytest.approx(now + 86400, abs=0.01)
    assert [r.id for r in store.for_phone(rem.phone)] == [rid]


def test_cancel_removes_from_schedule_and_number(store):
    (rid,) = store.add([reminder(time.time() + 60)])
    assert store.cancel(rid).id == rid
    assert store.get(rid).status == "cancelled" and store.next_due() is None and store.for_phone("14155550100") == []
    assert store.cancel(rid) is None


def test_same_inbound_message_is_stored_once(store):
    items = [reminder(time.time() + 60), reminder(time.time(), kind="reply")]
    assert len(store.add(items, inbound_id="msg-1")) == 2
    assert store.add(items, inbound_id="msg-1") is None
    assert store.pending_count() == 2


def test_replies_are_not_listed_as_reminders(store):
    store.add([reminder(time.time(), kind="reply")])
    assert store.for_phone("14155550100") == []


def test_adding_something_sooner_wakes_a_sleeping_worker(store):
    store.add([reminder(time.time() + 3600)])
    store.redis.delete(store.key("wake"))
    store.add([reminder(time.time() + 7200)])  # later than what is known: no wake-up
    assert store.redis.llen(store.key("wake")) == 0
    started = time.time()
    store.add([reminder(time.time() + 1)])
    store.wait_for_work(5)
    assert time.time() - started < 1


def test_wait_returns_after_timeout(store):
    started = time.time()
    store.wait_for_work(0.3)
    assert 0.25 < time.time() - started < 2


def test_unicode_survives_the_round_trip(store):
    (rid,) = store.add([Reminder(phone="14155550100", message="💊 Tabletten nehmen — ça va", due=time.time() + 60)])
    assert store.get(rid).message == "💊 Tabletten nehmen — ça va"


@pytest.mark.parametrize("rem", [
    Reminder(phone="14155550100", message="gym", due=1.5, tz="America/Los_Angeles"),  # zone left out: the number's
    Reminder(phone="14155550100", message="gym", due=1.5, tz="UTC"),
    Reminder(phone="15555550100", message="gym", due=1.5, tz="UTC", every="FREQ=DAILY"),
    Reminder(phone="14155550100", message="gym", due=1.5, tz="UTC", attempts=3),
    Reminder(phone="14155550100", message="gym", due=1.5, tz="America/Los_Angeles", every="FREQ=DAILY", attempts=2),
])
def test_records_round_trip(rem):
    again = Reminder.from_record("7", rem.record())
    assert again == replace(rem, id="7")
    final = Reminder.from_record("7", rem.final_record("failed", "Number barred"))
    assert final == replace(rem, id="7", status="failed", detail="Number barred")


def test_a_typical_record_is_short_enough_for_a_compact_hash(store):
    (rid,) = store.add([Reminder(phone="14155550100", message="take out the recycling", due=time.time() + 60,
                                 tz="America/Los_Angeles")])
    raw = store.redis.hget(store.data_key(rid), rid)
    assert len(raw) <= 64 and store.redis.object("encoding", store.data_key(rid)) == b"listpack"


def test_a_change_never_takes_an_entry_from_the_job_sending_it(store):
    now = time.time()
    (rid,) = store.add([reminder(now - 1)])
    store.claim(now, now + 60, 10, "job")
    rem = store.begin(rid, "job", now + 60)
    assert not store.update(replace(rem, message="changed"))
    assert store.finish(rem, "job", "sent")  # the sending job's acknowledgement still counts


def test_dead_letters_are_kept_as_long_as_their_records(store):
    store.redis.zadd(store.key("dead"), {"1": time.time() - 8 * 24 * 3600})
    now = time.time()
    (rid,) = store.add([reminder(now - 1)])
    store.claim(now, now + 60, 10, "job")
    store.finish(store.begin(rid, "job", now + 60), "job", "failed", "Number barred")
    assert store.dead_letters() == [rid]
