"""The phone simulator in a real headless Chromium: type a text, see the confirmation, see the reminder arrive."""
from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import NO_VONAGE


def test_ping_in_3_seconds_confirms_then_arrives(page: Page, live_server, start_worker):
    start_worker(**NO_VONAGE)
    page.goto(live_server.url + "/")  # the home page leads a newcomer to the simulator
    expect(page.get_by_role("heading", name="Phone simulator")).to_be_visible()

    page.get_by_label("Text message").fill("ping in 3 seconds")
    sent_at = time.time()
    page.get_by_role("button", name="Send").click()

    expect(page.locator(".bubble.in .text")).to_have_text(["ping in 3 seconds"], timeout=5000)
    replies = page.locator(".bubble.out .text")
    expect(replies.first).to_contain_text('Got it: "ping"', timeout=5000)
    expect(replies.nth(1)).to_have_text("ping", timeout=12000)
    arrived = time.time()
    assert arrived - sent_at >= 2.5  # not before it was due
    assert page.locator(".bubble.note").count() == 0


def test_example_buttons_fill_the_compose_box(page: Page, live_server):
    page.goto(live_server.url + "/simulator?number=%2B442079460123")
    page.get_by_role("button", name="gym tomorrow 7am").click()
    expect(page.get_by_label("Text message")).to_have_value("gym tomorrow 7am")
    expect(page.locator("#number")).to_have_value("+442079460123")


def _send(page: Page, text: str) -> None:
    page.get_by_label("Text message").fill(text)
    page.get_by_role("button", name="Send").click()


def test_a_multi_line_reply_keeps_its_line_breaks_and_stays_text(page: Page, live_server, start_worker):
    """LIST answers one reminder a line: the bubble showed them run together as one paragraph. Line breaks show,
    and a reminder's own text stays text (no HTML from a text reaches the page)."""
    start_worker(**NO_VONAGE)
    page.goto(live_server.url + "/simulator")
    replies = page.locator(".bubble.out .text")
    _send(page, "<i>gym</i> tomorrow 7am")
    expect(replies).to_have_count(1, timeout=8000)
    _send(page, "call mom in 2 hours")
    expect(replies).to_have_count(2, timeout=8000)
    _send(page, "LIST")
    expect(replies).to_have_count(3, timeout=8000)
    listing = replies.nth(2)
    lines = [line for line in listing.inner_text().split("\n") if line.strip()]  # as rendered: breaks only if shown
    assert len(lines) >= 2 and lines[0].startswith("1.") and lines[1].startswith("2."), lines
    assert any("<i>gym</i>" in line for line in lines), lines
    assert page.locator("#thread i").count() == 0  # the reminder's markup was not made into an element


def test_a_pasted_text_over_the_limit_gets_the_services_too_long_reply(page: Page, live_server, start_worker):
    """The input cut a pasted 1,200-character text at 1,000 and made a reminder of the rest. The whole text goes to
    the webhook, which refuses it as it would a real long SMS."""
    start_worker(**NO_VONAGE)
    page.goto(live_server.url + "/simulator")
    long_text = "water the plants tomorrow 9am " + "and the ones on the balcony " * 42  # 1,206 characters
    assert len(long_text) > 1000
    _send(page, long_text)
    expect(page.locator(".bubble.in .text")).to_have_text([long_text.strip()], timeout=5000)
    expect(page.locator(".bubble.out .text")).to_have_text(
        ["That's too long for a reminder: please keep it under 1,000 characters."], timeout=8000)


def test_a_whatsapp_conversation_in_the_simulator(page: Page, env, start_worker):
    """The channel switch on WhatsApp: the text goes to the Messages API webhook, the confirmation comes back as a
    WhatsApp message (inside the window: a text, not the template)."""
    from app import create_app
    from tests.browser.live import LiveServer

    settings = {**env, **NO_VONAGE, "WHATSAPP_NUMBER": "447700900111"}
    start_worker(**settings)
    with LiveServer(create_app(settings)) as server:
        page.goto(server.url + "/simulator")
        page.get_by_label("Channel").select_option("whatsapp")
        _send(page, "ping in 2 seconds")
        expect(page.locator(".bubble.in.whatsapp .text")).to_have_text(["ping in 2 seconds"], timeout=5000)
        replies = page.locator(".bubble.out.whatsapp .text")
        expect(replies.first).to_contain_text('Got it: "ping"', timeout=8000)
        expect(replies.nth(1)).to_have_text("ping", timeout=12000)
        assert page.locator(".bubble.template").count() == 0
