"""A corpus text read as words, for the metamorphic tests (tests/parsing/metamorphic.py): the language's words from
its file in app/parsing/languages/ (read as data, never through the parser), a text cut into wrapper, message and
time phrase, and the rewrites of a time phrase (weekdays and months abbreviated or spelt out, a day and its hour
swapped)."""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

LANG_DIR = Path(__file__).resolve().parents[2] / "app" / "parsing" / "languages"
_EDGE = re.compile(r"^[^\w@&+]+|[^\w@&+]+$")


def fold(text: str) -> str:
    """Lower case without accents, as the language files spell their words."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))


def key(word: str) -> str:
    return _EDGE.sub("", fold(word))


def message_key(message: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", fold(message)))


@dataclass(frozen=True)
class Language:
    """One language's file, as data."""
    code: str
    data: dict
    cache: dict = field(default_factory=dict)

    @property
    def words(self) -> dict:
        return self.data["words"]

    def word_set(self, *names: str) -> set[str]:
        return {w for n in names for w in self.words.get(n, [])}

    @cached_property
    def abbreviations(self) -> dict[str, list[str]]:
        """Full name -> its abbreviations, less those two names share and those that are number words too
        (Portuguese `dez`: ten, and December) (see tests/parsing/metamorphic.py)."""
        entries = self.data["weekdays"] + self.data["months"]
        counts = Counter(a for e in entries for a in {fold(x) for x in e["abbr"]})
        banned = {a for a, n in counts.items() if n > 1} | {fold(w) for w in self.data["numbers"]}
        names = {e["name"] for e in entries}
        return {e["name"]: [a for a in e["abbr"] if fold(a) not in banned and fold(a) not in names and " " not in a]
                for e in entries}

    @cached_property
    def day_words(self) -> list[tuple[str, ...]]:
        """Day words (`tomorrow`, weekday names), longest first, as word tuples."""
        phrases = self.word_set("tomorrow", "today", "tonight", "day_after_tomorrow")
        phrases |= {e["name"] for e in self.data["weekdays"]}
        return sorted((tuple(p.split()) for p in phrases), key=lambda p: (-len(p), p))

    def phrases(self, *lists: str) -> list[tuple[str, ...]]:
        """The phrases of some of the file's lists, as word keys, longest first (cached: the lists never change)."""
        if lists not in self.cache:
            self.cache[lists] = self._phrases(lists)
        return self.cache[lists]

    def _phrases(self, lists: tuple[str, ...]) -> list[tuple[str, ...]]:
        lists_ = [self.data[n] if n in self.data else self.words.get(n, []) for n in lists]
        found = {tuple(key(w) for w in p.split() if key(w)) for words in lists_ for p in words}
        return sorted(found, key=lambda p: (-len(p), p))


@cache
def language(code: str) -> Language:
    return Language(code, json.loads((LANG_DIR / f"{code}.json").read_text(encoding="utf-8")))


@dataclass
class Parts:
    """A text cut into its wrapper (and the wrapper's joiner: `to`, `de`, `an den`), message words (with the index of
    the time phrase among them), time phrase, trailing wrapper and end mark."""
    wrapper: list[str]
    joiner: list[str]
    message: list[str]
    at: int
    time: list[str]
    after: list[str]
    end: str

    def join(self, time_at: int | None = None, time: list[str] | None = None, wrapper: list[str] | None = None,
             comma: bool = False, after: str = "") -> str:
        """The text with the time phrase before message word `time_at`; a time phrase at the front goes between the
        wrapper and its joiner, as people write it (`remind me tomorrow at 4 to call`, `erinnere mich morgen an den
        Zahnarzt`).  A wrapper given replaces the text's own, joiner included."""
        at = self.at if time_at is None else time_at
        phrase = list(self.time if time is None else time)
        head, joiner = (self.wrapper, self.joiner) if wrapper is None else (wrapper, [])
        before, rest = list(self.message[:at]), list(self.message[at:])
        if comma and before:
            before[-1] += ","
        elif comma and rest:
            phrase[-1] += ","
        if at == 0:
            words = head + phrase + joiner + rest
        else:
            words = head + joiner + before + phrase + rest
        return " ".join(words + self.after) + after + self.end


def _starts(words: list[str], phrase: tuple[str, ...], at: int = 0) -> bool:
    return tuple(key(w) for w in words[at:at + len(phrase)]) == phrase


def peel(words: list[str], phrases: list[tuple[str, ...]], from_end: bool = False) -> int:
    """How many words at the start (or end) of `words` are one of `phrases`, repeatedly."""
    n = 0
    while True:
        for p in phrases:
            at = len(words) - n - len(p) if from_end else n
            if at >= 0 and len(p) and _starts(words, p, at) and len(p) <= len(words) - n:
                n += len(p)
                break
        else:
            return n


