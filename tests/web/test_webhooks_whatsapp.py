"""WhatsApp beside SMS: inbound WhatsApp on the Messages API webhook, replies and reminders back on WhatsApp (a text
inside the 24-hour window, the template outside it), the API's channel, opt-out across channels, and what WhatsApp's
status webhooks make the service do. Real Redis, the real vonage SDK against the fake Vonage."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from app import create_app
from app.ops import operations
from tests.helpers import APPLICATION_ID, SENDER, Phone, auth, wait_until, whatsapp_message
from tests.web.test_webhooks_messages_api import SECRET, post_signed

OTHER = "14155550123"


@pytest.fixture()
def wa_env(env, keys, fake_vonage):
    """SMS through the SMS API as before, and WhatsApp through the Messages API (application id and key)."""
    private, public = keys
    fake_vonage.application_public_key = public
    yield {**env, "VONAGE_APPLICATION_ID": APPLICATION_ID, "VONAGE_PRIVATE_KEY": private.replace("\n", "\\n"),
           "WHATSAPP_NUMBER": "447700900111", "WHATSAPP_TEMPLATE": "reminder_utility"}
    fake_vonage.application_public_key = None


@pytest.fixture()
def wa_app(wa_env):
    return create_app(wa_env)


@pytest.fixture()
def phone(wa_app, fake_vonage) -> Phone:
    return Phone(wa_app.test_client(), wa_app, fake_vonage)


def soon(seconds: float = 1.0) -> str:
    """A due time `seconds` ahead, to the microsecond (a whole second could already be past)."""
    return datetime.fromtimestamp(time.time() + seconds, UTC).isoformat()


def sent_to(fake, number: str = SENDER) -> list[dict]:
    return [m for m in fake.messages if m["to"] == number]


def services(app):
    return app.extensions["reminders"]


def test_a_whatsapp_text_gets_its_confirmation_and_its_reminder_on_whatsapp(phone, wa_app, fake_vonage):
    (confirmation,) = phone.whatsapp("stretch in 3 seconds")  # not due before the reply has gone, on a busy machine
    assert confirmation.startswith('Got it: "stretch"')
    (reminder,) = services(wa_app).store.for_phone(SENDER)
    assert reminder.channel == "whatsapp"
    assert wait_until(lambda: phone.deliver() == ["stretch"], timeout=10)
    sent = sent_to(fake_vonage)
    assert [(m["channel"], m["type"], m["from"]) for m in sent] == [("whatsapp", "text", "447700900111")] * 2


def test_an_sms_texter_still_gets_only_sms(phone, fake_vonage):
    (confirmation,) = phone.text("stretch in 3 seconds")
    assert confirmation.startswith('Got it: "stretch"')
    assert wait_until(lambda: phone.deliver() == ["stretch"], timeout=10)
    assert {m.get("api", "sms") for m in sent_to(fake_vonage)} == {"sms"}


def test_outside_the_window_a_reminder_goes_as_the_template_in_the_persons_locale(wa_app, phone, fake_vonage):
    client = wa_app.test_client()
    assert client.patch(f"/api/people/+{OTHER}", json={"lang": "pt"}, headers=auth()).status_code == 200
    made = client.post("/api/reminders", headers=auth(), json={
        "phone_number": f"+{OTHER}", "message": "tomar o remédio", "channel": "whatsapp",
        "remind_when": soon()})
    assert made.status_code == 201 and made.json["channel"] == "whatsapp"
    time.sleep(1.3)
    phone.deliver()
    (sent,) = sent_to(fake_vonage, OTHER)
    assert (sent["channel"], sent["type"], sent["template"]) == ("whatsapp", "template", "reminder_utility")
    assert sent["parameters"] == ["tomar o remédio"]
    assert sent["whatsapp"] == {"policy": "deterministic", "locale": "pt_BR"}


@pytest.mark.parametrize("hours_ago, kind", [(23.9, "text"), (24.1, "template")])
def test_the_window_is_24_hours_after_the_last_whatsapp_message(wa_app, phone, fake_vonage, hours_ago, kind):
    phone.whatsapp("hello")  # opens the window: now
    people = services(wa_app).people
    assert abs(people.person(SENDER).whatsapp_at - time.time()) < 5
    people.remember(SENDER, wa=str(time.time() - hours_ago * 3600))
    made = wa_app.test_client().post("/api/reminders", headers=auth(), json={
        "phone_number": f"+{SENDER}", "message": "water the plants", "channel": "whatsapp",
        "remind_when": soon()})
    assert made.status_code == 201
    time.sleep(1.3)
    phone.deliver()
    assert sent_to(fake_vonage)[-1]["type"] == kind


def test_the_api_refuses_whatsapp_while_it_is_off(client):
    answer = client.post("/api/reminders", headers=auth(), json={
        "phone_number": f"+{SENDER}", "text": "gym tomorrow 7am", "channel": "whatsapp"})
    assert answer.status_code == 422 and answer.json["error"]["field"] == "channel"
    assert "WHATSAPP_NUMBER" in answer.json["error"]["message"]


def test_whatsapp_messages_are_ignored_while_whatsapp_is_off(client, app, fake_vonage):
    assert client.post("/webhooks/inbound", json=whatsapp_message("gym tomorrow 7am")).status_code == 204
    assert services(app).store.for_phone(SENDER) == [] and fake_vonage.messages == []


@pytest.mark.parametrize("kind", ["image", "audio", "location"])
def test_a_message_that_is_no_text_gets_a_short_reply_in_the_persons_language(phone, wa_app, kind):
    services(wa_app).people.remember(SENDER, lang="es", langset="1")
    (answer,) = phone.whatsapp(None, kind=kind)
    assert answer.startswith("Solo entiendo mensajes de texto")
    assert services(wa_app).store.for_phone(SENDER) == []


def test_stop_on_whatsapp_opts_out_everywhere_and_start_opts_back_in(phone, wa_app, fake_vonage):
    phone.text("dentist tomorrow 9am")  # made by SMS
    (stopped,) = phone.whatsapp("STOP")
    assert "unsubscribed" in stopped and "START" in stopped  # the opt-out's confirmation
    assert sent_to(fake_vonage)[-1]["channel"] == "whatsapp"  # the confirmation goes where the STOP came from
    (held,) = services(wa_app).store.for_phone(SENDER)
    assert held.status == "held" and services(wa_app).people.person(SENDER).opted_out
    assert phone.whatsapp("gym tomorrow 7am") == []  # nothing until START
    phone.whatsapp("START")
    assert [r.status for r in services(wa_app).store.for_phone(SENDER)] == ["pending"]


def test_texts_per_minute_count_whatsapp_messages(wa_env, fake_vonage):
    app = create_app({**wa_env, "TEXTS_PER_MINUTE": "2"})
    phone = Phone(app.test_client(), app, fake_vonage)
    phone.whatsapp("LIST")
    phone.whatsapp("LIST")
    (refusal,) = phone.whatsapp("LIST")
    assert refusal.startswith("You're texting faster than I can keep up")


def test_a_replayed_or_forged_whatsapp_message_changes_nothing(wa_env, fake_vonage):
    app = create_app({**wa_env, "VONAGE_SIGNATURE_SECRET": SECRET})
    client, body = app.test_client(), whatsapp_message("gym tomorrow 7am")
    assert post_signed(client, "/webhooks/inbound", body).status_code == 204
    assert post_signed(client, "/webhooks/inbound", body).status_code == 204  # Vonage's retry
    forged = post_signed(client, "/webhooks/inbound", whatsapp_message("gym tomorrow 8am"),
                         secret="another-signature-secret-0123456789abcdef")
    stale = post_signed(client, "/webhooks/inbound", whatsapp_message("gym tomorrow 9am"), iat=time.time() - 3600)
    assert (forged.status_code, stale.status_code) == (401, 401)
    assert len(services(app).store.for_phone(SENDER)) == 1


@pytest.mark.parametrize("body", [{"message_type": "text", "text": None}, {"message_uuid": ""},
                                  {"message_uuid": "u" * 101}, {"from": ["1"]}])
def test_a_malformed_whatsapp_message_is_refused_with_a_4xx(wa_app, body):
    answer = wa_app.test_client().post("/webhooks/inbound", json={**whatsapp_message("gym"), **body})
    assert answer.status_code == 400


def test_list_shows_the_channel_only_when_a_number_uses_both(phone):
    phone.text("dentist tomorrow 9am")
    (only_sms,) = phone.text("LIST")
    assert "(SMS)" not in only_sms
    phone.whatsapp("gym tomorrow 7am")
    (both,) = phone.whatsapp("LIST")
    assert "(SMS)" in both and "(WhatsApp)" in both


# --- status webhooks ------------------------------------------------------------------------------------------

def whatsapp_reminder(phone: Phone, fake, wa_app, text: str = "stretch in 1 second") -> dict:
    """A reminder made and sent on WhatsApp; the fake's record of its send."""
    phone.whatsapp(text)
    time.sleep(1.1)
    phone.deliver()
    return sent_to(fake)[-1]


