"""The REST API: bearer tokens, validation with field-naming errors, and the reminder lifecycle."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app import create_app
from tests.helpers import auth


def future(**delta: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).isoformat()


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
    when = datetime.now(timezone.utc) + timedelta(hours=2)
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
    assert client.delete(f"/api/reminders/{rid}", headers=auth()).status_code == 409
    listed = client.get("/api/reminders", query_string={"phone_number": "+14155550100"}, headers=auth()).json
    assert listed["reminders"] == []


def test_list_is_soonest_first_and_per_number(client):
    late = create(client, remind_when=future(hours=5)).json["id"]
    soon = create(client, remind_when=future(hours=1)).json["id"]
    create(client, phone_number="+447700900123")
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
