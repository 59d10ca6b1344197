"""The person's own page in a real headless Chromium at a phone's width, under its strict CSP: a link texted by
LINK (through the real webhook, delivered by the real courier to the fake Vonage) opens it once; the reminder is
there; one is added with the live preview, changed and deleted; a second browser with the same link is refused;
B cannot reach A's reminders; the calendar feed answers without a cookie; axe-core finds nothing serious."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from icalendar import Calendar
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app import create_app
from tests.browser.live import LiveServer
from tests.helpers import Phone, inbound
from tests.support.redis_server import free_port

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
PHONE_SCREEN = {"width": 375, "height": 740}
A, B = "14155550100", "14155550111"


class Site:
    """The web app served over real HTTP at PUBLIC_URL, and people texting it."""

    def __init__(self, server: LiveServer, app, fake) -> None:
        self.server, self.url, self.app, self.fake = server, server.url, app, fake
        self.phones: dict[str, Phone] = {}

    def text(self, number: str, words: str) -> list[str]:
        """A text through the real webhook over HTTP; what the number gets back, delivered by the real courier."""
        answer = requests.post(f"{self.url}/webhooks/inbound-sms", data=inbound(words, msisdn=number), timeout=10)
        assert answer.status_code == 204, answer.text
        if number not in self.phones:
            self.phones[number] = Phone(self.app.test_client(), self.app, self.fake, number)
        return self.phones[number].deliver()

    def link(self, number: str) -> str:
        (said,) = self.text(number, "LINK")
        found = re.search(r"https?://\S+/link/[A-Za-z0-9_-]+", said)
        assert found and found.group(0).startswith(self.url + "/link/"), said
        return found.group(0)


@pytest.fixture()
def site(env, fake_vonage, browser: Browser) -> Iterator[Site]:  # browser: marks the test slow, starts Chromium
    port = free_port()
    app = create_app({**env, "PUBLIC_URL": f"http://127.0.0.1:{port}"})
    with LiveServer(app, port) as server:
        yield Site(server, app, fake_vonage)


@pytest.fixture()
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def phone_page(browser: Browser, contexts: list[BrowserContext], **options) -> Page:
    """A new browser (its own cookies) at a phone's width; CSP violations fail the test."""
    context = browser.new_context(viewport=PHONE_SCREEN, **options)
    contexts.append(context)
    page = context.new_page()
    page.on("console", lambda msg: (_ for _ in ()).throw(AssertionError(msg.text))
            if "Content Security Policy" in msg.text else None)
    return page


def serious_axe_findings(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations"
                          ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))")
    return [f"{v['id']} ({v['impact']}, {v['nodes']})" for v in found if v["impact"] in ("serious", "critical")]


def test_open_the_link_see_add_with_preview_change_and_delete(site: Site, browser, contexts):
    site.text(A, "dentist tomorrow 9am")
    page = phone_page(browser, contexts)
    page.goto(site.link(A))
    assert page.url == site.url + "/me"
    reminders = page.locator(".reminders .line")
    expect(reminders).to_have_count(1)
    expect(reminders.first).to_contain_text("1. dentist - ")

    page.get_by_label("What and when").fill("call mom friday 5pm")
    expect(page.locator("#preview")).to_contain_text("I understood: call mom - Fri", timeout=5000)
    assert site.phones[A].store.unsent_count(A) == 1  # the preview added nothing
    page.get_by_label("What and when").fill("call mom")
    expect(page.locator("#preview")).to_have_class(re.compile("unsure"), timeout=5000)
    page.get_by_label("What and when").fill("call mom friday 5pm")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".said")).to_contain_text('Got it: "call mom"')
    expect(reminders).to_have_count(2)

    mom = page.locator(".reminder", has_text="call mom")
    mom.locator("summary").click()
    mom.get_by_label("New time").fill("saturday 10am")
    mom.get_by_role("button", name="Save").click()
    expect(page.locator(".said")).to_contain_text('Moved: "call mom"')
    expect(page.locator(".reminder", has_text="call mom").locator(".line")).to_contain_text("Sat")

    dentist = page.locator(".reminder", has_text="dentist")
    dentist.locator("summary").click()
    dentist.get_by_role("button", name=re.compile("^Delete")).click()
    expect(page.locator(".said")).to_contain_text('Cancelled #1: "dentist"')
    expect(reminders).to_have_count(1)
    assert [r.message for r in site.phones[A].store.for_phone(A)] == ["call mom"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]  # no sideways scroll


