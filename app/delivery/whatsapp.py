"""WhatsApp through Vonage's Messages API: how one entry made on WhatsApp goes out.

WhatsApp lets a business send free-form text only inside a 24-hour customer-service window, opened (or refreshed)
by the person's last message to it; outside it, only a pre-approved template. The window is judged per number on
Redis's clock (storage/clock.py) from the time of its last WhatsApp message (`wa` in its person hash, stamped by
arrival.lua). Inside: a WhatsApp text. Outside: WHATSAPP_TEMPLATE, in the person's locale, with the entry's text as
its one body parameter. Replies are inside by nature (the person just wrote); nags, snoozes and re-sends travel the
same path, so they follow the same rule.

Like senders.py, this only translates; what a failure means is the courier's (at send time) or outcomes.py's (in a
status webhook) to decide.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

import redis
import requests
from vonage import Auth
from vonage_http_client.errors import HttpRequestError
from vonage_messages import (
    WhatsappTemplate,
    WhatsappTemplateResource,
    WhatsappTemplateSettings,
    WhatsappText,
)

from app.delivery.senders import SendError, from_http_error, vonage_client
from app.logs import debugging
from app.settings import Settings, WhatsappSettings
from app.storage import clock
from app.storage.outbox import Outbox
from app.storage.people import People, Person
from app.storage.store import Reminder
from app.texting.language import language_of

log = logging.getLogger(__name__)
WINDOW = 24 * 3600  # seconds: WhatsApp's customer-service window after the person's last message
WINDOW_MARGIN = 60  # seconds: a text judged inside must reach WhatsApp before the window closes
MAX_TEXT = 4096  # characters in one WhatsApp text (the SDK's bound)


@dataclass(frozen=True)
class Template:
    """The approved template an entry goes as outside the window."""

    name: str
    locale: str


class WhatsappSender(Protocol):
    def send(self, to: str, text: str, client_ref: str, template: Template | None) -> list[str]:
        """Send `text` to `to` on WhatsApp, as free-form text or (with `template`) as the template with `text` as
        its parameter; returns the message's uuid, or raises SendError."""


def window_open(person: Person, now: float) -> bool:
    """Whether a free-form WhatsApp text may go to the person now."""
    return person.whatsapp_at is not None and now - person.whatsapp_at < WINDOW - WINDOW_MARGIN


class VonageWhatsapp:
    """Sends WhatsApp messages through the Messages API (application id and private key)."""

    def __init__(self, settings: Settings) -> None:
        self.sender_id = settings.whatsapp.number or ""
        auth = Auth(application_id=settings.vonage.application_id, private_key=settings.vonage.private_key)
        self.client = vonage_client(settings, auth)

    def send(self, to: str, text: str, client_ref: str, template: Template | None) -> list[str]:
        ref = client_ref[:100]
        if template is None:
            message: WhatsappText | WhatsappTemplate = WhatsappText(to=to, from_=self.sender_id,
                                                                    text=text[:MAX_TEXT], client_ref=ref)
        else:
            message = WhatsappTemplate(
                to=to, from_=self.sender_id, client_ref=ref,
                template=WhatsappTemplateResource(name=template.name, parameters=[text[:MAX_TEXT]]),
                whatsapp=WhatsappTemplateSettings(policy="deterministic", locale=template.locale))
        try:
            return [self.client.messages.send(message).message_uuid]
        except (HttpRequestError, requests.RequestException) as err:
            raise from_http_error(err) from err


class LogWhatsapp:
    """Without Vonage credentials: WhatsApp messages go to the log and the simulator's outbox, a template shown as
    one."""

    def __init__(self, outbox: Outbox | None = None) -> None:
        self.outbox = outbox

    def send(self, to: str, text: str, client_ref: str, template: Template | None) -> list[str]:
        shown = text if debugging() else f"[{len(text)} characters: see /simulator, or set LOG_LEVEL=DEBUG]"
        how = f"template {template.name} ({template.locale})" if template else "text"
        log.warning("WhatsApp %s (not sent: no Vonage credentials) to +%s: %s", how, to, shown)
        if self.outbox is not None:
            try:
                self.outbox.record(to, "out", text, channel="whatsapp",
                                   template=f"{template.name} ({template.locale})" if template else "")
            except redis.RedisError as err:
                raise SendError(f"could not write to the simulator's outbox: {type(err).__name__}",
                                retryable=True) from err
        return [f"log-{uuid.uuid4().hex[:12]}"]


def make_whatsapp(settings: Settings, outbox: Outbox | None = None) -> WhatsappSender | None:
    """The Messages API with an application's credentials; the log on a local run (no Vonage credentials at all);
    None while WhatsApp is off, or cannot be sent on real traffic (SMS credentials but no application: the release
    check fails that), when WhatsApp entries go by SMS rather than only to the log."""
    if not settings.whatsapp.enabled:
        return None
    if settings.vonage.application_id and settings.vonage.private_key:
        return VonageWhatsapp(settings)
    if settings.vonage.enabled:
        log.error("WHATSAPP_NUMBER is set without VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY: WhatsApp messages "
                  "go by SMS")
        return None
    return LogWhatsapp(outbox)


class WhatsappRoute:
    """How one WhatsApp entry goes: by SMS when WhatsApp said the number is no WhatsApp user, nowhere when the person
    blocked us there, else as a text inside the window and as the template outside it."""

    def __init__(self, sender: WhatsappSender, people: People, settings: WhatsappSettings) -> None:
        self.sender, self.people, self.settings = sender, people, settings

    def send(self, rem: Reminder, client_ref: str) -> list[str] | None:
        """The message's ids, or None when the entry is to go by SMS instead; SendError when it cannot go."""
        person = self.people.person(rem.phone)
        if person.whatsapp_none:
            return None
        if person.whatsapp_blocked:
            raise SendError("the person blocked the service on WhatsApp (it may write again to unblock)",
                            retryable=False, code="blocked")
        return self.sender.send(rem.phone, rem.message, client_ref, self.template_for(person))

    def template_for(self, person: Person) -> Template | None:
        """None inside the window (a free-form text may go), else the template in the locale of the language the
        person is answered in (learned, set, or their number's country's)."""
        if window_open(person, clock.now()):
            return None
        return Template(self.settings.template, self.settings.locale(language_of(person)))
