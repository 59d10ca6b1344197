"""WhatsApp end to end, from outside, against the Procfile's processes: gunicorn as `web` runs it and `python
worker.py`, on a real Redis, sending through the real vonage SDK to the fake Vonage (VONAGE_API_HOST points the SDK
at it). Webhooks are signed as Vonage signs them: a JWT for the Messages API, `sig` for the SMS API."""
from __future__ import annotations

import json

import pytest
import requests

from tests.helpers import inbound, signed, wait_until, whatsapp_message
from tests.web.test_abuse import GUNICORN, serve  # noqa: F401 (a fixture)
from tests.web.test_webhooks_messages_api import SECRET, vonage_jwt
from tests.web.test_webhooks_whatsapp import soon, wa_env  # noqa: F401 (a fixture)

TOKEN = {"Authorization": "Bearer test-token"}
WRITER, STRANGER, QUITTER, TEXTER = "14155550101", "14155550102", "14155550103", "14155550104"


def post_whatsapp(web, words: str, sender: str) -> int:
    raw = json.dumps(whatsapp_message(words, sender)).encode()
    return requests.post(web.url("/webhooks/inbound"), data=raw, timeout=10, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {vonage_jwt(raw, SECRET)}"}).status_code


def to(fake, number: str) -> list[dict]:
    return [m for m in fake.messages if m["to"] == number]


@pytest.mark.slow
def test_whatsapp_beside_sms_through_the_procfiles_processes(wa_env, serve, start_worker, fake_vonage):  # noqa: F811
    settings = {**wa_env, "VONAGE_SIGNATURE_SECRET": SECRET, "WEB_CONCURRENCY": "1"}
    web = serve(GUNICORN, settings)
    start_worker(**settings)

    # a WhatsApp text: its confirmation, then its reminder, both as WhatsApp texts
    assert post_whatsapp(web, "ping in 6 seconds", WRITER) == 204
    confirmation = wait_until(lambda: to(fake_vonage, WRITER), timeout=10)[0]
    assert (confirmation["channel"], confirmation["type"]) == ("whatsapp", "text")
    assert confirmation["text"].startswith('Got it: "ping"')

    # an API reminder on WhatsApp for a number that never wrote: the template, with the text as its parameter
    when = soon(2)
    made = requests.post(web.url("/api/reminders"), headers=TOKEN, timeout=10, json={
        "phone_number": f"+{STRANGER}", "message": "renew your library books", "remind_when": when,
        "channel": "whatsapp"})
    assert made.status_code == 201, made.text
    (template,) = wait_until(lambda: to(fake_vonage, STRANGER), timeout=15)
    assert (template["channel"], template["type"], template["template"]) == ("whatsapp", "template",
                                                                             "reminder_utility")
    assert template["parameters"] == ["renew your library books"]

    # STOP on WhatsApp holds that number's pending reminder
    assert post_whatsapp(web, "call the bank in 1 hour", QUITTER) == 204
    wait_until(lambda: to(fake_vonage, QUITTER), timeout=10)
    assert post_whatsapp(web, "STOP", QUITTER) == 204
    listed = wait_until(lambda: [r for r in requests.get(
        web.url("/api/reminders"), params={"phone_number": f"+{QUITTER}", "status": "held"}, headers=TOKEN,
        timeout=10).json()["reminders"]], timeout=10)
    assert [r["message"] for r in listed] == ["call the bank"]

    # an SMS texter still gets only SMS
    sms = requests.post(web.url("/webhooks/inbound-sms"), data=signed(inbound("ping in 6 seconds", TEXTER), SECRET),
                        timeout=10)
    assert sms.status_code == 204

    reminder = wait_until(lambda: [m for m in to(fake_vonage, WRITER) if m["text"] == "ping"], timeout=15)[0]
    assert (reminder["channel"], reminder["type"]) == ("whatsapp", "text")
    assert reminder["received_at"] >= confirmation["received_at"] + 5  # at its time, not with the confirmation
    texts = wait_until(lambda: len(to(fake_vonage, TEXTER)) >= 2 and to(fake_vonage, TEXTER), timeout=15)
    assert [m["text"] for m in texts][1] == "ping"
    assert all(m.get("api", "sms") == "sms" and "channel" not in m for m in texts)
