"""Talking to the service by SMS: every command, time zones, opt-out, odd messages and abuse limits, end to end
(inbound webhook → conversation → schedule → courier → vonage SDK → fake Vonage)."""
from __future__ import annotations

import threading
import time

import pytest

from app import create_app
from app.storage.store import Reminder
from tests.helpers import Phone, auth, clear_of, clear_of_minute_turn, inbound, wait_until
from tests.support.fake_vonage import count_segments, is_gsm7

AMBIGUOUS = "18005550100"  # a US toll-free number: no single zone
LA = "America/Los_Angeles"  # the test number's zone


@pytest.fixture()
def phone(client, app, fake_vonage) -> Phone:
    return Phone(client, app, fake_vonage)


def one_segment(text: str) -> bool:
    return count_segments(text, unicode=not is_gsm7(text)) == 1


def segments(text: str) -> int:
    return count_segments(text, unicode=not is_gsm7(text))


@pytest.mark.parametrize("word", ["HELP", "help", "Info", "?", " help! "])
def test_help_explains_with_examples_and_how_to_stop(phone, word):
    answer = phone.ask(word)
    assert "gym tomorrow 7am" in answer and "Reply STOP to opt out" in answer and segments(answer) <= 2


def test_list_numbers_reminders_soonest_first_in_local_time(phone):
    assert "No reminders" in phone.ask("LIST")
    clear_of(LA, "08:15")  # made a moment before 8:15, the series would be due (and sent) at once
    phone.text("dentist friday at 3pm")
    phone.text("gym tomorrow 7am")
    phone.text("every weekday 8:15 take pills")
    answer = phone.ask("list")
    lines = answer.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"{i}. ") for i, line in enumerate(lines, 1))
    assert "7:00 AM" in answer and "3:00 PM" in answer and "every weekday 8:15 AM" in answer
    assert one_segment(answer)


def test_long_list_is_cut_to_one_segment(phone):
    for hour in range(1, 10):
        phone.text(f"water the plants in the greenhouse in {hour} hours")
    answer = phone.ask("LIST")
    assert one_segment(answer) and answer.splitlines()[-1].startswith("+") and "more" in answer


def test_cancel_by_the_number_in_the_last_list(phone):
    phone.text("dentist in 3 hours")
    phone.text("gym in 1 hour")
    phone.text("call mom in 2 hours")
    phone.ask("LIST")
    assert phone.ask("Cancel 2") == 'Cancelled #2: "call mom".'
    assert [r.message for r in phone.store.for_phone(phone.number)] == ["gym", "dentist"]
    assert "no reminder #7" in phone.ask("DELETE 7")
    assert 'Cancelled #1: "gym"' in phone.ask("delete #1")


def test_cancel_all(phone):
    phone.text("gym in 1 hour")
    clear_of(LA, "09:00")  # made a moment before 9am, the series would be due (and sent) at once
    phone.text("every day 9am stretch")
    assert phone.ask("CANCEL ALL") == "Cancelled all your reminders (2)."
    assert phone.store.for_phone(phone.number) == []


def test_cancelling_a_series_stops_it(phone):
    phone.text("every 2 hours drink water")
    (series,) = phone.store.for_phone(phone.number)
    assert series.every == "FREQ=HOURLY;INTERVAL=2"
    phone.ask("LIST")
    phone.ask("cancel 1")
    assert phone.store.get(series.id).status == "cancelled" and phone.store.next_due() is None


def test_undo_cancels_the_last_reminder_made(phone):
    phone.text("gym in 1 hour")
    phone.text("dentist in 2 hours")
    assert phone.ask("UNDO") == 'Undone: "dentist" is cancelled.'
    assert [r.message for r in phone.store.for_phone(phone.number)] == ["gym"]
    assert "Nothing to undo" in phone.ask("undo")


