"""The person's own page, `/me`: their upcoming reminders in the words LIST uses, a box to add one in plain words
(with a live preview of what the parser understood), changing a reminder's time or text, deleting, snoozing,
pausing and resuming everything, the zone and the reply language, what was sent lately and whether it arrived,
and the address of their calendar feed (web/feed.py).

Signed in by a one-time link (web/signin.py). Every change goes the way a text goes: a new reminder through the
same handler as a text (texting/commands.py `Commands.new`: the parser, `Reminders.make`'s checks and limits) and
`Reminders.add` with the number's per-minute cap; a new time through CHANGE's (`Commands.move`); the zone and the
language through TZ's and LANG's. What the page then says is what the text would have got back. A number that
opted out can change nothing that would text it again: only START, by text, ends an opt-out.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, g, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from app import parsing
from app.reminders import MAX_MESSAGE, Refused
from app.services import services
from app.storage import clock, people
from app.storage.store import OverCap, Reminder
from app.texting.commands import snooze_delay
from app.texting.language import language_of
from app.texting.phrasebook import phrasebook
from app.texting.replies import line, list_lines, printable
from app.texting.turn import Turn
from app.web import signin
from app.web.errors import json_error
from app.web.pagebook import words

bp = Blueprint("me", __name__)
SENT_SHOWN = 10  # recent deliveries on the page
PREVIEWS_PER_MINUTE = 120  # one a pause in typing is far fewer; each runs the parser
MAX_FIELD = 200  # characters of a time, a zone or a snooze length


@bp.before_request
def _signed_in() -> ResponseReturnValue | None:
    if request.endpoint == "me.open_link":
        return None
    who = signin.current()
    if who is None:
        return signin.plain("no_session", 401)  # nothing of anyone
    g.sid, g.phone = who
    if request.method == "POST" and not signin.csrf_ok(g.sid):
        return signin.plain("expired_form", 403, language_of(services().people.person(g.phone)))
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    return signin.protect(response)


def _turn() -> Turn:
    """The signed-in person as a command handler sees the sender of a text (no zone question: the page shows it)."""
    s = services()
    person = s.people.person(g.phone)
    book = phrasebook(language_of(person))
    tz, _ = s.commands.zone(person)
    return Turn(person, "", book, book, None, clock.utcnow(), tz, False, s.store.unsent_count(g.phone))


def _done(said: str) -> Response:
    """After a change: its outcome kept for the page (shown once), then the page again (post, redirect, get)."""
    services().replication.confirm_writes()  # else 503, as for the API: a change must not vanish in a failover
    services().sessions.tell(g.sid, said)
    return redirect("/me", 303)


def _said(items: list[Reminder]) -> str:
    return " ".join(item.message for item in items if item.kind == "reply")


def _field(name: str, most: int = MAX_FIELD) -> str:
    return printable(request.form.get(name, ""))[:most + 1].strip()


def _mine(rid: str) -> Reminder | None:
    """The signed-in person's unsent reminder `rid`; None for anyone else's, a sent one, or no such id alike."""
    rem = services().store.get(rid) if rid.isascii() and rid.isdigit() and len(rid) < 20 else None
    if rem is None or rem.kind != "reminder" or rem.phone != g.phone or rem.status not in ("pending", "held"):
        return None
    return rem


# --- the page --------------------------------------------------------------------------------------------

@bp.get("/link/<token>")
def open_link(token: str) -> ResponseReturnValue:
    """A sign-in link: good once (storage/sessions.py takes it with GETDEL). It answers with the page itself, so
    opening it shows the reminders in any client, cookies or not; the page's script then shows /me as its address,
    which a reload finds by the session cookie set here."""
    phone = services().sessions.use_link(token[:100])
    if phone is None:
        return signin.plain("link_refused", 404)
    g.sid, g.phone = signin.start(phone), phone
    # An address no calendar has fetched loses nothing by being made anew, so each sign-in shows one until a calendar
    # subscribes; after that only the browser holding it sees it, and another may make a new one (ending the old).
    feed = None if services().feeds.subscribed(phone) else services().feeds.renew(phone)
    response = signin.protect(Response(page(feed)))
    signin.keep(response, signin.SESSION_COOKIE, g.sid)
    if feed:
        signin.keep(response, signin.FEED_COOKIE, feed)
    return response


@bp.get("/me")
def page(feed: str | None = None) -> str:
    s, turn = services(), _turn()
    book, tz = turn.book, turn.tz
    upcoming = s.store.for_phone(g.phone)
    sent, _ = s.store.page(g.phone, {"sent", "failed"}, SENT_SHOWN, None)
    said = s.sessions.told(g.sid)
    return render_template(
        "me.html", lang=book.code, words=words(book.code), book=book, said=said, tz=tz,
        person=turn.person, csrf=signin.csrf_token(g.sid),
        upcoming=list(zip(upcoming, list_lines(book, upcoming, s.receipts.of_many([r.id for r in upcoming]), tz))),
        paused=any(r.status == "held" for r in upcoming), empty=book.say("list_empty"),
        sent=[(line(book, r, tz), _delivery(words(book.code), r, got))
              for r, got in zip(sent, s.receipts.of_many([r.id for r in sent]))],
        languages=[(code, phrasebook(code).name) for code in parsing.LANGUAGES], feed=_feed(feed))


def _delivery(page_words: dict[str, str], rem: Reminder, receipt: dict | None) -> str:
    """How a sent reminder's delivery went, in the page's words: the receipt's state, else sent or failed."""
    state = (receipt or {}).get("state") or ("submitted" if rem.status == "sent" else "failed")
    return page_words.get(f"state_{state}", page_words["state_submitted"])


