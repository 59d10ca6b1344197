"""The person's own page, through the real inbound webhook, the real courier and the fake Vonage: LINK texts a
one-time link under PUBLIC_URL; opening it signs that number in (and nobody else); every change on the page goes
the way a text goes, with its checks, limits and opt-out rules, and needs the page's CSRF token."""
from __future__ import annotations

import html
import re

import pytest

from app import create_app
from app.parsing import LANGUAGES
from app.storage.sessions import digest
from app.texting.phrasebook import phrasebook
from app.web.pagebook import BOOKS, words
from tests.helpers import Phone, auth, clear_of_minute_turn, wait_until

PUBLIC = "https://reminders.example.org"
A, B = "14155550100", "14155550111"  # two San Francisco numbers
SPANISH = "34911234567"


@pytest.fixture()
def app(env):
    return create_app({**env, "PUBLIC_URL": PUBLIC, "REMINDERS_PER_MINUTE": "3"})


def phone(app, fake_vonage, number: str = A) -> Phone:
    return Phone(app.test_client(), app, fake_vonage, number)


def link_of(texted: str) -> str:
    found = re.search(r"https?://\S+/link/[A-Za-z0-9_-]+", texted)
    assert found, texted
    return found.group(0)


def signed_in(app, person: Phone):
    """A browser (its own cookie jar) signed in as `person` by the link LINK texts."""
    browser = app.test_client()
    opened = browser.get(link_of(person.ask("LINK")).removeprefix(PUBLIC))
    assert opened.status_code == 200 and "<h1>Your reminders</h1>" in opened.get_data(as_text=True)
    return browser


def csrf(browser) -> str:
    page = browser.get("/me").get_data(as_text=True)
    return re.search(r'name="csrf" content="([0-9a-f]+)"', page).group(1)


def post(browser, path: str, **form: str) -> str:
    """A change on the page, as its form sends it; the page shown after it."""
    done = browser.post(path, data={"csrf": csrf(browser), **form})
    assert done.status_code == 303, done.get_data(as_text=True)
    return html.unescape(browser.get("/me").get_data(as_text=True))


