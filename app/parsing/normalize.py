"""A canonical copy of the text for the grammar: lower case, known misspellings fixed, number words as digits.

Each character of the copy remembers which characters of the original it came from, so a phrase the grammar finds
in the copy maps straight back to the person's own words (the message keeps their spelling and case).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .vocabulary import Vocabulary, alternation, current, fold

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_JOIN_GAP = re.compile(r"\s*-?\s*")


@dataclass(frozen=True)
class Normalized:
    text: str                 # the canonical copy
    starts: tuple[int, ...]   # for each character of `text`, where its source begins in the original
    ends: tuple[int, ...]     # ... and where it ends

    def original(self, a: int, b: int) -> tuple[int, int]:
        """The original span behind text[a:b]."""
        return self.starts[a], self.ends[b - 1]


def lower_keep_length(text: str) -> str:
    """Lower case without accents, without changing length (a character whose lower case is longer stays as it is)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low if low.isascii() else fold(low).replace("’", "'")


def normalize(text: str, vocab: Vocabulary | None = None) -> Normalized:
    vocab = vocab or current()
    low = _abbreviation_dot(vocab).sub(r"\1 ", lower_keep_length(text))  # same length: offsets stay valid
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(low)]
    words = [_spelling(low[a:b], vocab) for a, b in tokens]
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def emit(piece: str, a: int, b: int) -> None:
        """`piece` stands for low[a:b] as a whole."""
        out.append(piece)
        starts.extend([a] * len(piece))
        ends.extend([b] * len(piece))

    def keep(a: int, b: int) -> None:
        """low[a:b] as it is: each character stands for itself."""
        out.append(low[a:b])
        starts.extend(range(a, b))
        ends.extend(range(a + 1, b + 1))

    pos, i = 0, 0
    while i < len(tokens):
        a = tokens[i][0]
        keep(pos, a)  # the gap before this token
        replacement, j = _rewrite(low, tokens, words, i, vocab)
        b = tokens[j - 1][1]
        if replacement is None:
            keep(a, b)
        else:
            emit(replacement, a, b)
        pos, i = b, j
    keep(pos, len(low))
    return Normalized("".join(out), tuple(starts), tuple(ends))


def _rewrite(low: str, tokens, words: list[str], i: int, vocab: Vocabulary) -> tuple[str | None, int]:
    """What tokens[i:j] become (None: keep them as typed), and j."""
    phrase = _phrase_at(low, tokens, words, i, vocab)
    if phrase:
        return phrase
    number = _number_at(low, tokens, words, i, vocab)
    if number:
        return number
    word = words[i]
    for suffix in vocab.data["droppable_suffixes"]:  # '5ish', '5pmish', 'afternoonish' -> '5', '5pm', 'afternoon'
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and stem and (stem[0].isdigit() or (len(stem) > 3 and stem in known_words(vocab))):
            return stem, i + 1
    guarded = vocab.data["spellings_next_to_a_time"].get(word)
    if guarded and i + 1 < len(tokens) and (words[i + 1][:1].isdigit() or words[i + 1] in vocab.words("at_clock")):
        return guarded, i + 1
    a, b = tokens[i]
    return (word if word != low[a:b] else None), i + 1


def _joined(low: str, tokens, i: int, j: int) -> bool:
    """Tokens i..j-1 are separated only by spaces or a hyphen."""
    return all(_JOIN_GAP.fullmatch(low[tokens[k][1]:tokens[k + 1][0]]) for k in range(i, j - 1))


def _phrase_at(low: str, tokens, words, i: int, vocab: Vocabulary) -> tuple[str, int] | None:
    for size, table in _phrases(vocab):
        j = i + size
        if j <= len(tokens) and tuple(words[i:j]) in table and _joined(low, tokens, i, j):
            return table[tuple(words[i:j])], j
    return None


@lru_cache(maxsize=16)
def _phrases(vocab: Vocabulary) -> list[tuple[int, dict[tuple[str, ...], str]]]:
    """Phrase table by length, longest first."""
    by_size: dict[int, dict[tuple[str, ...], str]] = {}
    for phrase, replacement in vocab.data["phrases"].items():
        key = tuple(m.group(0) for m in _TOKEN.finditer(phrase))
        by_size.setdefault(len(key), {})[key] = replacement
    return sorted(by_size.items(), reverse=True)


@lru_cache(maxsize=16)
def _abbreviation_dot(vocab: Vocabulary) -> re.Pattern:
    """The dot after a weekday or month abbreviation ('Dec. 3', 'Tue. 5pm', 'ven. prochain'): it ends no sentence,
    and the grammar reads the abbreviation as if it were not there."""
    months = {m["name"] for m in vocab.data["months"]}
    words = [w for w in vocab.weekday_abbrs + vocab.month_words if w.isalpha() and w not in months]
    return re.compile(rf"(?<![\w.])({alternation(words)})\.(?![^\W\d_])")