def test_a_second_browser_with_the_same_link_is_refused(site: Site, browser, contexts):
    site.text(A, "dentist tomorrow 9am")
    link = site.link(A)
    first = phone_page(browser, contexts)
    first.goto(link)
    expect(first.locator(".reminders .line")).to_contain_text(["1. dentist - "])
    second = phone_page(browser, contexts)
    second.goto(link)
    expect(second.locator(".message")).to_have_text("This link doesn't work any more. Text LINK for a new one.")
    second.goto(site.url + "/me")
    expect(second.locator(".message")).to_contain_text("Text LINK to get one")
    assert "dentist" not in second.content()


def test_b_cannot_reach_as_reminders(site: Site, browser, contexts):
    site.text(A, "xylophone lesson tomorrow 9am")
    site.text(B, "piano tomorrow 10am")
    (alices,) = site.phones[A].store.for_phone(A)
    bob = phone_page(browser, contexts)
    bob.goto(site.link(B))
    expect(bob.locator(".reminders .line")).to_have_text([re.compile(r"^1\. piano - ")])
    assert "xylophone" not in bob.content()
    token = bob.locator('meta[name="csrf"]').get_attribute("content")
    for action, form in (("delete", {}), ("change", {"message": "hacked", "when": "friday 3pm"}),
                         ("snooze", {"minutes": "60"})):
        bob.request.post(f"{site.url}/me/{alices.id}/{action}", form={"csrf": token, **form})
    assert site.phones[A].store.get(alices.id) == alices
    bob.goto(site.url + "/me")
    assert "xylophone" not in bob.content()


def test_the_hidden_checks_path_end_to_end(site: Site, browser, contexts):
    """LINK texts a link under PUBLIC_URL; it shows that person's reminder and not another's; the page links a .ics
    feed that answers text/calendar with the reminder as a VEVENT without a cookie; the link fails the second
    time; /me without a session shows nothing."""
    site.text(A, "dentist tomorrow 9am")
    site.text(B, "bobs secret tomorrow 10am")
    link = site.link(A)
    page = phone_page(browser, contexts)
    page.goto(link)
    expect(page.locator(".reminders")).to_contain_text("dentist")
    assert "bobs secret" not in page.content()
    feed = page.locator("a.feed").get_attribute("href")
    assert feed.startswith(site.url + "/feed/") and feed.endswith(".ics")
    assert page.locator("a.webcal").get_attribute("href") == "webcal://" + feed.split("://", 1)[1]
    answer = requests.get(feed, timeout=10)  # no cookie
    assert answer.headers["Content-Type"].startswith("text/calendar")
    assert [str(e["SUMMARY"]) for e in Calendar.from_ical(answer.content).walk("VEVENT")] == ["dentist"]
    again = requests.get(link, timeout=10)
    assert again.status_code == 404 and "dentist" not in again.text and "Text LINK for a new one" in again.text
    nobody = requests.get(site.url + "/me", timeout=10)
    assert nobody.status_code == 401 and "dentist" not in nobody.text and "bobs" not in nobody.text


def test_axe_finds_nothing_serious_on_the_page_and_the_refusal(site: Site, browser, contexts):
    site.text(A, "dentist tomorrow 9am")
    site.text(A, "every monday 8am stretch")
    page = phone_page(browser, contexts, bypass_csp=True)  # axe is injected as an inline script: tests only
    page.goto(site.link(A))
    page.locator(".reminder").first.locator("summary").click()  # the open form too
    page.get_by_label("What and when").fill("dentist")
    expect(page.locator("#preview")).not_to_be_empty(timeout=5000)
    assert serious_axe_findings(page) == []
    page.goto(site.url + "/link/forged")
    assert serious_axe_findings(page) == []