def test_delivered_and_read_are_recorded_as_sms_receipts_are(phone, wa_app, fake_vonage):
    sent = whatsapp_reminder(phone, fake_vonage, wa_app)
    client = wa_app.test_client()
    for status in ("delivered", "read"):
        assert client.post("/webhooks/status", json=fake_vonage.status(sent, status)).status_code == 204
    rid = sent["client_ref"].split("-")[0]
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]["state"] == "delivered"


def test_not_a_whatsapp_user_goes_by_sms_from_then_on(phone, wa_app, fake_vonage):
    sent = whatsapp_reminder(phone, fake_vonage, wa_app)
    rejected = fake_vonage.status(sent, "rejected", 131026)
    assert wa_app.test_client().post("/webhooks/status", json=rejected).status_code == 204
    assert services(wa_app).people.person(SENDER).whatsapp_none
    assert phone.deliver() == ["stretch"]  # sent again at once, by SMS
    assert sent_to(fake_vonage)[-1].get("api", "sms") == "sms"


def test_outside_the_window_the_reminder_is_sent_once_more_as_the_template(phone, wa_app, fake_vonage):
    sent = whatsapp_reminder(phone, fake_vonage, wa_app)
    rejected = fake_vonage.status(sent, "rejected", 1000, detail="Re-engagement message (131047)")
    client = wa_app.test_client()
    assert client.post("/webhooks/status", json=rejected).status_code == 204
    phone.deliver()
    again = sent_to(fake_vonage)[-1]
    assert (again["type"], again["parameters"]) == ("template", ["stretch"])
    assert client.post("/webhooks/status", json=fake_vonage.status(again, "rejected", 131047)).status_code == 204
    client.post("/webhooks/status", json=rejected)  # Vonage's retry of the first
    assert phone.deliver() == []  # once only


