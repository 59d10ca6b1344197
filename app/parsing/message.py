"""The reminder's own words: the text minus the time phrases, the wrappers ('remind me to', ', can you remind me?')
and dangling prepositions, in the person's own spelling and case."""
from __future__ import annotations

import re
from functools import lru_cache
from types import SimpleNamespace

from .normalize import known_words, lower_keep_length, one_typo
from .vocabulary import Vocabulary, alternation, current

_SEP = r"[\s:,\-–—]*"
_END_CHARS = " \t\n\r\u00a0,;:@/|-–—~"
_START_PUNCT = re.compile(r"^[\s,;:.!?@/|\-–—~]+")
_SPACES = re.compile(r"\s+")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_OPENERS = {"¿": "?", "¡": "!"}
# The first words of a text, each with the spaces or hyphen after it: where a misspelt wrapper would be.
_HEAD_WORD = re.compile(r"([^\W\d_]+)[\s-]+")
# A trailing wrapper or dangling word is short: looking for one only in the text's last characters keeps the
# search linear however long the text ('a' followed by a thousand dots or spaces).
_TAIL = 80
_MOST_TRAILING = 6


def _words(vocab: Vocabulary, key: str) -> str:
    """A word list as a regex: an elided word ('d'', 'l'') matches either apostrophe."""
    return alternation(vocab.data[key]).replace("'", "['’]")


def _glued(vocab: Vocabulary) -> str:
    """'dappeler': a joiner written glued to the known word after it ('d' + 'appeler'); only before those words, so
    'dîner' keeps its 'd'."""
    glued = vocab.data["wrapper_glued_joiners"].items()
    return "|".join(rf"{re.escape(j)}(?={alternation(words)}(?![\w']))" for j, words in glued) or "(?!)"


def _addressee(vocab: Vocabulary) -> str:
    """'joão me lembra de …', 'mãe, me lembra …', 'mom remind me …': one word before a wrapper that speaks to someone
    (`wrappers_addressed`) is who it speaks to, not the task, when a comma follows it, when it is one of the
    `wrappers_addressees` ('mom', 'vc') or when a joining word follows the wrapper; only those wrappers
    ('dentist reminder' keeps 'dentist'), and only with a task after it.  'buy remind me app' keeps 'buy'."""
    asking = rf"(?:[¿¡]?{_words(vocab, 'wrappers_before')}[\s,!¡¿]+)*[¿¡]?"  # 'mom can you remind me', 'mãe, ¿pode …'
    addressed = asking + _words(vocab, "wrappers_addressed")
    word = r"[^\W\d_][\w'’.-]*"
    joined = (rf"{addressed}[\s,]+(?:{_words(vocab, 'wrappers_after')}[\s,!]+)*"
              rf"(?:{_words(vocab, 'wrapper_joiners')}(?:(?<=['’])|\s)|{_glued(vocab)})")
    return (rf"(?:{_words(vocab, 'wrappers_addressees')}[\s,!]+|{word}\s*[,!][\s,!]*|{word}\s+(?={joined}))"
            rf"(?={addressed}(?![\w'-])\W*\w)")


