"""The API's docs page in a real headless Chromium with every request off this machine refused: it still renders."""
from __future__ import annotations

from playwright.sync_api import Page, Route, expect


def test_the_docs_page_renders_its_operations_offline(page: Page, live_server):
    elsewhere: list[str] = []

    def only_here(route: Route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.goto(live_server.url + "/docs/swagger/")
    expect(page.locator(".opblock-summary-path", has_text="/api/reminders").first).to_be_visible(timeout=15000)
    expect(page.locator(".info .title")).to_contain_text("Textable reminders API")
    assert elsewhere == []
