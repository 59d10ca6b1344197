"""Logs: one JSON object per line with a request id, phone numbers masked unless debugging, no message text; the
worker's lines too. Real Redis, a real worker process."""
from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import logs
from tests.helpers import inbound, wait_until

# --- logs ------------------------------------------------------------------------------------------------------

def json_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_logs_are_json_with_request_id_and_no_numbers_or_text(client, capsys):
    answer = client.get("/webhooks/inbound-sms?msisdn=14155550100&messageId=x1&text=see+the+doctor",
                        headers={"X-Request-ID": "req-123"})
    assert answer.status_code == 204 and answer.headers["X-Request-ID"] == "req-123"
    lines = json_lines(capsys)
    access = [e for e in lines if e["logger"] == "access"]
    assert access and access[-1]["request_id"] == "req-123" and access[-1]["path"] == "/webhooks/inbound-sms"
    assert access[-1]["status"] == 204 and {"ts", "level", "msg", "ms"} <= set(access[-1])
    everything = json.dumps(lines)
    assert "14155550100" not in everything and "doctor" not in everything


def test_request_ids_are_made_when_not_given(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"] != "bad id!"


def test_numbers_are_masked_unless_debugging(capsys):
    logs.setup("INFO")
    logging.getLogger("t").info("texted +14155550100 and 447700900123; id 12")
    logs.setup("DEBUG")
    logging.getLogger("t").info("texted +14155550100")
    logs.setup("INFO")
    masked, plain = (e["msg"] for e in json_lines(capsys)[-2:])
    assert masked == "texted …0100 and …0123; id 12" and plain == "texted +14155550100"


def test_masking_leaves_gunicorns_listening_line_and_other_non_numbers_alone(capsys):
    """A new user saw `Listening at: http://0.0.0.0:…4003`: the port and gunicorn's pid taken for a number."""
    logs.setup("INFO")
    lines = ["Listening at: http://0.0.0.0:5611 (14003)", "Listening at: http://0.0.0.0:5000 (4194303)",
             "Listening at: http://127.0.0.1:8080 (1234)", "started 12:30 (1403)"]
    for line in lines:
        logging.getLogger("gunicorn.error").info(line)
    assert [e["msg"] for e in json_lines(capsys)[-len(lines):]] == lines
    for number in ("1 (415) 555-0133", "+44 (0)20 7946 0958", "(0211) 1234567", "at 12:30 +14155550133"):
        assert "…" in logs.mask_phone(number) and "555" not in logs.mask_phone(number).replace("…", ""), number


def test_every_masked_number_reads_the_same_way(client, fake_vonage, start_worker):
    """Numbers were masked as `…0100` by the log formatter but as `...0100` by the worker's own lines."""
    worker = start_worker()
    assert client.post("/webhooks/inbound-sms", data=inbound("stretch in 1 second")).status_code == 204
    fake_vonage.wait_for(2, timeout=10)
    sent = wait_until(lambda: (found := [ln for ln in worker.output().splitlines() if '"sent ' in ln])[1:] and found)
    assert all("to …0100" in line for line in sent) and "...0100" not in worker.output(), sent
    assert logs.last_four("+14155550100") == "…0100" == logs.mask_phone("+14155550100")


_GROUP = st.one_of(st.text("0123456789", min_size=1, max_size=4),
                   st.text("0123456789", min_size=1, max_size=4).map(lambda d: f"({d})"))
_WRITTEN = st.tuples(st.sampled_from(["", "+", "call ", "x", "2026-11-27T"]),
                     st.lists(st.tuples(st.sampled_from(["", " ", ".", "-", "/"]), _GROUP), min_size=1, max_size=6),
                     st.sampled_from(["", " now", ".", "x", ":12"]))


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(alphabet="0123456789 .-/()+x:T", max_size=40),
                 _WRITTEN.map(lambda w: w[0] + "".join(sep + group for sep, group in w[1]) + w[2])))
@pytest.mark.slow
def test_the_quick_check_before_masking_never_lets_a_number_through(text):
    """mask_phone skips its slow pattern when no eight digits stand close together; that must change nothing."""
    assert logs.mask_phone(text) == logs._PHONE.sub(logs._masked, text)


def test_worker_logs_are_json(start_worker):
    worker = start_worker()
    first = next(line for line in worker.output().splitlines() if "worker started" in line)
    assert json.loads(first)["logger"] == "worker"
