"""Issue 11: what a hostile outsider could make the service do, each case driven through the real stack (real Redis,
the real vonage SDK against the fake Vonage, real gunicorn where the web server is the defence)."""
from __future__ import annotations

import pytest

from app import checks, create_app
from app.settings import SettingsError
from tests.helpers import inbound

UNSIGNED_OK = {"ALLOW_UNSIGNED_WEBHOOKS": "true"}


# --- 4. unsigned webhooks in production ------------------------------------------------------------------------

def test_vonage_without_a_signature_secret_refuses_to_start(env):
    unsafe = {**env, "ALLOW_UNSIGNED_WEBHOOKS": ""}
    with pytest.raises(SettingsError, match="VONAGE_SIGNATURE_SECRET"):
        create_app(unsafe)
    found = {f.name: f for f in checks.check(unsafe, production=True)}
    assert found["VONAGE_SIGNATURE_SECRET"].level == "fail"
    assert "ALLOW_UNSIGNED_WEBHOOKS" in found["VONAGE_SIGNATURE_SECRET"].message


def test_only_an_explicit_opt_in_accepts_unsigned_webhooks(env):
    create_app({**env, "VONAGE_SIGNATURE_SECRET": "s3cret", "ALLOW_UNSIGNED_WEBHOOKS": ""})  # signed: fine
    create_app({**env, "VONAGE_API_KEY": "", "VONAGE_API_SECRET": "", "ALLOW_UNSIGNED_WEBHOOKS": ""})  # no Vonage
    client = create_app({**env, **UNSIGNED_OK}).test_client()  # the documented, unsafe way past
    assert client.post("/webhooks/inbound-sms", data=inbound("ping in 1 hour")).status_code == 204
    with pytest.raises(SettingsError, match="ALLOW_UNSIGNED_WEBHOOKS"):
        create_app({**env, "ALLOW_UNSIGNED_WEBHOOKS": "maybe"})


# --- 8. no 500s from odd input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["in 99999999999999999999999 minutes x", "every 9999999999999999999999 hours x"])
def test_huge_numbers_by_text_get_a_clear_refusal(client, app, fake_vonage, text):
    from tests.helpers import Phone

    (answer,) = Phone(client, app, fake_vonage).text(text)
    assert "too far ahead" in answer


@pytest.mark.parametrize("text", ["every 99999999999 minutes x", "in 99999999999999999999999 minutes x",
                                  "every 9999999999999999999999 hours x"])
def test_huge_numbers_through_the_api_get_a_422(client, text):
    from tests.helpers import auth

    answer = client.post("/api/reminders", json={"phone_number": "+14155550100", "text": text}, headers=auth())
    assert answer.status_code == 422, answer.data


# --- 6. text length before parsing -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["1 " * 32000, "1/2 " * 16000, "x" * 1001 + " in 1 hour"])
def test_a_text_over_the_cap_is_refused_before_parsing(client, app, fake_vonage, monkeypatch, text):
    from app import parsing
    from tests.helpers import Phone

    def never(*_args, **_kwargs):
        raise AssertionError("a text over the cap reached the parser")

    monkeypatch.setattr(parsing, "parse", never)
    (answer,) = Phone(client, app, fake_vonage).text(text)
    assert "too long" in answer and "1,000" in answer
    assert app.extensions["reminders"].store.for_phone("14155550100") == []


def test_joined_parts_over_the_cap_are_refused(client, app, fake_vonage):
    from tests.helpers import Phone

    phone = Phone(client, app, fake_vonage)
    parts = ["x" * 153] * 7 + ["in 1 hour"]
    for number, text in enumerate(parts, 1):
        answers = phone.text(text, concat="true", **{"concat-ref": "77", "concat-total": str(len(parts)),
                                                     "concat-part": str(number)})
    assert answers == ["That's too long for a reminder: please keep it under 1,000 characters."]
    assert app.extensions["reminders"].store.for_phone("14155550100") == []