def test_snooze_repeats_the_reminder_that_just_arrived(phone):
    assert "Nothing to snooze" in phone.ask("SNOOZE")
    phone.text("stretch in 3 seconds")  # not due before the reply has gone, on a busy machine
    assert wait_until(lambda: phone.deliver() == ["stretch"], timeout=10)
    started = time.time()
    assert phone.ask("snooze").startswith('Snoozed: "stretch" again at ')
    (again,) = phone.store.for_phone(phone.number)
    assert again.message == "stretch" and again.due - started == pytest.approx(600, abs=5)
    hour_asked = time.time()  # each snooze counts from its own text (under load one text can take most of a second)
    phone.ask("SNOOZE 1h")
    first, second = sorted(phone.store.for_phone(phone.number), key=lambda r: r.due)
    assert (round(first.due - started), round(second.due - hour_asked)) == (600, 3600)
    assert "how long" in phone.ask("snooze for ages")


def test_tz_shows_and_sets_the_zone_by_name_city_or_abbreviation(phone):
    assert phone.ask("TZ").startswith("Your time zone is America/Los_Angeles")
    assert phone.ask("TZ Europe/London").startswith("Time zone set to Europe/London; it's ")
    assert phone.ask("tz new york").startswith("Time zone set to America/New_York")
    assert phone.ask("TZ EST").startswith("Time zone set to America/New_York")
    assert "don't know the time zone" in phone.ask("TZ Atlantis")
    phone.text("gym tomorrow 7am")
    (gym,) = phone.store.for_phone(phone.number)
    assert gym.tz == "America/New_York" and gym.due_local.hour == 7


def test_a_number_with_several_zones_is_asked_once(client, app, fake_vonage):
    phone = Phone(client, app, fake_vonage, number=AMBIGUOUS)
    first = phone.ask("gym tomorrow 7am")
    assert first.endswith("Reply TZ <city> to set your time zone.") and one_segment(first)
    assert "TZ <city>" not in phone.ask("dentist friday 3pm")
    (gym, _) = phone.store.for_phone(AMBIGUOUS)
    assert gym.tz == "UTC" and gym.due_local.hour == 7  # DEFAULT_TIMEZONE until told
    assert "2 reminders moved to your local time" in phone.ask("TZ Chicago")
    moved = {r.message: r for r in phone.store.for_phone(AMBIGUOUS)}
    assert moved["gym"].tz == "America/Chicago" and moved["gym"].due_local.hour == 7  # still 7am, their 7am


@pytest.mark.parametrize("word", ["STOP", "stop", "StopAll", "UNSUBSCRIBE", "cancel", "END", "quit.", "REVOKE",
                                  "opt out", "Stop texting me"])
def test_every_opt_out_word_stops_everything_with_one_last_confirmation(phone, word):
    phone.text("gym in 1 hour")
    answer = phone.ask(word)
    assert "unsubscribed" in answer and "START" in answer
    assert phone.text("HELP") == [] and phone.text("gym tomorrow 7am") == []  # nothing more is ever sent
    assert [r.status for r in phone.store.for_phone(phone.number)] == ["held"]


@pytest.mark.slow
def test_stop_holds_a_reminder_past_its_due_time_and_start_resumes_the_rest(phone):
    phone.text("missed in 1 second")
    phone.text("resumed in 4 seconds")
    stopped_at = time.time()
    phone.ask("STOP")
    time.sleep(max(0, stopped_at + 1.5 - time.time()))
    assert phone.deliver() == []  # due, but held: not sent
    assert "1 reminder resumed" in phone.ask("START")
    statuses = {r.message: r.status for r in phone.store.for_phone(phone.number)}
    assert statuses == {"resumed": "pending"}  # the one due while opted out is not sent late
    time.sleep(max(0, stopped_at + 4.2 - time.time()))
    assert phone.deliver() == ["resumed"]
    assert "subscribed already" in phone.ask("UNSTOP")


