"""The worker process end to end: real `python worker.py`, real Redis, the real vonage SDK against the fake.

Timing bounds here are generous correctness checks (not before due, not lost, not doubled); speed is measured
in bench/, not asserted in tests.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest

from app.storage.store import Reminder, Store
from tests.helpers import inbound

pytestmark = [pytest.mark.slow, pytest.mark.timing]  # real `python worker.py` processes, timed


@pytest.fixture()
def store(redis_client) -> Store:
    return Store(redis_client)


def schedule(store: Store, count: int, due: float, phone_base: int = 14155550100, **kw) -> list[str]:
    items = [Reminder(phone=str(phone_base + i), message=f"reminder {i}", due=due, tz="UTC", **kw)
             for i in range(count)]
    return store.add(items)


def refs(fake) -> Counter:
    """Sends per reminder id (client-ref is '<id>-<due>')."""
    return Counter(m["client_ref"].split("-")[0] for m in fake.messages)


def test_text_in_confirmation_then_reminder_on_time(client, fake_vonage, start_worker, store):
    start_worker()
    sent_at = time.time()
    assert client.post("/webhooks/inbound-sms", data=inbound("stretch in 3 seconds")).status_code == 204
    (confirmation,) = fake_vonage.wait_for(1, timeout=5)
    assert confirmation["to"] == "14155550100" and confirmation["from"] == "447700900000"
    assert confirmation["text"].startswith('Got it: "stretch"')
    assert confirmation["received_at"] - sent_at < 2
    messages = fake_vonage.wait_for(2, timeout=10)
    reminder = messages[1]
    assert reminder["text"] == "stretch"
    due = sent_at + 3
    assert reminder["received_at"] >= due - 0.5  # never early (the webhook's "now" is a little after sent_at)
    assert reminder["received_at"] - due < 2.0


def test_due_reminders_are_sent_once_each(fake_vonage, start_worker, store):
    ids = schedule(store, 50, time.time())
    start_worker()
    fake_vonage.wait_for(50, timeout=20)
    time.sleep(0.5)
    assert refs(fake_vonage) == Counter({i: 1 for i in ids})
    assert all(store.get(i).status == "sent" for i in ids)
    assert store.pending_count() == 0


def test_two_workers_never_send_the_same_reminder(fake_vonage, start_worker, store):
    fake_vonage.latency = 0.01
    start_worker(), start_worker()
    ids = schedule(store, 400, time.time() + 1.5)
    fake_vonage.wait_for(400, timeout=40)
    time.sleep(1)
    assert refs(fake_vonage) == Counter({i: 1 for i in ids})


def test_worker_killed_mid_batch_loses_nothing(fake_vonage, start_worker, store):
    fake_vonage.latency = 0.2  # keeps sends in flight when the kill lands
    ids = schedule(store, 200, time.time())
    worker = start_worker(SEND_CONCURRENCY="8", LEASE_SECONDS="3")
    fake_vonage.wait_for(20, timeout=20)
    worker.kill()
    delivered_before = len(fake_vonage.messages)
    assert delivered_before < 200
    start_worker(SEND_CONCURRENCY="8", LEASE_SECONDS="3")
    fake_vonage.wait_for(200, timeout=60)
    time.sleep(3)  # long enough for any stray lease to expire and be re-sent
    counts = refs(fake_vonage)
    assert set(counts) == set(ids)  # nothing lost
    assert sum(counts.values()) - len(ids) <= 8  # at most the sends in flight when it died
    assert store.pending_count() == 0


def test_throttling_and_5xx_are_retried(fake_vonage, start_worker, store):
    fake_vonage.queue_status("1", count=2)  # Throttled
    fake_vonage.queue_http_error(500)
    fake_vonage.queue_http_error(503)
    (rid,) = schedule(store, 1, time.time())
    start_worker()
    (message,) = fake_vonage.wait_for(1, timeout=20)
    assert message["client_ref"].startswith(f"{rid}-")
    assert len(fake_vonage.requests) == 5
    time.sleep(0.3)
    assert store.get(rid).status == "sent"


def test_permanent_failure_is_dead_lettered_not_retried(fake_vonage, start_worker, store):
    fake_vonage.status_for_number("14155550100", "7")  # Number barred
    (rid,) = schedule(store, 1, time.time())
    start_worker()
    deadline = time.time() + 10
    while store.get(rid).status != "failed" and time.time() < deadline:
        time.sleep(0.05)
    failed = store.get(rid)
    assert failed.status == "failed" and "Number barred" in failed.detail
    assert store.dead_letters() == [rid] and len(fake_vonage.requests) == 1


def test_retries_end_in_dead_letter(fake_vonage, start_worker, store):
    fake_vonage.queue_status("1", count=50)
    (rid,) = schedule(store, 1, time.time())
    start_worker(MAX_SEND_ATTEMPTS="3")
    deadline = time.time() + 15
    while store.get(rid).status != "failed" and time.time() < deadline:
        time.sleep(0.05)
    assert store.get(rid).status == "failed" and "Throttled" in store.get(rid).detail
    assert len(fake_vonage.requests) == 3 and fake_vonage.messages == []


def test_outbound_rate_never_exceeds_the_limit_across_workers(fake_vonage, start_worker, store):
    start_worker(SMS_RATE_LIMIT="20"), start_worker(SMS_RATE_LIMIT="20")
    schedule(store, 60, time.time() + 1)
    fake_vonage.wait_for(60, timeout=30)
    times = sorted(m["received_at"] for m in fake_vonage.messages)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 20


def test_recurring_reminder_is_rescheduled_after_each_send(fake_vonage, start_worker, store):
    start_worker()
    (rid,) = schedule(store, 1, float(int(time.time()) + 2), every="FREQ=SECONDLY;INTERVAL=2")
    fake_vonage.wait_for(2, timeout=10)
    first, second = fake_vonage.messages[:2]
    assert second["received_at"] - first["received_at"] == pytest.approx(2, abs=0.5)
    assert store.get(rid).status in ("pending", "sending")
    store.cancel(rid)
    count = len(fake_vonage.messages)
    time.sleep(3)
    assert len(fake_vonage.messages) == count  # cancelling stops the series


def test_sigterm_finishes_in_flight_sends_and_exits_quickly(fake_vonage, start_worker, store):
    fake_vonage.latency = 0.5
    ids = schedule(store, 300, time.time())
    worker = start_worker(SEND_CONCURRENCY="16")
    fake_vonage.wait_for(5, timeout=20)
    assert worker.terminate() < 10
    assert worker.proc.returncode == 0, worker.output()
    sent = refs(fake_vonage)
    assert all(n == 1 for n in sent.values())
    # whatever was not sent is still scheduled for the next worker, nothing is marked sent without a send
    assert all(store.get(i).status in ("pending", "sending") for i in ids if i not in sent)
    start_worker(SEND_CONCURRENCY="32")
    fake_vonage.latency = 0
    fake_vonage.wait_for(300, timeout=90)
    time.sleep(1)
    assert set(refs(fake_vonage)) == set(ids)
