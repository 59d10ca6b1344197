"""Fixtures for the browser tests: Chromium (installed from Debian's package when missing), a live server."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from app import create_app
from tests.browser import chromium
from tests.browser.live import LiveServer, headless_chromium
from tests.conftest import API_TOKEN

NO_VONAGE = {"VONAGE_API_KEY": "", "VONAGE_API_SECRET": ""}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Chromium, installing it if needed. In CI a missing browser fails the run: a silent skip would hide that
    the simulator was never tried in a browser."""
    path, why = chromium.install()
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"no Chromium for the browser tests: {why}", pytrace=False)
        pytest.skip(f"no Chromium for the browser tests: {why}")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    with headless_chromium(chromium_path) as launched:
        yield launched


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    # the simulator is behind the dashboard's login whenever API_TOKEN is set, as it is here
    context = browser.new_context(viewport={"width": 1100, "height": 760},
                                  http_credentials={"username": "operator", "password": API_TOKEN})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def live_server(env: dict[str, str]) -> Iterator[LiveServer]:
    """The web app without Vonage credentials (so the log sender and the simulator are on), over real HTTP."""
    with LiveServer(create_app({**env, **NO_VONAGE})) as server:
        yield server
