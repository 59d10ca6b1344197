"""Metamorphic variants of the tuned corpora: each must give the original's answer or refuse, never another time.

Run: .venv/bin/python -m tests.parsing.metamorphic [-v]   (the table by transformation and language, then every
variant whose time or message differs; -v lists the refused ones too; --digest prints only the hash of the
variants)

For every row of the tuned corpora (`original`, `everyday`, `es`, `fr`, `pt`, `de`; never a held-out file) that
expects a schedule and that the parser gets right, the generator rewrites the text and `outcome` parses each rewrite
with the row's zone, `now` and language.  A variant's answer is *same* when its due instant, UTC offset and RRULE
equal the original's and its message has the same words up to case, accents and punctuation (the changes the
variants make); *refused* when the parser raises `ParseError`; otherwise *different time* (instant, offset or rule)
or *different message* (the time is right, the words are not).

The parts of a text are found without the parser's internals: the expected message's words are matched, in
order, against the text's words; the words left over at the start that read as a wrapper of the language's file
(`wrappers_before`, `wrappers`) are the wrapper, those at the end that read as one of its `wrappers_after` are the
trailing wrapper, and what is left must be one contiguous run of words: the time phrase.  All language knowledge
(weekday and month names and abbreviations, wrappers, `at`/`on`/`the` words, day words) is read from
`app/parsing/languages/<code>.json` as data.  Transformations (families in the table):

- `move`: the time phrase to the front, to the middle of the message and to the end (at the front of a text with a
  wrapper, between the wrapper and its joiner: `remind me tomorrow at 4 to call mom`, `erinnere mich morgen an
  den Zahnarzt`);
- `case`: the whole text in upper, lower and title case;
- `punct`: a trailing `.`, `!` or `?`; a comma between the message and the time phrase, and between a day and its
  hour (`friday, 3pm`; not elsewhere inside a phrase: `jeden, Montag` or `um 8, Uhr` is no longer one phrase);
  doubled spaces;
- `wrapper`: a wrapper added before a text without one (three fixed per language, and one drawn from the file's
  `wrappers`), a trailing one after it (one fixed, one drawn from `wrappers_after`), or the wrapper dropped; a
  greeting alone (`hey`, `hallo`: `wrappers_before`) is not added, as it is dropped only before a wrapper;
- `abbrev`: a weekday or month name in the time phrase replaced by each abbreviation its language lists, and an
  abbreviation replaced by its full name;
- `swap`: a day word and the hour next to it in the other order (`tomorrow at 11` / `at 11 tomorrow`,
  `mañana a las 11` / `a las 11 mañana`, `am Freitag um 5` / `um 5 am Freitag`);
- `combined`: six seeded draws per row of a position, a time phrase (as typed, abbreviated or swapped), a wrapper
  change, a comma and a case or punctuation change, all in one variant.

Variants not built, each counted in the report's `skipped` line, and why:

- rows whose message words cannot be found in order in the text, or whose leftover words are not one run (the time
  phrase is split by the message: `call mom at 5 about the rent tomorrow`; or a joiner ends it with no wrapper
  before it): no time phrase to move, abbreviate or swap; only `case` and `punct` (trailing mark, spaces) are made;
- a position next to a number of the message: the number would join the time phrase (`read chapter 7 tonight`
  moved to `read chapter tonight 7` makes 7 the hour), so the text means another time;
- a `middle` position right after or before one of the language's `dangling` or `at` words: the phrase would take
  that word as its own (`meet Sam at | 5pm Joe's`), which changes the message;
- a trailing `.` after a digit in a language with dotted dates (`dotted_day_month`): `am 3.` is an ordinal date
  and `10.12.` day.month, so the dot changes the meaning by the language's own convention;
- abbreviations listed under two weekdays or months of one language: which day they name is a guess; so are those
  that are number words too (Portuguese `dez`, ten and December): the abbreviation is never spelt out as the month;
- abbreviations a language's file does not list are not made (Spanish `mar` for `martes` is also "sea":
  `ver el mar a las 5`); an abbreviation that is also a word (`sat`, `sun`, Portuguese `ter`, German `die`) replaces
  a full name only inside the time phrase, where the full name stood;
- a `swap` only where the time phrase is exactly a day (with its `on`/`next`/`the` words) and an hour with its
  am/pm, `Uhr`, minutes or day part, in either order: `every day at 8pm until friday` has no swap.

Figures (2026-12-06): 23,725 variants from 1,397 rows.  Against the parser before the fixes they led to, 92 were
scheduled at another time, 10 got another message and 145 were refused; after them 0, 0 and 100 (about 11 s of CPU).
"""
from __future__ import annotations

