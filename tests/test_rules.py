"""Recurrence rules (app/rules.py): the one validator (every source of a rule gets the same floor and the same
checks) and the bounded stepper (a rule that cannot be stepped raises, never hangs)."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.parsing import describe_when, parse
from app.rules import RuleError, TooOften, check, next_occurrence

# --- stepping ------------------------------------------------------------------------------------------------
NY, SYD, BER = ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney"), ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("rule,previous,expected", [
    # daily 08:15 keeps its wall-clock time over the US spring-forward and fall-back changes
    ("FREQ=DAILY", datetime(2026, 3, 7, 8, 15, tzinfo=NY), "2026-03-08T08:15:00-04:00"),
    ("FREQ=DAILY", datetime(2026, 10, 31, 8, 15, tzinfo=NY), "2026-11-01T08:15:00-05:00"),
    ("FREQ=DAILY", datetime(2027, 3, 13, 8, 15, tzinfo=NY), "2027-03-14T08:15:00-04:00"),
    # weekdays skip the weekend and the DST change in between
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", datetime(2026, 3, 6, 8, 15, tzinfo=NY), "2026-03-09T08:15:00-04:00"),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", datetime(2026, 11, 25, 8, 15, tzinfo=NY), "2026-11-26T08:15:00-05:00"),
    ("FREQ=WEEKLY;BYDAY=SU", datetime(2026, 3, 29, 9, 0, tzinfo=SYD), "2026-04-05T09:00:00+10:00"),
    ("FREQ=WEEKLY;BYDAY=SU", datetime(2026, 9, 27, 9, 0, tzinfo=SYD), "2026-10-04T09:00:00+11:00"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", datetime(2026, 10, 16, 17, 0, tzinfo=BER), "2026-10-30T17:00:00+01:00"),
    ("FREQ=WEEKLY;BYDAY=TU,TH", datetime(2026, 11, 26, 18, 0, tzinfo=NY), "2026-12-01T18:00:00-05:00"),
    # monthly / yearly
    ("FREQ=MONTHLY;BYMONTHDAY=1", datetime(2026, 3, 1, 9, 0, tzinfo=BER), "2026-04-01T09:00:00+02:00"),
    ("FREQ=MONTHLY;BYMONTHDAY=31", datetime(2027, 1, 31, 9, 0, tzinfo=NY), "2027-03-31T09:00:00-04:00"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", datetime(2027, 1, 31, 9, 0, tzinfo=NY), "2027-02-28T09:00:00-05:00"),
    ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3", datetime(2027, 3, 3, 9, 0, tzinfo=NY), "2028-03-03T09:00:00-05:00"),
    # hourly and shorter step in elapsed time, across the gap and the repeated hour
    ("FREQ=HOURLY;INTERVAL=2", datetime(2026, 3, 8, 1, 0, tzinfo=NY), "2026-03-08T04:00:00-04:00"),
    ("FREQ=HOURLY", datetime(2026, 11, 1, 1, 30, tzinfo=NY), "2026-11-01T01:30:00-05:00"),
    ("FREQ=MINUTELY;INTERVAL=30", datetime(2026, 11, 25, 23, 45, tzinfo=NY), "2026-11-26T00:15:00-05:00"),
    # a wall time that does not exist that day moves forward by the gap
    ("FREQ=DAILY", datetime(2026, 3, 7, 2, 30, tzinfo=NY), "2026-03-08T03:30:00-04:00"),
])
def test_next_occurrence(rule, previous, expected):
    nxt = next_occurrence(rule, previous)
    assert nxt is not None and nxt.isoformat() == expected
    assert nxt.timestamp() > previous.timestamp()


def test_next_occurrence_until_ends_series():
    prev = datetime(2026, 11, 29, 9, 0, tzinfo=NY)
    assert next_occurrence("FREQ=DAILY;UNTIL=20261130T235959Z", prev).isoformat() == "2026-11-30T09:00:00-05:00"
    assert next_occurrence("FREQ=DAILY;UNTIL=20261129T235959Z", prev) is None
    assert next_occurrence("FREQ=DAILY;UNTIL=20261130", datetime(2026, 11, 30, 9, 0, tzinfo=NY)) is None


def test_next_occurrence_of_parsed_series_chains():
    now = datetime(2026, 3, 5, 12, 0, tzinfo=NY)
    p = parse("every weekday 8:15 take pills", "America/New_York", now)
    dues = [p.due]
    for _ in range(5):
        dues.append(next_occurrence(p.every, dues[-1]))
    assert [d.isoformat() for d in dues] == [
        "2026-03-06T08:15:00-05:00", "2026-03-09T08:15:00-04:00", "2026-03-10T08:15:00-04:00",
        "2026-03-11T08:15:00-04:00", "2026-03-12T08:15:00-04:00", "2026-03-13T08:15:00-04:00"]


def test_next_occurrence_needs_aware_datetime():
    with pytest.raises(ValueError):
        next_occurrence("FREQ=DAILY", datetime(2026, 1, 1, 9, 0))


# --- the validator: each kind of rule that once got through, and its kin ----------------------------------------
START = datetime(2026, 11, 25, 9, 0, tzinfo=NY)


@pytest.mark.parametrize("rule, words", [
    ("FREQ=SECONDLY", "it repeats every 1 second; a reminder may repeat at most every 15 minutes"),
    ("FREQ=SECONDLY;INTERVAL=30", "every 30 seconds"),
    ("FREQ=MINUTELY", "every 1 minute"),
    ("FREQ=MINUTELY;INTERVAL=14", "every 14 minutes"),
    ("FREQ=HOURLY;BYMINUTE=0,10,20,30,40,50", "every 10 minutes"),
    ("FREQ=DAILY;BYMINUTE=0,5", "every 5 minutes"),
    ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0,30", "every 30 seconds"),
    ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9,10;BYMINUTE=0,1", "every 1 minute"),
])
def test_a_rule_that_repeats_more_often_than_the_floor_is_refused_naming_it(rule, words):
    with pytest.raises(TooOften) as info:
        check(rule, min_minutes=15, start=START)
    assert words in str(info.value) and "every 15 minutes" in str(info.value)
    assert info.value.floor_minutes == 15


def test_the_floor_is_a_setting_and_the_gap_is_measured_by_stepping():
    assert check("FREQ=MINUTELY;INTERVAL=15", min_minutes=15, start=START) == "FREQ=MINUTELY;INTERVAL=15"
    assert check("FREQ=HOURLY;BYMINUTE=0,30", min_minutes=15, start=START) == "FREQ=HOURLY;BYMINUTE=0,30"
    with pytest.raises(TooOften):
        check("FREQ=HOURLY;BYMINUTE=0,30", min_minutes=60, start=START)
    # the first due counts too: 9:00, then 9:05 on the rule's own clock
    with pytest.raises(TooOften):
        check("FREQ=DAILY;BYHOUR=9;BYMINUTE=5", min_minutes=15, start=START)


@pytest.mark.parametrize("rule, names", [
    ("FREQ=MINUTELY;INTERVAL=0", "INTERVAL"),
    ("FREQ=DAILY;INTERVAL=-1", "INTERVAL"),
    ("FREQ=DAILY;INTERVAL=99999999999", "INTERVAL"),
    ("FREQ=DAILY;UNTIL=2027-06-01", "UNTIL"),
    ("FREQ=DAILY;UNTIL=20270601", "UNTIL"),  # RFC 5545 allows a date, but then its zone is a guess
    ("FREQ=DAILY;UNTIL=20270601T000000", "UNTIL"),
    ("FREQ=WEEKLY;BYDAY=1MO", "BYDAY"),
    ("FREQ=MONTHLY;BYDAY=6MO", "BYDAY"),
    ("FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=15", "BYDAY"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "BYMONTH"),
    ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
    ("FREQ=DAILY;BYHOUR=24", "BYHOUR"),
    ("FREQ=HOURLY;BYHOUR=9", "BYHOUR"),
    ("FREQ=MINUTELY;INTERVAL=20;BYMINUTE=0", "BYMINUTE"),
    ("FREQ=DAILY;BYSETPOS=1", "BYSETPOS"),
    ("FREQ=DAILY;DTSTART=20260101T000000Z", "DTSTART"),
    ("FREQ=FORTNIGHTLY", "FREQ"),
    ("BYDAY=MO", "FREQ"),
    ("FREQ=DAILY;FREQ=WEEKLY", "FREQ"),
    ("FREQ=DAILY;COUNT=0", "COUNT"),
    ("FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z", "COUNT"),
    ("FREQ=DAILY;;BYDAY", "BYDAY"),
])
def test_a_rule_the_worker_could_not_step_is_refused_naming_the_part(rule, names):
    with pytest.raises(RuleError) as info:
        check(rule, min_minutes=15, start=START)
    assert names in str(info.value) and not isinstance(info.value, TooOften)


def test_parsed_and_nth_weekday_rules_pass_and_step_and_are_worded():
    for rule, following, words in [
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "2026-12-01T09:00:00-05:00", "every month on the 1st and 15th at 9:00 AM"),
        ("FREQ=MONTHLY;BYDAY=1MO", "2026-12-07T09:00:00-05:00", "every month on the first Monday at 9:00 AM"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "2026-11-27T09:00:00-05:00", "every month on the last Friday at 9:00 AM"),
    ]:
        assert check(rule, min_minutes=15, start=START) == rule
        assert next_occurrence(rule, START).isoformat() == following
        assert describe_when(START, rule) == words
    # a shape the words do not cover still reads, never raises
    assert "FREQ=MONTHLY;BYDAY=1MO,-1FR" in describe_when(START, "FREQ=MONTHLY;BYDAY=1MO,-1FR")


def test_count_becomes_the_until_of_its_last_occurrence():
    rule = check("FREQ=DAILY;COUNT=3", min_minutes=15, start=START)
    assert rule == "FREQ=DAILY;UNTIL=20261127T140000Z"
    assert next_occurrence(rule, datetime(2026, 11, 27, 9, 0, tzinfo=NY)) is None


def test_every_rule_the_parser_makes_passes_the_validator():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=NY)
    for text in ("every weekday 8:15 take pills", "meds 8am and 8pm daily", "every 2 hours stretch",
                 "every 1.5 hours water", "every first monday of the month book club", "gym on mondays",
                 "daily for a week take antibiotics 9pm", "every 2 hours until 6pm drink", "every other day run",
                 "every year on march 3 birthday", "the 1st and 15th of every month rent"):
        parsed = parse(text, "America/New_York", now)
        assert parsed.every and check(parsed.every, min_minutes=15, start=parsed.due) == parsed.every, text


# --- the stepper is bounded -----------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["FREQ=MINUTELY;INTERVAL=0", "FREQ=DAILY;UNTIL=2027-06-01", "FREQ=DAILY;INTERVAL=-1",
                                  "FREQ=WEEKLY;BYDAY=1MO", "nonsense", "FREQ=HOURLY;BYHOUR=3"])
def test_stepping_a_rule_that_cannot_be_stepped_raises_instead_of_hanging(rule):
    with pytest.raises(RuleError):
        next_occurrence(rule, START)


@pytest.mark.parametrize("rule", ["FREQ=DAILY;INTERVAL=7;BYDAY=MO", "FREQ=MONTHLY;INTERVAL=12;BYMONTH=3",
                                  "FREQ=HOURLY;INTERVAL=168;BYDAY=MO", "FREQ=MINUTELY;BYMONTH=4,6;BYMONTHDAY=31"])
def test_a_rule_that_never_fires_again_ends_instead_of_searching_to_the_year_9999(rule):
    """Start on a Wednesday in November: these never fire again. dateutil alone searches them up to the year 9999
    (minutes for the sub-daily ones); stepped here, they end. (Months without a 31st are refused by the validator.)"""
    if "BYMONTHDAY=31" in rule:
        with pytest.raises(RuleError):
            next_occurrence(rule, START)
    else:
        assert next_occurrence(rule, START) is None


def test_resuming_a_held_series_is_one_step_however_long_it_was_held():
    """STOP, then START a year later: the series resumes at its first occurrence after now, in one bounded step."""
    now = datetime(2027, 11, 25, 9, 0, 1, tzinfo=NY)
    assert next_occurrence("FREQ=SECONDLY;INTERVAL=2", START, after=now).isoformat() == "2027-11-25T09:00:02-05:00"
    assert next_occurrence("FREQ=MINUTELY;INTERVAL=15", START, after=now).isoformat() == "2027-11-25T09:15:00-05:00"
    assert next_occurrence("FREQ=WEEKLY;BYDAY=MO", START, after=now).isoformat() == "2027-11-29T09:00:00-05:00"
    assert next_occurrence("FREQ=DAILY", START, after=datetime(2026, 1, 1, tzinfo=UTC)) \
        .isoformat() == "2026-11-26T09:00:00-05:00"  # `after` before the previous occurrence changes nothing
