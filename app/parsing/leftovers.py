"""The "am I sure" check: after a parse, nothing left of the text may still read as a time or a date, and the
phrases found may not disagree.  Otherwise the parser says what it understood and asks, rather than guess."""
from __future__ import annotations

import re
from bisect import bisect_left
from datetime import datetime
from functools import lru_cache
from itertools import pairwise

from ..rules import split
from .clock import in_part
from .describe import clock, day_label
from .errors import unsure
from .found import Found, Scanner
from .grammar import G as g
from .message import default_message, merge
from .resolve import distinct_clocks
from .vocabulary import LANGUAGES, V, Vocabulary, current, load


def check(f: Found, sc: Scanner, text: str, due: datetime, message: str, every: str | None) -> None:
    """Raise ParseError('unsure') naming the first piece of the text that was not understood."""
    series_hours = len(split(every).get("BYHOUR", "0").split(",")) if every else 1
    span = _conflict(f, series_hours) or _hedged(sc) or _timelike_leftover(sc) or _timelike_neighbour(sc, f) \
        or _lone_hour(sc, f) or _loose_daypart(sc, f, due.hour)
    if span is None:
        return
    a, b = sc.norm.original(*span)
    task = g.UNSURE_BEFORE.sub("", message)
    task = "" if task == default_message() else task
    # a task that starts with a number goes first in the example ('3 Flaschen kaufen Mittwoch 9:00 Uhr'): after
    # the time, it would be a number next to a time again
    words = task.split()
    task_first = bool(words) and _is_number(words[0].strip(_EDGE).lower())
    raise unsure(f"{day_label(due)} {clock(due)}", text[a:b], _example_time(due), task, task_first)


def _conflict(f: Found, series_hours: int) -> tuple[int, int] | None:
    """Two different days, or more times than the series uses, or a time outside the day part said with it."""
    named = {day.weekday() for day, _, by_weekday in f.days if not by_weekday}
    days = {}
    for day, span, by_weekday in f.days:
        if not (by_weekday and day.weekday() in named):  # 'Friday, Dec 4' names one day twice
            days.setdefault(day, span)
    if len(days) > 1:
        return list(days.values())[1]
    clocks = distinct_clocks(f)
    if len(clocks) > max(series_hours, 1):
        return clocks[max(series_hours, 1)].span
    if f.daypart_said and f.daypart and clocks and clocks[0].kind != "bare":
        c, hours = clocks[0], V.data["dayparts"][f.daypart]["hours"]
        readings = [c.hour] if c.kind == "exact" else [c.hour % 12, c.hour % 12 + 12]
        if not any(in_part(h, hours) for h in readings):  # '15 Uhr nachts', '9pm in the morning'
            return max(c.span, f.daypart_said)
    return None


def _hedged(sc: Scanner) -> tuple[int, int] | None:
    """'3pm or 4pm', 'friday, actually saturday', 'every day except sunday': a hedge word before a second phrase."""
    spans = merge(sc.spans)
    for (_, end), (a, b) in pairwise(spans):
        if g.UNSURE_BEFORE.search(sc.low[end:a]):
            return a, b
    for _, end in spans:  # 'at 4 or 5'
        m = g.UNSURE_NUMBER.match(sc.low, end)
        if m:
            return m.start(1), m.end()
    return None


def _timelike_leftover(sc: Scanner) -> tuple[int, int] | None:
    """A piece of the text nobody claimed that still reads as a time or a date ('four pm', 'on seventh')."""
    left = list(sc.low)
    for a, b in sc.spans:
        left[a:b] = " " * (b - a)
    rest = "".join(left)
    for rx in g.LEFTOVER:
        for m in rx.finditer(rest):
            word = sc.word_before(m.start())
            if (word in g.PLACE_BEFORE and rx is not g.TIME_AMPM) or \
                    (m.groupdict().get("full") and word in V.words("the")):
                continue
            if m.groupdict().get("abbr") and V.abbr_needs_company(m["abbr"]) and \
                    not (m["q2"] or g.ABBR_OK_AFTER.match(rest, m.end())):
                continue
            return m.start(), m.end()
    return None


# A word of the leftover text: letters and digits, with the dots, colons and apostrophes inside it ('24.12.', "l'").
_TOKEN = re.compile(r"[^\s,;!?()\[\]\"]+")
_BARE_NUMBER = re.compile(r"\d{1,4}\.?")  # '11', '2027', and the German ordinal '5.'
_EDGE = ".,:;!?'\""
_SEPARATORS = " \t\n,;!?()[]\""  # what ends a word of _TOKEN
_WORD = re.compile(r"[^\W\d_]+")


