"""The REST API's request and response shapes, as pydantic models: spectree validates requests against them and
builds the OpenAPI document from them, so the document cannot drift from the code."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, WithJsonSchema

from app import parsing, rules
from app.phones import e164
from app.reminders import MAX_MESSAGE
from app.storage.idempotency import TTL
from app.texting import zone_names
from app.texting.replies import printable


def _text(value: str) -> str:
    """Cleaned as an SMS is (no control characters or bidi overrides), and still not empty."""
    value = printable(value).strip()
    if not value:
        raise ValueError("must have some printable text")
    return value


def _zone(value: str) -> str:
    zone = zone_names.resolve(value)
    if zone is None:
        raise ValueError("not a time zone; use an IANA name such as Europe/London")
    return zone


def _idempotency_key(value: str | None) -> str | None:
    """1 to 255 printable ASCII characters, not starting or ending with a space (HTTP would strip it)."""
    if value is not None and not re.fullmatch(KEY_PATTERN, value):
        raise ValueError("must be 1 to 255 printable ASCII characters")
    return value


def _rule(value: str) -> str:
    """An RFC 5545 RRULE made of parts the worker can step (rules.parts); how often it repeats is checked once its
    first due is known (create_reminder)."""
    rules.parts(value)
    return value.strip().upper().removeprefix("RRULE:")


PhoneNumber = Annotated[str, Field(min_length=3, max_length=32, examples=["+14155550100"]), AfterValidator(e164)]
Zone = Annotated[str, Field(min_length=1, max_length=64, examples=["Europe/London"]), AfterValidator(_zone)]
Rule = Annotated[str, Field(min_length=6, max_length=200, examples=["FREQ=WEEKLY;BYDAY=MO"]), AfterValidator(_rule)]
KEY_PATTERN = r"[!-~]([ -~]{0,253}[!-~])?"
IdempotencyKey = Annotated[str | None, AfterValidator(_idempotency_key),
                           WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 255,
                                           "pattern": f"^{KEY_PATTERN}$"})]
Message = Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE), AfterValidator(_text)]
Lang = Annotated[Literal[parsing.LANGUAGES], Field(description="a language code (app/parsing/languages/)",
                                                   examples=["es"])]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NewReminder(Strict):
    """Either `message` and `remind_when`, or `text` in natural language parsed exactly as an SMS would be."""

    phone_number: PhoneNumber
    message: Message | None = None
    remind_when: AwareDatetime | None = None
    text: Message | None = Field(None, examples=["gym tomorrow 7am"])
    lang: Lang | None = Field(None, description="the language of `text`; without it, as an SMS: the language the "
                                                "text is detected in, else the person's, and English")
    timezone: Zone | None = None
    every: Rule | None = None
    channel: Literal["sms", "whatsapp"] = Field("sms", description="where the reminder goes: SMS, or WhatsApp (only "
                                                "while WHATSAPP_NUMBER is set; outside WhatsApp's 24-hour window it "
                                                "goes as the approved template)")


class CreateHeaders(BaseModel):
    """The headers the create reads (any others are allowed)."""

    idempotency_key: IdempotencyKey = Field(
        None, alias="Idempotency-Key", json_schema_extra=lambda schema: schema.pop("default", None),  # absent, not null
        description=f"makes the create safe to retry: the same key with the same body within {TTL // 3600} hours "
                    "answers the reminder the first request made (with `Idempotent-Replayed: true`) instead of making "
                    "another; with another body, 422 `idempotency_key_reused`; while the first is still being made, "
                    "409 `in_progress`. Keys are per API token", examples=["order-4711-reminder"])


class ReminderChange(Strict):
    message: Message | None = None
    remind_when: AwareDatetime | None = None


class ListQuery(Strict):
    phone_number: PhoneNumber
    status: Literal["pending", "held", "unsent", "sent", "failed", "cancelled", "finished"] = "unsent"
    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = Field(None, max_length=200)


class PersonChange(Strict):
    timezone: Zone | None = None
    opted_out: bool | None = None
    lang: Lang | None = Field(None, description="the language replies are in from now on; null: learn it again "
                                                "from the texts")


class Delivery(BaseModel):
    """What Vonage's delivery receipts said: submitted, delivered, failed or rejected (with Vonage's code)."""

    state: str = Field(examples=["delivered"])
    code: str | None = None
    at: datetime | None = None


class ReminderOut(BaseModel):
    id: str
    phone_number: str
    message: str
    remind_when: datetime
    timezone: str
    every: str | None
    status: Literal["pending", "sending", "held", "sent", "failed", "cancelled"]
    detail: str | None
    channel: Literal["sms", "whatsapp"] = "sms"
    delivery: Delivery | None


class ReminderPage(BaseModel):
    reminders: list[ReminderOut]
    next_cursor: str | None


class PersonOut(BaseModel):
    phone_number: str
    timezone: str
    timezone_guessed: bool
    opted_out: bool
    pending: int
    lang: str = Field(description="the language replies are in: set, else learned from the texts, else the number's "
                                  "country's")
    lang_set: bool = Field(description="whether `lang` was set (LANG by text, or this API) rather than learned")


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorOut(BaseModel):
    error: ErrorBody
