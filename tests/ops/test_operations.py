"""Operating the service: health and readiness, Prometheus metrics, the dashboard and the admin CLI (JSON logs are
tests/test_logs.py, the release check tests/ops/test_checks.py). Real Redis, real worker process, the fake Vonage."""
from __future__ import annotations

import base64
import json
import time

import pytest

from app import create_app
from app.storage import counters
from app.storage.heartbeat import Heartbeats
from app.storage.people import People
from app.storage.store import Reminder, Store
from tests.helpers import clear_of_midnight, inbound, wait_until


@pytest.fixture()
def store(redis_client) -> Store:
    return Store(redis_client)


def basic(token: str = "test-token") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"ops:{token}".encode()).decode()}


def scrape(client) -> dict[str, float]:
    """The /metrics page as {'name{labels}': value}."""
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.content_type.startswith("text/plain")
    samples = {}
    for line in answer.get_data(as_text=True).splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


# --- health ----------------------------------------------------------------------------------------------------

def test_readyz_needs_a_worker_heartbeat(client, store):
    answer = client.get("/readyz")
    assert answer.status_code == 503 and "no worker heartbeat" in answer.json["checks"]["worker"]
    Heartbeats(store.redis, store.prefix).beat("worker.1")
    assert client.get("/readyz").status_code == 200
    Heartbeats(store.redis, store.prefix).beat("worker.1", now=time.time() - 60)
    assert client.get("/readyz").status_code == 503  # a stale beat is a dead worker


def test_readyz_reports_a_worker_whose_loop_is_stuck(client, fake_vonage, start_worker, store):
    """A send thread spinning forever once left the heartbeat fresh and /readyz at 200. A send that outlives
    its lease now marks the worker stuck, and it recovers when the send ends."""
    start_worker(LEASE_SECONDS="2")
    wait_until(lambda: client.get("/readyz").status_code == 200)
    fake_vonage.queue_hang(9)  # under VONAGE_TIMEOUT (10 s): one send in flight for 9 s
    store.add([Reminder(phone="14155550100", message="slow", due=time.time(), tz="UTC")])
    stuck = wait_until(lambda: (answer := client.get("/readyz")).status_code == 503 and answer.json)
    assert stuck["checks"]["worker"].startswith("stuck: ") and "past its 2 s lease" in stuck["checks"]["worker"]
    wait_until(lambda: client.get("/readyz").status_code == 200, timeout=20)


def test_a_running_worker_beats_and_leaves_on_sigterm(client, start_worker, store):
    worker = start_worker()
    wait_until(lambda: client.get("/readyz").status_code == 200)
    worker.terminate()
    assert Heartbeats(store.redis, store.prefix).alive() == []


# --- metrics ---------------------------------------------------------------------------------------------------

def test_metrics_count_created_sent_and_lateness(client, fake_vonage, start_worker):
    start_worker()
    assert client.post("/webhooks/inbound-sms", data=inbound("stretch in 2 seconds")).status_code == 204
    fake_vonage.wait_for(2, timeout=10)
    samples = wait_until(lambda: (s := scrape(client)).get('reminders_sms_sent_total{kind="reminder"}') and s)
    assert samples["reminders_created_total"] == 1
    assert samples['reminders_sms_sent_total{kind="reply"}'] == 1
    assert samples['reminders_lateness_seconds_count{kind="reminder"}'] == 1
    assert samples['reminders_lateness_seconds_bucket{kind="reminder",le="+Inf"}'] == 1
    assert samples['reminders_lateness_seconds_bucket{kind="reminder",le="5.0"}'] == 1
    assert samples["reminders_scheduled"] == 0 and samples["reminders_workers_alive"] == 1


def test_metrics_count_retries_failures_and_depth(client, fake_vonage, start_worker, store):
    fake_vonage.queue_status("1", count=1)  # throttled once, then fine
    fake_vonage.status_for_number("14155550199", "7")  # barred: dead-lettered at once
    store.add([Reminder(phone="14155550100", message="a", due=time.time()),
               Reminder(phone="14155550199", message="b", due=time.time()),
               Reminder(phone="14155550100", message="later", due=time.time() + 3600)])
    start_worker()
    samples = wait_until(lambda: (s := scrape(client)).get('reminders_sms_failed_total{kind="reminder"}') and
                         s.get('reminders_sms_sent_total{kind="reminder"}') and s)
    assert samples['reminders_sms_retried_total{kind="reminder"}'] >= 1
    assert samples["reminders_dead_letters"] == 1 and samples["reminders_scheduled"] == 1
    assert samples["reminders_created_total"] == 0  # counted where reminders are created: texts and the API


@pytest.mark.slow
def test_metrics_survive_a_redis_outage_without_failing_a_send():
    import redis

    dead = Store(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1))  # nothing listens there
    started = time.perf_counter()
    counters.record_sent(dead, Reminder(phone="1", message="m", due=0), 1.0)
    assert time.perf_counter() - started < 0.01  # recording does not wait on Redis
    counters.flush()  # logged, not raised


# --- dashboard -------------------------------------------------------------------------------------------------