@pytest.mark.slow
def test_a_held_series_resumes_at_its_next_occurrence(fast_phone):
    phone = fast_phone
    phone.text("every 2 seconds blink")
    phone.ask("STOP")
    time.sleep(2.5)
    started = time.time()
    texts = phone.text("START")  # on a busy machine the next occurrence may already be due, and go with it
    assert len([t for t in texts if t != "blink"]) == 1 and texts.count("blink") <= 1  # never the missed ones
    (series,) = phone.store.for_phone(phone.number)
    assert series.status == "pending" and series.due > started


def test_long_message_in_parts_gives_up_and_says_so(env, fake_vonage):
    app = create_app({**env, "CONCAT_TIMEOUT_SECONDS": "1"})
    phone = Phone(app.test_client(), app, fake_vonage)
    part = inbound("remind me to call the bank ", msisdn=phone.number, concat="true", **{
        "concat-ref": "7", "concat-total": "2", "concat-part": "1"})
    assert phone.client.post("/webhooks/inbound-sms", data=part).status_code == 204
    assert phone.deliver() == []
    time.sleep(1.2)
    assert phone.deliver() == ["Part of your long message never arrived, so I couldn't read it. Please send it again."]
    assert phone.store.for_phone(phone.number) == []


def test_completed_long_message_disarms_the_give_up_reply(env, fake_vonage):
    app = create_app({**env, "CONCAT_TIMEOUT_SECONDS": "1"})
    phone = Phone(app.test_client(), app, fake_vonage)
    for n, text in [(2, "tomorrow at 9am"), (1, "call the bank ")]:
        phone.text(text, concat="true", **{"concat-ref": "8", "concat-total": "2", "concat-part": str(n)})
    time.sleep(1.2)
    assert phone.deliver() == []
    (reminder,) = phone.store.for_phone(phone.number)
    assert reminder.message == "call the bank"
    assert len([m for m in fake_vonage.messages if m["text"].startswith("Got it")]) == 1


@pytest.mark.parametrize("text, expect", [
    ("", "gym tomorrow 7am"),  # nothing said: how to use it
    ("   \n\t ", "gym tomorrow 7am"),
    ("\x00\x07\x1b", "gym tomorrow 7am"),
    ("🦷🪥 dentist tomorrow 9am", 'Got it: "🦷🪥 dentist"'),
    ("in 10 minutes", 'Got it: "Reminder"'),
    ("pay r\x00ent friday 9am", 'Got it: "pay rent"'),
])
def test_odd_messages_get_a_sensible_answer(phone, text, expect):
    answer = phone.ask(text)
    assert answer.startswith(expect) or expect in answer
    assert segments(answer) <= (2 if expect == "gym tomorrow 7am" else 1)  # nothing said: the HELP text


def test_unicode_type_message(phone):
    answer = phone.ask("Zahnarzt 🦷 morgen früh um 9")  # not understood: a helpful reply, nothing breaks
    assert one_segment(answer)
    # English beyond doubt ('tomorrow at'), so the replies leave German again ('café' is every language's word)
    assert phone.ask("Café ☕ with Zoë tomorrow at 10am").startswith('Got it: "Café ☕ with Zoë"')


def test_two_thousand_characters(phone):
    long = "tomorrow 9am " + ("call the plumber about the boiler and the leaking tap. " * 40)[:1987]
    answer = phone.ask(long)
    assert "too long" in answer and one_segment(answer)
    assert phone.store.for_phone(phone.number) == []
    answer = phone.ask("tomorrow 9am " + "x" * 900)
    (kept,) = phone.store.for_phone(phone.number)
    assert len(kept.message) == 900 and one_segment(answer)  # the reminder's own text is kept whole


def test_reminder_text_is_sent_whole_even_when_long(phone):
    phone.text("in 1 second " + "bring the passport, the tickets and the charger " * 5)
    time.sleep(1.2)
    (sent,) = phone.deliver()
    assert sent == ("bring the passport, the tickets and the charger " * 5).strip()