def _timelike_neighbour(sc: Scanner, f: Found) -> tuple[int, int] | None:
    """The guard: a time-like word nobody claimed, right next to a phrase that was claimed ('call mom 11 tomorrow',
    'el 5 de mayo de 2027', '10:30 mon', 'midi moins dix', '4 oclock am').  It was meant as part of the time but no
    rule joined it, so the time understood may be wrong: ask rather than schedule.  Linking words and the clock's
    joining words may stand between ('de 2027', 'moins dix', 'para o meio dia'), and are then part of the piece not
    understood.  An offset ('task 4 in 5 hours') is whole by itself: no number next to it can change it, though a
    clock word can ('dans 2 heures quart')."""
    rest = _unclaimed(sc)
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(rest)]
    starts = [a for a, _ in tokens]
    offsets = {span for span in sc.spans if g.RELATIVE.fullmatch(sc.low, *span)}
    clocks = [c.span for c in f.clocks]
    loose = [c.span for c in f.clocks if c.kind != "exact"]  # a day part would still change these
    found: list[tuple[int, int]] = []
    for span in sc.spans:  # only the few words on either side of a phrase can touch it
        k = bisect_left(starts, span[1])
        for i in [*range(max(0, k - _MOST_BETWEEN - 1), k), *range(k, min(len(tokens), k + _MOST_BETWEEN + 1))]:
            a, b = tokens[i]
            side = _timelike(sc, rest, a, b)
            if side is None or (span in offsets and _is_number(rest[a:b].strip(_EDGE))) \
                    or not _fits(side, span, a, sc.low, loose if side == _DAYPART else clocks):
                continue  # 'in 2 hours et quart' is not whole, but 'task 4 in 5 hours' is
            joined = _next_to(tokens, rest, i, span, sc.low)
            if joined is not None:
                found.append(joined)
    return min(found, default=None)


def _fits(side: str, span: tuple[int, int], a: int, low: str, clocks: list[tuple[int, int]]) -> bool:
    """Whether a word of this kind, at `a`, could have been part of the claimed span's time (`clocks`: the spans
    of the times a day part would change, or of all times)."""
    after = span[1] <= a
    if side == _BOTH:
        return True
    if side == _AFTER:
        return after
    if side == _UNIT:  # '20 e 4 horas': the number read as a clock was the quantity of a unit
        return after and low[span[1] - 1].isdigit()
    # a day part ('nachmittags um 2 uhr 15') or a clock word that is also a noun ('a las 10 cuarto', not
    # 'limpiar el cuarto mañana'): next to a time only
    return any(span[0] <= c[0] and c[1] <= span[1] for c in clocks)


def _lone_hour(sc: Scanner, f: Found) -> tuple[int, int] | None:
    """'tomorrow dentist 3', 'sunday brunch 11', 'this evening call Dad 8': no time of day was read, and the text
    ends on a number that could be the hour ('dentist tomorrow 3' is 15:00).  Not the day's default time with the
    hour left in the message: ask.  A number that starts the text is more often a quantity ('3 calls to make
    tomorrow'), unless a day part was said ('8 call Dad this evening')."""
    if f.clocks or f.cal or f.exact or f.midnight:
        return None
    b = len(sc.low.rstrip(" \t\n.,;:!?"))
    ends = [(max(sc.low.rfind(c, 0, b) for c in _SEPARATORS) + 1, b)]
    first = _TOKEN.search(sc.low)
    if first and f.daypart and not g.QUANTITY_AFTER.match(sc.low, first.end()):
        ends.append(first.span())  # '8 call Dad this evening': with a day part, a number first is its hour
    for a, b in ends:
        if a < b and sc.free(a, b) and _hour_like(sc.low[a:b]) and not _after_place(sc, a):
            return a, b
    return None


def _loose_daypart(sc: Scanner, f: Found, hour: int) -> tuple[int, int] | None:
    """A day part nobody claimed, anywhere in the text, with a time it would decide (a bare hour or a
    24-hour-habit '7 Uhr': 'abends Aperitif um 7 Uhr', 'morning walk at 7'), or with no time of day at all while
    the default hour is outside it ('evening walk tomorrow' is not 09:00; 'morning walk tomorrow' is)."""
    if f.daypart or f.midnight or f.cal or f.exact or (f.clocks and f.clocks[0].kind == "exact"):
        return None
    dayparts = _timelike_words(current())[3]
    rest = _unclaimed(sc)
    tokens = list(_TOKEN.finditer(rest))
    for i, m in enumerate(tokens):
        word = m.group().strip(_EDGE)
        if word not in dayparts or word in V.data["dayparts_also_adverbs"]:  # 'no llegar tarde': late
            continue
        hour_next = i + 1 < len(tokens) and _hour_like(tokens[i + 1].group())  # 'morning 10 brunch sunday'
        if f.clocks or hour_next or not in_part(hour, V.data["dayparts"][V.daypart_of[word]]["hours"]):
            return m.start(), m.end()
    return None


