"""The reminder's own words: the text minus the time phrases, the wrappers ('remind me to', ', can you remind me?')
and dangling prepositions, in the person's own spelling and case."""
from __future__ import annotations

import re

from .vocabulary import EN as V, alternation

DEFAULT_MESSAGE = V.replies["default_message"]
_SEP = r"[\s:,\-–—]*"
_LEAD = re.compile(rf"^\s*(?:{alternation(V.data['wrappers_before'])}[\s,!]+)*"
                   rf"{alternation(V.data['wrappers'])}(?![\w']){_SEP}", re.IGNORECASE)
_LEAD_JOINER = re.compile(rf"^{alternation(V.data['wrapper_joiners'])}\s+", re.IGNORECASE)
_TRAIL = re.compile(rf"[\s,;:.!?\-–—]*\b{alternation(V.data['wrappers_after'])}[\s.!?]*(?:[:;]-?[)(D]|<3)?[\s.!?]*$",
                   re.IGNORECASE)
_PAIRS = [(re.compile(rf"^{alternation([a])}\s+(?P<task>.+?)\s+{alternation([b])}$", re.IGNORECASE))
          for a, b in V.data["wrapper_pairs"]]
_DANGLING_END = re.compile(rf"(?:\s+|^){alternation(V.data['dangling'])}\s*$", re.IGNORECASE)
_DANGLING_START = re.compile(rf"^\s*{alternation(V.data['dangling_start'])}\s+(?=\S)", re.IGNORECASE)
_END_PUNCT = re.compile(r"[\s,;:@/|\-–—~]+$")
_START_PUNCT = re.compile(r"^[\s,;:.!?@/|\-–—~]+")
_SPACES = re.compile(r"\s+")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")


def clean_message(text: str, spans: list[tuple[int, int]]) -> str:
    """Text minus the time phrases (spans in the original text), the wrappers, dangling words and edge punctuation."""
    pieces: list[str] = []
    pos = 0
    for a, b in merge(spans):
        pieces.append(text[pos:a])
        pos = b
    pieces.append(text[pos:])
    cleaned: list[str] = []
    for i, piece in enumerate(pieces):
        if i > 0:  # right of a removed phrase
            piece = _START_PUNCT.sub("", piece)
        if i < len(pieces) - 1:  # left of a removed phrase
            piece = _strip_dangling_end(piece)
        if piece.strip():
            cleaned.append(piece.strip())
    msg = _SPACES.sub(" ", " ".join(cleaned)).strip()
    msg = _strip_wrappers(msg)
    msg = _EMPTY_BRACKETS.sub("", msg)
    msg = _strip_dangling_end(msg)
    msg = _SPACES.sub(" ", _START_PUNCT.sub("", msg)).strip()
    if not any(ch.isalnum() for ch in msg) and not _has_symbol(msg):
        return DEFAULT_MESSAGE
    return msg


def _strip_wrappers(msg: str) -> str:
    """'can you remind me to X', 'X, create reminder', 'put X on my calendar' -> X (a few rounds: they nest)."""
    for _ in range(3):
        new = _TRAIL.sub("", msg)
        lead = _LEAD.sub("", new, count=1)
        if lead != new:
            lead = _LEAD_JOINER.sub("", lead)
        new = _DANGLING_START.sub("", lead)
        for pair in _PAIRS:
            new = pair.sub(r"\g<task>", new)
        if new == msg:
            break
        msg = new
    return msg


def _has_symbol(s: str) -> bool:
    """Emoji-only messages are kept ('💊 9pm' reminds '💊')."""
    return any(ord(ch) > 0x2000 and not ch.isspace() for ch in s)


def _strip_dangling_end(piece: str) -> str:
    for _ in range(4):
        new = _END_PUNCT.sub("", piece).rstrip(".!?")
        new = _DANGLING_END.sub("", new)
        if new == piece:
            break
        piece = new
    return piece


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
