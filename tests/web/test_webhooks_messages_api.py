"""Messages API inbound webhooks (signed JWT) and delivery receipts from both Vonage APIs."""
from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid

import jwt
import pytest

from app import create_app
from tests.helpers import SENDER, Phone, auth, clear_of, signed

SECRET = "vonage-signature-secret-0123456789abcdef"


def vonage_jwt(body: bytes, secret: str = SECRET, iat: float | None = None, **claims) -> str:
    """A token as Vonage signs Messages API webhooks: HS256 over claims including the body's SHA-256."""
    payload = {"iat": int(iat if iat is not None else time.time()), "jti": str(uuid.uuid4()), "iss": "Vonage",
               "payload_hash": hashlib.sha256(body).hexdigest(), "api_key": "test-key",
               "application_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


def message(text: str, **extra) -> dict:
    """A Messages API inbound SMS, as Vonage documents it."""
    return {"channel": "sms", "message_uuid": str(uuid.uuid4()), "to": "447700900000", "from": SENDER,
            "timestamp": "2026-11-26T10:00:00Z", "text": text, "message_type": "text",
            "sms": {"num_messages": "1", "keyword": text.split(" ")[0].upper()}, **extra}


def post_signed(client, path: str, body: dict, secret: str = SECRET, **jwt_claims):
    raw = json.dumps(body).encode()
    return client.post(path, data=raw, content_type="application/json",
                       headers={"Authorization": f"Bearer {vonage_jwt(raw, secret, **jwt_claims)}"})


@pytest.fixture()
def signed_app(env):
    return create_app({**env, "VONAGE_SIGNATURE_SECRET": SECRET})


def reminders(app) -> list:
    return app.extensions["reminders"].store.for_phone(SENDER)


def test_messages_api_inbound_without_signing(client, app):
    assert client.post("/webhooks/inbound", json=message("gym tomorrow 7am")).status_code == 204
    (gym,) = reminders(app)
    assert gym.message == "gym" and gym.due_local.hour == 7


def test_messages_api_inbound_signed(signed_app):
    response = post_signed(signed_app.test_client(), "/webhooks/inbound", message("gym tomorrow 7am"))
    assert response.status_code == 204 and len(reminders(signed_app)) == 1


@pytest.mark.parametrize("forge", ["wrong secret", "tampered body", "no token", "old token", "not a jwt"])
def test_forged_messages_api_webhooks_change_nothing(signed_app, forge):
    client, body = signed_app.test_client(), message("gym tomorrow 7am")
    raw = json.dumps(body).encode()
    token = {"wrong secret": vonage_jwt(raw, "another-signature-secret-0123456789abcdef"),
             "tampered body": vonage_jwt(b"{}"), "no token": "", "old token": vonage_jwt(raw, iat=time.time() - 3600),
             "not a jwt": "abc.def"}[forge]
    response = client.post("/webhooks/inbound", data=raw, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"} if token else {})
    assert response.status_code == 401 and response.json["error"]["code"] in ("bad_signature", "stale_signature")
    assert reminders(signed_app) == []


def test_replayed_message_uuid_changes_nothing(client, app, fake_vonage):
    body = message("gym tomorrow 7am")
    assert client.post("/webhooks/inbound", json=body).status_code == 204
    assert client.post("/webhooks/inbound", json=body).status_code == 204
    assert len(reminders(app)) == 1
    replies = [m for m in Phone(client, app, fake_vonage).deliver()]
    assert len(replies) == 1 and replies[0].startswith('Got it: "gym"')


def test_other_channels_and_bad_bodies(client, app):
    assert client.post("/webhooks/inbound", json=message("hi", channel="whatsapp")).status_code == 204
    assert reminders(app) == []
    missing = client.post("/webhooks/inbound", json={"channel": "sms", "from": SENDER, "text": "x"})
    assert missing.status_code == 400 and missing.json["error"]["field"] == "message_uuid"
    assert client.post("/webhooks/inbound", data="nope", content_type="application/json").status_code == 400


def sent_reminder(client, app, fake_vonage) -> tuple[str, str]:
    """Make a reminder and deliver it; returns its id and the client-ref Vonage saw."""
    phone = Phone(client, app, fake_vonage)
    phone.text("stretch in 1 second")
    time.sleep(1.1)
    phone.deliver()
    sent = next(m for m in fake_vonage.messages if m["text"] == "stretch")
    return sent["client_ref"].split("-")[0], sent["client_ref"]


def receipt(client_ref: str, status: str = "delivered", err: str = "0", message_id: str = "0A0000001") -> dict:
    """An SMS API delivery receipt, as Vonage sends it."""
    return {"msisdn": SENDER, "to": "447700900000", "network-code": "12345", "messageId": message_id,
            "price": "0.03330000", "status": status, "scts": "2611261000", "err-code": err,
            "api-key": "test-key", "message-timestamp": "2026-11-26 10:00:00", "client-ref": client_ref}


def test_sms_receipts_record_delivery_state(client, app, fake_vonage, caplog):
    rid, ref = sent_reminder(client, app, fake_vonage)
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]["state"] == "submitted"
    assert client.get("/webhooks/delivery-receipt", query_string=receipt(ref)).status_code == 204
    delivery = client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]
    assert delivery["state"] == "delivered" and delivery["code"] == "0"
    late = receipt(ref, "accepted", message_id="0A0000001")
    assert client.post("/webhooks/delivery-receipt", data=late).status_code == 204
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]["state"] == "delivered"


