"""Sending one SMS with the official SDK, through Vonage's SMS API or its Messages API (chosen by settings), or to
the log when no credentials are set.

Senders only translate; deciding to retry, give up or move on is the courier's job (`courier.py`). Every
failure is a `SendError` saying whether trying again later can help.
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Protocol

import redis
import requests
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client.errors import HttpRequestError
from vonage_messages import Sms as MessagesSms
from vonage_sms import SmsError, SmsMessage

from app.logs import debugging
from app.settings import Settings
from app.storage.outbox import Outbox
from app.texting.segments import is_gsm7

log = logging.getLogger(__name__)

# SMS API statuses worth another try: 1 throttled, 5 internal error (https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms)
RETRYABLE_STATUSES = {"1", "5"}
_STATUS_IN_ERROR = re.compile(r"error code (\d+): (.*)", re.S)


class SendError(Exception):
    """A send that did not go out; `retryable` says whether trying later can help."""

    def __init__(self, reason: str, *, retryable: bool, code: str | None = None) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.code = code


class Sender(Protocol):
    def send(self, to: str, text: str, client_ref: str) -> list[str]:
        """Send `text` to `to` (E.164 without '+'); returns the provider's message ids, one per part of a long SMS
        (each part gets a delivery receipt of its own), or raises SendError."""


def vonage_client(settings: Settings, auth: Auth) -> Vonage:
    """One SDK client per process: its connection pool is shared by the send threads."""
    options = HttpClientOptions(rest_host=settings.vonage.rest_host, api_host=settings.vonage.api_host,
                                timeout=settings.vonage.timeout,
                                pool_maxsize=max(10, settings.delivery.send_concurrency), max_retries=0)
    return Vonage(auth, options)


class VonageSender:
    """Sends through the SMS API (API key and secret)."""

    def __init__(self, settings: Settings) -> None:
        self.sender_id = settings.vonage.number
        # No signature secret here: given one, the SDK signs outbound requests instead of using key and secret.
        auth = Auth(api_key=settings.vonage.api_key, api_secret=settings.vonage.api_secret)
        self.client = vonage_client(settings, auth)

    def send(self, to: str, text: str, client_ref: str) -> list[str]:
        message = SmsMessage(to=to, from_=self.sender_id, text=text, client_ref=client_ref[:100],
                             type="text" if is_gsm7(text) else "unicode")
        try:
            response = self.client.sms.send(message)
        except SmsError as err:
            raise _from_sms_error(err) from err
        except (HttpRequestError, requests.RequestException) as err:
            raise from_http_error(err) from err
        return [part.message_id for part in response.messages]  # the SMS API answers one per part


class MessagesSender:
    """Sends through the Messages API (application id and private key; Vonage picks the encoding)."""

    def __init__(self, settings: Settings) -> None:
        self.sender_id = settings.vonage.number
        auth = Auth(application_id=settings.vonage.application_id, private_key=settings.vonage.private_key)
        self.client = vonage_client(settings, auth)

    def send(self, to: str, text: str, client_ref: str) -> list[str]:
        message = MessagesSms(to=to, from_=self.sender_id, text=text, client_ref=client_ref[:100])
        try:
            return [self.client.messages.send(message).message_uuid]  # one status webhook for the whole message
        except (HttpRequestError, requests.RequestException) as err:
            raise from_http_error(err) from err


def from_http_error(err: HttpRequestError | requests.RequestException) -> SendError:
    """HTTP-level failures: throttling (429), Vonage's 5xx and network trouble are worth another try."""
    if isinstance(err, requests.RequestException):
        return SendError(f"could not reach Vonage: {type(err).__name__}", retryable=True)
    response = getattr(err, "response", None)
    code = getattr(response, "status_code", None)
    try:
        detail = response.json().get("title") if response is not None else None
    except ValueError:
        detail = None
    return SendError(f"Vonage answered HTTP {code}" + (f": {detail}" if detail else ""),
                     retryable=code is None or code >= 500 or code == 429, code=str(code))


def _from_sms_error(err: SmsError) -> SendError:
    """The SDK puts the SMS API's per-message status in its error text; a partial failure carries the response."""
    response = getattr(err, "response", None)
    if isinstance(response, dict):  # PartialFailureError: some parts of a long message failed
        failed = [m for m in response.get("messages", []) if m.get("status") != "0"]
        status = failed[0].get("status", "5") if failed else "5"
        text = failed[0].get("error-text", "partial failure") if failed else "partial failure"
    else:
        match = _STATUS_IN_ERROR.search(str(err))
        status, text = (match.group(1), match.group(2).strip()) if match else ("5", str(err))
    return SendError(f"Vonage status {status}: {text}", retryable=status in RETRYABLE_STATUSES, code=status)


class LogSender:
    """For local runs without Vonage credentials: nothing leaves the machine. The SMS goes to the log (its text
    only at LOG_LEVEL=DEBUG: logs stay free of message text) and to the number's conversation in the `outbox`,
    where the phone simulator shows it."""

    def __init__(self, outbox: Outbox | None = None) -> None:
        self.outbox = outbox

    def send(self, to: str, text: str, client_ref: str) -> list[str]:
        shown = text if debugging() else f"[{len(text)} characters: see /simulator, or set LOG_LEVEL=DEBUG]"
        log.warning("SMS (not sent: no Vonage credentials) to +%s: %s", to, shown)
        if self.outbox is not None:
            try:
                self.outbox.record(to, "out", text)
            except redis.RedisError as err:  # the outbox is this sender's only destination: try again later
                raise SendError(f"could not write to the simulator's outbox: {type(err).__name__}",
                                retryable=True) from err
        return [f"log-{uuid.uuid4().hex[:12]}"]


def make_sender(settings: Settings, outbox: Outbox | None = None) -> Sender:
    """Vonage when credentials are set; else the log sender, publishing to the simulator's `outbox` when given."""
    if settings.vonage.enabled:
        return MessagesSender(settings) if settings.vonage.send_api == "messages" else VonageSender(settings)
    return LogSender(outbox)
