"""The REST API: bearer tokens, validation with field-naming errors, and the reminder lifecycle."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from tests.helpers import auth


def future(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def create(client, **fields):
    body = {"phone_number": "+14155550100", "message": "dentist", "remind_when": future(hours=2)} | fields
    return client.post("/api/reminders", json=body, headers=auth())


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-token"},
                                     {"Authorization": "Basic dGVzdC10b2tlbg=="}])
def test_requests_without_a_valid_token_are_refused(client, headers):
    response = client.get("/api/reminders?phone_number=%2B14155550100", headers=headers)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_every_configured_token_works(client):
    assert client.get("/api/reminders?phone_number=%2B14155550100", headers=auth("second-token")).status_code == 200


def test_api_is_closed_when_no_token_is_configured(env):
    client = create_app({**env, "API_TOKEN": ""}).test_client()
    assert client.get("/api/reminders?phone_number=%2B14155550100", headers=auth("")).status_code == 401


def test_create_get_list_delete(client):
    when = datetime.now(UTC) + timedelta(hours=2)
    response = create(client, remind_when=when.isoformat())
    assert response.status_code == 201
    body = response.json
    assert body["phone_number"] == "+14155550100" and body["message"] == "dentist" and body["status"] == "pending"
    assert abs(datetime.fromisoformat(body["remind_when"]) - when) < timedelta(milliseconds=1)
    assert body["remind_when"].endswith(("-07:00", "-08:00"))  # shown in the number's own zone (Los Angeles)

    rid = body["id"]
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json == body
    listed = client.get("/api/reminders", query_string={"phone_number": "+1 415 555 0100"}, headers=auth()).json
    assert [r["id"] for r in listed["reminders"]] == [rid]

    assert client.delete(f"/api/reminders/{rid}", headers=auth()).status_code == 204
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["status"] == "cancelled"
    assert client.delete(f"/api/reminders/{rid}", headers=auth()).status_code == 204  # a retry is no failure
    listed = client.get("/api/reminders", query_string={"phone_number": "+14155550100"}, headers=auth()).json
    assert listed["reminders"] == []


def test_list_is_soonest_first_and_per_number(client):
    late = create(client, remind_when=future(hours=5)).json["id"]
    soon = create(client, remind_when=future(hours=1)).json["id"]
    create(client, phone_number="+442079460123")
    listed = client.get("/api/reminders", query_string={"phone_number": "+14155550100"}, headers=auth()).json
    assert [r["id"] for r in listed["reminders"]] == [soon, late]


@pytest.mark.parametrize("fields, field", [
    ({"phone_number": "not a number"}, "phone_number"),
    ({"phone_number": "+1234"}, "phone_number"),
    ({"message": ""}, "message"),
    ({"message": "x" * 1001}, "message"),
    ({"remind_when": "tomorrow"}, "remind_when"),
    ({"remind_when": "2030-01-01T09:00:00"}, "remind_when"),  # no offset: ambiguous
    ({"remind_when": "2001-01-01T09:00:00+00:00"}, "remind_when"),  # past
    ({"colour": "blue"}, "colour"),  # unknown fields are refused
])
def test_bad_fields_are_named(client, fields, field):
    response = create(client, **fields)
    assert response.status_code == 422
    assert response.json["error"]["field"] == field and response.json["error"]["message"]


def test_missing_field_is_named(client):
    response = client.post("/api/reminders", json={"phone_number": "+14155550100", "message": "x"}, headers=auth())
    assert response.status_code == 422 and response.json["error"]["field"] == "remind_when"


@pytest.mark.parametrize("body, kwargs", [
    (None, {"data": "not json", "content_type": "application/json"}),
    (None, {"json": ["a", "list"]}),
])
def test_non_object_bodies_are_400(client, body, kwargs):
    response = client.post("/api/reminders", headers=auth(), **kwargs)
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"


def test_oversized_body_is_refused(client):
    response = create(client, message="x" * 70_000)
    assert response.status_code == 413 and "error" in response.json


@pytest.mark.parametrize("rid", ["999999", "abc", "1" * 40])
def test_unknown_ids_are_404(client, rid):
    assert client.get(f"/api/reminders/{rid}", headers=auth()).status_code == 404
    assert client.delete(f"/api/reminders/{rid}", headers=auth()).status_code == 404


def test_list_needs_a_valid_number(client):
    response = client.get("/api/reminders", headers=auth())
    assert response.status_code == 422 and response.json["error"]["field"] == "phone_number"


def test_unknown_route_is_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_create_from_natural_language_as_an_sms_would_be(client):
    response = client.post("/api/reminders", headers=auth(), json={
        "phone_number": "+442079460123", "text": "every weekday 8:15 take pills"})
    assert response.status_code == 201
    body = response.json
    assert body["message"] == "take pills" and body["every"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert body["timezone"] == "Europe/London" and "T08:15:00" in body["remind_when"]


def test_text_with_an_explicit_timezone(client):
    body = client.post("/api/reminders", headers=auth(), json={
        "phone_number": "+14155550100", "text": "gym tomorrow 7am", "timezone": "Asia/Tokyo"}).json
    assert body["timezone"] == "Asia/Tokyo" and body["remind_when"].endswith("T07:00:00+09:00")


@pytest.mark.parametrize("fields, field, code", [
    ({"text": "buy milk"}, "text", "unparseable"),
    ({"text": "gym at 5pm", "message": "gym"}, "text", "invalid"),
    ({"text": "gym at 5pm", "timezone": "Mars/Olympus"}, "timezone", "invalid"),
    ({"message": "gym"}, "remind_when", "invalid"),
    ({"remind_when": future(hours=1)}, "message", "invalid"),
    ({"text": "gym at 5pm", "every": "FREQ=SECONDLY"}, "every", "invalid"),
    ({"text": "gym at 5pm", "every": "FREQ=DAILY;COUNT=0"}, "every", "invalid"),
    ({"text": "gym at 5pm", "every": "nonsense"}, "every", "invalid"),
    ({"text": "gym in 3 years"}, "remind_when", "invalid"),
])
def test_create_errors_name_the_field(client, fields, field, code):
    response = client.post("/api/reminders", headers=auth(), json={"phone_number": "+14155550100", **fields})
    assert response.status_code == 422, response.json
    assert response.json["error"]["field"] == field and response.json["error"]["code"] == code


def test_recurring_with_an_rrule(client):
    body = create(client, every="FREQ=WEEKLY;BYDAY=MO").json
    assert body["every"] == "FREQ=WEEKLY;BYDAY=MO"


@pytest.mark.parametrize("fields, field, names", [
    # each was once accepted (201), then sent without bound, hung the worker or broke LIST
    ({"text": "every second ping"}, "text", "every 1 second; a reminder may repeat at most every 15 minutes"),
    ({"text": "every 5 minutes ping"}, "text", "every 15 minutes"),
    ({"text": "ping at 5pm", "every": "FREQ=SECONDLY"}, "every", "every 15 minutes"),
    ({"text": "ping at 5pm", "every": "FREQ=MINUTELY;INTERVAL=10"}, "every", "every 15 minutes"),
    ({"text": "ping at 5pm", "every": "FREQ=HOURLY;BYMINUTE=0,5,10"}, "every", "every 15 minutes"),
    ({"text": "ping at 5pm", "every": "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0,20,40"}, "every", "every 15 minutes"),
    ({"text": "ping at 5pm", "every": "FREQ=MINUTELY;INTERVAL=0"}, "every", "INTERVAL"),
    ({"text": "ping at 5pm", "every": "FREQ=DAILY;INTERVAL=-1"}, "every", "INTERVAL"),
    ({"text": "ping at 5pm", "every": "FREQ=DAILY;UNTIL=2027-06-01"}, "every", "UNTIL"),
    ({"text": "ping at 5pm", "every": "FREQ=WEEKLY;BYDAY=1MO"}, "every", "BYDAY"),
])
def test_a_rule_that_repeats_too_often_or_cannot_be_stepped_gets_422_naming_the_problem(client, fields, field, names):
    response = client.post("/api/reminders", headers=auth(), json={"phone_number": "+14155550100", **fields})
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["field"] == field and names in error["message"]
    assert client.get("/api/reminders?phone_number=%2B14155550100", headers=auth()).json["reminders"] == []


def test_the_floor_is_min_repeat_minutes(env):
    client = create_app({**env, "MIN_REPEAT_MINUTES": "5"}).test_client()
    said = lambda text: client.post("/api/reminders", headers=auth(),  # noqa: E731
                                    json={"phone_number": "+14155550100", "text": text})
    assert said("every 5 minutes ping").status_code == 201
    response = said("every 4 minutes ping")
    assert response.status_code == 422 and "every 5 minutes" in response.json["error"]["message"]


def test_rules_the_parser_makes_list_without_error_and_count_becomes_until(client, app, fake_vonage):
    from tests.helpers import Phone
    for every in ("FREQ=MONTHLY;BYMONTHDAY=1,15", "FREQ=MONTHLY;BYDAY=1MO", "FREQ=MONTHLY;BYDAY=-1FR"):
        assert create(client, every=every).status_code == 201
    body = create(client, every="FREQ=DAILY;COUNT=3").json
    assert "COUNT" not in body["every"] and "UNTIL=" in body["every"]
    store = app.extensions["reminders"].store
    store.add([store.get(body["id"]).__class__(phone="14155550100", message="legacy", due=time.time() + 60,
                                                 every="FREQ=WEEKLY;BYDAY=1MO", tz="America/Los_Angeles")])
    listed = Phone(client, app, fake_vonage).ask("LIST")  # a stored WEEKLY;BYDAY=1MO answered 500 before
    assert "1. legacy" in listed and "every month on the 1st and 15th" in listed


def test_update_message_and_time(client):
    rid = create(client).json["id"]
    when = datetime.now(UTC) + timedelta(days=2)
    response = client.patch(f"/api/reminders/{rid}", headers=auth(), json={"message": "dentist (moved)",
                                                                            "remind_when": when.isoformat()})
    assert response.status_code == 200
    assert response.json["message"] == "dentist (moved)"
    assert abs(datetime.fromisoformat(response.json["remind_when"]) - when) < timedelta(milliseconds=1)
    assert client.patch(f"/api/reminders/{rid}", headers=auth(), json={"bogus": 1}).status_code == 422
    assert client.patch(f"/api/reminders/{rid}", headers=auth(),
                        json={"remind_when": "2001-01-01T00:00:00Z"}).status_code == 422
    client.delete(f"/api/reminders/{rid}", headers=auth())
    assert client.patch(f"/api/reminders/{rid}", headers=auth(), json={"message": "x"}).status_code == 409


def test_cursor_pagination_walks_every_reminder_once(client):
    ids = [create(client, remind_when=future(hours=h + 1)).json["id"] for h in range(7)]
    seen, cursor = [], None
    while True:
        query = {"phone_number": "+14155550100", "limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/reminders", query_string=query, headers=auth()).json
        seen += [r["id"] for r in page["reminders"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids


def test_status_filter(client):
    keep = create(client).json["id"]
    gone = create(client).json["id"]
    client.delete(f"/api/reminders/{gone}", headers=auth())

    def listed(status):
        query = {"phone_number": "+14155550100", "status": status}
        return [r["id"] for r in client.get("/api/reminders", query_string=query, headers=auth()).json["reminders"]]

    assert listed("pending") == [keep] and listed("cancelled") == [gone] and listed("finished") == [gone]
    assert listed("sent") == []
    bad = client.get("/api/reminders", query_string={"phone_number": "+14155550100", "status": "x"}, headers=auth())
    assert bad.status_code == 422 and bad.json["error"]["field"] == "status"
    bad = client.get("/api/reminders", query_string={"phone_number": "+14155550100", "cursor": "??"}, headers=auth())
    assert bad.status_code == 422 and bad.json["error"]["field"] == "cursor"


def test_people_zone_and_opt_out(client):
    rid = create(client, remind_when=future(days=2)).json["id"]
    person = client.get("/api/people/+14155550100", headers=auth()).json
    assert person == {"phone_number": "+14155550100", "timezone": "America/Los_Angeles", "timezone_guessed": False,
                      "opted_out": False, "pending": 1, "lang": "en", "lang_set": False}
    changed = client.patch("/api/people/+14155550100", headers=auth(), json={"timezone": "Europe/Paris"}).json
    assert changed["timezone"] == "Europe/Paris"
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["timezone"] == "Europe/Paris"
    out = client.patch("/api/people/+14155550100", headers=auth(), json={"opted_out": True}).json
    assert out["opted_out"] is True and out["pending"] == 0
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["status"] == "held"
    assert create(client).status_code == 409
    assert client.patch("/api/people/+14155550100", headers=auth(), json={"opted_out": True}).status_code == 200
    assert client.patch("/api/people/+14155550100", headers=auth(), json={"timezone": "Nowhere"}).status_code == 422
    assert client.get("/api/people/not-a-number", headers=auth()).status_code == 404


def test_only_the_person_ends_an_opt_out(client, fake_vonage):
    """The API records an opt-out but never clears one: 409, nothing resumes, nothing is sent; START still does."""
    rid = create(client).json["id"]
    assert client.patch("/api/people/+14155550100", headers=auth(), json={"opted_out": True}).status_code == 200
    undo = client.patch("/api/people/+14155550100", headers=auth(), json={"opted_out": False, "timezone": "Asia/Tokyo"})
    assert undo.status_code == 409 and undo.json["error"]["code"] == "opted_out"
    assert "START" in undo.json["error"]["message"] and undo.json["error"]["field"] == "opted_out"
    person = client.get("/api/people/+14155550100", headers=auth()).json
    assert person["opted_out"] is True and person["timezone"] == "America/Los_Angeles"  # nothing of the PATCH applied
    assert client.get(f"/api/reminders/{rid}", headers=auth()).json["status"] == "held"
    fresh = client.patch("/api/people/+442079460123", headers=auth(), json={"opted_out": False})
    assert fresh.status_code == 200 and fresh.json["opted_out"] is False  # not opted out: nothing to end


@pytest.mark.parametrize("number, why", [
    ("+4990012345678", "no such number is in use"), ("+881612345678", "satellite"), ("+883510012345", "satellite"),
    ("+34901123456", "shared-cost"), ("+448712345678", "premium-rate")])
def test_costly_and_unallocated_numbers_are_refused(client, number, why):
    answer = create(client, phone_number=number)
    assert answer.status_code == 422 and answer.json["error"]["field"] == "phone_number"
    assert why in answer.json["error"]["message"]


def test_allowed_countries_bounds_whom_reminders_go_to(env):
    client = create_app({**env, "ALLOWED_COUNTRIES": "GB"}).test_client()
    refused = create(client)
    assert refused.status_code == 422 and refused.json["error"]["field"] == "phone_number"
    assert "only numbers from GB" in refused.json["error"]["message"]
    assert create(client, phone_number="+442079460123").status_code == 201


def test_creation_is_rate_limited_per_number_with_retry_after(env):
    client = create_app({**env, "API_RATE_PER_NUMBER": "3/minute"}).test_client()
    assert [create(client).status_code for _ in range(3)] == [201] * 3
    limited = create(client)
    assert limited.status_code == 429 and limited.json["error"]["code"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) > 0
    assert create(client, phone_number="+442079460123").status_code == 201  # another number is not limited


def test_creation_is_rate_limited_per_token(env):
    client = create_app({**env, "API_RATE_PER_TOKEN": "2/minute"}).test_client()
    assert create(client).status_code == 201
    assert create(client, phone_number="+442079460123").status_code == 201
    assert create(client, phone_number="+442079460124").status_code == 429
    other = client.post("/api/reminders", headers=auth("second-token"), json={
        "phone_number": "+442079460125", "message": "x", "remind_when": future(hours=1)})
    assert other.status_code == 201


def test_openapi_document_is_generated_from_the_code(client):
    doc = client.get("/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"/api/reminders", "/api/reminders/{rid}", "/api/people/{phone}"} <= set(doc["paths"])
    create_op = doc["paths"]["/api/reminders"]["post"]
    assert {"201", "401", "422", "429"} <= set(create_op["responses"])
    assert client.get("/docs/swagger/").status_code == 200


def test_the_docs_page_loads_only_assets_served_here(client):
    """No CDN: the page works without internet, and nothing else's script runs on it."""
    import re

    page = client.get("/docs/swagger/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.data.decode())
    assert assets and all(a.startswith("/docs/swagger/") for a in assets), assets
    assert "/openapi.json" in page.data.decode()
    types = {a: client.get(a).mimetype for a in assets}
    assert types["/docs/swagger/swagger-ui-bundle.js"] == "text/javascript"
    assert types["/docs/swagger/swagger-ui.css"] == "text/css" and set(types.values()) <= {
        "text/javascript", "text/css", "image/png"}
    assert client.get("/docs/redoc/").status_code == 404  # spectree's CDN pages are gone


@pytest.mark.parametrize("when", ["2300-01-01T00:00:00+00:00", "9999-12-31T23:00:00-12:00"])
def test_update_cannot_move_a_reminder_beyond_the_limit(client, when):
    rid = create(client).json["id"]
    response = client.patch(f"/api/reminders/{rid}", headers=auth(), json={"remind_when": when})
    assert response.status_code == 422 and response.json["error"]["field"] == "remind_when"
    assert client.get(f"/api/reminders/{rid}", headers=auth()).status_code == 200


def test_ids_that_only_look_like_digits_are_404(client):
    assert client.get("/api/reminders/²", headers=auth()).status_code == 404
