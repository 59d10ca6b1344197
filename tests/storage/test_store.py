"""The schedule's guarantees, against a real Redis: atomic claims, leases, claim tokens, once-only inbound."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from app.storage.phoneindex import BUCKETS
from app.storage.store import Cap, OverCap, Reminder, Store


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


def test_a_cap_counts_each_reminder_added_and_nothing_is_written_past_it(store, redis_server):
    """Eight processes adding at once for one number: the count and the check are one step, so exactly the cap
    gets in, however the adds interleave."""
    cap = Cap(store.key("rate", "new", "14155550100", "1"), 5, 120)
    stores = [Store(redis_server.client()) for _ in range(8)]

    def add(i: int) -> bool:
        try:
            return stores[i % 8].add([reminder(time.time() + 3600 + i)], cap=cap) is not None
        except OverCap:
            return False

    with ThreadPoolExecutor(8) as pool:
        added = list(pool.map(add, range(40)))
    assert sum(added) == 5 and len(store.for_phone("14155550100")) == 5
    assert 60 < store.redis.ttl(cap.key) <= 120  # the count is kept for as long as the cap says
    assert store.add([reminder(time.time() + 60)]) is not None  # an add without the cap is not counted or refused


def test_only_due_entries_are_claimed_soonest_first(store):
    now = time.time()
    _later, first, second = store.add([reminder(now + 60), reminder(now - 5), reminder(now - 1)])
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


@pytest.mark.timing
def test_adding_something_sooner_wakes_a_sleeping_worker(store):
    store.add([reminder(time.time() + 3600)])
    store.redis.delete(store.key("wake"))
    store.add([reminder(time.time() + 7200)])  # later than what is known: no wake-up
    assert store.redis.llen(store.key("wake")) == 0
    started = time.time()
    store.add([reminder(time.time() + 1)])
    store.wait_for_work(5)
    assert time.time() - started < 1


@pytest.mark.timing
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
    Reminder(phone="14155550100", message="gym", due=1.5, tz="America/Los_Angeles", channel="whatsapp"),
    Reminder(phone="14155550100", message="w:gym", due=1.5, tz="UTC", nag=True, channel="whatsapp"),
])
def test_records_round_trip(rem):
    again = Reminder.from_record("7", rem.record())
    assert again == replace(rem, id="7")
    final = Reminder.from_record("7", rem.final_record("failed", "Number barred"))
    assert final == replace(rem, id="7", status="failed", detail="Number barred")


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_a_typical_record_is_short_enough_for_a_compact_hash(store, channel):
    (rid,) = store.add([Reminder(phone="14155550100", message="take out the recycling", due=time.time() + 60,
                                 tz="America/Los_Angeles", channel=channel)])
    raw = store.redis.hget(store.data_key(rid), rid)
    assert len(raw) <= 64 and store.redis.object("encoding", store.data_key(rid)) == b"listpack"


def test_the_channel_costs_an_sms_record_nothing_and_a_whatsapp_one_two_bytes():
    sms = Reminder(phone="14155550100", message="gym", due=1.5, tz="America/Los_Angeles")
    assert sms.record() == '["14155550100","gym",1.5]'
    assert len(replace(sms, channel="whatsapp").record()) == len(sms.record()) + 2


def test_a_whatsapp_entry_of_a_number_that_opted_out_is_held(store):
    (rid,) = store.add([reminder(time.time() - 1, channel="whatsapp")])
    store.redis.hset(store.key("person", "14155550100"), mapping={"out": "1", "outseq": "0"})
    assert store.claim(time.time(), time.time() + 60, 10, "t") == [rid]
    assert store.begin(rid, "t", time.time() + 60) is None  # begin.lua found the person behind `w:<number>`


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


# --- each number's index, in shared buckets (phoneindex.py) ---------------------------------------------------

def test_numbers_in_one_bucket_keep_their_own_reminders(store):
    one, other = "14155550100", str(14155550100 + BUCKETS)  # the same bucket
    assert store.index.bucket(one) == store.index.bucket(other)
    now = time.time()
    later, sooner = store.add([reminder(now + 600, one), reminder(now + 60, one)])
    (theirs,) = store.add([reminder(now + 300, other)])
    assert [r.id for r in store.for_phone(one)] == [sooner, later]  # soonest first, from the records
    assert [r.id for r in store.for_phone(other)] == [theirs] and store.unsent_count(one) == 2
    store.cancel(sooner)
    assert [r.id for r in store.for_phone(one)] == [later] and store.index.ids(other) == [theirs]
    store.cancel(later)
    store.cancel(theirs)
    assert store.redis.exists(store.index.bucket(one)) == 0  # nothing left behind when a number has none


def test_the_index_follows_a_series_a_hold_and_a_finish(store):
    now = time.time()
    (rid,) = store.add([reminder(now - 1, every="FREQ=DAILY")])
    rem = store.begin(store.claim(now, now + 60, 10, "t")[0], "t", now + 60)
    assert store.reschedule(rem, "t", now + 86400, next_occurrence=True)
    assert store.index.ids(rem.phone) == [rid]  # kept once, not twice
    assert store.hold(rem.phone) == 1 and store.for_phone(rem.phone)[0].status == "held"
    assert store.update(replace(store.get(rid), message="stretch")) and store.index.ids(rem.phone) == [rid]
    store.finish(store.get(rid), "", "cancelled")
    assert store.index.ids(rem.phone) == [] and store.unsent_count(rem.phone) == 0


def test_a_number_with_many_reminders_still_reads_and_removes_exactly(store):
    """Past 64 bytes a value turns its bucket into a real hash table (Redis's listpack limit): same answers."""
    now = time.time()
    ids = store.add([reminder(now + 60 * i) for i in range(1, 41)])
    assert store.redis.object("encoding", store.index.bucket("14155550100")) == b"hashtable"
    store.cancel(ids[17])
    assert store.index.ids("14155550100") == ids[:17] + ids[18:]
    assert [r.id for r in store.for_phone("14155550100")] == ids[:17] + ids[18:]


def test_an_index_written_before_buckets_is_moved_into_them(store):
    """A deployment upgraded in place: each number's old sorted set (`p:<phone>`) moves, once, merged with what the
    new code already added, and LIST sees every reminder."""
    now = time.time()
    old = store.add([reminder(now + 60), reminder(now + 120)])
    store.redis.hdel(store.index.bucket("14155550100"), "14155550100")
    store.redis.zadd(store.key("p", "14155550100"), {old[0]: now + 60, old[1]: now + 120})
    (new,) = store.add([reminder(now + 30)])  # written by the new code before the worker moved the old index
    assert store.index.migrate() == 1
    assert [r.id for r in store.for_phone("14155550100")] == [new, *old]
    assert store.redis.exists(store.key("p", "14155550100")) == 0
    assert store.index.migrate() == 0 and store.index.ids("14155550100") == [new, *old]
    store.redis.zadd(store.key("p", "14155550101"), {"999": now})  # after a scan found nothing: never scanned again
    assert store.index.migrate() == 0 and store.redis.exists(store.key("p", "14155550101")) == 1
