"""The daily budget per number: the last line of defence against cost. Real Redis, the real
courier and vonage SDK against the fake Vonage."""
from __future__ import annotations

import base64
import time

import pytest

from app import create_app
from app.storage.budget import Budget
from app.storage.store import Reminder
from tests.helpers import Phone, clear_of_midnight

NUMBER = "14155550100"


def budget_of(phone: Phone) -> Budget:
    return Budget(phone.store.redis, phone.store.prefix)


def schedule(phone: Phone, count: int, **fields) -> list[str]:
    return phone.store.add([Reminder(phone=NUMBER, message=f"reminder {i}", due=time.time(), tz="UTC", **fields)
                            for i in range(count)])


def test_the_51st_sms_in_a_day_waits_the_number_is_told_once_and_the_operator_sees_it(client, app, fake_vonage):
    clear_of_midnight("UTC")  # the dashboard's "today" (DEFAULT_TIMEZONE) must not start between the sends and it
    phone = Phone(client, app, fake_vonage)
    ids = schedule(phone, 53)
    received = phone.deliver()
    assert len(received) == 50 and all(text.startswith("reminder ") for text in received)
    time.sleep(1.2)  # the notice goes a second later
    (notice,) = phone.deliver()
    assert "50 texts from us in 24 hours" in notice
    waiting = [rem for rem in phone.store.get_many(ids) if rem.status == "pending"]
    assert len(waiting) == 3  # not lost: due again when the oldest counted send is a day old
    next_try = phone.store.redis.zscore(phone.store.key("due"), waiting[0].id)
    assert next_try == pytest.approx(time.time() + 24 * 3600, abs=60)
    assert budget_of(phone).used(NUMBER) == 50
    # more texts past the budget: replies are dropped, and the notice is not repeated
    assert phone.text("LIST") == [] and phone.text("HELP") == []
    schedule(phone, 2)
    assert phone.deliver() == []
    page = client.get("/dashboard", headers={"Authorization": "Basic " + base64.b64encode(b"op:test-token").decode()})
    assert b"Numbers at their daily budget" in page.data and "\u2026" + NUMBER[-4:] in page.get_data(as_text=True)
    stats = client.get("/dashboard/api/stats", headers={"Authorization": "Basic " + base64.b64encode(
        b"op:test-token").decode()}).json
    assert stats["numbers_over_budget"] == 1 and stats["over_budget_today"] >= 5
    scraped = client.get("/metrics").get_data(as_text=True)
    assert "reminders_numbers_over_budget 1.0" in scraped
    assert 'reminders_sms_over_budget_total{kind="reminder"} 5.0' in scraped
    assert 'reminders_sms_over_budget_total{kind="reply"} 2.0' in scraped


def test_a_send_retried_counts_once_and_other_numbers_are_not_touched(env, fake_vonage):
    app = create_app({**env, "MAX_SMS_PER_NUMBER_PER_DAY": "2"})
    phone = Phone(app.test_client(), app, fake_vonage)
    fake_vonage.queue_status("1")  # throttled, then accepted on the retry
    (rid,) = schedule(phone, 1)
    for _ in range(40):
        phone.deliver()
        if phone.store.get(rid).status == "sent":
            break
        time.sleep(0.2)
    assert phone.store.get(rid).status == "sent" and budget_of(phone).used(NUMBER) == 1
    other = phone.store.add([Reminder(phone="14155550199", message="someone else", due=time.time(), tz="UTC")
                             for _ in range(2)])
    schedule(phone, 2)
    phone.deliver()
    assert [phone.store.get(i).status for i in other] == ["sent", "sent"]
    assert budget_of(phone).used(NUMBER) == 2 and budget_of(phone).used("14155550199") == 2


def test_the_opt_out_confirmation_goes_even_past_the_budget(env, fake_vonage):
    app = create_app({**env, "MAX_SMS_PER_NUMBER_PER_DAY": "1"})
    phone = Phone(app.test_client(), app, fake_vonage)
    assert phone.text("gym tomorrow 7am")[0].startswith("Got it")
    assert "unsubscribed" in phone.ask("STOP")


def test_no_budget_with_zero(env, fake_vonage):
    app = create_app({**env, "MAX_SMS_PER_NUMBER_PER_DAY": "0"})
    phone = Phone(app.test_client(), app, fake_vonage)
    schedule(phone, 60)
    assert len(phone.deliver()) == 60


def test_stop_start_pairs_cannot_buy_sms_past_the_budget(env, fake_vonage):
    """Every SMS counts, confirmations included; only the opt-out's confirmation may go past the budget, once a day.
    The opt-outs and opt-ins themselves still take effect."""
    app = create_app({**env, "MAX_SMS_PER_NUMBER_PER_DAY": "4"})
    phone = Phone(app.test_client(), app, fake_vonage)
    people = app.extensions["reminders"].people
    received = []
    for _ in range(8):
        received += phone.text("STOP")
        assert people.person(NUMBER).opted_out
        received += phone.text("START")
        assert not people.person(NUMBER).opted_out
    time.sleep(1.2)  # a budget notice would go a second later
    received += phone.deliver()
    assert len(received) == 4 + 1, received
    assert sum("unsubscribed" in text for text in received) == 3  # STOP, START, STOP, START, then the spare STOP
    assert phone.text("STOP") == [] and people.person(NUMBER).opted_out  # the day's one spare is spent


def test_the_budget_counts_segments(env, fake_vonage):
    """A 1,000-emoji reminder is 30 segments of the day's 40; ten one-segment reminders fit after it, not twelve."""
    app = create_app({**env, "MAX_SEGMENTS_PER_NUMBER_PER_DAY": "40"})
    phone = Phone(app.test_client(), app, fake_vonage)
    (big,) = phone.store.add([Reminder(phone=NUMBER, message="\U0001F600" * 1000, due=time.time(), tz="UTC")])
    assert len(phone.deliver()) == 1 and phone.store.get(big).status == "sent"
    assert budget_of(phone).used(NUMBER) == 30
    ids = schedule(phone, 12)
    assert len(phone.deliver()) == 10
    assert [rem.status for rem in phone.store.get_many(ids)].count("pending") == 2
    assert budget_of(phone).used(NUMBER) == 40
    time.sleep(1.2)
    (notice,) = phone.deliver()  # it says how many texts the number had: eleven, not the SMS budget of 50
    assert "11 texts from us in 24 hours" in notice


def test_a_message_larger_than_the_whole_budget_fails_instead_of_waiting_forever(env, fake_vonage):
    app = create_app({**env, "MAX_SEGMENTS_PER_NUMBER_PER_DAY": "20"})
    phone = Phone(app.test_client(), app, fake_vonage)
    (big,) = phone.store.add([Reminder(phone=NUMBER, message="\U0001F600" * 1000, due=time.time(), tz="UTC")])
    assert phone.deliver() == []
    assert phone.store.get(big).status == "failed" and budget_of(phone).used(NUMBER) == 0
    schedule(phone, 2)
    assert len(phone.deliver()) == 2