def test_dashboard_needs_a_token(client):
    assert client.get("/dashboard").status_code == 401
    assert "Basic" in client.get("/dashboard").headers["WWW-Authenticate"]
    assert client.get("/dashboard", headers=basic("wrong")).status_code == 401
    assert client.get("/dashboard", headers=basic()).status_code == 200
    assert client.get("/dashboard", headers=basic("second-token")).status_code == 200


def test_dashboard_disabled_without_api_token(env):
    assert create_app({**env, "API_TOKEN": ""}).test_client().get("/dashboard", headers=basic()).status_code == 403


def test_dashboard_shows_figures_masks_numbers_and_retries_a_dead_letter(client, fake_vonage, start_worker, store):
    clear_of_midnight("UTC", 60)  # the dashboard's "today" (DEFAULT_TIMEZONE) must not start between the failure and it
    fake_vonage.status_for_number("14155550199", "7")
    (rid,) = store.add([Reminder(phone="14155550199", message="secret plans", due=time.time())])
    store.add([Reminder(phone="14155550100", message="soon", due=time.time() + 600)])
    start_worker()
    wait_until(lambda: store.dead_letters() == [rid])
    page = client.get("/dashboard", headers=basic()).get_data(as_text=True)
    assert "Number barred" in page and "…0199" in page and "14155550199" not in page
    assert "secret plans" not in page and "Healthy" in page
    figures = wait_until(lambda: (f := client.get("/dashboard/api/stats", headers=basic()).json)["failed_today"]
                         and f)  # the worker writes its counts every second
    assert figures["dead_letters"] == 1 and figures["failed_today"] == 1 and figures["due_next_hour"] == 1

    forged = client.post(f"/dashboard/dead/{rid}/retry", headers={**basic(), "Origin": "https://evil.example"})
    assert forged.status_code == 403 and store.dead_letters() == [rid]
    fake_vonage.clear()
    answer = client.post(f"/dashboard/dead/{rid}/retry", headers={**basic(), "Origin": "http://localhost"})
    assert answer.status_code == 303 and "Retrying" in answer.headers["Location"]
    (message,) = fake_vonage.wait_for(1, timeout=10)  # the number is no longer barred
    assert message["text"] == "secret plans" and store.dead_letters() == []
    again = client.post(f"/dashboard/dead/{rid}/retry", headers={**basic(), "Accept": "application/json"})
    assert "not a failed message" in again.json["message"] or "already" in again.json["message"]


def test_dashboard_lists_opted_out_numbers(client, store):
    People(store.redis, store.prefix).remember("14155550123", out=str(int(time.time())))
    page = client.get("/dashboard", headers=basic()).get_data(as_text=True)
    assert "…0123" in page and client.get("/dashboard/api/stats", headers=basic()).json["opted_out"] == 1


# --- admin CLI -------------------------------------------------------------------------------------------------

def test_cli_list_cancel_stats(app, store):
    (rid,) = store.add([Reminder(phone="14155550100", message="dentist", due=time.time() + 60)])
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["reminders", "list"])
    assert listed.exit_code == 0 and rid in listed.output and "dentist" not in listed.output
    assert "dentist" in runner.invoke(args=["reminders", "list", "--text", "--phone", "+14155550100"]).output
    assert json.loads(runner.invoke(args=["reminders", "show", rid]).output)["message"] == "dentist"
    assert runner.invoke(args=["reminders", "cancel", rid]).exit_code == 0
    assert store.get(rid).status == "cancelled"
    assert runner.invoke(args=["reminders", "cancel", rid]).exit_code == 1
    stats = runner.invoke(args=["stats", "--json"])
    assert stats.exit_code == 0 and json.loads(stats.output)["pending"] == 0
    assert "dead letters" in runner.invoke(args=["stats"]).output


def test_cli_retry_dead_letters(app, store):
    (rid,) = store.add([Reminder(phone="14155550100", message="m", due=time.time())])
    token = "t"
    assert store.claim(time.time(), time.time() + 60, 10, token) == [rid]
    store.finish(store.get(rid), token, "failed", "Vonage status 7: Number barred")
    runner = app.test_cli_runner()
    assert "Number barred" in runner.invoke(args=["reminders", "dead"]).output
    retried = runner.invoke(args=["reminders", "retry", "--all"])
    assert retried.exit_code == 0 and f"retrying {rid} as" in retried.output
    assert store.dead_letters() == [] and store.pending_count() == 1
    assert runner.invoke(args=["reminders", "retry", rid]).exit_code == 1


def test_cli_send_test_goes_through_vonage(app, fake_vonage):
    result = app.test_cli_runner().invoke(args=["send-test", "+14155550100", "hello from ops"])
    assert result.exit_code == 0 and "through Vonage" in result.output
    (message,) = fake_vonage.wait_for(1, timeout=5)
    assert message["text"] == "hello from ops"


def test_cli_send_test_reports_a_failure(app, fake_vonage):
    fake_vonage.status_for_number("14155550100", "7")
    result = app.test_cli_runner().invoke(args=["send-test", "+14155550100"])
    assert result.exit_code == 1 and "Number barred" in result.output