import hashlib
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.parsing import ParseError, parse
from tests.corpus_score import CORPUS_DIR, answer, expected, load, same
from tests.parsing.text_parts import (
    Language,
    Parts,
    abbreviated,
    day_and_hour,
    fold,
    key,
    language,
    message_key,
    peel,
    split,
    swapped,
)

TUNED = ("original", "everyday", "es", "fr", "pt", "de")
FAMILIES = ("move", "case", "punct", "wrapper", "abbrev", "swap", "combined")
OUTCOMES = ("same", "refused", "time", "message")
SEED = 23
COMBINED_PER_ROW = 6
# Wrappers added to a text without one, each a phrase of the language's `wrappers` list (checked by `generate`): the
# first kind goes before the message, the second before the time phrase; then one of `wrappers_after`.
ADDED_WRAPPERS = {
    "en": (("remind me to", "please remind me to", "set a reminder to"), ("remind me",)),
    "es": (("recuérdame", "acuérdame de", "recordatorio:"), ("recuérdame",)),
    "fr": (("rappelle-moi de", "n'oublie pas de", "rappel:"), ("rappelle-moi",)),
    "pt": (("me lembra de", "lembra-me de", "lembrete:"), ("me lembra",)),
    "de": (("erinnere mich an", "erinnere mich daran", "Erinnerung:"), ("erinnere mich",)),
}
ADDED_AFTER = {"en": ", thanks", "es": " por favor", "fr": " stp", "pt": " por favor", "de": " bitte"}

@dataclass(frozen=True)
class Variant:
    family: str
    name: str
    text: str
    row: dict


STRING_CHANGES: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    "title": lambda t: " ".join(w[:1].upper() + w[1:] for w in t.split(" ")),
    ".": lambda t: t + ".",
    "!": lambda t: t + "!",
    "?": lambda t: t + "?",
    "spaces": lambda t: "  ".join(t.split()),
}


def _string_changes(text: str, lang: Language) -> dict[str, Callable[[str], str]]:
    """The case and punctuation changes that keep the text's meaning (no `.` after a digit where `3.` is a date)."""
    dotted = lang.data.get("dotted_day_month")
    return {n: f for n, f in STRING_CHANGES.items() if not (n == "." and dotted and text.rstrip()[-1:].isdigit())}