@pytest.mark.parametrize("code", [132001, 132015])
def test_a_missing_or_paused_template_is_dead_lettered_with_the_reason(phone, wa_app, fake_vonage, code):
    services(wa_app).people.remember(SENDER, wa=str(time.time() - 25 * 3600))
    made = wa_app.test_client().post("/api/reminders", headers=auth(), json={
        "phone_number": f"+{SENDER}", "message": "pay rent", "channel": "whatsapp",
        "remind_when": soon()})
    time.sleep(1.3)
    phone.deliver()
    sent = sent_to(fake_vonage)[-1]
    assert sent["type"] == "template"
    assert wa_app.test_client().post("/webhooks/status", json=fake_vonage.status(sent, "rejected", code)
                                     ).status_code == 204
    (dead, _at), = operations.dead_letters(services(wa_app).store)
    assert dead.id == made.json["id"] and dead.status == "failed" and "WHATSAPP_TEMPLATE" in dead.detail


def test_a_person_who_blocked_us_on_whatsapp_gets_nothing_more_there(phone, wa_app, fake_vonage):
    sent = whatsapp_reminder(phone, fake_vonage, wa_app)
    create = {"phone_number": f"+{SENDER}", "message": "pay rent", "channel": "whatsapp", "remind_when": soon(2)}
    made = wa_app.test_client().post("/api/reminders", headers=auth(), json=create)  # made before the block
    assert made.status_code == 201
    assert wa_app.test_client().post("/webhooks/status", json=fake_vonage.status(sent, "rejected", 131050)
                                     ).status_code == 204
    assert services(wa_app).people.person(SENDER).whatsapp_blocked
    count = len(fake_vonage.messages)
    assert wait_until(lambda: phone.deliver() == [] and services(wa_app).store.get(made.json["id"]).status
                      == "failed", timeout=10)
    assert len(fake_vonage.messages) == count  # neither WhatsApp nor SMS in its place
    refused = wa_app.test_client().post("/api/reminders", headers=auth(), json={**create, "remind_when": soon()})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "whatsapp_blocked", refused.json
    assert wa_app.test_client().post("/api/reminders", headers=auth(), json={**create, "channel": "sms",
                                                                            "remind_when": soon()}).status_code == 201
    phone.whatsapp("LIST")  # writing again unblocks
    assert not services(wa_app).people.person(SENDER).whatsapp_blocked