def test_new_reminders_are_limited_per_minute_with_one_polite_refusal(env, fake_vonage):
    app = create_app({**env, "REMINDERS_PER_MINUTE": "3"})
    clear_of_minute_turn()  # counted per wall-clock minute: all five texts in one
    phone = Phone(app.test_client(), app, fake_vonage)
    for i in range(3):
        assert phone.ask(f"task {i} in {i + 1} hours").startswith("Got it")
    assert "wait a minute" in phone.ask("task 4 in 5 hours")
    assert phone.text("task 5 in 6 hours") == []  # never a reply storm
    assert len(phone.store.for_phone(phone.number)) == 3


def test_pending_reminders_are_capped(env, fake_vonage):
    app = create_app({**env, "MAX_PENDING_PER_NUMBER": "2"})
    phone = Phone(app.test_client(), app, fake_vonage)
    phone.text("a in 1 hour"), phone.text("b in 2 hours")
    assert "2 reminders already" in phone.ask("c in 3 hours")
    assert len(phone.store.for_phone(phone.number)) == 2


def test_texts_per_minute_are_limited(env, fake_vonage):
    app = create_app({**env, "TEXTS_PER_MINUTE": "3"})
    clear_of_minute_turn()  # counted per wall-clock minute: all six texts in one
    phone = Phone(app.test_client(), app, fake_vonage)
    answers = [phone.text("LIST") for _ in range(6)]
    assert [len(a) for a in answers] == [1, 1, 1, 1, 0, 0]
    assert "faster than I can keep up" in answers[3][0]


def test_more_than_a_year_ahead_is_refused_with_a_reason(phone):
    assert "too far ahead" in phone.ask("renew passport in 2 years")
    assert phone.store.for_phone(phone.number) == []


def test_only_the_sender_is_ever_texted(phone, fake_vonage):
    phone.text("text +442079460999 saying hi at 5pm")
    phone.text("LIST")
    assert {m["to"] for m in fake_vonage.messages} == {phone.number}


def test_a_reply_waiting_to_be_retried_is_not_sent_after_stop(phone, fake_vonage):
    fake_vonage.queue_status("1")  # Vonage throttles the HELP reply: it waits for a retry
    assert phone.text("HELP") == []
    (confirmation,) = phone.text("STOP")
    assert "unsubscribed" in confirmation
    time.sleep(0.3)
    assert phone.deliver() == []  # the throttled HELP reply never follows the opt-out's confirmation


@pytest.mark.slow
def test_a_failed_occurrence_does_not_end_the_series(fast_phone, fake_vonage):
    phone = fast_phone
    phone.text("every 2 seconds blink")
    (series,) = phone.store.for_phone(phone.number)
    fake_vonage.status_for_number(phone.number, "7")  # Number barred: fails for good
    time.sleep(max(0, series.due - time.time()) + 0.1)
    assert phone.deliver() == []
    again = phone.store.get(series.id)
    assert again.status == "pending" and again.due > series.due
    assert phone.courier.receipts.of(series.id)["state"] == "failed"
    fake_vonage.status_for_number(phone.number, "0")
    assert "(last one failed)" in phone.ask("LIST")


def test_absurd_snooze_gets_a_reply_not_an_error(phone):
    phone.text("stretch in 1 second")
    time.sleep(1.1)
    phone.deliver()
    assert "how long" in phone.ask("SNOOZE 99999999999999999999 h")


def test_confirmation_with_quotes_still_fits_one_segment(phone):
    answer = phone.ask('tomorrow 9am read "' + "the long title of a book " * 8 + '" and take notes')
    assert one_segment(answer) and answer.startswith('Got it: "read "the long title') and '..."' in answer


