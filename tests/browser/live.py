"""The web app on a real HTTP port (werkzeug, threaded) and a headless Debian Chromium driven by playwright."""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from playwright.sync_api import Browser, sync_playwright
from werkzeug.serving import make_server

from tests.browser import chromium


class LiveServer:
    """Serves `app` on 127.0.0.1 on a free port (or `port`, when the app must know its own URL) from a thread,
    until stopped."""

    def __init__(self, app: Flask, port: int = 0) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(5)


@contextmanager
def headless_chromium(executable: str) -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=chromium.LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()
