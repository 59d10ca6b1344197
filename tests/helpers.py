"""Small builders shared by the tests: inbound webhook parameters as Vonage sends them, signed or not."""
from __future__ import annotations

import itertools
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from vonage import Auth

SENDER = "14155550100"  # a San Francisco number: America/Los_Angeles
_ids = itertools.count(1)


def inbound(text: str, msisdn: str = SENDER, **extra: str) -> dict[str, str]:
    """The SMS API's inbound-message fields, as Vonage sends them."""
    message_id = extra.pop("messageId", f"0A00000{next(_ids):09d}")
    return {"msisdn": msisdn, "to": "447700900000", "messageId": message_id, "text": text, "type": "text",
            "keyword": text.split(" ")[0].upper() if text else "", "api-key": "test-key",
            "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), **extra}


def whatsapp_message(text: str | None, sender: str = SENDER, kind: str = "text", **extra) -> dict:
    """A Messages API inbound WhatsApp message, as Vonage documents it: a text, or an image, audio, location, …"""
    content = {"text": text} if kind == "text" else {
        "image": {"image": {"url": "https://api-eu.nexmo.com/v3/media/aaaa", "name": "photo.jpg"}},
        "audio": {"audio": {"url": "https://api-eu.nexmo.com/v3/media/bbbb"}},
        "location": {"location": {"lat": 51.5, "long": -0.12, "name": "London"}},
    }.get(kind, {kind: {}})
    return {"channel": "whatsapp", "message_uuid": str(uuid.uuid4()), "to": "447700900000", "from": sender,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "profile": {"name": "Ana"},
            "context_status": "none", "message_type": kind, **content, **extra}


def signed(params: dict[str, str], secret: str, method: str = "sha256", timestamp: int | None = None) -> dict:
    """Sign `params` the way Vonage does (the SDK's own signer), adding timestamp and sig."""
    out = dict(params, timestamp=str(timestamp if timestamp is not None else int(time.time())))
    out["sig"] = Auth(api_key="test-key", signature_secret=secret, signature_method=method).sign_params(dict(out))
    return out


def clear_of(zone: str | ZoneInfo, *clocks: str, seconds: float = 30.0) -> None:
    """Wait until each local wall time in `clocks` ("17:00") is not less than `seconds` away in `zone`. For a test
    that reads the clock more than once: a reminder made "at 5pm" a moment before 17:00 falls due (and is delivered)
    half way through it; the date the app read a moment ago is not the test's `today` just after midnight. The
    wait is rare (`seconds` a day for each wall time) and short."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    while True:
        now = datetime.now(zone)
        lefts = []
        for clock in clocks:
            hour, minute = (int(part) for part in clock.split(":"))
            at = datetime.combine(now.date(), datetime.min.time(), zone).replace(hour=hour, minute=minute)
            if at.timestamp() <= now.timestamp():
                at = datetime.combine(now.date() + timedelta(days=1), at.time(), zone)
            lefts.append(at.timestamp() - now.timestamp())
        soonest = min(lefts)
        if soonest >= seconds:
            return
        time.sleep(soonest + 0.05)


def clear_of_midnight(zone: str | ZoneInfo, seconds: float = 30.0) -> None:
    """Wait out local midnight in `zone` when it is less than `seconds` away (clear_of): a test that reads the date
    twice (the app's `now`, then its own `today + 1`; a day's counters, then the day's figures) sees one day."""
    clear_of(zone, "00:00", seconds=seconds)


def clear_of_minute_turn(seconds: float = 3.0) -> None:
    """Wait for the next minute when it is less than `seconds` away. Per-minute limits count per wall-clock minute
    (quotas.py, auth.py): a test that counts up to a limit must not see the count start again half way."""
    left = 60 - time.time() % 60
    if left < seconds:
        time.sleep(left + 0.05)


def wait_until(condition, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    """The first truthy value `condition()` gives within `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def auth(token: str = "test-token") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Phone:
    """A person texting the service: each text goes through the real webhook, then whatever is due is delivered
    in-process through the real courier, sender and SDK to the fake Vonage, and the texts back are returned."""

    def __init__(self, client, app, fake, number: str = SENDER) -> None:
        from app.delivery.courier import Courier
        from app.delivery.senders import make_sender
        from app.settings import DeliverySettings
        from app.storage.throttle import Throttle

        services = app.extensions["reminders"]
        self.client, self.fake, self.number, self.store = client, fake, number, services.store
        # The worker's parts, with the default lease and retry timings and no rate limit (the tests' own env
        # shortens retries for the worker processes it starts).
        self.courier = Courier(self.store, make_sender(services.settings),
                               Throttle(self.store.redis, self.store.prefix, 0), services.people, services.budget,
                               services.receipts, services.nags,
                               DeliverySettings(nag_minutes=services.settings.delivery.nag_minutes),
                               daily_texts=services.settings.limits.max_sms_per_number_per_day,
                               daily_segments=services.settings.limits.max_segments_per_number_per_day,
                               whatsapp=services.whatsapp)
        self.seen = 0

    def text(self, words: str, **extra: str) -> list[str]:
        response = self.client.post("/webhooks/inbound-sms", data=inbound(words, msisdn=self.number, **extra))
        assert response.status_code == 204, response.data
        return self.deliver()

    def whatsapp(self, words: str | None, kind: str = "text") -> list[str]:
        """Write on WhatsApp (`kind` image, audio, location, … with no words), through the Messages API's webhook."""
        response = self.client.post("/webhooks/inbound", json=whatsapp_message(words, self.number, kind))
        assert response.status_code == 204, response.data
        return self.deliver()

    def deliver(self) -> list[str]:
        """Send what is due now; the texts this number received since the last call."""
        token = f"test-{time.time_ns()}"
        while ids := self.store.claim(time.time(), time.time() + 60, 100, token):
            self.courier.deliver(token, ids)
        mine = [m["text"] for m in self.fake.messages if m["to"] == self.number]
        new, self.seen = mine[self.seen:], len(mine)
        return new

    def ask(self, words: str) -> str:
        """Text something that gets exactly one reply, and return it."""
        (answer,) = self.text(words)
        return answer


APPLICATION_ID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"


def key_pair() -> tuple[str, str]:
    """A new RSA key pair, PEM (private, public): a Messages API application's, the fake Vonage holding the public."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public
