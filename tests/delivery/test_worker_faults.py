"""The fault suite: worker crashes and shutdowns, Redis restarts, a failing Vonage, and workers that were down.

Real `python worker.py` processes, a real redis-server, the real vonage SDK against the fake. Each test is a
correctness check with generous time bounds (speed is measured in bench/, not asserted here).
"""
from __future__ import annotations

import itertools
import time
from collections import Counter

import pytest

from app import create_app
from app.delivery.courier import retry_delay
from app.storage.store import Reminder, Store
from tests.conftest import WorkerProcess
from tests.helpers import inbound
from tests.support.redis_server import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.timing]  # real `python worker.py` processes, Redis restarts, timed


@pytest.fixture()
def store(redis_client) -> Store:
    return Store(redis_client)


def schedule(store: Store, count: int, due: float, phone_base: int = 14155550100) -> list[str]:
    return store.add([Reminder(phone=str(phone_base + i), message=f"reminder {i}", due=due, tz="UTC")
                      for i in range(count)])


def refs(fake) -> Counter:
    """Accepted sends per reminder id (client-ref is '<id>-<due>')."""
    return Counter(m["client_ref"].split("-")[0] for m in list(fake.messages))


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while not check():
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_worker_killed_mid_burst_loses_nothing_and_duplicates_at_most_its_in_flight(fake_vonage, start_worker,
                                                                                      store):
    fake_vonage.latency = 0.05
    victim = start_worker(SEND_CONCURRENCY="8", LEASE_SECONDS="3")
    start_worker(SEND_CONCURRENCY="8", LEASE_SECONDS="3")
    ids = schedule(store, 600, time.time() + 0.5)
    fake_vonage.wait_for(150, timeout=30)
    victim.kill()  # SIGKILL: no chance to acknowledge what it had in flight
    assert len(fake_vonage.messages) < 600
    fake_vonage.wait_for(600, timeout=60)
    wait_until(lambda: store.pending_count() == 0, 20, "every entry settled")
    counts = refs(fake_vonage)
    assert set(counts) == set(ids)  # nothing lost
    assert sum(counts.values()) - len(ids) <= 8  # duplicates: at most the killed worker's sends in flight


def test_sigterm_during_burst_finishes_in_flight_sends_loses_nothing_and_exits_quickly(fake_vonage, start_worker,
                                                                                        store):
    fake_vonage.latency = 0.05
    leaving = start_worker(SEND_CONCURRENCY="16")
    staying = start_worker(SEND_CONCURRENCY="16")
    ids = schedule(store, 1500, time.time() + 0.5)
    fake_vonage.wait_for(200, timeout=30)
    assert leaving.terminate() < 10  # in-flight sends finish; unbegun entries go back to the schedule
    assert leaving.proc.returncode == 0, leaving.output()
    fake_vonage.wait_for(1500, timeout=90)
    wait_until(lambda: store.pending_count() == 0, 20, "every entry settled")
    time.sleep(0.5)
    counts = refs(fake_vonage)
    assert set(counts) == set(ids) and all(n == 1 for n in counts.values())  # none lost, none doubled
    assert staying.proc.poll() is None


def test_redis_restart_web_answers_503_worker_reconnects_nothing_confirmed_lost(env, fake_vonage, tmp_path):
    # appendfsync always: every write Redis confirmed is on disk before the crash (production: AOF, see docs)
    with RedisServer(appendonly=True, extra_args=("--appendfsync", "always")) as server:
        own = {**env, "REDIS_URL": server.url}
        client = create_app(own).test_client()
        worker = WorkerProcess(own)
        try:
            store = Store(server.client())
            ids = schedule(store, 30, time.time() + 2.5)  # confirmed: add() returned their ids
            server.kill()  # a crash, mid-run
            assert client.post("/webhooks/inbound-sms", data=inbound("stretch in 1 minute")).status_code == 503
            time.sleep(2.5)  # down for longer than the worker's first retries
            server.start()  # same port and data directory: replays the AOF
            fake_vonage.wait_for(30, timeout=60)  # the worker reconnected by itself and sent them all
            assert set(refs(fake_vonage)) == set(ids)
            assert client.post("/webhooks/inbound-sms", data=inbound("stretch in 1 minute")).status_code == 204
            fake_vonage.wait_for(31, timeout=30)  # and it still works after: the confirmation went out
            assert worker.proc.poll() is None
        finally:
            worker.kill()


def test_vonage_5xx_timeouts_and_throttling_are_retried_with_backoff(fake_vonage, start_worker, store):
    fake_vonage.queue_http_error(500)
    fake_vonage.queue_hang(2.5)  # longer than VONAGE_TIMEOUT: the client gives up (Vonage may still send it)
    fake_vonage.queue_status("1")  # Throttled
    fake_vonage.queue_http_error(503)
    (rid,) = schedule(store, 1, time.time())
    start_worker(VONAGE_TIMEOUT="1", RETRY_BASE_SECONDS="0.8", MAX_SEND_ATTEMPTS="6")
    wait_until(lambda: store.get(rid).status == "sent", 40, "the reminder to be sent")
    times = sorted(r["received_at"] for r in fake_vonage.requests)  # the hung request is recorded when it ends
    assert len(times) == 5  # four failures, then the send that went through
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= 0.1 for gap in gaps)  # never retried at once (base/2, less the scheduler's 0.25 s lookahead)


