"""Makes the docs' screenshots: `script/screenshots` -> docs/screenshots/{simulator,dashboard,page}.png.

The same parts as the tests (a private Redis, the real worker, the web app on a port, Debian's Chromium), with a
short conversation typed into the simulator and a few entries for the dashboard to show.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from app import create_app
from app.storage import counters
from app.storage.store import Reminder, Store
from tests.browser import chromium
from tests.browser.live import LiveServer, headless_chromium
from tests.conftest import WorkerProcess
from tests.helpers import inbound
from tests.support.redis_server import RedisServer, free_port

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TOKEN = "demo-token"


def seed(store: Store, client) -> None:  # type: ignore[no-untyped-def]
    """Other people's reminders, one that failed for good, and a number that opted out."""
    now = time.time()
    for i, (minutes, text) in enumerate([(12, "standup"), (45, "take the cake out"), (300, "call the vet")]):
        store.add([Reminder(phone=f"4420794601{i:02d}", message=text, due=now + minutes * 60, tz="Europe/London")])
    (rid,) = store.add([Reminder(phone="442079460199", message="pay rent", due=now - 30, tz="Europe/London")])
    store.claim(now, now + 60, 100, "seed")
    failed = store.get(rid)
    store.finish(failed, "seed", "failed", "Vonage status 7: Number barred")
    counters.record_failed(store, failed)  # as the courier would have
    counters.flush()
    client.post("/webhooks/inbound-sms", data=inbound("STOP", msisdn="442079460150"))


def main() -> int:
    path, why = chromium.install()
    if path is None:
        print(why, file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with RedisServer() as redis_server:
        port = free_port()
        env = {"REDIS_URL": redis_server.url, "API_TOKEN": TOKEN, "DEFAULT_TIMEZONE": "Europe/London",
               "VONAGE_NUMBER": "447700900000", "SMS_RATE_LIMIT": "0", "VONAGE_API_KEY": "", "VONAGE_API_SECRET": "",
               "PUBLIC_URL": f"http://127.0.0.1:{port}"}
        app = create_app(env)
        worker = WorkerProcess(env)
        try:
            with LiveServer(app, port) as server, headless_chromium(path) as browser:
                seed(Store(redis_server.client()), app.test_client())
                page = browser.new_page(viewport={"width": 1000, "height": 760},
                                        http_credentials={"username": "ops", "password": TOKEN})
                page.goto(server.url + "/simulator?number=%2B442079460123")
                for text, replies in (("gym tomorrow 7am", 1), ("ping in 3 seconds", 3), ("LIST", 4)):
                    page.get_by_label("Text message").fill(text)
                    page.get_by_role("button", name="Send").click()
                    try:
                        page.locator(".bubble.out").nth(replies - 1).wait_for(timeout=15000)
                    except Exception:
                        print(page.locator(".bubble").all_inner_texts(), worker.output()[-3000:], file=sys.stderr)
                        raise
                page.get_by_label("Text message").fill("every weekday 8:15 take pills")
                time.sleep(0.5)
                page.screenshot(path=str(OUT / "simulator.png"))
                time.sleep(1.5)  # the worker writes its counts every second
                dash = browser.new_page(viewport={"width": 1200, "height": 900},
                                        http_credentials={"username": "ops", "password": TOKEN})
                dash.goto(server.url + "/dashboard")
                dash.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
                own = browser.new_page(viewport={"width": 375, "height": 740})  # the person's page, on a phone
                own.goto(f"{server.url}/link/{app.extensions['reminders'].sessions.issue_link('442079460123')}")
                own.get_by_label("What and when").fill("dentist monday 9am")
                own.locator("#preview").filter(has_text="dentist").wait_for(timeout=5000)
                own.screenshot(path=str(OUT / "page.png"), full_page=True)
        finally:
            worker.terminate()
    print(f"wrote {OUT / 'simulator.png'}, {OUT / 'dashboard.png'} and {OUT / 'page.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