@lru_cache(maxsize=16)
def _compounds(vocab: Vocabulary) -> dict[tuple[str, ...], int]:
    """The number table's words of several tokens ('dix-sept', 'dix sept', 'vingt et une'), by their tokens."""
    table = {tuple(_TOKEN.findall(k)): v for k, v in vocab.numbers.items()}
    return {k: v for k, v in table.items() if len(k) > 1}


def _cardinal(words, low, tokens, i: int, vocab: Vocabulary) -> tuple[int, int] | None:
    """A number in words at i: 'seven', 'twenty', 'forty five', 'forty-five', 'dix-sept', 'vinte e quatro',
    'trente et un', 'vierundzwanzig' -> (value, next index)."""
    for size in (3, 2):
        value = _compounds(vocab).get(tuple(words[i:i + size]))
        if value is not None and _joined(low, tokens, i, i + size):
            return value, i + size
    w = words[i]
    if w in vocab.tens:
        value = vocab.tens[w]
        k = i + 2 if i + 2 < len(words) and words[i + 1] in vocab.number_joiners else i + 1
        if k < len(words) and 1 <= vocab.numbers.get(words[k], 0) <= 9 and _joined(low, tokens, i, k + 1):
            return value + vocab.numbers[words[k]], k + 1
        return value, i + 1
    compound = vocab.compound_number(w)
    if compound is not None:
        return compound, i + 1
    if w in vocab.numbers:
        return vocab.numbers[w], i + 1
    return None


def _ordinal(words, low, tokens, i: int, vocab: Vocabulary) -> tuple[int, int] | None:
    """'thirteenth', 'twenty first', 'twenty-first', 'vierundzwanzigsten' -> (value, next index)."""
    w = words[i]
    compound = vocab.compound_ordinal(w)
    if compound is not None:
        return compound, i + 1
    if w in vocab.tens and i + 1 < len(words) and words[i + 1] in vocab.ordinals and _joined(low, tokens, i, i + 2):
        unit = vocab.ordinals[words[i + 1]]
        if unit <= 9:
            return vocab.tens[w] + unit, i + 2
    if w in vocab.ordinals:
        if w in vocab.data["ordinals_needing_context"] and not _ordinal_context(words, i, vocab):
            return None
        return vocab.ordinals[w], i + 1
    return None


def _ordinal_context(words, i: int, vocab: Vocabulary) -> bool:
    """'first'/'second' are ordinal days only next to a date word: 'the first', 'second monday', 'first of ...'."""
    before = words[i - 1] if i else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    return (before in vocab.data["ordinal_context_before"] or after in vocab.weekday_of or after in vocab.month_of
            or after in vocab.words("of") or after in vocab.words("last"))


def _number_at(low, tokens, words, i: int, vocab: Vocabulary) -> tuple[str, int] | None:
    """Number words as digits: 'seven fifteen' -> '7:15', 'twenty five' -> '25', 'twenty first' -> '21th'."""
    ordinal = _ordinal(words, low, tokens, i, vocab)
    if ordinal:
        return f"{ordinal[0]}{vocab.data['digit_ordinal_suffix']}", ordinal[1]
    card = _cardinal(words, low, tokens, i, vocab)
    if not card:
        return None
    hour, j = card
    if 1 <= hour <= 12 and j < len(words) and _joined(low, tokens, i, j + 1) and words[i] in vocab.numbers:
        minute = _clock_minute(words, low, tokens, j, vocab)
        if minute:
            return f"{hour}:{minute[0]:02d}", minute[1]
    return str(hour), j


def _clock_minute(words, low, tokens, j: int, vocab: Vocabulary) -> tuple[int, int] | None:
    """Minutes after an hour word: 'fifteen', 'forty five', 'oh five' (not 'seven twenty minutes')."""
    oh = words[j] in vocab.data["clock_minute_prefix"]
    if oh and j + 1 < len(words) and 1 <= vocab.numbers.get(words[j + 1], 0) <= 9:
        value, k = vocab.numbers[words[j + 1]], j + 2
    else:
        card = _cardinal(words, low, tokens, j, vocab)
        if not card or not 10 <= card[0] <= 59:
            return None
        value, k = card
    if k < len(words) and words[k] in vocab.data["not_a_clock_minute_before"]:
        return None
    return value, k


def _spelling(word: str, vocab: Vocabulary) -> str:
    """A known misspelling's fix, or the word within one typo of a long time word ('satuday', 'ocotber')."""
    fixed = vocab.data["spellings"].get(word)
    if fixed:
        return fixed
    if len(word) < vocab.data["fuzzy_min_length"] or not word.isalpha() or word in known_words(vocab):
        return word
    targets = _targets(vocab)
    if word in targets:
        return word
    for target in targets:
        if abs(len(target) - len(word)) <= 1 and target[0] == word[0] and one_typo(word, target):
            return target
    return word


@lru_cache(maxsize=16)
def known_words(vocab: Vocabulary) -> frozenset[str]:
    """Every word of the language's file (typos are never corrected away from them)."""
    return frozenset(vocab.known())


@lru_cache(maxsize=16)
def _targets(vocab: Vocabulary) -> tuple[str, ...]:
    return tuple(vocab.fuzzy_targets())


def one_typo(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    k = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[k:] == long_[k + 1:]