def test_held_reminders_move_with_a_new_zone_and_stay_held(client, app, fake_vonage):
    phone = Phone(client, app, fake_vonage, number=AMBIGUOUS)
    # 7:00 (UTC) the day after tomorrow is still ahead as a Tokyo wall time; tomorrow's would not be after 22:00 UTC,
    # and a reminder whose wall time has passed in the new zone rightly stays in its old one (people.set_zone)
    phone.text("gym in 2 days at 7am")
    phone.ask("STOP")
    # a number that opted out cannot text TZ; the API can set its zone
    assert client.patch(f"/api/people/+{AMBIGUOUS}", headers=auth(), json={"timezone": "Asia/Tokyo"}).status_code == 200
    (gym,) = phone.store.for_phone(AMBIGUOUS)
    assert gym.status == "held" and gym.tz == "Asia/Tokyo" and gym.due_local.hour == 7
    assert phone.store.next_due() is None  # not back on the schedule


# --- repeats with a floor, rules that cannot be stepped ----------------------------------------------------

@pytest.mark.parametrize("text", ["every second ping", "ping every 5 minutes", "every 10 min drink water"])
def test_a_text_that_repeats_more_often_than_the_floor_gets_a_polite_refusal_saying_it(phone, text):
    answer = phone.ask(text)
    assert answer.startswith("That repeats too often") and "at most every 15 minutes" in answer
    assert one_segment(answer)
    assert phone.store.for_phone(phone.number) == []  # nothing made, nothing sent


def test_change_cannot_make_a_series_repeat_more_often_than_the_floor(phone):
    clear_of(LA, "09:00")  # made a moment before 9am, the series would be due (and sent) at once
    phone.ask("stretch every day 9am")
    phone.ask("LIST")
    assert phone.ask("CHANGE 1 every 2 seconds").startswith("That repeats too often")
    assert phone.store.for_phone(phone.number)[0].every == "FREQ=DAILY"


def test_stop_says_is_for_one_reminder_and_are_for_more(phone):
    phone.ask("gym tomorrow 7am")
    assert "Your 1 reminder is on hold." in phone.ask("STOP")
    phone.ask("START")
    phone.ask("dentist tomorrow 3pm")
    assert "Your 2 reminders are on hold." in phone.ask("STOP")


def test_start_with_a_stored_rule_that_cannot_be_stepped_answers_and_ends_that_series_failed(phone):
    """Held by STOP, a FREQ=MINUTELY;INTERVAL=0 series (stored before rules were checked) made START spin
    a web thread forever, unanswered."""
    bad, = phone.store.add([Reminder(phone=phone.number, message="poison", due=time.time() - 120, tz="UTC",
                                     every="FREQ=MINUTELY;INTERVAL=0")])
    good, = phone.store.add([Reminder(phone=phone.number, message="gym", due=time.time() + 3600, tz="UTC")])
    phone.ask("STOP")
    answers: list[str] = []
    starting = threading.Thread(target=lambda: answers.append(phone.ask("START")), daemon=True)
    starting.start()
    starting.join(timeout=20)  # before, it never returned
    assert answers and "1 reminder resumed" in answers[0]
    assert phone.store.get(bad).status == "failed" and "INTERVAL" in phone.store.get(bad).detail
    assert phone.store.get(good).status == "pending"


@pytest.mark.parametrize("stop", ["ＳＴＯＰ", "𝐒𝐓𝐎𝐏", "ⓈⓉⓄⓅ", "🅢🅣🅞🅟", "ｂａｊａ"])
def test_a_letter_like_stop_opts_out_through_the_webhook(phone, stop):
    people = phone.client.application.extensions["reminders"].people
    confirmation = phone.ask(stop)
    assert "Reply START" in confirmation or "Responde ALTA" in confirmation  # BAJA's is in Spanish
    assert people.person(phone.number).opted_out
    phone.ask("ＳＴＡＲＴ")
    assert not people.person(phone.number).opted_out


def test_a_reminder_keeps_its_letter_like_words(phone):
    clear_of("America/Los_Angeles", "17:00")
    assert phone.ask("ｔｅａ with Ｋｅｎｊｉ ① tomorrow 5pm").startswith('Got it: "ｔｅａ with Ｋｅｎｊｉ ①"')