def test_a_message_that_keeps_failing_is_dead_lettered_after_bounded_tries(fake_vonage, start_worker, store):
    fake_vonage.status_for_number("14155550100", "1")  # throttled, every time
    (rid,) = schedule(store, 1, time.time())
    worker = start_worker(MAX_SEND_ATTEMPTS="4", RETRY_BASE_SECONDS="0.05")
    wait_until(lambda: store.get(rid).status == "failed", 30, "the dead letter")
    failed = store.get(rid)
    assert "Throttled" in failed.detail and store.dead_letters() == [rid]
    assert len(fake_vonage.requests) == 4 and fake_vonage.messages == []
    time.sleep(0.5)
    assert len(fake_vonage.requests) == 4  # and then no more tries
    assert "failed for good" in worker.output()  # visible to operators, never silent


def test_retry_delays_back_off_with_jitter():
    for attempts in (1, 2, 5, 12):
        delays = [retry_delay(attempts, 2.0) for _ in range(200)]
        assert all(1.0 <= d <= min(600.0, 2.0 * 2 ** (attempts - 1)) for d in delays)
        if attempts > 1:
            assert len({round(d, 3) for d in delays}) > 50  # spread out, so throttled workers do not retry in step
    assert statistics_mean([retry_delay(6, 2.0) for _ in range(200)]) > statistics_mean(
        [retry_delay(2, 2.0) for _ in range(200)])


def statistics_mean(values: list[float]) -> float:
    return sum(values) / len(values)


def test_reminder_due_while_all_workers_were_down_is_sent_on_start_and_logged_late(fake_vonage, start_worker,
                                                                                   store):
    (rid,) = schedule(store, 1, time.time() - 5)  # fell due while no worker ran
    started = time.time()
    worker = start_worker()
    (message,) = fake_vonage.wait_for(1, timeout=10)
    assert message["client_ref"].startswith(f"{rid}-")
    assert message["received_at"] - started < 8  # as soon as a worker is up (start-up included)
    def late() -> list[str]:
        return [line for line in worker.output().splitlines() if f"reminder {rid} " in line and "late" in line]

    wait_until(late, 10, "the send's log line")  # written just after Vonage's answer
    assert any("warning" in line.lower() for line in late())  # marked late, at WARNING


# --- entries that must not stall a worker, delay others or send themselves again ------------------------------

def plant(store: Store, due: float, **fields) -> str:
    """A reminder written straight into Redis, past every check (as records stored by older code may be)."""
    (rid,) = store.add([Reminder(due=due, **{"phone": "14155550900", "message": "planted", "tz": "UTC", **fields})])
    return rid


def plant_unreadable(store: Store, due: float) -> str:
    rid = str(store.redis.incr(store.key("seq")))
    store.redis.hset(store.data_key(rid), rid, '{"not": "a record"')
    store.redis.zadd(store.key("due"), {rid: due})
    return rid


def test_a_rule_that_hangs_or_breaks_stepping_is_sent_once_then_ends_failed_and_delays_nothing(fake_vonage,
                                                                                                start_worker, store):
    """Before: stepping FREQ=MINUTELY;INTERVAL=0 looped forever in a send thread (the rq job timed out, the SMS went
    again each lease, others went late, SIGTERM was ignored); UNTIL without a zone raised after each send."""
    worker = start_worker(LEASE_SECONDS="2")
    due = time.time() + 1.5
    hanging = plant(store, due, phone="14155550901", every="FREQ=MINUTELY;INTERVAL=0")
    dateless = plant(store, due, phone="14155550902", every="FREQ=DAILY;UNTIL=2027-06-01")
    good = schedule(store, 20, due)
    fake_vonage.wait_for(22, timeout=15)
    on_time = [m["received_at"] for m in fake_vonage.messages if m["client_ref"].split("-")[0] in good]
    assert len(on_time) == 20 and max(on_time) - due < 5  # generous: nothing waited on the bad ones
    time.sleep(5)  # two and a half leases: a re-send would show
    counts = refs(fake_vonage)
    assert counts == Counter({rid: 1 for rid in [*good, hanging, dateless]})
    for rid, part in ((hanging, "INTERVAL"), (dateless, "UNTIL")):
        ended = store.get(rid)
        assert ended.status == "failed" and part in ended.detail and "cannot be stepped" in ended.detail
    assert store.pending_count() == 0
    assert worker.terminate() < 10 and worker.proc.returncode == 0


def test_a_poison_entry_is_dead_lettered_unsent_and_others_due_with_it_go_on_time(fake_vonage, start_worker, store):
    """Before: one unreadable record failed its whole batch (a Lua error in the pipeline), again every lease."""
    start_worker(LEASE_SECONDS="2")
    due = time.time() + 1.5
    unreadable = plant_unreadable(store, due)
    nowhere = plant(store, due, phone="14155550903", tz="Mars/Olympus")
    good = schedule(store, 20, due)
    fake_vonage.wait_for(20, timeout=15)
    assert max(m["received_at"] for m in fake_vonage.messages) - due < 5
    time.sleep(5)
    assert refs(fake_vonage) == Counter({rid: 1 for rid in good})
    for rid in (unreadable, nowhere):
        assert store.get(rid).status == "failed" and "unreadable" in store.get(rid).detail
        assert rid in store.dead_letters()
    assert store.pending_count() == 0
