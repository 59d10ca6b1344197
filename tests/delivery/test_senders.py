"""Sending through Vonage's Messages API (application id + private key) with the real SDK, against the fake."""
from __future__ import annotations

import pytest

from app import create_app
from app.delivery.senders import MessagesSender, SendError, make_sender
from app.settings import SettingsError, load_settings
from tests.helpers import APPLICATION_ID, Phone, key_pair, wait_until


@pytest.fixture()
def messages_env(env, keys, fake_vonage):
    private, public = keys
    fake_vonage.application_public_key = public
    yield {**env, "VONAGE_API_KEY": "", "VONAGE_API_SECRET": "", "VONAGE_APPLICATION_ID": APPLICATION_ID,
           "VONAGE_PRIVATE_KEY": private.replace("\n", "\\n")}  # as a config var carries it
    fake_vonage.application_public_key = None


def test_messages_api_is_chosen_when_only_an_application_is_configured(messages_env):
    settings = load_settings(messages_env)
    assert settings.vonage.send_api == "messages" and settings.vonage.enabled
    assert isinstance(make_sender(settings), MessagesSender)


def test_private_key_from_a_file(messages_env, keys, tmp_path):
    path = tmp_path / "private"
    path.write_text(keys[0])
    settings = load_settings({**messages_env, "VONAGE_PRIVATE_KEY": str(path)})
    assert settings.vonage.private_key == keys[0]
    with pytest.raises(SettingsError, match="VONAGE_PRIVATE_KEY"):
        load_settings({**messages_env, "VONAGE_PRIVATE_KEY": str(tmp_path / "missing.key")})
    with pytest.raises(SettingsError, match="VONAGE_APPLICATION_ID"):
        load_settings({**messages_env, "VONAGE_APPLICATION_ID": ""})
    with pytest.raises(SettingsError, match="VONAGE_SEND_API"):
        load_settings({**messages_env, "VONAGE_SEND_API": "carrier-pigeon"})


def test_text_in_reply_and_reminder_out_through_the_messages_api(messages_env, fake_vonage):
    app = create_app(messages_env)
    phone = Phone(app.test_client(), app, fake_vonage)
    (confirmation,) = phone.text("stretch in 3 seconds 🧘")  # not due before the reply has gone, on a busy machine
    assert confirmation.startswith("Got it: \"stretch 🧘\" on ") and len(confirmation) <= 70  # UCS-2: one SMS
    assert wait_until(lambda: phone.deliver() == ["stretch 🧘"], timeout=10)
    sent = fake_vonage.messages[-1]
    assert sent["api"] == "messages" and sent["from"] == "447700900000" and sent["client_ref"].split("-")[0].isdigit()
    request = next(r for r in fake_vonage.requests if r["path"] == "/v1/messages")
    assert request["headers"]["Authorization"].startswith("Bearer ")  # an RS256 JWT the fake verified


def test_messages_api_failures_map_to_retry_or_give_up(messages_env, fake_vonage):
    sender = make_sender(load_settings(messages_env))
    fake_vonage.queue_http_error(429)
    with pytest.raises(SendError) as throttled:
        sender.send("14155550100", "hi", "1-1")
    assert throttled.value.retryable and throttled.value.code == "429"
    fake_vonage.queue_http_error(500)
    with pytest.raises(SendError) as server:
        sender.send("14155550100", "hi", "1-1")
    assert server.value.retryable
    fake_vonage.queue_http_error(422)
    with pytest.raises(SendError) as invalid:
        sender.send("14155550100", "hi", "1-1")
    assert not invalid.value.retryable
    (message_uuid,) = sender.send("14155550100", "hi", "1-1")
    assert message_uuid.startswith("aaaaaaaa-")


def test_a_key_vonage_does_not_know_is_refused_for_good(messages_env, fake_vonage):
    fake_vonage.application_public_key = key_pair()[1]  # Vonage holds another application's key
    with pytest.raises(SendError) as refused:
        make_sender(load_settings(messages_env)).send("14155550100", "hi", "1-1")
    assert refused.value.code == "401" and not refused.value.retryable and "Unauthorized" in str(refused.value)
