"""Opt-out and opt-in as the rules read them: the keywords FCC 24-24 names (STOP, QUIT, END, REVOKE, OPT OUT, CANCEL,
UNSUBSCRIBE) and the industry's STOPALL/START/UNSTOP, and plain requests made "by any reasonable means" (`stop texting
me`, `pls stop!!`, `leave me alone`). The words, phrases and fillers are data in each phrasebook; this module holds
the rules, so a language adds its own lists next to the English ones (docs/compliance.md).

The rules, in order (a text is lower-cased, its punctuation dropped, and politeness fillers such as `please` or
`thank you` are peeled off both ends first):
1. the whole text is a keyword or a request phrase (`stop`, `unsubscribe me`, `no more texts`);
2. its first sentence is a keyword (`Stop. Who is this?`);
3. any sentence is a request phrase (`Who is this? Stop texting me`).
A keyword inside a longer sentence (`stop at the bank at 5pm`, `remind me to cancel netflix friday`) is not an
opt-out: that is a reminder.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

Consent = Literal["stop", "start"]
_SENTENCES = re.compile(r"[.!?;,\n]+")
_NOT_WORD = re.compile(r"[^\w' ]+")
# The enclosed capitals NFKC leaves alone (negative circled 🅢 and negative squared 🆂, drawn as emoji), as letters.
# Regional indicators (🇸🇹) are left alone: in pairs they are flags.
_ENCLOSED = {base + i: chr(ord("A") + i) for base in (0x1F150, 0x1F170) for i in range(26)}


def comparable(text: str) -> str:
    """`text` as opt-out and command words are matched against it: Unicode's compatibility forms folded (NFKC:
    full-width ＳＴＯＰ, mathematical 𝐒𝐓𝐎𝐏, circled Ⓢ, squared 🅂), and the enclosed letters NFKC keeps read as letters.
    Only for matching: a reminder keeps its words as written."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text.translate(_ENCLOSED))


@lru_cache(maxsize=64)  # every language's lists read the same text in turn: split it once
def _words(text: str) -> str:
    """Lower-cased words only: punctuation (emoji too) becomes space, curly apostrophes straight, spaces folded."""
    text = _NOT_WORD.sub(" ", comparable(text).lower().replace("\u2019", "'"))
    return " ".join(text.replace("_", " ").split())


class ConsentWords:
    """Tells an opt-out or opt-in request from anything else, by one language's lists."""

    def __init__(self, opt_out: Mapping[str, list[str]], opt_in: Mapping[str, list[str]], fillers: list[str]) -> None:
        self.stop_words = frozenset(_words(w) for w in opt_out["words"])
        self.stop_phrases = [re.compile(p) for p in opt_out["phrases"]]
        self.start_words = frozenset(_words(w) for w in opt_in["words"])
        self._fillers = frozenset(tuple(_words(f).split()) for f in fillers)  # "thank you" is ("thank", "you")
        self._longest = max(map(len, self._fillers), default=0)

    def classify(self, text: str) -> Consent | None:
        """'stop' for an opt-out request, 'start' for an opt-in, None for anything else."""
        whole = self._core(text)
        if whole in self.start_words:
            return "start"
        if whole in self.stop_words or self._is_request(whole):
            return "stop"
        sentences = [s for s in _SENTENCES.split(text) if s.strip()]
        if len(sentences) < 2:
            return None
        cores = [self._core(s) for s in sentences]
        return "stop" if cores[0] in self.stop_words or any(map(self._is_request, cores)) else None

    def _core(self, text: str) -> str:
        """The words of `text` without the politeness around them, a repeated word said once."""
        words = _words(text).split()
        start, end = 0, len(words)
        while (k := self._filler_at(words, start, end, front=True)):
            start += k
        while (k := self._filler_at(words, start, end, front=False)):
            end -= k
        kept = words[start:end]
        return " ".join(w for i, w in enumerate(kept) if i == 0 or w != kept[i - 1])  # "stop stop stop": "stop"

    def _filler_at(self, words: list[str], start: int, end: int, front: bool) -> int:
        """How many words a filler takes at the front (or back) of words[start:end], the longest first; 0 if none."""
        for k in range(min(self._longest, end - start), 0, -1):
            if tuple(words[start:start + k] if front else words[end - k:end]) in self._fillers:
                return k
        return 0

    def _is_request(self, words: str) -> bool:
        return bool(words) and any(p.fullmatch(words) for p in self.stop_phrases)