def test_failed_receipt_is_logged_with_its_reason(client, app, fake_vonage, caplog):
    rid, ref = sent_reminder(client, app, fake_vonage)
    with caplog.at_level(logging.WARNING):
        client.post("/webhooks/delivery-receipt", json=receipt(ref, "failed", "6"))
    delivery = client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]
    assert delivery == {"state": "failed", "code": "6", "at": delivery["at"]}
    assert any(f"delivery of {rid} failed" in r.getMessage() and "6" in r.getMessage() for r in caplog.records)


def test_replayed_receipt_changes_nothing(client, app, fake_vonage):
    rid, ref = sent_reminder(client, app, fake_vonage)
    client.post("/webhooks/delivery-receipt", data=receipt(ref, "delivered", message_id="m1"))
    first = client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]
    client.post("/webhooks/delivery-receipt", data=receipt(ref, "delivered", message_id="m1"))
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"] == first


def test_signed_receipts(client, app, signed_app, fake_vonage):
    rid, ref = sent_reminder(client, app, fake_vonage)
    client = signed_app.test_client()
    forged = client.post("/webhooks/delivery-receipt", data={**receipt(ref, "failed"), "sig": "0" * 64,
                                                             "timestamp": str(int(time.time()))})
    assert forged.status_code == 401
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]["state"] == "submitted"
    good = client.post("/webhooks/delivery-receipt", data=signed(receipt(ref), SECRET))
    assert good.status_code == 204
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]["state"] == "delivered"


def test_messages_api_status_webhook(client, app, signed_app, fake_vonage):
    rid, ref = sent_reminder(client, app, fake_vonage)
    client = signed_app.test_client()
    status = {"message_uuid": str(uuid.uuid4()), "to": SENDER, "from": "447700900000", "channel": "sms",
              "timestamp": "2026-11-26T10:00:01Z", "status": "rejected", "client_ref": ref,
              "error": {"type": "https://developer.vonage.com/api-errors/messages#1150", "title": "1150",
                        "detail": "Invalid number"}}
    wrong = "a-wrong-signature-secret-0123456789abcdef"
    assert post_signed(client, "/webhooks/status", status, secret=wrong).status_code == 401
    assert post_signed(client, "/webhooks/status", status).status_code == 204
    delivery = client.get(f"/api/reminders/{rid}", headers=auth()).json["delivery"]
    assert delivery["state"] == "rejected" and delivery["code"] == "1150"


def test_receipts_for_unknown_messages_are_ignored(client):
    assert client.post("/webhooks/delivery-receipt", data=receipt("")).status_code == 204
    missing = client.post("/webhooks/delivery-receipt", data={"status": "delivered"})
    assert missing.status_code == 400 and missing.json["error"]["field"] == "messageId"


def test_list_says_when_a_series_last_delivery_failed(client, app, fake_vonage):
    phone = Phone(client, app, fake_vonage)
    clear_of("America/Los_Angeles", "09:00")  # made a moment before 9am, it would be due (and sent) at once
    phone.text("every day 9am stretch")
    (series,) = app.extensions["reminders"].store.for_phone(SENDER)
    client.post("/webhooks/delivery-receipt", data=receipt(f"{series.id}-1", "failed", "7"))
    assert "(last one failed)" in phone.ask("LIST")