def _positions(parts: Parts, lang: Language, skipped: list[str]) -> dict[str, int]:
    """Where the time phrase may go among the message's words: never next to a word it would take as its own (a
    preposition of the message: `meet Sam at | Joe's`) or read as time (a number of the message: `chapter 7`)."""
    sticky = lang.word_set("at", "on", "the", "of", "in") | {fold(w) for w in lang.data["dangling"]}
    msg = parts.message

    def clear(k: int) -> bool:
        around = msg[max(0, k - 1):k + 1]
        return not any(any(c.isdigit() for c in w) for w in around) and not (
            0 < k < len(msg) and (key(msg[k - 1]) in sticky or key(msg[k]) in sticky))

    places = {"front": 0, "end": len(msg)}
    middles = [k for k in range(1, len(msg)) if clear(k)]
    if middles:
        places["middle"] = middles[len(middles) // 2]
    elif len(msg) > 1:
        skipped.append("middle")
    for name, k in list(places.items()):
        if k != parts.at and not clear(k):
            del places[name]
            skipped.append(name)
    return places


def _wrappers(parts: Parts, lang: Language, at: int | None) -> dict[str, list[str]]:
    """The wrapper changes: drop the text's own, or add one; before a time phrase at the front, one without a
    joiner (`remind me tomorrow 5pm call mom`, not `remind me to tomorrow 5pm call mom`)."""
    if parts.wrapper:
        return {"drop": []}
    before, before_time = ADDED_WRAPPERS[lang.code]
    front = (parts.at if at is None else at) == 0 or not parts.message
    return {f"add {w}": w.split() for w in (before_time if front else before)}


def variants_of(row: dict, rnd: random.Random) -> tuple[list[Variant], list[str]]:
    """The row's variants, and the names of the ones that could not be built."""
    lang = language(row.get("lang", "en"))
    text, out, skipped, seen = row["text"].strip(), [], [], set()

    def add(family: str, name: str, new: str) -> None:
        if new.strip() != text and new.strip() not in seen:
            seen.add(new.strip())
            out.append(Variant(family, name, new, row))

    changes = _string_changes(text, lang)
    for name, change in changes.items():
        add("case" if name in ("upper", "lower", "title") else "punct", name, change(text))
    parts = split(row, lang)
    if parts is None:
        skipped.append("no time phrase")
        return out, skipped
    add("punct", "comma", parts.join(comma=True))
    cut = day_and_hour(parts.time, lang)
    if cut is not None:  # and between the day and the hour: 'friday, 3pm', 'a las 11, mañana'
        add("punct", "comma inside", parts.join(time=parts.time[:cut - 1] + [parts.time[cut - 1] + ","]
                                                + parts.time[cut:]))
    places = _positions(parts, lang, skipped)
    for name, at in places.items():
        add("move", name, parts.join(time_at=at))
    if not parts.wrapper and not parts.after:
        add("wrapper", "add after", parts.join(after=ADDED_AFTER[lang.code]))
    if not parts.after:  # and one drawn from the file's list, after a space or a comma
        drawn = rnd.choice([" ", ", "]) + rnd.choice(lang.data["wrappers_after"])
        add("wrapper", "add after (file)", parts.join(after=drawn))
    if not parts.wrapper and parts.message and parts.at > 0:
        add("wrapper", "add (file)", parts.join(wrapper=rnd.choice(lang.data["wrappers"]).split()))
    for name, words in _wrappers(parts, lang, parts.at).items():
        add("wrapper", name, parts.join(wrapper=words))
    phrases = dict(abbreviated(parts.time, lang))
    turned = swapped(parts.time, lang)
    if turned:
        phrases["swap"] = turned
    for name, phrase in phrases.items():
        add("swap" if name == "swap" else "abbrev", name, parts.join(time=phrase))
    # combined: a seeded draw of one position, time phrase, wrapper, comma and case or punctuation change
    for _ in range(COMBINED_PER_ROW):
        place = rnd.choice([("", None)] + list(places.items()))
        phrase = rnd.choice([("", None)] + list(phrases.items()))
        wrapper = rnd.choice([("", None)] + list(_wrappers(parts, lang, place[1]).items()))
        comma = rnd.random() < 0.3
        change = rnd.choice([("", None)] + list(changes.items()))
        new = parts.join(time_at=place[1], time=phrase[1], wrapper=wrapper[1], comma=comma)
        name = "+".join(n for n in (place[0], phrase[0], wrapper[0], "comma" * comma, change[0]) if n)
        add("combined", name, change[1](new) if change[1] else new)
    return out, skipped


def originals() -> list[dict]:
    """Tuned rows that expect a schedule and that the parser gets right today."""
    rows = []
    for name in TUNED:
        for row in load(CORPUS_DIR / f"{name}.jsonl"):
            if "error" not in row and same(answer(row), expected(row)):
                rows.append(row)
    return rows


def _check_added_wrappers() -> None:
    for code, groups in ADDED_WRAPPERS.items():
        lang = language(code)
        for words in (w.split() for group in groups for w in group):
            assert peel(words, lang.phrases("wrappers_before", "wrappers")) == len(words), f"{words}: not in {code}"


def generate() -> tuple[list[Variant], Counter]:
    _check_added_wrappers()
    rnd = random.Random(SEED)
    variants, skipped = [], Counter()
    for row in originals():
        made, missed = variants_of(row, rnd)
        variants += made
        skipped.update(f"{row.get('lang', 'en')}: {m}" for m in missed)
    return variants, skipped


def digest(variants: list[Variant]) -> str:
    """One hash of all the variants made, in order: the same in every run and process."""
    return hashlib.sha256("\n".join(f"{v.family}\t{v.name}\t{v.text}" for v in variants).encode()).hexdigest()


def outcome(v: Variant) -> tuple[str, str]:
    """(same | refused | time | message, what the parser said)."""
    row = v.row
    try:
        got = parse(v.text, row["tz"], datetime.fromisoformat(row["now"]), row.get("lang", "en"))
    except ParseError as err:
        return "refused", err.code
    due = datetime.fromisoformat(row["due"])
    # instants compared as timestamps: an aware datetime in a repeated (fall-back) hour never equals one in another zone
    if got.due.timestamp() != due.timestamp() or got.due.utcoffset() != due.utcoffset() or got.every != row["every"]:
        return "time", f"{got.due.isoformat()} {got.every} {got.message!r}"
    if message_key(got.message) != message_key(row["message"]):
        return "message", repr(got.message)
    return "same", ""


@dataclass
class Report:
    counts: dict[tuple[str, str], Counter]
    differing: list[tuple[str, Variant, str]]  # (refused | time | message, variant, what the parser said)
    skipped: Counter
    seconds: float

    def total(self, what: str | None = None) -> int:
        return sum(c[what] if what else sum(c.values()) for c in self.counts.values())

    def table(self) -> str:
        langs = sorted({lang for _, lang in self.counts})
        lines = ["| transformation | language | variants | same | refused | different time | different message |",
                 "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        for family in FAMILIES:
            for lang in langs + ["all"]:
                c = Counter()
                for (f, g), n in self.counts.items():
                    if f == family and lang in (g, "all"):
                        c.update(n)
                if sum(c.values()):
                    lines.append(f"| {family} | {lang} | {sum(c.values())} | "
                                 + " | ".join(str(c[o]) for o in OUTCOMES) + " |")
        lines.append(f"| **all** | all | {self.total()} | " + " | ".join(str(self.total(o)) for o in OUTCOMES) + " |")
        return "\n".join(lines)


def run() -> Report:
    start = time.process_time()
    variants, skipped = generate()
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    differing = []
    for v in variants:
        kind, said = outcome(v)
        counts[(v.family, v.row.get("lang", "en"))][kind] += 1
        if kind != "same":
            differing.append((kind, v, said))
    return Report(dict(counts), differing, skipped, time.process_time() - start)


def main(argv: list[str]) -> None:
    if "--digest" in argv:
        print(digest(generate()[0]))
        return
    report = run()
    print(report.table())
    print(f"\n{report.total()} variants in {report.seconds:.1f} s of CPU; not built: {dict(report.skipped)}")
    for kind, v, said in report.differing:
        if kind != "refused" or "-v" in argv:
            r = v.row
            print(f"{kind.upper()} [{r.get('lang', 'en')} {v.family} {v.name}] {v.text!r}\n    original {r['text']!r}"
                  f" -> {r['due']} {r['every']} {r['message']!r}\n    got      {said}")


if __name__ == "__main__":
    main(sys.argv[1:])
