"""What is kept about a person (People.forget_idle): a number with nothing unsent and no text for
PERSON_RETENTION_DAYS is forgotten, an opted-out one keeps only its opt-out. Real Redis, the real webhook."""
from __future__ import annotations

import time

import pytest

from app import create_app
from app.storage.people import People
from app.storage.store import Store
from tests.helpers import inbound

DAY = 86400


@pytest.fixture()
def client(env):
    return create_app(env).test_client()


def text(client, words: str, number: str) -> None:
    assert client.post("/webhooks/inbound-sms", data=inbound(words, msisdn=number)).status_code == 204


def test_a_number_idle_past_retention_with_nothing_unsent_is_forgotten(client, redis_client):
    store, people = Store(redis_client), People(redis_client)
    text(client, "HELP", "14155550100")
    assert redis_client.exists("rmd:person:14155550100")
    now = time.time()
    assert people.forget_idle(store, now - 400 * DAY, now) == 0  # texted just now
    assert people.forget_idle(store, now + 1, now + 1) == 1  # no text since the cutoff
    assert not redis_client.exists("rmd:person:14155550100") and not redis_client.exists("rmd:h:14155550100")


def test_a_forgotten_numbers_calendar_feed_is_forgotten_with_it(client, redis_client):
    from app.storage.feeds import Feeds

    store, people, feeds = Store(redis_client), People(redis_client), Feeds(redis_client)
    text(client, "HELP", "14155550100")
    token = feeds.renew("14155550100")
    assert feeds.phone(token) == "14155550100" and feeds.subscribed("14155550100")  # a calendar fetched it
    now = time.time()
    assert people.forget_idle(store, now + 1, now + 1) == 1
    assert feeds.phone(token) is None and not feeds.has("14155550100") and not redis_client.keys("rmd:feed*")


def test_a_number_with_something_unsent_is_kept(client, redis_client):
    store, people = Store(redis_client), People(redis_client)
    text(client, "dentist in 300 days", "14155550101")
    now = time.time()
    assert people.forget_idle(store, now + 1, now + 1) == 0
    assert redis_client.exists("rmd:person:14155550101") and store.for_phone("14155550101")


def test_an_opted_out_number_keeps_only_its_opt_out(client, redis_client):
    store, people = Store(redis_client), People(redis_client)
    text(client, "TZ London", "14155550102")
    text(client, "STOP", "14155550102")
    now = time.time()
    assert people.forget_idle(store, now + 1, now + 1) == 1
    kept = {k.decode() for k in redis_client.hkeys("rmd:person:14155550102")}
    assert "out" in kept and "tz" not in kept and kept <= {"out", "outseq", "outdone", "seen"}
    assert people.person("14155550102").opted_out


def test_a_record_from_before_texts_were_stamped_starts_its_clock_at_the_first_look(redis_client):
    store, people = Store(redis_client), People(redis_client)
    redis_client.hset("rmd:person:14155550103", mapping={"tz": "Europe/London"})
    now = time.time()
    assert people.forget_idle(store, now + 1, now + 1) == 0
    assert float(redis_client.hget("rmd:person:14155550103", "seen")) == pytest.approx(now + 1)


def test_the_whatsapp_window_is_stamped_on_arrival_at_a_cost_of_a_few_bytes(redis_client):
    """A WhatsApp message stamps `wa` (its window) in the same call that stamps `seen`; an SMS does not. The cost is
    one small field in the person's hash (docs/whatsapp.md gives the figure)."""
    from app.storage.quotas import Quotas

    quotas, people = Quotas(redis_client), People(redis_client)
    quotas.arrival("14155550100", "sms-1")
    key = people.key("person", "14155550100")
    before = redis_client.memory_usage(key, samples=0)
    assert people.person("14155550100").whatsapp_at is None
    people.remember("14155550100", wano="1", waout="1")
    quotas.arrival("14155550100", "wa-1", whatsapp=True)
    person = people.person("14155550100")
    assert person.whatsapp_at is not None and not (person.whatsapp_none or person.whatsapp_blocked)
    assert redis_client.memory_usage(key, samples=0) - before <= 24
