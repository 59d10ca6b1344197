"""The reminder's own words: the text minus the time phrases, the wrappers ('remind me to', ', can you remind me?')
and dangling prepositions, in the person's own spelling and case."""
from __future__ import annotations

import re
from functools import lru_cache
from types import SimpleNamespace

from .normalize import lower_keep_length
from .vocabulary import Vocabulary, alternation, current

_SEP = r"[\s:,\-–—]*"
_END_PUNCT = re.compile(r"[\s,;:@/|\-–—~]+$")
_START_PUNCT = re.compile(r"^[\s,;:.!?@/|\-–—~]+")
_SPACES = re.compile(r"\s+")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")


def _words(vocab: Vocabulary, key: str) -> str:
    """A word list as a regex: an elided word ('d'', 'l'') matches either apostrophe."""
    return alternation(vocab.data[key]).replace("'", "['’]")


@lru_cache(maxsize=16)
def _patterns(vocab: Vocabulary) -> SimpleNamespace:
    """One language's wrappers and dangling words.  They run on the folded text (no accents, same length), so
    'recuérdame' and 'recuerdame' are one word; a wrapper ending in an apostrophe ('rappelle-moi d'') needs no
    word boundary after it."""
    d, flags = vocab.data, re.IGNORECASE
    return SimpleNamespace(
        lead=re.compile(rf"^\s*(?:{_words(vocab, 'wrappers_before')}[\s,!¡¿]+)*"
                        rf"{_words(vocab, 'wrappers')}(?:(?<=['’])|(?![\w'])){_SEP}", flags),
        # 'joão me lembra de …', 'mãe, me lembra de …', 'vc me lembra de …': one word before a wrapper that speaks to
        # someone is who it speaks to, not the task (only those wrappers: 'dentist reminder' keeps 'dentist').
        addressee=re.compile(rf"^\s*(?:{_words(vocab, 'wrappers_before')}[\s,!¡¿]+)*[^\W\d_][\w'’.-]*[\s,!]+"
                             rf"(?={_words(vocab, 'wrappers_addressed')}(?![\w'-]))", flags),
        # 'rappelle-moi stp de', 'remind me please to': the polite words that may close a text may follow a wrapper
        courtesy=re.compile(rf"^(?:{_words(vocab, 'wrappers_after')}[\s,!]+)+", flags),
        lead_joiner=re.compile(rf"^{_words(vocab, 'wrapper_joiners')}(?:(?<=['’])|\s+)", flags),
        trail=re.compile(rf"[\s,;:.!?\-–—]*\b{_words(vocab, 'wrappers_after')}[\s.!?]*(?:[:;]-?[)(D]|<3)?[\s.!?]*$",
                         flags),
        pairs=[re.compile(rf"^{alternation([a])}\s+(?P<task>.+?)\s+{alternation([b])}$", flags)
               for a, b in d["wrapper_pairs"]],
        dangling_end=re.compile(rf"(?:\s+|^){_words(vocab, 'dangling')}\s*$", flags),
        dangling_start=re.compile(rf"^\s*{_words(vocab, 'dangling_start')}(?:(?<=['’])|\s+)(?=\S)", flags),
    )


def default_message() -> str:
    """The message of a text that is only a time ('in 10 minutes')."""
    return current().replies.get("default_message", "Reminder")


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
        return default_message()
    return msg


def _strip_wrappers(msg: str) -> str:
    """'can you remind me to X', 'X, create reminder', 'put X on my calendar' -> X (a few rounds: they nest)."""
    p = _patterns(current())
    for _ in range(3):
        new = _on_folded(p.trail, msg)
        lead = _on_folded(p.lead, _on_folded(p.addressee, new))
        if lead != new:
            lead = _on_folded(p.lead_joiner, _on_folded(p.courtesy, lead))
        new = _on_folded(p.dangling_start, lead)
        for pair in p.pairs:
            new = pair.sub(r"\g<task>", new)
        if new == msg:
            break
        msg = new
    return msg


def _on_folded(rx: re.Pattern, text: str) -> str:
    """Remove the first match of `rx`, found in the folded text, from the text as written."""
    m = rx.search(lower_keep_length(text))
    return text[:m.start()] + text[m.end():] if m and m.end() > m.start() else text


def _has_symbol(s: str) -> bool:
    """Emoji-only messages are kept ('💊 9pm' reminds '💊')."""
    return any(ord(ch) > 0x2000 and not ch.isspace() for ch in s)


def _strip_dangling_end(piece: str) -> str:
    for _ in range(4):
        new = _END_PUNCT.sub("", piece).rstrip(".!?")
        new = _on_folded(_patterns(current()).dangling_end, new)
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
