"""Carrier rules end to end: opt-out as FCC 24-24 and CTIA read it, HELP that passes review, and delivery receipts
that act (carrier opt-outs, undeliverable numbers, one re-send, long messages), through the real webhooks, the real
courier and the vonage SDK against the fake Vonage."""
from __future__ import annotations

import time
from base64 import b64encode

import pytest

from app import create_app
from app.ops import checks
from app.storage.unreachable import Unreachable
from app.texting.phrasebook import phrasebook
from tests.conftest import API_TOKEN
from tests.helpers import Phone, auth, clear_of, inbound
from tests.support.fake_vonage import count_segments

OPTED_OUT = "won't get any more messages"


@pytest.fixture()
def phone(client, app, fake_vonage) -> Phone:
    return Phone(client, app, fake_vonage)


def make_phone(env, fake_vonage, **settings: str) -> Phone:
    app = create_app({**env, **settings})
    return Phone(app.test_client(), app, fake_vonage)


def person(phone: Phone):
    return phone.client.application.extensions["reminders"].people.person(phone.number)


# --- 1. opt-out exactly as the rules read ----------------------------------------------------------------------

@pytest.mark.parametrize("text", ["STOP", "stopall", "Quit", "END", "REVOKE", "OPT OUT", "opt-out", "CANCEL",
                                  "UNSUBSCRIBE", "stop texting me", "pls stop!!", "UNSUBSCRIBE ME", "Please stop",
                                  "don't text me anymore", "Don’t text me anymore!", "leave me alone", "no more texts",
                                  "Stop. Who is this?", "who is this? stop texting me", "stop, thank you",
                                  "can you please stop messaging me", "take me off your list", "STOP STOP"])
def test_opt_out_words_and_plain_requests(text):
    assert phrasebook("en").command(text) == ("stop", None)


@pytest.mark.parametrize("text", ["stop at the bank at 5pm", "remind me to cancel netflix friday",
                                  "end of month report friday", "quit smoking tomorrow 9am", "cancel 2", "CANCEL ALL",
                                  "stop by the store tomorrow 5pm", "remind me to stop texting my ex tomorrow 9am",
                                  "ok", "thanks", "start gym monday 7am"])
def test_reminders_and_commands_are_not_opt_outs(text):
    assert phrasebook("en").command(text)[0] not in ("stop", "start")


@pytest.mark.parametrize("text", ["START", "unstop", "Start please", "opt in"])
def test_opt_in_words(text):
    assert phrasebook("en").command(text) == ("start", None)


def test_a_plain_request_opts_out_through_the_webhook(phone):
    clear_of("America/Los_Angeles", "17:00")  # made a moment before 5pm, it would be due (and sent) at once
    assert phone.ask("stop at the bank at 5pm").startswith('Got it: "stop at the bank"')
    assert phone.ask("remind me to cancel netflix friday").startswith('Got it: "cancel netflix"')
    answer = phone.ask("stop texting me")
    assert answer.startswith("Textable reminders: ") and OPTED_OUT in answer and "2 reminders are on hold" in answer
    assert "START" in answer and count_segments(answer, unicode=False) == 1
    assert person(phone).opted_out and phone.text("LIST") == [] and phone.text("stop texting me!!") == []
    assert "2 reminders resumed" in phone.ask("START")


@pytest.mark.slow
def test_the_confirmation_is_the_only_message_after_an_opt_out(env, fake_vonage):
    phone = make_phone(env, fake_vonage, NAG_MINUTES="0.01")  # repeats every 0.6 s
    phone.text("stretch in 1 second until done")
    time.sleep(1.1)
    assert phone.deliver() == ["stretch"]
    (confirmation,) = phone.text("STOP")
    assert OPTED_OUT in confirmation
    time.sleep(4)
    assert phone.deliver() == []  # the repeats made before STOP never follow its confirmation
    assert phone.text("gym tomorrow 7am") == [] and phone.text("STOP") == []  # a second STOP: no second reply


def test_opt_out_replies_off_records_without_answering(env, fake_vonage):
    phone = make_phone(env, fake_vonage, OPT_OUT_REPLIES="off")  # Vonage's Opt-Out Assist answers STOP and START
    phone.text("gym in 1 hour")
    assert phone.text("STOP") == []
    assert person(phone).opted_out and [r.status for r in phone.store.for_phone(phone.number)] == ["held"]
    assert phone.text("HELP") == []
    assert phone.text("START") == []
    assert not person(phone).opted_out and [r.status for r in phone.store.for_phone(phone.number)] == ["pending"]
    assert "Reply STOP to opt out" in phone.ask("HELP")


# --- 2. HELP that passes carrier review -------------------------------------------------------------------------

