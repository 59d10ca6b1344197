"""Editing and acknowledging by text, end to end: CHANGE/EDIT/MOVE, corrections right after a confirmation, reminders
that repeat until DONE, SNOOZE on one occurrence of a series, and LIST's zones after TZ."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from tests.helpers import Phone, clear_of, clear_of_midnight

LA = ZoneInfo("America/Los_Angeles")  # the test number's zone


@pytest.fixture()
def phone(client, app, fake_vonage) -> Phone:
    return Phone(client, app, fake_vonage)


def only(phone: Phone, message: str):
    (rem,) = [r for r in phone.store.for_phone(phone.number) if r.message == message]
    return rem


def local(rem) -> datetime:
    return rem.due_local.astimezone(LA)


def number_in(listed: str, message: str) -> int:
    """The number LIST gave the reminder with this text."""
    (n,) = [number for number, _, rest in (line.partition(". ") for line in listed.splitlines())
            if rest.startswith(f"{message} - ")]
    return int(n)


# --- CHANGE n <when> -------------------------------------------------------------------------------------------

def test_change_keeps_the_text_and_reads_the_new_time_by_the_rule(phone):
    clear_of_midnight(LA)  # 'tomorrow' below is checked against today's date
    phone.text("dentist friday 3pm")
    phone.text("gym in 3 days at 7am")
    listed = phone.ask("LIST")  # soonest first: which is 1 depends on the weekday (friday may be 1 to 7 days away)
    dentist, gym_n = number_in(listed, "dentist"), number_in(listed, "gym")
    friday = local(only(phone, "dentist")).date()
    answer = phone.ask(f"CHANGE {dentist} 4pm")  # a time alone keeps the day
    assert answer.startswith('Moved: "dentist" on ') and "4:00 PM" in answer
    assert local(only(phone, "dentist")).date() == friday and local(only(phone, "dentist")).hour == 16
    gym_day = local(only(phone, "gym")).date()
    phone.ask(f"edit {gym_n} tomorrow")  # a day alone keeps the time of day
    gym = local(only(phone, "gym"))
    assert gym.date() == datetime.now(LA).date() + timedelta(days=1) != gym_day and (gym.hour, gym.minute) == (7, 0)
    phone.ask(f"move #{gym_n} to saturday 10:30am")  # both: as said
    gym = local(only(phone, "gym"))
    assert gym.weekday() == 5 and (gym.hour, gym.minute) == (10, 30)
    phone.ask(f"CHANGE {dentist} in 2 hours")  # counts from now
    assert only(phone, "dentist").due == pytest.approx(time.time() + 7200, abs=5)


def test_change_answers_what_it_cannot_do(phone):
    phone.text("dentist friday 3pm")
    phone.ask("LIST")
    assert "no reminder #5" in phone.ask("CHANGE 5 9am")
    assert "CHANGE 2 friday 3pm" in phone.ask("change 1")
    assert phone.ask("move 2 boxes to the attic tomorrow 9am").startswith('Got it: "move 2 boxes to the attic"')


def test_change_a_series_moves_its_time_or_its_days(phone):
    clear_of(LA, "08:15", "09:00", "07:30")  # each time the series takes: due (and sent) at once a moment before it
    phone.text("every weekday 8:15 take pills")
    phone.ask("LIST")
    assert "every weekday at 9:00 AM" in phone.ask("CHANGE 1 9am")
    pills = only(phone, "take pills")
    assert pills.every == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR" and local(pills).hour == 9 and pills.due > time.time()
    assert "every Tuesday and Thursday at 9:00 AM" in phone.ask("CHANGE 1 every tue and thu")  # keeps its time
    pills = only(phone, "take pills")
    assert pills.every == "FREQ=WEEKLY;BYDAY=TU,TH" and local(pills).weekday() in (1, 3) and local(pills).hour == 9
    assert "every day at 7:30 AM" in phone.ask("change 1 every day 7:30am")
    assert "For a series" in phone.ask("CHANGE 1 friday")
    assert only(phone, "take pills").every == "FREQ=DAILY"


# --- corrections right after a confirmation --------------------------------------------------------------------

def test_actually_moves_the_reminder_just_made(phone):
    clear_of_midnight(LA)  # 'tomorrow' below is checked against today's date
    phone.text("gym in 2 days at 7am")
    day = local(only(phone, "gym")).date()
    answer = phone.ask("actually 8am")
    assert answer.startswith('Moved: "gym" on ') and "8:00 AM" in answer
    gym = local(only(phone, "gym"))
    assert gym.date() == day and gym.hour == 8  # the time changed, the day kept
    phone.ask("no, tomorrow")  # the day changed, the time kept
    gym = local(only(phone, "gym"))
    assert gym.date() == datetime.now(LA).date() + timedelta(days=1) and gym.hour == 8
    assert len(phone.store.for_phone(phone.number)) == 1


def test_a_correction_works_only_for_a_few_minutes(phone):
    phone.text("gym tomorrow 7am")
    phone.store.redis.hset(phone.store.key("person", phone.number), "made", int(time.time()) - 301)
    assert "Nothing to correct" in phone.ask("actually 8am")
    assert local(only(phone, "gym")).hour == 7


def test_words_after_no_that_are_not_only_a_time_make_a_reminder(phone):
    phone.text("gym tomorrow 7am")
    assert phone.ask("no school tomorrow, pack lunch at 8am").startswith('Got it: "no school')
    assert local(only(phone, "gym")).hour == 7


# --- until done ------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_until_done_repeats_until_done(env, fake_vonage):
    app = create_app({**env, "NAG_MINUTES": "0.01"})  # every 0.6 s
    phone = Phone(app.test_client(), app, fake_vonage)
    answer = phone.ask("take pills in 1 second until done")
    assert answer.startswith('Got it: "take pills"') and "until you reply DONE" in answer
    assert only(phone, "take pills").nag
    time.sleep(1.1)
    assert phone.deliver() == ["take pills"]
    time.sleep(1.3)
    assert phone.deliver() == ["take pills (reply DONE)"] * 2
    assert phone.ask("DONE") == "Done! No more repeats."
    time.sleep(3.5)
    assert phone.deliver() == []
    assert "Nothing is waiting" in phone.ask("ok")


@pytest.mark.slow
def test_repeats_stop_after_six_and_a_series_nags_each_time(env, fake_vonage):
    app = create_app({**env, "NAG_MINUTES": "0.01", "MIN_REPEAT_MINUTES": "0.1"})  # every 0.6 s; series: 6 s
    phone = Phone(app.test_client(), app, fake_vonage)
    assert "until you reply DONE" in phone.ask("nag me every 10 seconds stretch")
    (series,) = phone.store.for_phone(phone.number)
    assert series.message == "stretch" and series.nag
    time.sleep(max(0, series.due - time.time()) + 0.1)
    assert phone.deliver() == ["stretch"]
    time.sleep(4.2)
    assert phone.deliver() == ["stretch (reply DONE)"] * 6  # at most six times
    time.sleep(max(0, phone.store.get(series.id).due - time.time()) + 0.1)
    assert phone.deliver() == ["stretch"]  # the next occurrence nags again
    assert phone.ask("OK") == "Done! No more repeats."


# --- SNOOZE on one occurrence of a series ----------------------------------------------------------------------

@pytest.mark.slow
def test_snooze_delays_one_occurrence_and_the_series_keeps_its_schedule(fast_phone):
    phone = fast_phone
    phone.text("every 30 seconds stand up")
    (series,) = phone.store.for_phone(phone.number)
    time.sleep(max(0, series.due - time.time()) + 0.1)
    assert phone.deliver() == ["stand up"]
    following = phone.store.get(series.id).due
    assert following == pytest.approx(series.due + 30, abs=1)
    assert phone.ask("SNOOZE 5").startswith('Snoozed: "stand up" again at ')
    reminders = {r.id: r for r in phone.store.for_phone(phone.number)}
    assert reminders[series.id].due == following and reminders[series.id].every == series.every
    (copy,) = [r for r in reminders.values() if r.id != series.id]
    assert copy.every is None and copy.due == pytest.approx(time.time() + 300, abs=5)


# --- LIST shows zones ------------------------------------------------------------------------------------------

def test_list_names_the_zone_of_a_reminder_kept_in_its_old_zone(phone):
    phone.text("call the plumber in 1 hour")  # 1 hour ahead in Los Angeles: already past as a New York wall time
    phone.text("gym in 2 days at 7am")
    assert "moved to your local time" in phone.ask("TZ New York")
    listed = phone.ask("LIST")
    plumber = next(line for line in listed.splitlines() if "plumber" in line)
    gym = next(line for line in listed.splitlines() if "gym" in line)
    assert plumber.endswith("(Los Angeles time)") and "time)" not in gym
    assert only(phone, "call the plumber").tz == "America/Los_Angeles"
