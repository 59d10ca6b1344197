"""Which supported language a short text is written in, or None when that is not clear.

Two witnesses.  The parser's own vocabulary: the words only one language's file knows (`manana`, `demain`, `amanha`,
`morgen`, `tomorrow`, the wrappers, the weekdays...), counted in the text.  And lingua, a language identifier that
works on short texts, asked only about the supported languages and only when the words do not settle it.  A text
that neither settles is None: the caller then keeps what it knew of the person, rather than guess from three words.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .normalize import lower_keep_length
from .vocabulary import LANGUAGES, load

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
LINGUA_MIN_CONFIDENCE = 0.8   # lingua alone must be this sure ...
LINGUA_MIN_WORDS = 4          # ... of a text at least this long ("call mom tmrw" reads as German to it)
_LINGUA_NAMES = {"de": "GERMAN", "en": "ENGLISH", "es": "SPANISH", "fr": "FRENCH", "pt": "PORTUGUESE",
                 "it": "ITALIAN", "nl": "DUTCH"}


@lru_cache(maxsize=1)
def _markers() -> dict[str, frozenset[str]]:
    """Each language's words that no other supported language uses (accents dropped, lower case)."""
    words = {code: _vocabulary_words(code) for code in LANGUAGES}
    seen = Counter(w for ws in words.values() for w in ws)
    return {code: frozenset(w for w in ws if seen[w] == 1 and len(w) > 1) for code, ws in words.items()}


def _vocabulary_words(code: str) -> set[str]:
    vocab = load(code)
    return {w for phrase in vocab.known() | set(vocab.data.get("detect_words", [])) for w in _WORD.findall(phrase)}


def vocabulary_hits(text: str) -> Counter:
    """How many of the text's words only each language knows."""
    words = _WORD.findall(lower_keep_length(text))
    markers = _markers()
    return Counter({code: n for code in LANGUAGES if (n := sum(w in markers[code] for w in words))})


@lru_cache(maxsize=1)
def _detector():
    """lingua, built for the supported languages only (a fraction of its memory), on first use or at warm-up."""
    from lingua import Language, LanguageDetectorBuilder
    languages = [getattr(Language, _LINGUA_NAMES[code]) for code in LANGUAGES if code in _LINGUA_NAMES]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def _lingua_guess(text: str, among: list[str]) -> str | None:
    """lingua's answer among `among`, when it is sure enough of a long enough text."""
    if len(_WORD.findall(text)) < LINGUA_MIN_WORDS:
        return None
    codes = {_LINGUA_NAMES[c]: c for c in among if c in _LINGUA_NAMES}
    values = [(v.value, codes[v.language.name]) for v in _detector().compute_language_confidence_values(text)
              if v.language.name in codes]
    total = sum(v for v, _ in values) or 1.0
    best = max(values, default=(0.0, None))
    return best[1] if best[0] / total >= LINGUA_MIN_CONFIDENCE else None


def detect_language(text: str) -> str | None:
    """'es' for 'recuérdame llamar a mamá mañana a las 7'; None when the text does not say clearly."""
    hits = vocabulary_hits(text or "")
    if hits:
        ranked = hits.most_common()
        top = [code for code, n in ranked if n == ranked[0][1]]
        if len(top) == 1:
            return top[0]
        return _lingua_guess(text, top)
    return _lingua_guess(text or "", list(LANGUAGES))


def warm_up() -> None:
    """Loads lingua's models for the supported languages and the marker words, before the first texter."""
    _markers()
    _detector().detect_language_of("warm up")