def test_help_names_the_service_and_where_to_get_help(env, fake_vonage):
    phone = make_phone(env, fake_vonage, SERVICE_NAME="Acme Reminders", SUPPORT_CONTACT="help@acme.example")
    answer = phone.ask("HELP")
    assert answer.startswith("Acme Reminders: ") and "Help: help@acme.example." in answer
    assert "Msg & data rates may apply." in answer and "Reply STOP to opt out." in answer
    assert '"gym tomorrow 7am"' in answer and '"every weekday 8:15 pills"' in answer  # two examples
    assert "DELETE 2" in answer and "CANCEL" not in answer  # a bare CANCEL opts out: replies never teach it
    assert count_segments(answer, unicode=False) <= 2
    assert "Acme Reminders: " in phone.ask("STOP")


def test_cancel_n_still_works_and_replies_teach_delete(env, fake_vonage):
    phone = make_phone(env, fake_vonage, MAX_PENDING_PER_NUMBER="1")
    phone.text("gym in 1 hour")
    assert "DELETE some" in phone.ask("dentist in 2 hours")
    phone.ask("LIST")
    assert phone.ask("CANCEL 1") == 'Cancelled #1: "gym".'


def test_release_check_wants_a_support_contact_in_production(env):
    def warned(environment: dict, production: bool) -> bool:
        return any(f.level == "warn" and f.name == "SUPPORT_CONTACT" for f in checks.check(environment, production))

    assert warned(env, production=True) and not warned(env, production=False)
    assert not warned({**env, "SUPPORT_CONTACT": "https://acme.example/help"}, production=True)
    failed = checks.check({**env, "SERVICE_NAME": "x" * 31}, production=True)
    assert failed[0].level == "fail" and "SERVICE_NAME" in failed[0].message


# --- 3. delivery receipts that act -----------------------------------------------------------------------------

def sent(phone: Phone, fake_vonage, words: str, text: str) -> dict:
    """Make a reminder due in a second and deliver it; returns what the fake Vonage accepted."""
    phone.text(f"{words} in 1 second")
    time.sleep(1.1)
    assert phone.deliver() == [text]
    return next(m for m in reversed(fake_vonage.messages) if m["text"] == text)


def post(phone: Phone, receipt: dict) -> None:
    assert phone.client.post("/webhooks/delivery-receipt", data=receipt).status_code == 204


def verdict(phone: Phone, message: dict) -> str:
    rid = message["client_ref"].split("-")[0]
    return phone.client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]["state"]


def test_carrier_opt_out_is_recorded_like_stop_without_a_confirmation(phone, fake_vonage):
    message = sent(phone, fake_vonage, "stretch", "stretch")
    phone.text("gym tomorrow 7am")
    (receipt,) = fake_vonage.receipts(message, "failed", "9")
    post(phone, receipt)
    assert person(phone).opted_out
    assert [r.status for r in phone.store.for_phone(phone.number)] == ["held"]
    assert phone.deliver() == []  # the person asked their carrier, not us: no confirmation
    assert phone.text("HELP") == []
    assert "1 reminder resumed" in phone.ask("START")


@pytest.mark.parametrize("error", [{"title": "1240", "detail": "Illegal Number"},
                                   {"title": "Illegal Number", "detail": "The user sent STOP"}])
def test_messages_api_opt_out_code_is_an_opt_out(phone, fake_vonage, error):
    message = sent(phone, fake_vonage, "stretch", "stretch")
    status = {"message_uuid": "aaaaaaaa-bbbb-4ccc-8ddd-000000000001", "to": phone.number, "from": "447700900000",
              "channel": "sms", "timestamp": "2026-11-26T10:00:01Z", "status": "rejected",
              "client_ref": message["client_ref"],
              "error": {"type": "https://developer.vonage.com/api-errors/messages#1240", **error}}
    assert phone.client.post("/webhooks/status", json=status).status_code == 204
    assert person(phone).opted_out


@pytest.mark.slow
def test_a_permanent_failure_marks_the_number_until_it_texts_again(fast_phone, fake_vonage, client):
    phone = fast_phone
    phone.text("every 2 seconds blink")
    phone.text("dentist tomorrow 3pm")
    (series, _) = phone.store.for_phone(phone.number)
    time.sleep(max(0, series.due - time.time()) + 0.1)
    assert phone.deliver() == ["blink"]
    (receipt,) = fake_vonage.receipts(fake_vonage.messages[-1], "failed", "3")
    post(phone, receipt)
    post(phone, receipt)  # Vonage retries receipts: nothing changes twice
    assert person(phone).unreachable and not person(phone).opted_out
    assert {r.status for r in phone.store.for_phone(phone.number)} == {"held"}
    time.sleep(2.2)
    assert phone.deliver() == []  # held: no more tries at a number that cannot get texts
    basic = "Basic " + b64encode(f"op:{API_TOKEN}".encode()).decode()
    page = client.get("/dashboard", headers={"Authorization": basic})
    assert b"Undeliverable numbers" in page.data and b"\xe2\x80\xa60100" in page.data
    assert Unreachable(phone.store.redis, phone.store.prefix).numbers() == [(phone.number, pytest.approx(
        time.time(), abs=10), "3")]
    texts = phone.text("LIST")  # texting in clears the mark: what is still ahead resumes
    (listed,) = [t for t in texts if t != "blink"]  # the series' next occurrence may already be due, and go with it
    assert len(listed.splitlines()) == 2 and "on hold" not in listed and texts.count("blink") <= 1
    assert not person(phone).unreachable
    assert {r.status for r in phone.store.for_phone(phone.number)} == {"pending"}
    assert Unreachable(phone.store.redis, phone.store.prefix).numbers() == []


