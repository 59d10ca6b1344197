"""ParseError: why a text could not become a reminder, with a reply that fits in one SMS."""
from __future__ import annotations

from .vocabulary import EN, current

MAX_REPLY = 160       # one GSM-7 segment: the English replies are plain ASCII ...
MAX_UCS2_REPLY = 70   # ... a reply with accents may be sent as UCS-2, whose segment holds 70


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


def unsure(got: str, frag: str, when: str, task: str = "", task_first: bool = False) -> ParseError:
    """The parser understood `got` but not `frag`: say both, and how to write it (`when` and `task`, in that order
    unless `task_first`), within one SMS."""
    frag = " ".join(frag.split())[:30]
    example = f"{task} {when}" if task_first and task else f"{when} {task}".strip()
    template = _reply("unsure")
    limit = MAX_REPLY if template.format(got=got, frag=frag, example=example).isascii() else MAX_UCS2_REPLY
    room = limit - len(template.format(got=got, frag=frag, example=""))
    if room < 0:  # a long piece not understood: shorten it rather than send two segments
        frag, room = frag[:max(len(frag) + room, 8)].rstrip(), 0
    if task_first and task:  # shorten the task, never the time
        task = task[:max(room - len(when) - 1, 0)].rstrip()
        example = f"{task} {when}" if task else when
    example = example[:max(room, 0)].rstrip()
    return ParseError("unsure", template.format(got=got, frag=frag, example=example))
