"""Fuzzing the inbound webhook and the command layer with hypothesis: whatever arrives, the answer is
never a 5xx (Vonage would retry it for a day) and never slow. Each example must finish within its hypothesis
deadline; a slower one fails the test as DeadlineExceeded."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from tests.helpers import inbound

pytestmark = pytest.mark.slow  # hypothesis fuzzes the webhook and the command layer

FUZZ = settings(max_examples=150, deadline=timedelta(seconds=2), derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NUMBERS = ["14155550100", "442079460123", "33612345678", "61412345678", "12125550123"]
WORDS = ["every", "in", "at", "on", "for", "until", "and", "minutes", "hours", "days", "weeks", "months", "years",
         "second", "seconds", "tomorrow", "today", "tonight", "monday", "fri", "weekday", "weekend", "am", "pm", "9am",
         "7:30", "noon", "midnight", "next", "other", "last", "first", "of", "the", "month", "1/2", "12/31",
         "2027-06-01",
         "LIST", "DELETE", "CANCEL", "CHANGE", "EDIT", "MOVE", "UNDO", "SNOOZE", "TZ", "London", "EST", "HELP", "STOP",
         "START", "DONE", "OK", "actually", "no", "nag", "me", "until done", "ALL", "?", "🦷", "\u202e", "\x00", "\n"]
numbers = st.one_of(st.integers(-10, 10**30).map(str), st.floats(allow_nan=True).map(str))
texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(st.sampled_from(WORDS), numbers), max_size=14).map(" ".join),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join).map(lambda t: t * 40),
)
_ids = itertools.count()


@pytest.fixture()
def fuzz_app(env):
    return create_app({**env, "TEXTS_PER_MINUTE": "1000000", "REMINDERS_PER_MINUTE": "1000000",
                       "MAX_PENDING_PER_NUMBER": "1000000"})


@FUZZ
@given(text=texts, number=st.sampled_from(NUMBERS), extra=st.dictionaries(
    st.sampled_from(["concat", "concat-ref", "concat-total", "concat-part", "msisdn", "type", "timestamp"]),
    st.one_of(st.sampled_from(["true", "1", "2", "16", "17", "0", "-1", ""]), st.text(max_size=20)), max_size=4),
    how=st.sampled_from(["form", "query", "json"]))
def test_the_inbound_webhook_never_answers_5xx(fuzz_app, text, number, extra, how):
    params = {**inbound(text, msisdn=number, messageId=f"fuzz-{next(_ids)}"), **extra}
    client = fuzz_app.test_client()
    if how == "form":
        answer = client.post("/webhooks/inbound-sms", data=params)
    elif how == "query":
        answer = client.get("/webhooks/inbound-sms", query_string=params)
    else:
        answer = client.post("/webhooks/inbound-sms", json=params)
    assert answer.status_code < 500, (answer.status_code, answer.data)


@FUZZ
@given(texts=st.lists(texts, min_size=1, max_size=4), number=st.sampled_from(NUMBERS))
def test_the_command_layer_answers_anything(fuzz_app, texts, number):
    """A conversation of odd texts (commands after reminders after commands) never raises."""
    conversation = fuzz_app.extensions["reminders"].conversation
    for text in texts:
        assert conversation.receive(number, text, f"fuzz-{next(_ids)}") in (True, False)


@FUZZ
@given(text=texts, every=st.one_of(st.none(), st.sampled_from(["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO"])),
       zone=st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]))
def test_the_api_text_field_never_answers_5xx(fuzz_app, text, every, zone):
    body = {"phone_number": "+14155550100", "text": text, "timezone": zone, **({"every": every} if every else {})}
    answer = fuzz_app.test_client().post("/api/reminders", json=body, headers={"Authorization": "Bearer test-token"})
    assert answer.status_code < 500, (answer.status_code, answer.data)