def _feed(made: str | None) -> dict[str, str | bool]:
    """The calendar address, when this browser holds the current one (its cookie: web/signin.py), or just `made`."""
    token, feeds = made or request.cookies.get(signin.FEED_COOKIE), services().feeds
    if not feeds.is_current(g.phone, token):
        return {"exists": feeds.has(g.phone)}
    url = f"{services().settings.service.public_url}/feed/{token}.ics"
    return {"exists": True, "url": url, "webcal": "webcal://" + url.split("://", 1)[1]}


# --- adding ----------------------------------------------------------------------------------------------

def _draft(turn: Turn, text: str) -> tuple[Reminder | None, str]:
    """What a text of `text` would make, and its reply, by the handler a text goes to; nothing is written."""
    if not text:
        return None, words(turn.book.code)["empty"]
    if len(text) > MAX_MESSAGE:
        return None, turn.book.say("too_long", limit=MAX_MESSAGE)
    items = services().commands.new(turn, text)
    made = next((item for item in items if item.kind == "reminder"), None)
    # no reply at all: the once-a-minute refusal (too many pending) was said already
    said = _said(items) or turn.book.say("too_many_pending", limit=services().settings.limits.max_pending_per_number)
    return made, said


@bp.post("/me/preview")
def preview() -> ResponseReturnValue:
    """What the parser understood, as LIST would show it ("dentist - Mon 7 Dec 9:00 AM"), or why not."""
    if not services().sessions.within(g.sid, "preview", PREVIEWS_PER_MINUTE):
        return *json_error(429, "too_many_requests", "too many previews; wait a minute"), {"Retry-After": "60"}
    body = request.get_json(silent=True)
    text = printable(str(body.get("text", "")) if isinstance(body, dict) else "")[:MAX_MESSAGE + 1].strip()
    turn = _turn()
    if turn.person.opted_out:
        return jsonify({"ok": False, "says": words(turn.book.code)["opted_out"]})
    made, said = _draft(turn, text)
    if made is None:
        return jsonify({"ok": False, "says": said})
    return jsonify({"ok": True, "says": line(turn.book, made, turn.tz)})


@bp.post("/me/add")
def add() -> ResponseReturnValue:
    turn, s = _turn(), services()
    if turn.person.opted_out:
        return _done(words(turn.book.code)["opted_out"])
    made, said = _draft(turn, _field("text", MAX_MESSAGE))
    if made is None:
        return _done(said)
    try:
        cap = s.quotas.reminders_made(g.phone, s.settings.limits.reminders_per_minute)  # shared with texts
        # sender: the page's reminder is the number's last made, which UNDO by text cancels
        s.reminders.add([made], sender=g.phone, cap=cap)
    except OverCap:
        return _done(turn.book.say("too_many_now"))
    return _done(said.removesuffix(turn.book.say("list_hint")))  # "reply LIST": the page is the list


# --- changing one reminder -------------------------------------------------------------------------------

