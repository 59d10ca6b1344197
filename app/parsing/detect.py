"""Which supported language a short text is written in, or None when that is not clear.

The witness is the parser's own vocabulary: the words only one language's file knows (`manana`, `demain`, `amanha`,
`morgen`, `tomorrow`, the wrappers, the weekdays...), counted in the text; and, only in support of those, for a word
no file knows, the letters only one or two languages write (`ñ`; `ã`; `ç` is French or Portuguese; each file's
`letters`), since alone they are as likely a name or a dish (`São Paulo`, `crème brûlée`).

The words decide only with a lead: the winner must outweigh every other language by words that language lacks
(`MIN_LEAD`), else the answer is None, never a guess.  A text whose words two languages read as well (`esta tarde
comprar fruta`, `comprar café`: Spanish or Portuguese) is None.  The words every language borrows (`meeting`,
`happy hour`, `email`: each file's `loan_words`) are no evidence of any language, so they never outvote a language's
own words (`Freitag Meeting 10 Uhr`, `amanhã meeting 9h`).  None makes the caller keep what it knew of the person.

No statistical identifier is asked: on three words it only guesses, and sure of itself (lingua read `esta tarde
comprar fruta` as Portuguese at 86%, `gym sesh w/ die hard fans` as German at 88%).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .normalize import lower_keep_length
from .vocabulary import LANGUAGES, load

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
MIN_WEIGHT = 1.0   # the winner's words weigh at least one word only it uses ...
MIN_LEAD = 0.5     # ... and outweigh every other language's by at least a word it shares with that language only
LETTER_WEIGHT = 0.5  # a word no file knows, written with letters only one language uses ('pão'), weighs this much
# Addresses are no sign of a language ('gmail.com' is not Portuguese 'com').
_NOISE = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+"
                    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|edu|gov|io)(?:\.[a-z]{2})?\b(?:/\S*)?", re.IGNORECASE)


@lru_cache(maxsize=2)
def _markers(accented: bool = False) -> dict[str, dict[str, float]]:
    """Each language's words with their weight: 1 for a word only that language uses, 1/2 for one two languages
    share ('minutos'), nothing for a word three or more share or a single letter (accents dropped, lower case).
    Another language's everyday words count only when written with accents (`accented`): 'às' is no English 'as'."""
    words = {code: _vocabulary_words(code) for code in LANGUAGES}
    seen = Counter(w for ws in words.values() for w in ws)
    return {code: {w: 1 / seen[w] for w in ws - (set() if accented else _everyday_elsewhere(code))
                   if seen[w] <= 2 and len(w) > 1}
            for code, ws in words.items()}


def _everyday_elsewhere(code: str) -> set[str]:
    """Words another language uses every day ('out', 'set', 'die' in English, each file's `everyday_words`): they
    are no sign of this language ('in 20 min take cake out' is not Portuguese, though 'out' is October there)."""
    return {w for other in LANGUAGES if other != code for w in load(other).data.get("everyday_words", [])}


# Tables whose keys are words of the language; elsewhere keys are the file's own structure ('tomorrow', 'morning').
_WORD_KEYED = frozenset({"spellings", "spellings_next_to_a_time", "phrases", "numbers", "tens", "ordinals",
                         "recurrence_words", "every_units", "plural_series"})
_NOT_WORDS = frozenset({"replies", "describe", "_about", "code", "babel_locale", "warm_up", "period_rules",
                        "everyday_words", "loan_words", "letters", "not_time_like", "not_a_weekday_after",
                        "zone_words"})  # 'EST', 'CET': no sign of a language


def _vocabulary_words(code: str) -> set[str]:
    """Every word a language's file names as a word of that language."""
    words: set[str] = set()

    def walk(node, keys_are_words: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if keys_are_words:
                    words.update(_WORD.findall(key))
                walk(value, False)
        elif isinstance(node, list):
            for item in node:
                walk(item, False)
        elif isinstance(node, str):
            words.update(_WORD.findall(node))
    for key, value in load(code).data.items():
        if key not in _NOT_WORDS:
            walk(value, key in _WORD_KEYED)
    return words


@lru_cache(maxsize=1)
def _loan_words() -> re.Pattern:
    """The words and phrases every language borrows (each file's `loan_words`: English 'meeting', 'happy hour')."""
    loans = sorted({w for code in LANGUAGES for w in load(code).data.get("loan_words", [])}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(map(re.escape, loans)) + r")(?![\w'])")


def vocabulary_hits(text: str) -> Counter:
    """Each language's weight of the text's words (see _markers and _letter_weights), loan words left out."""
    known, lettered = _weights(text)
    return known + lettered


def _weights(text: str) -> tuple[Counter, Counter]:
    """Each language's weight of the text's words its file knows, and of the other words by their letters."""
    folded = _loan_words().sub(lambda m: " " * len(m.group()), lower_keep_length(text))
    known, lettered = Counter(), Counter()
    for found in _WORD.finditer(folded):
        word, written = found.group(), text[found.start():found.end()].lower()
        markers = _markers(accented=word != written)
        hits = {code: markers[code][word] for code in LANGUAGES if word in markers[code]}
        known.update(hits)
        lettered.update({} if hits else _letter_weights(written))
    return known, lettered


def _letter_weights(word: str) -> dict[str, float]:
    """A word no file knows weighs by its letters, half what a known word weighs (it may be a name or a dish: 'São
    Paulo', 'crème brûlée'): 1/2 for the language that alone writes all of its letters beyond a-z ('pão'), 1/4 for
    each of two ('dança'), nothing when more do ('réveil') or it has none."""
    special = set(word) - set("abcdefghijklmnopqrstuvwxyz'")
    if not special:
        return {}
    writers = [code for code in LANGUAGES if special <= set(load(code).data.get("letters", ""))]
    return {code: LETTER_WEIGHT / len(writers) for code in writers} if len(writers) <= 2 else {}


def detect_language(text: str) -> str | None:
    """'es' for 'recuérdame llamar a mamá mañana a las 7'; None when the text does not say clearly: its words name
    no language, or two as well ('comprar café', 'esta tarde comprar fruta')."""
    known, lettered = _weights(_NOISE.sub(" ", text or ""))
    if not known:
        return None  # letters alone are a name or a dish ('crème brûlée', 'São Paulo'), not a language
    (best, weight), *others = (known + lettered).most_common()
    runner_up = others[0][1] if others else 0.0
    return best if known[best] and weight >= MIN_WEIGHT and weight - runner_up >= MIN_LEAD else None


def warm_up() -> None:
    """Builds the marker words, before the first texter."""
    _markers(), _markers(accented=True)
    _loan_words()