def _is_number(word: str) -> bool:
    """'11', 'four', 'vierundzwanzig': a number in digits or in the words of any supported language."""
    return word.isdigit() or word in _number_words() or \
        (word.isalpha() and any(load(code).compound_number(word) is not None for code in LANGUAGES))


@lru_cache(maxsize=1)
def _number_words() -> frozenset[str]:
    return frozenset(w for code in LANGUAGES for w in [*load(code).numbers, *load(code).tens])


def _hour_like(token: str) -> bool:
    """'10', '730': a bare number that could be an hour, or an hour and its minutes."""
    word = token.strip(_EDGE)
    return word.isdigit() and len(word) <= 3 and _could_be_a_time(word)


def _unclaimed(sc: Scanner) -> str:
    """The normalised text with every claimed character blanked."""
    left = list(sc.low)
    for a, b in sc.spans:
        left[a:b] = " " * (b - a)
    return "".join(left)


_MOST_BETWEEN = 3  # 'por volta das', 'para o': a few linking words at most


def _next_to(tokens: list[tuple[int, int]], rest: str, i: int, span: tuple[int, int],
             low: str) -> tuple[int, int] | None:
    """Token i touches the claimed span, with nothing but spaces or linking words ('de', 'a las', 'moins') between
    them, and no other claimed phrase: the piece from the span to the token, or None."""
    a, b = tokens[i]
    if span[1] <= a:
        between, gap = [t for t in tokens[max(0, i - _MOST_BETWEEN - 1):i] if t[0] >= span[1]], (span[1], a)
    elif span[0] >= b:
        between, gap = [t for t in tokens[i + 1:i + _MOST_BETWEEN + 2] if t[1] <= span[0]], (b, span[0])
    else:
        return None
    if rest[slice(*gap)] != low[slice(*gap)]:
        return None  # another phrase stands between: it is the one the word touches
    if not between:
        return a, b
    words = [rest[slice(*t)].strip(_EDGE) for t in between]
    phrases, singles = _linking_words(current())
    joined = any(w in _joining_words(current()) for w in words)  # 'moins dix', 'para o meio dia'
    if len(words) > _MOST_BETWEEN or not (" ".join(words) in phrases or (joined and set(words) <= singles)):
        return None  # 'morgen die 2 Pakete': an article alone joins nothing
    return (min(a, between[0][0]), max(b, between[-1][1])) if joined else (a, b)


_BOTH, _AFTER, _UNIT, _DAYPART, _CLOCK = "both", "after", "unit", "daypart", "clock"


def _timelike(sc: Scanner, rest: str, a: int, b: int) -> str | None:
    """Whether the word is time-like on either side of a phrase (a bare number that is not a quantity or a place
    number, a number or clock word, a full weekday name), only after one (a month name or an abbreviation that is
    also a word or a name: 'call April tomorrow', 'call Thu tomorrow', but '10:30 mon'; 'am', 'pm'), only after a
    number ('horas' in '20 e 4 horas'), next to a time a day part could change ('nachmittags um 2'), or next to
    any time (a clock word that is also a noun: 'a las 10 cuarto', not 'limpiar el cuarto mañana'); None when it is
    not."""
    word = rest[a:b].strip(_EDGE)
    if _BARE_NUMBER.fullmatch(rest[a:b].rstrip(",;:!?")) and word.isdigit():
        said_as_time = g.AFTER_CLOCK_WORD.search(sc.low, max(0, a - 30), a)  # 'a las 11 pastilla'
        quantity = _after_place(sc, a) or g.PLACE_NEXT.match(rest, b) \
            or (g.QUANTITY_AFTER.match(rest, b) and not said_as_time)
        return _BOTH if _could_be_a_time(word) and not quantity else None
    both, after, units, dayparts = _timelike_words(current())
    if word in V.data["clock_words_also_nouns"]:  # 'cuarto' is a room too, 'meia' a sock
        return _CLOCK
    for words, side in ((both, _BOTH), (after, _AFTER), (units, _UNIT), (dayparts, _DAYPART)):
        if word in words:
            return side
    if word.isalpha() and any(load(code).compound_number(word) is not None for code in LANGUAGES):
        return _BOTH  # 'vierundzwanzig'
    return None


