"""The WhatsApp sender through the real vonage SDK against the fake Vonage, and the 24-hour window's edge."""
from __future__ import annotations

import pytest

from app.delivery.senders import SendError
from app.delivery.whatsapp import WINDOW, WINDOW_MARGIN, Template, VonageWhatsapp, window_open
from app.settings import load_settings
from app.storage.people import Person
from tests.helpers import APPLICATION_ID


@pytest.fixture()
def sender(env, keys, fake_vonage):
    private, public = keys
    fake_vonage.application_public_key = public
    yield VonageWhatsapp(load_settings({**env, "VONAGE_APPLICATION_ID": APPLICATION_ID, "VONAGE_PRIVATE_KEY": private,
                                        "WHATSAPP_NUMBER": "+44 7700 900111"}))
    fake_vonage.application_public_key = None


def test_a_text_and_a_template_as_the_messages_api_takes_them(sender, fake_vonage):
    (text_id,) = sender.send("14155550100", "gym", "12-1700000000", None)
    (template_id,) = sender.send("14155550100", "gym", "13-1700000000", Template("reminder", "es"))
    text, template = fake_vonage.wait_for(2)
    assert (text["channel"], text["type"], text["from"], text["message_id"]) == ("whatsapp", "text", "447700900111",
                                                                                 text_id)
    assert (template["type"], template["template"], template["parameters"]) == ("template", "reminder", ["gym"])
    assert template["whatsapp"] == {"policy": "deterministic", "locale": "es"} and template["message_id"] == template_id
    body = [r["body"] for r in fake_vonage.requests if r["path"] == "/v1/messages"][-1]
    assert b'"message_type":"template"' in body.replace(b" ", b"")


@pytest.mark.parametrize("code, retryable", [(429, True), (500, True), (422, False), (401, False)])
def test_failures_say_whether_trying_again_can_help(sender, fake_vonage, code, retryable):
    fake_vonage.queue_http_error(code)
    with pytest.raises(SendError) as failed:
        sender.send("14155550100", "gym", "12-1", None)
    assert failed.value.retryable is retryable and failed.value.code == str(code)


@pytest.mark.parametrize("ago, open_", [(None, False), (0, True), (WINDOW - WINDOW_MARGIN - 1, True),
                                        (WINDOW - WINDOW_MARGIN, False), (WINDOW + 1, False)])
def test_the_window_closes_24_hours_after_the_last_message_less_a_margin(ago, open_):
    now = 1_800_000_000.0
    person = Person("14155550100", whatsapp_at=None if ago is None else now - ago)
    assert window_open(person, now) is open_


def test_without_an_application_whatsapp_goes_by_sms_on_real_traffic_and_to_the_log_locally(env):
    from app.delivery.whatsapp import LogWhatsapp, make_whatsapp

    on = {**env, "WHATSAPP_NUMBER": "447700900111"}
    assert make_whatsapp(load_settings(env)) is None  # off
    assert make_whatsapp(load_settings(on)) is None  # SMS credentials, no application: by SMS, never only logged
    local = {**on, "VONAGE_API_KEY": "", "VONAGE_API_SECRET": ""}
    assert isinstance(make_whatsapp(load_settings(local)), LogWhatsapp)
