"""The phone simulator: served only when meant to be, fed by the real webhook and the log sender's outbox."""
from __future__ import annotations

import logging
import time

import pytest
from flask import request

from app import create_app
from app.delivery.senders import LogSender, VonageSender, make_sender
from app.ops import checks
from app.settings import SettingsError, load_settings
from app.storage.outbox import Outbox
from tests.helpers import inbound

NO_VONAGE = {"VONAGE_API_KEY": "", "VONAGE_API_SECRET": ""}


@pytest.fixture()
def sim_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, **NO_VONAGE, "API_TOKEN": ""}  # a local run with no token: the simulator needs no login


@pytest.fixture()
def sim(sim_env):
    return create_app(sim_env).test_client()


def conversation(client, number: str = "14155550100", after: str = "") -> dict:
    answer = client.get(f"/simulator/api/messages?number={number}&after={after}")
    assert answer.status_code == 200
    return answer.json


def test_served_without_vonage_credentials_and_home_leads_there(sim):
    page = sim.get("/simulator")
    assert page.status_code == 200 and b"Phone simulator" in page.data and b"/webhooks/inbound-sms" in page.data
    assert sim.get("/").headers["Location"].endswith("/simulator")


def test_not_served_with_vonage_unless_switched_on(env):
    assert create_app(env).test_client().get("/simulator").status_code == 404
    assert create_app(env).test_client().get("/").status_code == 404
    login = {"auth": ("operator", "test-token")}
    assert create_app({**env, "SIMULATOR": "on"}).test_client().get("/simulator", **login).status_code == 200
    assert create_app({**env, **NO_VONAGE, "SIMULATOR": "off"}).test_client().get("/simulator").status_code == 404


def test_a_text_posted_to_the_webhook_shows_as_sent_by_the_phone(sim):
    assert sim.post("/webhooks/inbound-sms", data=inbound("gym tomorrow 7am")).status_code == 204
    (message,) = conversation(sim)["messages"]
    assert (message["dir"], message["text"]) == ("in", "gym tomorrow 7am")


def test_the_log_sender_publishes_each_sms_to_the_numbers_conversation(sim, sim_env, redis_client):
    sender = make_sender(load_settings(sim_env), Outbox(redis_client))
    assert isinstance(sender, LogSender)
    sender.send("14155550100", "first", client_ref="1-1")
    first = conversation(sim)
    sender.send("14155550100", "second", client_ref="2-1")
    sender.send("447700900123", "someone else's", client_ref="3-1")
    later = conversation(sim, after=first["cursor"])
    assert [m["text"] for m in first["messages"]] == ["first"]
    assert [(m["dir"], m["text"]) for m in later["messages"]] == [("out", "second")]
    assert conversation(sim, after=later["cursor"]) == {"messages": [], "cursor": later["cursor"]}


def test_vonage_sender_is_unchanged_when_credentials_are_set(env, redis_client):
    assert isinstance(make_sender(load_settings(env), Outbox(redis_client)), VonageSender)


def test_conversation_is_capped(redis_client):
    outbox = Outbox(redis_client)
    for i in range(400):
        outbox.record("14155550100", "out", f"m{i}" + "x" * 60_000)
    assert 100 <= redis_client.xlen(outbox.key("14155550100")) < 200
    assert redis_client.memory_usage(outbox.key("14155550100")) < 400_000  # each message cut to 1,600 characters
    assert redis_client.ttl(outbox.key("14155550100")) > 0


def test_a_refused_text_is_not_kept(sim_env):
    """500 forged 60 KB posts were once kept for 7 days. The page shows a refusal itself (simulator.js)."""
    client = create_app({**sim_env, "VONAGE_SIGNATURE_SECRET": "s3cret"}).test_client()
    assert client.post("/webhooks/inbound-sms", data=inbound("gym tomorrow 7am")).status_code == 401
    assert conversation(client)["messages"] == []


def test_bad_number_is_a_422(sim):
    assert sim.get("/simulator/api/messages?number=abc").status_code == 422


def test_log_sender_keeps_message_text_out_of_the_log_unless_debugging(caplog):
    sender = LogSender()
    with caplog.at_level(logging.INFO):
        sender.send("14155550100", "call the bank about the loan", client_ref="1-1")
    assert "call the bank" not in caplog.text
    with caplog.at_level(logging.DEBUG):
        sender.send("14155550100", "call the bank about the loan", client_ref="1-1")
    assert "call the bank" in caplog.text