def test_link_texts_a_one_time_link_under_public_url_that_signs_that_number_in(app, fake_vonage):
    alice, bob = phone(app, fake_vonage, A), phone(app, fake_vonage, B)
    alice.ask("dentist tomorrow 9am")
    bob.ask("bobs secret meeting tomorrow 10am")
    link = link_of(alice.ask("LINK"))
    assert link.startswith(PUBLIC + "/link/")
    browser = app.test_client()
    opened = browser.get(link.removeprefix(PUBLIC))
    cookie = next(c for c in opened.headers.getlist("Set-Cookie") if c.startswith("me_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=2592000" in cookie and "Path=/me" in cookie
    assert "1. dentist - " in opened.get_data(as_text=True)  # the page itself: any client sees it on opening
    assert "Secure" not in cookie  # plain http here; under https it is (next test)
    assert A not in "".join(opened.headers.getlist("Set-Cookie"))  # the number is no cookie's
    page = browser.get("/me")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "1. dentist - " in body and "bobs secret" not in body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"] and "'unsafe-inline'" not in body
    assert page.headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_secure_when_the_trusted_proxy_says_https(app, fake_vonage):
    alice = phone(app, fake_vonage)
    path = link_of(alice.ask("LINK")).removeprefix(PUBLIC)
    opened = app.test_client().get(path, headers={"X-Forwarded-Proto": "https"})  # from 127.0.0.1: trusted
    assert opened.headers.getlist("Set-Cookie") and all("Secure" in c for c in opened.headers.getlist("Set-Cookie"))
    path = link_of(alice.ask("LINK")).removeprefix(PUBLIC)
    spoofed = app.test_client().get(path, headers={"X-Forwarded-Proto": "https"},
                                    environ_base={"REMOTE_ADDR": "203.0.113.9"})  # not a proxy we trust
    cookies = spoofed.headers.getlist("Set-Cookie")
    assert cookies and not any("Secure" in c for c in cookies)


def test_a_used_an_expired_and_a_forged_link_get_the_same_page(app, fake_vonage, redis_client):
    alice = phone(app, fake_vonage)
    used = link_of(alice.ask("LINK")).removeprefix(PUBLIC)
    assert app.test_client().get(used).status_code == 200
    expired = link_of(alice.ask("LINK")).removeprefix(PUBLIC)
    redis_client.delete(f"rmd:link:{digest(expired.rsplit('/', 1)[1])}")  # what the TTL does after 15 minutes
    answers = [app.test_client().get(path) for path in (used, expired, "/link/" + "A" * 43, "/link/x")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.get_data() for a in answers}) == 1
    assert "text LINK for a new one" in answers[0].get_data(as_text=True).replace("Text LINK", "text LINK")
    assert not any("me_session" in "".join(a.headers.getlist("Set-Cookie")) for a in answers)


def test_me_without_a_session_shows_nothing_of_anyone(app, fake_vonage):
    alice = phone(app, fake_vonage)
    alice.ask("dentist tomorrow 9am")
    signed_in(app, alice)
    for cookie in (None, "A" * 43, "nonsense"):
        stranger = app.test_client()
        if cookie:
            stranger.set_cookie("me_session", cookie)
        page = stranger.get("/me")
        assert page.status_code == 401 and "dentist" not in page.get_data(as_text=True)
        assert stranger.post("/me/add", data={"text": "x tomorrow 9am"}).status_code == 401
        assert stranger.get("/me/preview").status_code in (401, 405)
    assert alice.store.unsent_count(A) == 1


def test_every_change_needs_the_pages_csrf_token(app, fake_vonage):
    alice = phone(app, fake_vonage)
    alice.ask("dentist tomorrow 9am")
    browser = signed_in(app, alice)
    (rem,) = alice.store.for_phone(A)
    for form in ({}, {"csrf": "0" * 64}, {"csrf": csrf(signed_in(app, alice))}):  # another session's token too
        assert browser.post(f"/me/{rem.id}/delete", data=form).status_code == 403
        assert browser.post("/me/add", data={**form, "text": "more tomorrow 9am"}).status_code == 403
        assert browser.post("/me/preview", json={"text": "x"}).status_code == 403
    assert [r.id for r in alice.store.for_phone(A)] == [rem.id]


def test_b_cannot_see_or_change_as_reminders_by_forged_ids(app, fake_vonage):
    alice, bob = phone(app, fake_vonage, A), phone(app, fake_vonage, B)
    alice.ask("xylophone lesson tomorrow 9am")
    (rem,) = alice.store.for_phone(A)
    browser = signed_in(app, bob)
    gone = words("en")["gone"]
    for action, form in (("change", {"message": "hacked", "when": "friday 3pm"}), ("delete", {}),
                         ("snooze", {"minutes": "60"})):
        assert gone in post(browser, f"/me/{rem.id}/{action}", **form)
    for forged in ("0", "x1", "1" * 30, "..%2F1"):
        assert browser.post(f"/me/{forged}/delete", data={"csrf": csrf(browser)}).status_code in (303, 404)
    assert alice.store.get(rem.id) == rem
    assert "xylophone" not in browser.get("/me").get_data(as_text=True)


def test_add_with_preview_goes_the_way_a_text_goes(app, fake_vonage):
    alice = phone(app, fake_vonage)
    browser = signed_in(app, alice)
    token = csrf(browser)
    said = browser.post("/me/preview", json={"text": "dentist tomorrow 9am"}, headers={"X-CSRF-Token": token}).json
    assert said["ok"] and said["says"].startswith("dentist - ") and "9:00 AM" in said["says"]
    assert alice.store.unsent_count(A) == 0  # a preview writes nothing
    broken = browser.post("/me/preview", data="{not json", headers={"X-CSRF-Token": token,
                                                                    "Content-Type": "application/json"})
    assert broken.status_code == 200 and broken.json == {"ok": False, "says": words("en")["empty"]}
    unsure = browser.post("/me/preview", json={"text": "dentist"}, headers={"X-CSRF-Token": token}).json
    assert not unsure["ok"] and unsure["says"] == alice.ask("dentist")  # the words a text gets
    page = post(browser, "/me/add", text="dentist tomorrow 9am")
    (rem,) = alice.store.for_phone(A)
    assert rem.message == "dentist" and 'Got it: "dentist"' in page and "1. dentist - " in page


def test_the_page_adds_within_the_per_minute_cap_and_the_pending_limit(env, fake_vonage):
    app = create_app({**env, "PUBLIC_URL": PUBLIC, "REMINDERS_PER_MINUTE": "2", "MAX_PENDING_PER_NUMBER": "3"})
    alice = phone(app, fake_vonage)
    browser = signed_in(app, alice)
    for text in ("call mom tomorrow 9am", "buy milk tomorrow 10am"):
        post(browser, "/me/add", text=text)
    refused = post(browser, "/me/add", text="water plants tomorrow 11am")
    assert phrasebook().say("too_many_now") in refused
    assert alice.store.unsent_count(A) == 2
    alice.store.redis.delete(*alice.store.redis.keys("rmd:rate:new:*"))  # a new minute
    post(browser, "/me/add", text="pay rent tomorrow 9am")
    page = post(browser, "/me/add", text="feed cat tomorrow 8am")
    assert alice.store.unsent_count(A) == 3 and phrasebook().say("too_many_pending", limit=3) in page


def test_an_opted_out_number_cannot_add_or_resume_from_the_page(app, fake_vonage):
    alice = phone(app, fake_vonage)
    alice.ask("dentist tomorrow 9am")
    browser = signed_in(app, alice)
    alice.text("STOP")
    opted_out = words("en")["opted_out"]
    assert opted_out in post(browser, "/me/add", text="more tomorrow 9am")
    assert opted_out in post(browser, "/me/resume")
    assert [r.status for r in alice.store.for_phone(A)] == ["held"]
    assert browser.post("/me/preview", json={"text": "x tomorrow 9am"},
                        headers={"X-CSRF-Token": csrf(browser)}).json == {"ok": False, "says": opted_out}


def test_change_delete_snooze_pause_and_resume(app, fake_vonage):
    alice = phone(app, fake_vonage)
    alice.ask("dentist tomorrow 9am")
    browser = signed_in(app, alice)
    (rem,) = alice.store.for_phone(A)
    page = post(browser, f"/me/{rem.id}/change", message="dentist with Sam", when="friday 3pm")
    moved = alice.store.get(rem.id)
    assert moved.message == "dentist with Sam" and moved.due_local.strftime("%a %H:%M") == "Fri 15:00"
    assert 'Moved: "dentist with Sam"' in page
    assert words("en")["time_only"] in post(browser, f"/me/{rem.id}/change", when="buy milk")
    post(browser, f"/me/{rem.id}/snooze", minutes="60")
    assert alice.store.get(rem.id).due == pytest.approx(moved.due + 3600)
    post(browser, "/me/pause")
    assert alice.store.get(rem.id).status == "held" and words("en")["paused_note"] in browser.get("/me").get_data(
        as_text=True)
    post(browser, "/me/resume")
    assert alice.store.get(rem.id).status == "pending"
    page = post(browser, f"/me/{rem.id}/delete")
    assert alice.store.get(rem.id).status == "cancelled" and 'Cancelled #1: "dentist with Sam"' in page


def test_zone_and_language_from_the_page(app, fake_vonage):
    alice = phone(app, fake_vonage)
    alice.ask("dentist tomorrow 9am")
    browser = signed_in(app, alice)
    before = alice.store.for_phone(A)[0].due_local
    post(browser, "/me/zone", zone="London")
    (rem,) = alice.store.for_phone(A)
    assert rem.tz == "Europe/London" and rem.due_local.time() == before.time()  # the same wall-clock time
    page = post(browser, "/me/language", lang="es")
    assert '<html lang="es">' in page and words("es")["title"] in page
    assert alice.ask("LIST").startswith("1. dentist")  # replies in Spanish from now on: the same line
    assert "Europe/London" in browser.get("/me").get_data(as_text=True)


def test_recent_deliveries_show_their_receipt(app, fake_vonage):
    alice = phone(app, fake_vonage)
    alice.ask("stretch in 3 seconds")  # not due before the reply has gone, on a busy machine
    assert wait_until(lambda: alice.deliver() == ["stretch"], timeout=10)
    page = signed_in(app, alice).get("/me").get_data(as_text=True)
    assert "stretch - " in page and words("en")["state_submitted"] in page


def test_link_counts_against_the_sms_budget(env, fake_vonage):
    app = create_app({**env, "PUBLIC_URL": PUBLIC, "MAX_SMS_PER_NUMBER_PER_DAY": "2"})
    alice = phone(app, fake_vonage)
    assert [len(alice.text("LINK")) for _ in range(4)] == [1, 1, 0, 0]  # past the day's budget: no more links


def test_link_is_limited_like_any_text(env, fake_vonage):
    app = create_app({**env, "PUBLIC_URL": PUBLIC, "TEXTS_PER_MINUTE": "2"})
    alice = phone(app, fake_vonage)
    clear_of_minute_turn()
    got = [alice.text("LINK") for _ in range(4)]
    assert [len(g) for g in got[:2]] == [1, 1] and got[2] == [phrasebook().say("too_fast")] and got[3] == []


def test_every_page_language_has_every_word():
    english = set(words("en"))
    assert sorted(p.stem for p in BOOKS.glob("*.toml")) == sorted(LANGUAGES)
    for code in LANGUAGES:
        assert set(words(code)) == english, code


def test_the_api_and_the_page_see_the_same_reminder(app, fake_vonage):
    alice = phone(app, fake_vonage)
    browser = signed_in(app, alice)
    post(browser, "/me/add", text="dentist tomorrow 9am")
    listed = app.test_client().get(f"/api/reminders?phone_number=%2B{A}", headers=auth()).json["reminders"]
    assert [r["message"] for r in listed] == ["dentist"]


def test_the_page_speaks_the_persons_language_in_lists_words(app, fake_vonage):
    maria = phone(app, fake_vonage, SPANISH)
    maria.ask("llamar a papa mañana a las 9")
    maria.ask("pagar la luz cada lunes a las 8")
    listed = maria.ask("LISTA").splitlines()
    texted = maria.ask("ENLACE")
    assert texted.startswith("Tu pagina: " + PUBLIC + "/link/")
    browser = app.test_client()
    body = browser.get(link_of(texted).removeprefix(PUBLIC)).get_data(as_text=True)
    assert '<html lang="es">' in body and words("es")["title"] in body
    shown = re.findall(r'<p class="line">([^<]*)</p>', body)
    assert shown == listed and len(shown) == 2  # in the same words as LIST


def test_signing_out_ends_the_session(app, fake_vonage):
    alice = phone(app, fake_vonage)
    alice.ask("dentist tomorrow 9am")
    browser = signed_in(app, alice)
    cookie = browser.get_cookie("me_session", path="/me").value
    answer = browser.post("/me/sign-out", data={"csrf": csrf(browser)})
    assert answer.status_code == 200 and words("en")["signed_out"] in html.unescape(answer.get_data(as_text=True))
    thief = app.test_client()
    thief.set_cookie("me_session", cookie, path="/me")
    assert thief.get("/me").status_code == 401


def test_previews_are_bounded_per_session(app, fake_vonage, monkeypatch):
    from app.web import me

    monkeypatch.setattr(me, "PREVIEWS_PER_MINUTE", 3)
    browser = signed_in(app, phone(app, fake_vonage))
    token = csrf(browser)
    clear_of_minute_turn()
    answers = [browser.post("/me/preview", json={"text": "gym 7am"}, headers={"X-CSRF-Token": token})
               for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429] and answers[3].headers["Retry-After"] == "60"
