"""The calendar feed, `/feed/<token>.ics`: a person's pending reminders as iCalendar (RFC 5545), for a calendar app
to subscribe to without a cookie. The token is the secret (storage/feeds.py); the page shows it, and makes a new
one that ends the old.

Each pending reminder is a VEVENT at its due time in its own zone (with the zone's VTIMEZONE); a series carries
its RRULE from its next occurrence on, so a calendar shows every occurrence, at the same wall-clock time across a
change of daylight-saving time, as the worker sends them (app/rules.py). Each event has an alarm at that moment.
Paused reminders are left out, and a number that opted out gets an empty calendar: nothing will be sent."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from icalendar import Alarm, Calendar, Event, vRecur

from app import rules
from app.services import services
from app.storage.store import Reminder

bp = Blueprint("feed", __name__)
ZONE_YEARS = 3  # each VTIMEZONE spells out its changes for this many years from now (a series' are worked out after)


@bp.get("/feed/<token>.ics")
def calendar(token: str) -> ResponseReturnValue:
    phone = services().feeds.phone(token[:100])
    if phone is None:
        return Response("No such calendar.\n", 404, mimetype="text/plain",
                        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})
    opted_out = services().people.person(phone).opted_out
    pending = [] if opted_out else [r for r in services().store.for_phone(phone) if r.status in ("pending", "sending")]
    return Response(as_ical(pending), mimetype="text/calendar",
                    headers={"Cache-Control": "private, no-cache", "Referrer-Policy": "no-referrer",
                             "Content-Disposition": 'inline; filename="reminders.ics"'})


def as_ical(reminders: list[Reminder]) -> bytes:
    settings = services().settings
    host = urlsplit(settings.service.public_url).hostname or "localhost"
    cal = Calendar()
    cal.add("prodid", f"-//{settings.service.name}//reminders//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", settings.service.name)
    now = datetime.now(UTC)
    for rem in reminders:
        cal.add_component(_event(rem, host, now))
    today = now.date()
    cal.add_missing_timezones(first_date=today - timedelta(days=366),
                              last_date=today.replace(year=today.year + ZONE_YEARS))
    return cal.to_ical()


def _event(rem: Reminder, host: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"reminder-{rem.id}@{host}")
    event.add("dtstamp", now)
    event.add("summary", rem.message)
    event.add("dtstart", rem.due_local)
    if rem.every:
        try:
            event.add("rrule", vRecur.from_ical(_rule(rem)))
        except (rules.RuleError, ValueError):
            pass  # a rule stored before rules were checked: the next occurrence alone, never a broken feed
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", rem.message)
    alarm.add("trigger", timedelta(0))  # at the event's start: when the text comes
    event.add_component(alarm)
    return event


def _rule(rem: Reminder) -> str:
    """The series' rule as RFC 5545 wants it beside a DTSTART with a zone: an UNTIL in UTC."""
    found = rules.parts(rem.every or "")
    if "UNTIL" in found:
        until = rules.until_instant(found["UNTIL"], rem.due_local.tzinfo)  # type: ignore[arg-type]
        found["UNTIL"] = until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{k}={v}" for k, v in found.items())