def test_text_in_confirmation_and_reminder_arrive_in_the_simulator(sim, start_worker):
    """The whole loop the page shows: webhook -> worker -> log sender -> outbox -> the page's poll."""
    start_worker(**NO_VONAGE)
    sent_at = time.time()
    assert sim.post("/webhooks/inbound-sms", data=inbound("ping in 3 seconds")).status_code == 204
    deadline, messages = time.time() + 15, []
    while time.time() < deadline and len(messages) < 3:
        messages = conversation(sim)["messages"]
        time.sleep(0.1)
    assert [m["dir"] for m in messages] == ["in", "out", "out"]
    assert messages[1]["text"].startswith('Got it: "ping"')
    assert messages[2]["text"] == "ping" and messages[2]["at"] >= sent_at + 2.5


def test_the_text_is_shown_before_a_reply_sent_while_the_webhook_is_still_answering(sim_env, redis_client):
    """A new user saw a reply above the text that caused it: the text was recorded only after the webhook had
    answered, and the worker can send the reply before that. Here the reply goes out before the answer is done."""
    app = create_app(sim_env)
    sender = make_sender(load_settings(sim_env), Outbox(redis_client))

    @app.after_request
    def the_worker_replies_first(response):  # runs before the simulator's own after_request hooks (reverse order)
        if request.path == "/webhooks/inbound-sms":
            sender.send("14155550100", "Got it", client_ref="9-1")
        return response

    client = app.test_client()
    assert client.post("/webhooks/inbound-sms", data=inbound("gym tomorrow 7am")).status_code == 204
    assert [(m["dir"], m["text"]) for m in conversation(client)["messages"]] == [
        ("in", "gym tomorrow 7am"), ("out", "Got it")]


OPEN_REAL_SIMULATOR = {"SIMULATOR": "on", "API_TOKEN": ""}  # with env's Vonage credentials


def test_a_simulator_on_real_traffic_without_a_login_refuses_to_start(env):
    """It would show real people's texts to anyone (GET /simulator/api/messages?number=…)."""
    with pytest.raises(SettingsError, match="SIMULATOR=on while Vonage credentials are set and API_TOKEN is not"):
        create_app({**env, **OPEN_REAL_SIMULATOR})
    found = {f.name: f for f in checks.check({**env, **OPEN_REAL_SIMULATOR}, production=True)}
    assert found["SIMULATOR"].level == "fail" and "API_TOKEN" in found["SIMULATOR"].message
    create_app({**env, "SIMULATOR": "on"})  # with a login: allowed (and warned about)
    create_app({**env, **NO_VONAGE, **OPEN_REAL_SIMULATOR})  # local, nothing real to read: allowed


def test_gunicorn_refuses_to_serve_an_open_simulator_on_real_traffic(env, tmp_path):
    """A real start, as the Procfile's web line runs it: gunicorn exits, saying why in one line."""
    import os
    import subprocess

    from tests.support.redis_server import free_port
    from tests.web.test_abuse import GUNICORN, ROOT

    full = {**os.environ, **env, **OPEN_REAL_SIMULATOR, "PORT": str(free_port()), "WEB_CONCURRENCY": "1"}
    done = subprocess.run(GUNICORN, cwd=ROOT, env=full, capture_output=True, text=True, timeout=90)
    assert done.returncode != 0
    assert "SIMULATOR=on while Vonage credentials are set and API_TOKEN is not" in done.stdout + done.stderr


def test_a_whatsapp_conversation_shows_its_channel_and_a_template_as_a_template(sim_env, redis_client):
    """With WHATSAPP_NUMBER set and no Vonage credentials, WhatsApp is logged to the simulator: the page offers the
    channel switch, a WhatsApp text shows as one, and a reminder outside the window shows as its template."""
    from app.delivery.whatsapp import LogWhatsapp, Template, make_whatsapp
    from tests.helpers import whatsapp_message

    wa_env = {**sim_env, "WHATSAPP_NUMBER": "447700900111", "WHATSAPP_TEMPLATE": "reminder_utility"}
    sim = create_app(wa_env).test_client()
    page = sim.get("/simulator").get_data(as_text=True)
    assert 'id="channel"' in page and 'data-whatsapp-webhook="/webhooks/inbound"' in page
    assert 'id="channel"' not in create_app(sim_env).test_client().get("/simulator").get_data(as_text=True)
    assert sim.post("/webhooks/inbound", json=whatsapp_message("gym tomorrow 7am")).status_code == 204
    sender = make_whatsapp(load_settings(wa_env), Outbox(redis_client))
    assert isinstance(sender, LogWhatsapp)
    sender.send("14155550100", "pay rent", "1-1", Template("reminder_utility", "en_US"))
    said, shown = conversation(sim)["messages"]
    assert (said["dir"], said["channel"], said["text"]) == ("in", "whatsapp", "gym tomorrow 7am")
    assert (shown["channel"], shown["template"], shown["text"]) == ("whatsapp", "reminder_utility (en_US)", "pay rent")
