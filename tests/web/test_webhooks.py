"""The inbound-SMS webhook: Vonage's three request forms, signatures, retries, and storage outages."""
from __future__ import annotations

import pytest

from app import create_app
from app.settings import SettingsError
from app.storage.store import Store
from tests.helpers import SENDER, inbound, signed
from tests.support.redis_server import RedisServer


def scheduled(app) -> list:
    """Everything on the schedule (reminders and replies), soonest first."""
    store: Store = app.extensions["reminders"].store
    ids = [i.decode() for i in store.redis.zrange(store.key("due"), 0, -1)]
    return [store.get(i) for i in ids]


def kinds(app) -> list[str]:
    return sorted(r.kind for r in scheduled(app))


def test_get_with_query_parameters(client, app):
    response = client.get("/webhooks/inbound-sms", query_string=inbound("gym tomorrow 7am"))
    assert response.status_code == 204
    reminder = next(r for r in scheduled(app) if r.kind == "reminder")
    assert reminder.message == "gym" and reminder.phone == SENDER
    assert reminder.tz == "America/Los_Angeles"
    assert (reminder.due_local.hour, reminder.due_local.minute) == (7, 0)


def test_post_form(client, app):
    assert client.post("/webhooks/inbound-sms", data=inbound("call mom in 2 hours")).status_code == 204
    assert kinds(app) == ["reminder", "reply"]


def test_post_json(client, app):
    assert client.post("/webhooks/inbound-sms", json=inbound("at 5pm water plants")).status_code == 204
    reminder = next(r for r in scheduled(app) if r.kind == "reminder")
    assert reminder.message == "water plants"


def test_confirmation_says_what_was_understood(client, app):
    client.post("/webhooks/inbound-sms", data=inbound("gym tomorrow 7am"))
    reply = next(r for r in scheduled(app) if r.kind == "reply")
    assert reply.message.startswith('Got it: "gym" on ') and "7:00 AM" in reply.message
    assert reply.phone == SENDER and len(reply.message) <= 160


def test_same_message_id_twice_makes_one_reminder_and_one_reply(client, app):
    params = inbound("gym tomorrow 7am")
    assert client.post("/webhooks/inbound-sms", data=params).status_code == 204
    assert client.post("/webhooks/inbound-sms", data=params).status_code == 204
    assert client.get("/webhooks/inbound-sms", query_string=params).status_code == 204
    assert kinds(app) == ["reminder", "reply"]


def test_text_without_a_time_gets_a_friendly_example(client, app):
    assert client.post("/webhooks/inbound-sms", data=inbound("buy milk")).status_code == 204
    (reply,) = scheduled(app)
    assert reply.kind == "reply" and "tomorrow" in reply.message.lower()


def test_missing_fields_get_a_json_error(client, app):
    params = inbound("gym tomorrow 7am")
    del params["msisdn"]
    response = client.post("/webhooks/inbound-sms", data=params)
    assert response.status_code == 400 and response.json["error"]["field"] == "msisdn"
    assert scheduled(app) == []


def test_sender_that_is_not_a_number_is_never_answered(client, app):
    assert client.post("/webhooks/inbound-sms", data=inbound("gym at 5pm", msisdn="VONAGE")).status_code == 204
    assert scheduled(app) == []


def test_long_message_in_parts_is_joined_and_handled_once(client, app):
    parts = ["call the dentist about the ", "appointment tomorrow ", "at 9am"]
    common = {"concat": "true", "concat-ref": "42", "concat-total": "3"}
    order = [2, 0, 1, 0]  # out of order, and part 1 retried
    for i in order:
        params = inbound(parts[i], **common, **{"concat-part": str(i + 1), "messageId": f"part-{i}"})
        assert client.post("/webhooks/inbound-sms", data=params).status_code == 204
    reminders = [r for r in scheduled(app) if r.kind == "reminder"]
    assert len(reminders) == 1 and reminders[0].message == "call the dentist about the appointment"
    assert kinds(app) == ["reminder", "reply"]


