"""The calendar feed: RFC 5545 as the icalendar library reads it, each pending reminder a VEVENT at its due time
(a series with its RRULE and its zone's VTIMEZONE, whose occurrences keep the times the worker sends them at across
daylight-saving changes), an alarm at that moment, no cookie needed; nobody else's reminders, an empty calendar
after an opt-out, and a token that stops working once a new one is made."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from app import rules
from tests.helpers import auth
from tests.web.test_me import PUBLIC, A, B, csrf, phone, signed_in


def feed_path(browser) -> str:
    page = browser.get("/me").get_data(as_text=True)
    found = re.search(r'href="(https?://[^"]+/feed/[A-Za-z0-9_-]+\.ics)"', page)
    assert found, page
    assert f'href="webcal://{found.group(1).split("://", 1)[1]}"' in page
    return found.group(1).removeprefix(PUBLIC)


def fetch(app, path: str) -> Calendar:
    answer = app.test_client().get(path)  # a calendar app: no cookie
    assert answer.status_code == 200 and answer.mimetype == "text/calendar", answer.get_data(as_text=True)[:300]
    return Calendar.from_ical(answer.get_data())


def events(cal: Calendar) -> list:
    return list(cal.walk("VEVENT"))


def create(app, **body) -> dict:
    made = app.test_client().post("/api/reminders", json={"phone_number": "+" + A, **body}, headers=auth())
    assert made.status_code == 201, made.json
    return made.json


def test_the_feed_has_each_pending_reminder_at_its_due_time_with_an_alarm(app, fake_vonage, redis_client):
    alice, bob = phone(app, fake_vonage, A), phone(app, fake_vonage, B)
    alice.ask("dentist tomorrow 9am")
    bob.ask("bobs secret tomorrow 10am")
    path = feed_path(signed_in(app, alice))
    assert path.rsplit("/", 1)[1].removesuffix(".ics").encode() not in b"".join(
        k + (redis_client.get(k) or b"") for k in redis_client.scan_iter("*") if redis_client.type(k) == b"string")
    cal = fetch(app, path)
    assert str(cal["VERSION"]) == "2.0" and cal.get("PRODID")
    (event,) = events(cal)
    (rem,) = alice.store.for_phone(A)
    assert str(event["SUMMARY"]) == "dentist"
    start = event.decoded("DTSTART")
    assert start.timestamp() == rem.due and str(event["DTSTART"].params["TZID"]) == rem.tz == "America/Los_Angeles"
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY" and alarm.decoded("TRIGGER") == timedelta(0)


@pytest.mark.parametrize(("zone", "first", "weekday"), [
    ("Europe/Madrid", datetime(2027, 3, 15, 9, 0), "MO"),  # CET to CEST on 28 March 2027
    ("Europe/Madrid", datetime(2027, 10, 18, 9, 0), "MO"),  # CEST to CET on 31 October 2027
    ("America/New_York", datetime(2027, 3, 5, 18, 0), "FR"),  # EST to EDT on 14 March 2027
])
def test_a_weekly_series_keeps_its_times_across_a_daylight_saving_change(app, fake_vonage, zone, first, weekday):
    start = first.replace(tzinfo=ZoneInfo(zone))
    made = create(app, message="team call", remind_when=start.isoformat(), timezone=zone,
                  every=f"FREQ=WEEKLY;BYDAY={weekday}")
    cal = fetch(app, feed_path(signed_in(app, phone(app, fake_vonage))))
    (event,) = events(cal)
    cal_start = event.decoded("DTSTART")
    assert cal_start.timestamp() == datetime.fromisoformat(made["remind_when"]).timestamp() == start.timestamp()
    # the calendar's occurrences, by its RRULE and its own VTIMEZONE, against the times the worker sends at
    rule = event["RRULE"].to_ical().decode()
    (vtimezone,) = cal.walk("VTIMEZONE")
    own_zone = vtimezone.to_tz()
    shown = [t.replace(tzinfo=own_zone) for t in
             rrulestr(rule, dtstart=cal_start.replace(tzinfo=None)).xafter(cal_start.replace(tzinfo=None), 4, inc=True)]
    sent = [start] + [due for _, due in zip(range(3), rules.occurrences(made["every"], start))]
    assert [t.timestamp() for t in shown] == [t.timestamp() for t in sent]
    offsets = {t.astimezone(UTC).hour for t in sent}
    assert len(offsets) == 2  # the change happened within these four, and the wall-clock time stayed
    assert {t.astimezone(ZoneInfo(zone)).hour for t in sent} == {first.hour}


def test_an_opted_out_number_gets_an_empty_calendar_and_paused_reminders_are_left_out(app, fake_vonage):
    alice = phone(app, fake_vonage)
    alice.ask("dentist tomorrow 9am")
    browser = signed_in(app, alice)
    path = feed_path(browser)
    assert len(events(fetch(app, path))) == 1
    browser.post("/me/pause", data={"csrf": csrf(browser)})
    assert events(fetch(app, path)) == []
    browser.post("/me/resume", data={"csrf": csrf(browser)})
    assert len(events(fetch(app, path))) == 1
    alice.text("STOP")
    cal = fetch(app, path)
    assert events(cal) == [] and str(cal["VERSION"]) == "2.0"


def test_a_new_address_ends_the_old_and_no_token_reaches_another_number(app, fake_vonage):
    alice, bob = phone(app, fake_vonage, A), phone(app, fake_vonage, B)
    alice.ask("dentist tomorrow 9am")
    bob.ask("bobs secret tomorrow 10am")
    browser = signed_in(app, alice)
    old = feed_path(browser)
    assert browser.post("/me/calendar", data={"csrf": csrf(browser)}).status_code == 303
    new = feed_path(browser)
    assert new != old and app.test_client().get(old).status_code == 404
    assert [str(e["SUMMARY"]) for e in events(fetch(app, new))] == ["dentist"]
    bobs = feed_path(signed_in(app, bob))
    assert [str(e["SUMMARY"]) for e in events(fetch(app, bobs))] == ["bobs secret"]
    for forged in ("/feed/" + "A" * 43 + ".ics", "/feed/x.ics", "/feed/..%2F.ics"):
        assert app.test_client().get(forged).status_code == 404


def test_a_second_sign_in_shows_an_address_until_a_calendar_has_subscribed(app, fake_vonage):
    alice = phone(app, fake_vonage)
    unused = feed_path(signed_in(app, alice))
    first = feed_path(signed_in(app, alice))  # nobody fetched the first address: made anew, the old one ended
    assert first != unused and app.test_client().get(unused).status_code == 404
    fetch(app, first)  # a calendar subscribes
    second = signed_in(app, alice)
    assert "/feed/" not in second.get("/me").get_data(as_text=True)  # the token is the first browser's alone
    fetch(app, first)  # and the subscription goes on
    second.post("/me/calendar", data={"csrf": csrf(second)})
    assert feed_path(second) != first and app.test_client().get(first).status_code == 404