def test_a_temporary_failure_is_sent_again_once(phone, fake_vonage):
    message = sent(phone, fake_vonage, "stretch", "stretch")
    (failed,) = fake_vonage.receipts(message, "failed", "2")
    post(phone, failed)
    assert phone.deliver() == ["stretch"]  # through the normal schedule and courier
    post(phone, failed)  # repeated
    post(phone, dict(failed, messageId="another-part", status="expired"))  # and another reason, out of order
    assert phone.deliver() == []
    resend = fake_vonage.messages[-1]
    assert resend["text"] == "stretch" and resend["client_ref"] != message["client_ref"]
    (failed_again,) = fake_vonage.receipts(resend, "failed", "2")
    post(phone, failed_again)
    assert phone.deliver() == []  # once only: a re-send is never re-sent


def test_no_resend_outside_the_window(env, fake_vonage):
    phone = make_phone(env, fake_vonage, RESEND_WINDOW_MINUTES="0")
    message = sent(phone, fake_vonage, "stretch", "stretch")
    (failed,) = fake_vonage.receipts(message, "expired", "0")
    post(phone, failed)
    assert phone.deliver() == []  # never hours late: here, never at all


def test_a_cancelled_series_is_not_sent_again(fast_phone, fake_vonage):
    phone = fast_phone
    phone.text("every 2 seconds blink")
    (series,) = phone.store.for_phone(phone.number)
    time.sleep(max(0, series.due - time.time()) + 0.1)
    phone.deliver()
    phone.ask("LIST"), phone.ask("DELETE 1")
    (failed,) = fake_vonage.receipts(fake_vonage.messages[-3], "failed", "8")
    post(phone, failed)
    assert phone.deliver() == []


def test_a_long_reminder_is_delivered_only_when_every_part_is(phone, fake_vonage):
    text = " ".join(["bring the passport, the tickets and the charger"] * 5)
    message = sent(phone, fake_vonage, text, text)
    assert message["parts"] == 2 and len(message["message_ids"]) == 2
    first, second = fake_vonage.receipts(message)
    post(phone, dict(first, status="accepted"))
    post(phone, first)
    post(phone, first)
    assert verdict(phone, message) == "submitted"  # one part of two
    post(phone, second)
    assert verdict(phone, message) == "delivered"
    post(phone, dict(second, status="buffered"))  # late interim news changes nothing
    assert verdict(phone, message) == "delivered"


@pytest.mark.slow
def test_receipts_out_of_order_and_for_unknown_references(fast_phone, fake_vonage):
    phone = fast_phone
    phone.text("every 2 seconds blink")
    (series,) = phone.store.for_phone(phone.number)
    time.sleep(max(0, series.due - time.time()) + 0.1)
    phone.deliver()
    time.sleep(2.1)
    phone.deliver()
    first, second = [m for m in fake_vonage.messages if m["text"] == "blink"][:2]
    post(phone, fake_vonage.receipts(second)[0])
    post(phone, fake_vonage.receipts(first, "failed", "6")[0])  # the older occurrence's news comes late
    assert verdict(phone, second) == "delivered"
    for ref in ("", "someone-else", "999999-1", "x999999-1"):
        post(phone, dict(fake_vonage.receipts(first, "failed", "9")[0], **{"client-ref": ref}))
    assert not person(phone).opted_out and phone.deliver() == []


def test_the_worker_re_sends_and_repeats(client, fake_vonage, start_worker):
    start_worker(NAG_MINUTES="0.01")
    assert client.post("/webhooks/inbound-sms", data=inbound("stretch in 1 second until done")).status_code == 204
    reminder = next(m for m in fake_vonage.wait_for(2, timeout=10) if m["text"] == "stretch")
    (failed,) = fake_vonage.receipts(reminder, "failed", "7")
    assert client.post("/webhooks/delivery-receipt", data=failed).status_code == 204
    texts = [m["text"] for m in fake_vonage.wait_for(9, timeout=15)]
    assert texts.count("stretch") == 2 and texts.count("stretch (reply DONE)") == 6  # one re-send, six repeats