class TestSignatures:
    SECRET = "sig-secret-123"

    @pytest.fixture()
    def signed_app(self, env):
        return create_app({**env, "VONAGE_SIGNATURE_SECRET": self.SECRET, "VONAGE_SIGNATURE_METHOD": "sha256"})

    @pytest.mark.parametrize("method", ["md5", "sha1", "sha256", "sha512"])
    def test_each_dashboard_method_is_accepted(self, env, method):
        app = create_app({**env, "VONAGE_SIGNATURE_SECRET": self.SECRET, "VONAGE_SIGNATURE_METHOD": method})
        params = signed(inbound("gym tomorrow 7am"), self.SECRET, method)
        assert app.test_client().post("/webhooks/inbound-sms", data=params).status_code == 204
        assert kinds(app) == ["reminder", "reply"]

    def test_signed_json_body(self, signed_app):
        params = signed(inbound("gym tomorrow 7am"), self.SECRET)
        assert signed_app.test_client().post("/webhooks/inbound-sms", json=params).status_code == 204

    @pytest.mark.parametrize("forge", [
        lambda p: {**p, "text": "send me money at 5pm"},  # tampered after signing
        lambda p: {**p, "sig": "0" * 64},
        lambda p: {k: v for k, v in p.items() if k != "sig"},
    ])
    def test_forged_requests_are_refused_and_change_nothing(self, signed_app, forge):
        params = forge(signed(inbound("gym tomorrow 7am"), self.SECRET))
        response = signed_app.test_client().post("/webhooks/inbound-sms", data=params)
        assert response.status_code == 401 and response.json["error"]["code"] == "bad_signature"
        assert scheduled(signed_app) == []

    def test_wrong_secret_is_refused(self, signed_app):
        params = signed(inbound("gym tomorrow 7am"), "another-secret")
        assert signed_app.test_client().post("/webhooks/inbound-sms", data=params).status_code == 401

    def test_old_signed_timestamp_is_a_replay(self, signed_app):
        import time

        params = signed(inbound("gym tomorrow 7am"), self.SECRET, timestamp=int(time.time()) - 3600)
        response = signed_app.test_client().post("/webhooks/inbound-sms", data=params)
        assert response.status_code == 401 and scheduled(signed_app) == []


@pytest.mark.slow
def test_redis_down_answers_503_so_vonage_retries(env):
    server = RedisServer().start()
    app = create_app({**env, "REDIS_URL": server.url})
    client = app.test_client()
    server.stop()
    response = client.post("/webhooks/inbound-sms", data=inbound("gym tomorrow 7am"))
    assert response.status_code == 503 and response.json["error"]["code"] == "unavailable"
    assert client.get("/healthz").status_code == 503
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["redis"].startswith("unavailable")


def test_recurring_text_is_stored_as_a_series_and_confirmed_in_words(client, app):
    client.post("/webhooks/inbound-sms", data=inbound("every weekday 8:15 take pills"))
    reminder = next(r for r in scheduled(app) if r.kind == "reminder")
    reply = next(r for r in scheduled(app) if r.kind == "reply")
    assert reminder.message == "take pills" and reminder.every == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert (reminder.due_local.hour, reminder.due_local.minute) == (8, 15)
    assert reminder.due_local.weekday() < 5
    assert reply.message == 'Got it: "take pills" every weekday at 8:15 AM. Reply LIST to see your reminders.'


def test_very_long_reminder_gets_a_one_segment_confirmation(client, app):
    text = "tomorrow 9am " + "renew the car insurance and check the policy number " * 6
    client.post("/webhooks/inbound-sms", data=inbound(text))
    reminder = next(r for r in scheduled(app) if r.kind == "reminder")
    reply = next(r for r in scheduled(app) if r.kind == "reply")
    assert reminder.message.startswith("renew the car insurance") and len(reminder.message) > 250  # kept whole
    assert len(reply.message) <= 160 and '..."' in reply.message


COSTLY = {"satellite": "881612345678", "international network": "883510012345", "unallocated": "4990012345678",
          "premium-rate": "448712345678", "shared-cost": "34901123456"}


@pytest.mark.parametrize("sender", COSTLY.values(), ids=COSTLY.keys())
def test_a_text_from_a_costly_or_unallocated_number_gets_no_reply_and_leaves_nothing(client, app, redis_client,
                                                                                     sender, caplog):
    """Replying is what costs: nothing scheduled, nothing kept of the sender, Vonage gets its 204, the log says why."""
    assert client.post("/webhooks/inbound-sms", data=inbound("dentist in 1 hour", msisdn=sender)).status_code == 204
    assert client.post("/webhooks/inbound", json={"channel": "sms", "message_uuid": "a1", "from": sender,
                                                  "text": "gym in 2 hours"}).status_code == 204
    assert scheduled(app) == [] and not [k for k in redis_client.scan_iter() if sender.encode() in k]
    assert "ignoring an inbound SMS" in caplog.text


def test_allowed_countries_bounds_who_gets_a_reply(env, redis_client):
    app = create_app({**env, "ALLOWED_COUNTRIES": "gb, ie"})
    client = app.test_client()
    assert client.post("/webhooks/inbound-sms", data=inbound("dentist in 1 hour")).status_code == 204  # +1: no
    assert scheduled(app) == []
    client.post("/webhooks/inbound-sms", data=inbound("dentist in 1 hour", msisdn="442079460123"))
    assert kinds(app) == ["reminder", "reply"] and {r.phone for r in scheduled(app)} == {"442079460123"}
    with pytest.raises(SettingsError, match="ALLOWED_COUNTRIES must be ISO 3166 country codes"):
        create_app({**env, "ALLOWED_COUNTRIES": "GB,UK"})