def _could_be_a_time(digits: str) -> bool:
    """An hour ('11'), an hour and minutes run together ('930', '1530') or a year ('2027'); not '68' or '5000'."""
    n = int(digits)
    if len(digits) <= 2:
        return n <= 24
    return (n // 100 <= 23 and n % 100 <= 59) or 1900 <= n <= 2099


def _after_place(sc: Scanner, pos: int) -> bool:
    """'room 101', 'flight UA 921', 'table for 4': a place word in the two words before the number."""
    return any(w in g.PLACE_BEFORE for w in _WORD.findall(sc.low[max(0, pos - 40):pos])[-2:])


@lru_cache(maxsize=16)
def _timelike_words(vocab: Vocabulary) -> tuple[frozenset[str], ...]:
    """The words time-like on both sides of a phrase: the language's clock words ('quart', 'halb', 'oclock', 'trois
    quarts'), full weekday names and abbreviations that are days alone, and the number words of every supported
    language (the normaliser has made the language's own into digits already).  Then those time-like only after
    one: month names, the other abbreviations, 'am' and 'pm' and the hour marks ('heures', 'uhr').  Then the units
    (after a number) and the day parts (next to a time they could change).  None holds the language's everyday
    words (`not_time_like`)."""
    def single(words) -> set[str]:
        return {w for w in words if " " not in w}

    both = set(vocab.weekday_names) | {w for w in vocab.weekday_abbrs if not vocab.abbr_needs_company(w)}
    both |= single(vocab.words("quarter") + vocab.words("half") + vocab.words("half_after") + vocab.words("oclock")
                   + vocab.words("three_quarters_to") + vocab.words("three_quarters_past"))
    for code in LANGUAGES:
        other = load(code)
        both |= {w for w in [*other.numbers, *other.tens] if " " not in w and "-" not in w} - set(vocab.month_of)
    after = set(vocab.weekday_of) | set(vocab.month_of)  # German 'Dez' is December first, Portuguese ten second
    after |= single(w for words in vocab.data["ampm"].values() for w in words)
    after |= single(w for w in vocab.words("hour_clock") + vocab.words("hours_suffix") if len(w) > 1)
    after |= set(vocab.data["zone_words"])  # '3pm EST': read in the person's zone, it may be another time
    units = single(vocab.unit_of) - {w for w in vocab.unit_of if len(w) == 1}
    everyday = _everyday_words(vocab)
    return (frozenset(both - everyday), frozenset(after - both - everyday), frozenset(units - everyday),
            frozenset(set(vocab.daypart_of) - everyday))


@lru_cache(maxsize=16)
def _everyday_words(vocab: Vocabulary) -> frozenset[str]:
    """Words another language's number words spell, which are everyday words here ('un' is French one, 'die' German
    Tuesday): the language's `not_time_like` list."""
    return frozenset(vocab.data.get("not_time_like", []))


@lru_cache(maxsize=16)
def _linking_words(vocab: Vocabulary) -> tuple[frozenset[str], frozenset[str]]:
    """The phrases that join a number to the phrase next to it ('de 2027', 'im 2027', 'a las 10'), and the single
    words that may stand between a joining word and it ('para o meio dia', 'moins le quart')."""
    phrases = frozenset(w for key in ("of", "and", "at", "at_clock") for w in vocab.words(key))
    singles = {p for w in phrases | set(vocab.words("the")) for p in w.split()}
    return phrases, frozenset(singles | _joining_words(vocab))


@lru_cache(maxsize=16)
def _joining_words(vocab: Vocabulary) -> frozenset[str]:
    """The clock's joining words: 'moins', 'et', 'para', 'menos', 'y', 'vor', 'nach', 'to', 'past' ('midi moins
    dix', 'dez para o meio dia', 'viertel nach'); next to a time, what they join is part of it."""
    return frozenset(p for key in ("to", "past", "plus", "minus") for w in vocab.words(key) for p in w.split())


def _example_time(due: datetime) -> str:
    """The time of the reply's example, as the person would say it: 'Tuesday 4pm', 'martes 16:00'."""
    weekday = V.describe["weekday_names"][due.weekday()]
    if "example_clock" in V.describe:  # a 24-hour language: 'martes 16:00 dentista', 'mardi 16h dentiste'
        return f"{weekday} {V.describe['example_clock'].format(h=due.hour, m=due.minute)}"
    minute = f":{due.minute:02d}" if due.minute else ""
    ampm = V.describe["am"] if due.hour < 12 else V.describe["pm"]
    return f"{weekday} {due.hour % 12 or 12}{minute}{ampm.lower()}"