def test_metrics_and_the_dashboard_split_sends_by_channel(phone, wa_app):
    from tests.ops.test_operations import basic, scrape

    phone.whatsapp("LIST")
    phone.whatsapp("LIST")
    phone.text("LIST")
    client = wa_app.test_client()
    samples = scrape(client)
    assert samples['reminders_sent_by_channel_total{channel="whatsapp"}'] == 2
    assert samples['reminders_sent_by_channel_total{channel="sms"}'] == 1
    assert "1 SMS, 2 WhatsApp" in client.get("/dashboard", headers=basic()).get_data(as_text=True)


@pytest.mark.parametrize("number, locale", [("34612345678", "es"), ("5511912345678", "pt_PT"),
                                            ("14155550177", "en_US")])
def test_the_templates_locale_is_the_language_the_person_is_answered_in(wa_env, fake_vonage, number, locale):
    app = create_app({**wa_env, "WHATSAPP_TEMPLATE_LOCALES": "pt=pt_PT"})  # an override; the rest keep defaults
    made = app.test_client().post("/api/reminders", headers=auth(), json={
        "phone_number": f"+{number}", "message": "pay rent", "channel": "whatsapp",
        "remind_when": soon()})
    assert made.status_code == 201
    time.sleep(1.3)
    Phone(app.test_client(), app, fake_vonage, number).deliver()
    assert sent_to(fake_vonage, number)[-1]["whatsapp"]["locale"] == locale


def test_nags_follow_the_reminder_onto_whatsapp(phone, wa_app, fake_vonage):
    phone.whatsapp("take pills in 1 second until done")
    time.sleep(1.1)
    assert phone.deliver() == ["take pills"]
    nags = services(wa_app).nags
    repeats = [services(wa_app).store.get(rid.decode()) for rid in nags.redis.smembers(nags.key("ack", SENDER))]
    assert repeats and {r.channel for r in repeats} == {"whatsapp"}


def test_the_daily_budget_counts_whatsapp_messages(wa_env, fake_vonage):
    app = create_app({**wa_env, "MAX_SMS_PER_NUMBER_PER_DAY": "2"})
    phone = Phone(app.test_client(), app, fake_vonage)
    assert len(phone.whatsapp("LIST")) == 1
    phone.text("LIST")
    assert phone.whatsapp("LIST") == []  # the third message of the day: over the budget, on either channel


def test_the_budget_notice_goes_on_the_channel_the_person_last_wrote_on(wa_env, fake_vonage):
    app = create_app({**wa_env, "MAX_SMS_PER_NUMBER_PER_DAY": "1"})
    phone = Phone(app.test_client(), app, fake_vonage)
    assert len(phone.whatsapp("LIST")) == 1  # the day's one message, on WhatsApp
    assert phone.whatsapp("HELP") == []  # over the budget: the reply is dropped, the notice is owed
    time.sleep(1.2)  # the notice goes a second later
    (notice,) = phone.deliver()
    assert notice.startswith("You've had 1 texts from us in 24 hours")
    (sent,) = [m for m in sent_to(fake_vonage) if m["text"] == notice]
    assert sent["channel"] == "whatsapp"
    assert services(app).people.person(SENDER).last_channel == "whatsapp"
    phone.text("LIST")  # now an SMS: the person's last text came by SMS
    assert services(app).people.person(SENDER).last_channel == "sms"