def split(row: dict, lang: Language) -> Parts | None:
    text = row["text"].strip()
    end = ""
    mark = re.search(r"(?<![\d.])[.!?]+$|[!?]+$", text)
    if mark:
        text, end = text[:mark.start()].rstrip(), mark.group()
    words = text.split()
    wanted = message_key(row["message"]) if row["message"] != lang.data["replies"]["default_message"] else ()
    taken, i = [], 0
    for w in wanted:
        while i < len(words) and key(words[i]) != w:
            i += 1
        if i == len(words):
            return None
        taken.append(i)
        i += 1
    rest = [j for j in range(len(words)) if j not in taken]
    if not rest:
        return None
    lead = peel([words[j] for j in rest], lang.phrases("wrappers_before", "wrappers"))
    if lead and rest[lead - 1] != lead - 1:
        lead = 0  # a wrapper-like word after the message is not the text's wrapper
    trail = peel([words[j] for j in rest[lead:]], lang.phrases("wrappers_after"), from_end=True)
    if trail and rest[len(rest) - trail] != len(words) - trail:
        trail = 0
    phrase = rest[lead:len(rest) - trail]
    if not phrase or phrase != list(range(phrase[0], phrase[-1] + 1)):
        return None
    joiners = lang.phrases("wrapper_joiners")
    wrapper = words[:lead]
    joined = peel(wrapper, joiners, from_end=True) if len(wrapper) > 1 else 0
    wrapper, joiner = wrapper[:len(wrapper) - joined], wrapper[len(wrapper) - joined:]
    head = peel([words[j] for j in phrase], joiners) if wrapper and not joiner and phrase[0] == lead else 0
    if head:  # 'acuerdame k mañana pago la luz': the joiner right after the wrapper is the wrapper's, not the time's
        if head == len(phrase):
            return None
        joiner, phrase = [words[j] for j in phrase[:head]], phrase[head:]
    tail = peel([words[j] for j in phrase], joiners, from_end=True)
    if tail and phrase[-1] + 1 < len(words) - trail:  # a joiner after the time phrase belongs to the wrapper
        if not wrapper or joiner or tail == len(phrase):
            return None
        joiner, phrase = [words[j] for j in phrase[-tail:]], phrase[:-tail]
    # a comma that ends the time phrase or the message word before it separates the two: it does not move with them
    message = [words[j].rstrip(",;") if j == phrase[0] - 1 else words[j] for j in taken]
    time = words[phrase[0]:phrase[-1] + 1]
    time[-1] = time[-1].rstrip(",;:")
    return Parts(wrapper, joiner, message, sum(j < phrase[0] for j in taken), time, words[len(words) - trail:], end)


def _cased(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if template[:1].isupper() else word


def abbreviated(phrase: list[str], lang: Language) -> list[tuple[str, list[str]]]:
    """(name, new phrase) for each weekday or month name (or abbreviation) in the phrase, shortened (or spelt out);
    a shortened word also with the dot people write after it (`Tue.`, `Di.`, `dic.`)."""
    abbrs = lang.abbreviations
    full = {fold(a): name for name, short in abbrs.items() for a in short}
    out = []
    for i, w in enumerate(phrase):
        lead, core, trail = re.fullmatch(r"([^\w]*)(.*?)([^\w]*)", w).groups()
        stem, _, feira = fold(core).partition("-")
        if stem in abbrs and feira in ("", "feira"):
            base = core.split("-")[0]
            options = [base] if feira else []
            for a in abbrs[stem]:
                options += [_cased(base, a)] + ([_cased(base, a) + "."] if a.isalpha() and not trail else [])
            out += [(f"{fold(core)}>{fold(o)}", phrase[:i] + [lead + o + trail] + phrase[i + 1:]) for o in options]
        elif fold(core) in full:
            out.append((f"{fold(core)}>{full[fold(core)]}",
                        phrase[:i] + [lead + _cased(core, full[fold(core)]) + trail] + phrase[i + 1:]))
    return out


def day_and_hour(phrase: list[str], lang: Language) -> int | None:
    """Where the phrase is cut into a day (a day word with its `on`/`next`/`the` words) and an hour, in either order,
    if it is exactly those two: `tomorrow | at 11`, `a las 11 | mañana`."""
    prefixes = {fold(w) for w in lang.word_set("on", "on_date", "next", "this", "the") if " " not in w}
    at_words = lang.phrases("at_clock", "at")
    weekdays = {e["name"] for e in lang.data["weekdays"]}
    keys = [key(w) for w in phrase]
    for day in lang.day_words:
        for d in range(len(phrase) - len(day) + 1):
            if tuple(keys[d:d + len(day)]) != day:
                continue
            p = d
            while day[0] in weekdays and p > 0 and keys[p - 1] in prefixes:
                p -= 1
            end = d + len(day)
            if p == 0 and end < len(phrase) and _is_hour(phrase[end:], lang, at_words):
                return end
            if end == len(phrase) and p > 0 and _is_hour(phrase[:p], lang, at_words):
                return p
    return None


def swapped(phrase: list[str], lang: Language) -> list[str] | None:
    """The phrase with its day and its hour the other way round (`at 11 tomorrow`), if it is exactly those two."""
    cut = day_and_hour(phrase, lang)
    return None if cut is None else phrase[cut:] + phrase[:cut]


def _is_hour(words: list[str], lang: Language, at_words: list[tuple[str, ...]]) -> bool:
    """An hour and what may follow it: its am/pm, `Uhr`, minutes or a day part (`a las 7 de la tarde`)."""
    rest = [key(w) for w in words[peel(words, at_words):]]
    closing = lang.word_set("the", "of", "and", "or") | {fold(w) for w in lang.data["dangling"]}
    tail = lang.word_set("the", "of", "and", "half", "quarter", "hours_suffix", "hour_clock", "oclock")
    tail |= {w for v in lang.data["ampm"].values() for w in v} | set(lang.data["daypart_qualifiers"])
    tail |= {w for part in lang.data["dayparts"].values() for w in part["words"]}
    tail = {key(x) for w in tail for x in w.split()}
    return (bool(rest) and rest[0][:1].isdigit() and len(rest) <= 4 and rest[-1] not in closing
            and all(k in tail or k[:1].isdigit() for k in rest[1:]))