@bp.post("/me/<rid>/change")
def change(rid: str) -> ResponseReturnValue:
    """A new text and/or a new time (in plain words, read as CHANGE reads them)."""
    turn, rem, store = _turn(), _mine(rid), services().store
    page_words, book = words(turn.book.code), turn.book
    if rem is None:
        return _done(page_words["gone"])
    message, when, said = _field("message", MAX_MESSAGE), _field("when"), []
    if message and message != rem.message:
        if len(message) > MAX_MESSAGE:
            return _done(book.say("too_long", limit=MAX_MESSAGE))
        if not store.update(replace(rem, message=message)):
            return _done(page_words["gone"])
        rem = replace(rem, message=message)
        said.append(book.say("moved", message=message, when=parsing.describe_when(rem.due_local, rem.every,
                                                                                   book.code)))
    if when:
        moved = services().commands.move(turn, rem, when[:MAX_FIELD])
        said = [page_words["time_only"] if moved is None else _said(moved)]
    return _done(" ".join(said) or page_words["time_only"])


@bp.post("/me/<rid>/delete")
def delete(rid: str) -> ResponseReturnValue:
    turn, rem, store = _turn(), _mine(rid), services().store
    order = [r.id for r in store.for_phone(g.phone)]
    gone = store.cancel(rid) if rem is not None else None
    if gone is None:
        return _done(words(turn.book.code)["gone"])
    return _done(turn.book.say("cancelled", n=order.index(rid) + 1 if rid in order else 1, message=gone.message))


@bp.post("/me/<rid>/snooze")
def snooze(rid: str) -> ResponseReturnValue:
    """A one-off reminder comes later (a series keeps its rule: its next occurrence is counted from its time)."""
    turn, rem = _turn(), _mine(rid)
    delay = snooze_delay(_field("minutes"), turn.books)
    if rem is None or rem.every or rem.status != "pending":
        return _done(words(turn.book.code)["gone"])
    if turn.person.opted_out:
        return _done(words(turn.book.code)["opted_out"])
    if delay is None:
        return _done(turn.book.say("snooze_how_long"))
    due = max(rem.due_local, turn.now) + delay
    try:
        services().reminders.not_too_far(due, turn.now)
    except Refused as no:
        return _done(_said(services().commands.refused(turn, no)))
    if not services().store.update(replace(rem, due=due.timestamp(), attempts=0)):
        return _done(words(turn.book.code)["gone"])
    when = turn.book.clock(due.astimezone(rem.due_local.tzinfo))
    return _done(turn.book.say("snoozed", message=rem.message, time=when))


# --- everything at once, and the person's settings ---------------------------------------------------------

@bp.post("/me/pause")
def pause() -> ResponseReturnValue:
    turn = _turn()
    held = services().store.hold(g.phone)
    return _done(words(turn.book.code)["paused"].format(count=turn.book.count(held, "reminder")))


@bp.post("/me/resume")
def resume() -> ResponseReturnValue:
    """Held reminders go back on the schedule, as START's do; not while the number is opted out (START's alone)."""
    turn = _turn()
    if turn.person.opted_out:
        return _done(words(turn.book.code)["opted_out"])
    resumed = people.resume(services().store, g.phone, turn.now)
    return _done(words(turn.book.code)["resumed"].format(count=turn.book.count(resumed, "reminder")))


@bp.post("/me/zone")
def zone() -> ResponseReturnValue:
    turn = _turn()
    return _done(_said(services().commands.tz(turn, _field("zone") or None)))


@bp.post("/me/language")
def language() -> ResponseReturnValue:
    turn, code = _turn(), _field("lang")
    if code not in parsing.LANGUAGES:
        return _done(turn.book.say("lang_unknown", given=code[:30], codes=", ".join(parsing.LANGUAGES)))
    return _done(_said(services().commands.lang(turn, code)))


@bp.post("/me/calendar")
def calendar() -> ResponseReturnValue:
    """A new calendar address; the old one stops working."""
    response = _done("")
    signin.keep(response, signin.FEED_COOKIE, services().feeds.renew(g.phone))
    return response


@bp.post("/me/sign-out")
def sign_out() -> ResponseReturnValue:
    code = language_of(services().people.person(g.phone))
    services().sessions.end(g.sid)
    response = signin.plain("signed_out", 200, code)
    signin.forget(response)
    return response
