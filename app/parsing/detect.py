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
TIE_MIN_CONFIDENCE = 0.6      # between languages the words already name (never English), it may decide more easily
_NOISE = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+")


@lru_cache(maxsize=1)
def _markers() -> dict[str, dict[str, float]]:
    """Each language's words with their weight: 1 for a word only that language uses, 1/2 for one two languages
    share ('minutos'), nothing for a word three or more share or a single letter (accents dropped, lower case)."""
    words = {code: _vocabulary_words(code) for code in LANGUAGES}
    seen = Counter(w for ws in words.values() for w in ws)
    return {code: {w: 1 / seen[w] for w in ws - _everyday_elsewhere(code) if seen[w] <= 2 and len(w) > 1}
            for code, ws in words.items()}


def _everyday_elsewhere(code: str) -> set[str]:
    """Words another language uses every day ('out', 'set', 'die' in English, each file's `everyday_words`): they
    are no sign of this language ('in 20 min take cake out' is not Portuguese, though 'out' is October there)."""
    return {w for other in LANGUAGES if other != code for w in load(other).data.get("everyday_words", [])}


# Tables whose keys are words of the language; elsewhere keys are the file's own structure ('tomorrow', 'morning').
_WORD_KEYED = frozenset({"spellings", "spellings_next_to_a_time", "phrases", "numbers", "tens", "ordinals",
                         "recurrence_words", "every_units", "plural_series"})
_NOT_WORDS = frozenset({"replies", "describe", "_about", "code", "babel_locale", "lingua", "warm_up", "period_rules",
                        "everyday_words", "not_time_like", "not_a_weekday_after",
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


def vocabulary_hits(text: str) -> Counter:
    """Each language's weight of the text's words (see _markers)."""
    words = _WORD.findall(lower_keep_length(text))
    markers = _markers()
    return Counter({code: n for code in LANGUAGES if (n := sum(markers[code].get(w, 0) for w in words))})


@lru_cache(maxsize=1)
def _detector():
    """lingua, built for the supported languages only (a fraction of its memory), on first use or at warm-up.  Each
    language's file names its lingua language ("lingua": "SPANISH")."""
    from lingua import Language, LanguageDetectorBuilder
    languages = [getattr(Language, name) for name in _lingua_names()]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


@lru_cache(maxsize=1)
def _lingua_names() -> dict[str, str]:
    """lingua's name of each supported language that has one -> its code."""
    return {load(code).data["lingua"]: code for code in LANGUAGES if load(code).data.get("lingua")}


def _lingua_guess(text: str, among: list[str], easy: bool = False) -> str | None:
    """lingua's answer among `among`, when it is sure enough of a long enough text.  Choosing between languages the
    words already point to clearly (not English: 'cada hora' is Spanish or Portuguese) is `easy` and needs less."""
    if len(_WORD.findall(text)) < (1 if easy else LINGUA_MIN_WORDS):
        return None
    codes = {name: code for name, code in _lingua_names().items() if code in among}
    values = [(v.value, codes[v.language.name]) for v in _detector().compute_language_confidence_values(text)
              if v.language.name in codes]
    total = sum(v for v, _ in values) or 1.0
    best = max(values, default=(0.0, None))
    return best[1] if best[0] / total >= (TIE_MIN_CONFIDENCE if easy else LINGUA_MIN_CONFIDENCE) else None


def detect_language(text: str) -> str | None:
    """'es' for 'recuérdame llamar a mamá mañana a las 7'; None when the text does not say clearly."""
    text = _NOISE.sub(" ", text or "")
    hits = vocabulary_hits(text)
    if hits:
        ranked = hits.most_common()
        top = [code for code, n in ranked if n == ranked[0][1]]
        if len(top) == 1 and ranked[0][1] >= 1:
            return top[0]
        return _lingua_guess(text, top, easy=ranked[0][1] >= 1 and "en" not in top)
    return _lingua_guess(text, list(LANGUAGES))


def warm_up() -> None:
    """Loads lingua's models for the supported languages and the marker words, before the first texter."""
    _markers()
    _detector().detect_language_of("warm up")
