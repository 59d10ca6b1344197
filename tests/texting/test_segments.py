"""Counting a text's segments the way Vonage sends and bills them (the daily budget counts them)."""
from __future__ import annotations

import pytest

from app.texting.segments import is_gsm7, segments
from tests.support import fake_vonage

EMOJI = "\U0001F600"


@pytest.mark.parametrize(("text", "expected"), [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("{" * 80, 1), ("{" * 81, 2), ("€" * 153, 2), ("a" * 159 + "€", 2), ("a" * 158 + "€", 1), ("a" * 150 + "€" * 5, 1),
    ("é" * 160, 1), ("ш" * 70, 1), ("ш" * 71, 2), ("ш" * 134, 2), ("ш" * 135, 3),
    ("a" * 69 + EMOJI, 2), ("a" * 68 + EMOJI, 1), (EMOJI * 35, 1), (EMOJI * 36, 2),
    (EMOJI * 1000, 30), ("`", 1), ("", 1),
])
def test_segments_agree_with_the_fake_vonage(text, expected):
    """The budget's count and what the fake Vonage answers (one message-id per part) are the same at every edge."""
    assert segments(text) == expected
    assert is_gsm7(text) == fake_vonage.is_gsm7(text)
    assert fake_vonage.count_segments(text, unicode=not fake_vonage.is_gsm7(text)) == expected