@lru_cache(maxsize=16)
def _patterns(vocab: Vocabulary) -> SimpleNamespace:
    """One language's wrappers and dangling words.  They run on the folded text (no accents, same length), so
    'recuérdame' and 'recuerdame' are one word; a wrapper ending in an apostrophe ('rappelle-moi d'') needs no
    word boundary after it.  An opening '¿' or '¡' goes with the wrapper it opens."""
    d, flags = vocab.data, re.IGNORECASE
    before = rf"[\s¿¡]*(?:{_words(vocab, 'wrappers_before')}[\s,!¡¿]+)*"
    return SimpleNamespace(
        # where a wrapper may begin: after courtesies ('hey', 'can you') and someone addressed ('mom', 'Ana,')
        opening=re.compile(rf"{before}(?:{_words(vocab, 'wrappers_addressees')}[\s,!]+|[^\W\d_]+\s*,[\s,]*)?", flags),
        misspelt=_misspelt(vocab),
        lead=re.compile(rf"{before}{_words(vocab, 'wrappers')}(?:(?<=['’])|(?![\w'])){_SEP}", flags),
        addressee=re.compile(before + _addressee(vocab), flags),
        # 'rappelle-moi stp de', 'remind me please to': the polite words that may close a text may follow a wrapper
        courtesy=re.compile(rf"(?:{_words(vocab, 'wrappers_after')}[\s,!]+)+", flags),
        lead_joiner=re.compile(rf"(?:{_words(vocab, 'wrapper_joiners')}(?:(?<=['’])|\s+)|{_glued(vocab)})", flags),
        # one wrapper or courtesy at the end ('…, remind me', '… rappelle-moi stp', '… erinner mich bitte'),
        # peeled off one at a time by _strip_trail
        trail=re.compile(rf"(?:^|[\s,;:.!?¿¡\-–—]+)(?<![\w'’]){_words(vocab, 'wrappers_after')}"
                         rf"[\s.!?]*(?:[:;]-?[)(D]|<3)?[\s.!?]*$", flags),
        # 'kannst du mich morgen an den Zahnarzt erinnern?', 'put X on my calendar': a wrapper around the task
        # (a third item, "joined": the task may begin with a joining word, 'an den Zahnarzt'; 'put that … on my
        # calendar' keeps 'that')
        pairs=[(re.compile(rf"{before}{alternation([a])}\s+(?P<task>\W*\w.*?)\s+{alternation([b])}"
                           rf"(?:[\s,]+{_words(vocab, 'wrappers_after')})*[\s.!?]*$", flags), "joined" in rest)
               for a, b, *rest in d["wrapper_pairs"]],
        dangling_end=re.compile(rf"(?:\s+|^){_words(vocab, 'dangling')}\s*$", flags),
        dangling_start=re.compile(rf"\s*{_words(vocab, 'dangling_start')}(?:(?<=['’])|\s+)(?=\S)", flags),
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
    msg = _balanced(_SPACES.sub(" ", _START_PUNCT.sub("", msg)).strip())
    if not any(ch.isalnum() for ch in msg) and not _has_symbol(msg):
        return default_message()
    return msg


def _misspelt(vocab: Vocabulary) -> list[tuple[str, ...]]:
    """The wrappers forgiven a typo (`wrappers_misspelt`), as words: ('remind', 'me'), ('recuerdame',)."""
    return sorted({tuple(re.split(r"[\s-]+", w)) for w in vocab.data["wrappers_misspelt"]}, key=len, reverse=True)


def _respelled(p: SimpleNamespace, vocab: Vocabulary, msg: str) -> str:
    """'remidn me to', 'recuerdme', 'rappele moi', 'me lenbra de', 'erinere mich' -> the wrapper's own spelling, so
    it goes like the wrapper.  Only at the start (after courtesies or someone addressed), only one typo in a long
    word (`fuzzy_min_length`, same first letter), the wrapper's other words exact, a task after it, and never a
    word the language knows unless its `spellings` say so ('recuerdos', 'remained' are too far; `not_typos` lists the
    near ones: 'recuerdale')."""
    low = lower_keep_length(msg)
    pos = p.opening.match(low).end()
    heads = []
    for _ in range(max(map(len, p.misspelt), default=0)):
        m = _HEAD_WORD.match(low, pos)
        if not m:
            break
        heads.append(m)
        pos = m.end()
    for wrapper in p.misspelt:
        if len(heads) < len(wrapper) or not any(ch.isalnum() for ch in low[heads[len(wrapper) - 1].end():]):
            continue
        words = [m.group(1) for m in heads[:len(wrapper)]]
        wrong = [i for i, (w, right) in enumerate(zip(words, wrapper)) if w != right]
        if len(wrong) != 1:
            continue
        typo, right = words[wrong[0]], wrapper[wrong[0]]
        if vocab.data["spellings"].get(typo) == right or (
                len(right) >= vocab.data["fuzzy_min_length"] and typo[0] == right[0] and one_typo(typo, right)
                and typo not in known_words(vocab)):
            at = heads[wrong[0]]
            return msg[:at.start(1)] + right + msg[at.end(1):]
    return msg


def _strip_wrappers(msg: str) -> str:
    """'can you remind me to X', 'X, remind me please', 'put X on my calendar' -> X (a few rounds: they nest)."""
    vocab = current()
    p = _patterns(vocab)
    msg = _respelled(p, vocab, msg)
    for _ in range(3):
        new = _strip_trail(p.trail, msg)
        new = _strip_pair(p, new)
        lead = _cut_start(p.lead, _cut_start(p.addressee, new))
        if lead != new:
            lead = _after_wrapper(p, lead)
        new = _cut_start(p.dangling_start, lead)
        if new == msg:
            break
        msg = new
    return msg


def _after_wrapper(p: SimpleNamespace, task: str) -> str:
    """The task after a wrapper, less the courtesy and the joining word it may begin with ('stp de', 'q', 'an den')."""
    return _cut_start(p.lead_joiner, _cut_start(p.courtesy, task))


def _strip_pair(p: SimpleNamespace, msg: str) -> str:
    """'kannst du mich (bitte) an den Zahnarzt erinnern' -> 'Zahnarzt', 'put X on my calendar' -> X."""
    low = lower_keep_length(msg)
    for pair, joined in p.pairs:
        m = pair.match(low)
        if m:
            task = msg[m.start("task"):m.end("task")]
            return _after_wrapper(p, task) if joined else _cut_start(p.courtesy, task)
    return msg


def _strip_trail(rx: re.Pattern, msg: str) -> str:
    """Trailing wrappers and courtesies, one after the other ('…, remind me please', '… me lembra por favor')."""
    for _ in range(_MOST_TRAILING):
        new = _cut_end(rx, msg)
        if new == msg:
            break
        msg = new
    return msg


def _cut_start(rx: re.Pattern, text: str) -> str:
    """Remove a match of `rx` at the start of the text, found in the folded text."""
    m = rx.match(lower_keep_length(text))
    return text[m.end():] if m and m.end() > 0 else text


def _cut_end(rx: re.Pattern, text: str) -> str:
    """Remove a match of `rx` (which ends with '$') from the text's last characters, found in the folded text."""
    m = rx.search(lower_keep_length(text), max(0, len(text) - _TAIL))
    return text[:m.start()] if m and m.end() > m.start() else text


def _has_symbol(s: str) -> bool:
    """Emoji-only messages are kept ('💊 9pm' reminds '💊')."""
    return any(ord(ch) > 0x2000 and not ch.isspace() for ch in s)


def _strip_dangling_end(piece: str) -> str:
    for _ in range(4):
        new = _SPACES.sub(" ", piece).rstrip(_END_CHARS).rstrip(".!?")
        new = _cut_end(_patterns(current()).dangling_end, new)
        if new == piece:
            break
        piece = new
    return piece


def _balanced(msg: str) -> str:
    """An opening '¿' or '¡' whose question or exclamation lost its end with the time phrase goes too."""
    if msg[:1] in _OPENERS and _OPENERS[msg[0]] not in msg:
        return msg[1:].lstrip()
    return msg


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
