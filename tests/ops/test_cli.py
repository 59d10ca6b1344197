"""The parse command: `flask --app app parse`, one text or a JSON-lines batch."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest

from app import create_app
from tests.conftest import ROOT


@pytest.fixture()
def runner(env):
    return create_app(env).test_cli_runner()


def test_parse_prints_one_json_object(runner):
    result = runner.invoke(args=["parse", "gym tomorrow 7am", "--tz", "Europe/London", "--now", "2026-11-25T10:00:00"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"message": "gym", "due": "2026-11-26T07:00:00+00:00", "every": None}


def test_parse_error_exits_1(runner):
    result = runner.invoke(args=["parse", "buy milk", "--tz", "UTC"])
    assert result.exit_code == 1 and "error" in json.loads(result.output)


def test_parse_unknown_zone_is_a_clear_error(runner):
    result = runner.invoke(args=["parse", "gym at 5pm", "--tz", "Mars/Olympus"])
    assert result.exit_code == 1 and "time zone" in json.loads(result.output)["error"]


def test_parse_jsonl_answers_each_line_in_order(runner):
    lines = [{"text": "call mom in 2 hours", "tz": "America/New_York", "now": "2026-11-25T10:00:00-05:00"},
             {"text": "nothing here", "tz": "UTC", "now": "2026-11-25T10:00:00+00:00"},
             "not json at all",
             {"text": "friday at 3pm", "tz": "UTC", "now": "2026-11-25T10:00:00+00:00"}]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    result = runner.invoke(args=["parse", "--jsonl"], input=stdin)
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert len(answers) == 4
    assert answers[0]["message"] == "call mom" and answers[0]["due"] == "2026-11-25T12:00:00-05:00"
    assert "error" in answers[1] and "error" in answers[2]
    assert answers[3]["due"] == "2026-11-27T15:00:00+00:00"


@pytest.mark.slow
def test_parse_command_through_flask_cli():
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "parse", "in 30 mins stretch", "--tz",
                          "Asia/Kolkata", "--now", "2026-11-25T10:00:00+05:30"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "REDIS_URL": "redis://127.0.0.1:1"})
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["message"] == "stretch"
    assert datetime.fromisoformat(answer["due"]) == datetime.fromisoformat("2026-11-25T10:30:00+05:30")
