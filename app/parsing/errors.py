"""ParseError: why a text could not become a reminder, with a reply that fits in one SMS."""
from __future__ import annotations

from .vocabulary import EN, current

MAX_REPLY = 160  # one GSM-7 segment; the replies are plain ASCII


class ParseError(ValueError):
    """Why a text could not become a reminder; str(err) is a short reply fit for an SMS."""

    CODES = ("empty", "no_time", "past", "impossible", "too_far", "unsure")

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _reply(code: str) -> str:
    """The reply in the language being parsed, or in English where that language has none."""
    return current().replies.get(code) or EN.replies[code]


def fail(code: str, frag: str = "") -> ParseError:
    frag = frag.strip()[:30] or "that"
    return ParseError(code, _reply(code).format(frag=frag))


def unsure(got: str, frag: str, example: str) -> ParseError:
    """The parser understood `got` but not `frag`: say both, and how to write it, within one SMS."""
    frag = " ".join(frag.split())[:30]
    template = _reply("unsure")
    room = MAX_REPLY - len(template.format(got=got, frag=frag, example=""))
    example = example[:max(room, 0)].rstrip()
    return ParseError("unsure", template.format(got=got, frag=frag, example=example))
