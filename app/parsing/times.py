"""Times of day: '5pm', '330pm', '17:00', '0500 hrs', 'at 8', 'quarter to 5', 'half four', 'noon', '8 this evening',
day parts ('tomorrow morning') and marks ('eod', 'after work')."""
from __future__ import annotations

import re

from .clock import in_part
from .errors import fail
from .found import Clock, Found, Scanner
from .grammar import G as g
from .message import clean_message, default_message
from .vocabulary import V


def add_clock(f: Found, h: int, mi: int, kind: str, frag: str, span: tuple[int, int]) -> None:
    """Record a time of day, rejecting impossible ones ('25:00', '13pm', '10:75')."""
    if not (0 <= h <= 23 and 0 <= mi <= 59):
        raise fail("impossible", frag)
    f.clocks.append(Clock(h, mi, kind, span))


def ampm_hour(h: int, ap: str, frag: str) -> int:
    if not 1 <= h <= 12:
        raise fail("impossible", frag)
    return h % 12 + (12 if re.sub(r"\s+", "", ap) in g.PM_WORDS else 0)


def bare_kind(h_text: str, h: int) -> str:
    """'08:00', '17:30', '0:15' are 24-hour forms; '8', '3:30', '12' are on a 12-hour clock."""
    return "bare" if 1 <= h <= 12 and not (len(h_text) == 2 and h_text.startswith("0")) else "exact"


def _after_place(sc: Scanner, m: re.Match, group: str = "h") -> bool:
    """'room 101', 'bus 73 at 8:15', 'chapter 7 tonight': the number belongs to the word before it."""
    return sc.word_before(m.start(group)) in g.PLACE_BEFORE


def _claim(sc: Scanner, f: Found, m: re.Match, h: int, mi: int, kind: str) -> None:
    add_clock(f, h, mi, kind, sc.text(m), (m.start(), m.end()))
    sc.take(m.start(), m.end())


def extract(sc: Scanner, f: Found) -> None:
    _extract_idioms(sc, f)
    _extract_fraction_first(sc, f)
    _extract_hour_first(sc, f)
    for m in sc.matches(g.NOON):
        if m["w"] in V.words("midnight"):
            f.midnight = True
            _claim(sc, f, m, 0, 0, "exact")
        else:
            _claim(sc, f, m, 12, 0, "exact")
    for m in sc.matches(g.TIME_RANGE):  # '3-4pm', '7 to 9pm', '9:30-9:45': the start of the range
        if not m["ap"]:
            if m["m"] and m["m2"] and not m["ap1"]:
                h = int(m["h"])
                _claim(sc, f, m, h, int(m["m"]), bare_kind(m["h"], h))
            continue
        end = ampm_hour(int(m["h2"]), m["ap"], sc.text(m))
        if m["ap1"]:
            start = ampm_hour(int(m["h"]), m["ap1"], sc.text(m))
        else:
            start = ampm_hour(int(m["h"]), m["ap"], sc.text(m))
            start = start - 12 if start > end else start
        _claim(sc, f, m, start, int(m["m"] or 0), "exact")
    for m in sc.matches(g.TIME_AMPM):
        _claim(sc, f, m, ampm_hour(int(m["h"]), m["ap"], sc.text(m)), int(m["m"] or 0), "exact")
    for m in sc.matches(g.TIME_COLON):
        h, mi = int(m["h"]), int(m["m"])
        if (m["sep"] == "." and (h > 23 or mi > 59 or m["h"] == "0")) or _after_place(sc, m):
            continue  # '3.99' is a price, '0.25 heure' a quarter of an hour, 'bus 73 at 8:15' keeps its 73
        if h == 24 and mi == 0:
            raise fail("impossible", sc.text(m))
        kind = bare_kind(m["h"], h)  # '6:45 Uhr', '6:45h' are 24-hour times where the language has the habit,
        written = m["clock24"] or V.data.get("colon_times_are_24_hour")  # as any '6:45' is in German and French
        _claim(sc, f, m, h, mi, "clock24" if kind == "bare" and written else kind)
    for m in sc.matches(g.OCLOCK):  # '4 oclock', '4 oclock am'
        h = int(m["h"])
        if m["ap"]:
            _claim(sc, f, m, ampm_hour(h, m["ap"], sc.text(m)), 0, "exact")
        else:
            _claim(sc, f, m, h, 0, bare_kind(m["h"], h))
    for m in sc.matches(g.MILITARY):
        h, mi = int(m["h"]), int(m["m"])
        standalone = not (m["at"] or m["suffix"] or m["h"].startswith("0"))
        year = h == 20 and 20 <= mi <= 39
        if (_after_place(sc, m) and not m["h"].startswith("0")) or (standalone and (year or f.clocks)):
            continue  # 'room 1530', a year such as 2027
        _claim(sc, f, m, h, mi, "exact")
    for m in sc.matches(g.AT_HOUR):
        h = int(m["h"])
        if h > 23 or (m["m"] and h > 12):
            continue  # 'at 25 Main St'
        mi = int(m["m"] or 0)
        _claim(sc, f, m, h, mi, bare_kind(m["h"], h) if not m["m"] else "bare")
    for m in sc.matches(g.HOUR_BEFORE_DAYPART):
        h = int(m["h"])
        if 1 <= h <= 12 and not _after_place(sc, m):
            _claim(sc, f, m, h, int(m["m"] or 0), "bare")
    for c in f.clocks:
        m = g.EMPHASIS_AFTER.match(sc.low, c.span[1])
        if m and sc.free(m.start(), m.end()):
            sc.take(m.start(), m.end())


def _hour_kind(h: int, suffixed: bool) -> str:
    """'19h', '8 Uhr' follow the 24-hour clock unless a day part says otherwise ('8 Uhr abends')."""
    if h > 12 or h == 0:
        return "exact"
    return "clock24" if suffixed else "bare"


def _extract_fraction_first(sc: Scanner, f: Found) -> None:
    """'half four' is 4:30; in German 'halb 8 (Uhr)' is 7:30 and 'dreiviertel 8' 7:45 (the fraction of the hour
    to come)."""
    for m in sc.matches(g.HALF_HOUR):
        h = int(m["h"])
        if not 1 <= h <= 12:
            continue
        before = bool(m["tq"]) or V.data.get("half_is_before_the_hour")
        _claim(sc, f, m, (h - 1 or 12) if before else h, 45 if m["tq"] else 30, "clock24" if m["oc"] else "bare")


def _fraction(word: str) -> int:
    """The minutes of 'media', 'quart', 'trois quarts'."""
    if word in V.words("three_quarters_past"):
        return 45
    return 30 if word in V.words("half_after") else 15


def _extract_hour_first(sc: Scanner, f: Found) -> None:
    """'7 y media', '8 menos cuarto', '7h et demie', 'midi moins dix', '10 heures trois quarts', then '19h', '19h30',
    'um 8 Uhr', 'às 7h'."""
    for m in sc.matches(g.HOUR_IDIOM):
        noon = m["h"] in V.words("noon")
        h = int(m["h"]) if m["h"].isdigit() else 12 if noon else 24  # 'minuit moins dix' is 23:50
        if m["frac"] or m["tq"]:
            mins = _fraction(m["frac"] or m["tq"])
        else:
            mins = int(m["n"])
            if mins % 5 and not m["unitw"]:
                continue  # '10h et 2 amis': minutes said alone are a multiple of 5, as in 'ten to five'
        if not (0 <= h <= (23 if m["h"].isdigit() else 24) and 1 <= mins <= 59):
            continue
        total = h * 60 + (-mins if m["dir"] in V.words("minus") else mins)
        f.past_midnight = f.past_midnight or total > 24 * 60  # 'minuit et quart'
        kind = _hour_kind(h, bool(m["oc"])) if m["h"].isdigit() else "exact"
        total %= (12 if kind == "bare" else 24) * 60
        if kind == "bare" and total < 60:
            total += 12 * 60  # 'la una menos cuarto' is 12:45
        _claim(sc, f, m, total // 60, total % 60, kind)
    for m in sc.matches(g.HOUR_CLOCK):
        h, mi = int(m["h"]), int(m["m"] or 0)
        if _after_place(sc, m):
            continue
        _claim(sc, f, m, h, mi, _hour_kind(h, True) if not m["h"].startswith("0") else "exact")


def _extract_idioms(sc: Scanner, f: Found) -> None:
    """'quarter past 3', 'ten to five', '20 minutes to 2pm', 'half past noon', '5 mins before 6pm'."""
    for m in sc.matches(g.CLOCK_IDIOM):
        if m["frac"]:
            mins = 30 if m["frac"] in V.words("half") else 15
        else:
            mins = int(m["n"])
            if not 1 <= mins <= 59 or (not m["unitw"] and (mins % 5 or mins > 30)) or _after_place(sc, m, "n"):
                continue  # '9 to 5' is a range, not 4:51; 'mesa 10 para as 8' is a table
        to = m["dir"] in V.words("to")
        h_text = m["h"]
        if h_text in V.words("noon") or h_text in V.words("midnight"):
            h, kind = (12 if h_text in V.words("noon") else 24), "exact"
        else:
            h = int(h_text)
            if not m["frac"] and not m["unitw"] and to and h == mins + 1 and m["dir"] in V.data["time_ranges"]:
                continue  # '5 to 6pm' is a range; 'cinco para as seis' is 5:55
            kind = "exact" if m["ap"] or h > 12 or h == 0 else "bare"
            if m["ap"]:
                h = ampm_hour(h, m["ap"], sc.text(m))
        total = h * 60 + (-mins if to else mins) - (30 if m["hh"] else 0)  # 'fünf nach halb vier' is 3:35
        f.past_midnight = f.past_midnight or (h == 24 and total > 24 * 60)  # 'half past midnight'
        if kind == "bare":
            total %= 12 * 60
            if total < 60:
                total += 12 * 60  # 'quarter past 12' is 12:15, 'ten to one' 12:50
        else:
            total %= 24 * 60
        _claim(sc, f, m, total // 60, total % 60, kind)


def extract_dayparts(sc: Scanner, f: Found) -> None:
    """'this morning', 'tomorrow night', 'friday evening', 'in the afternoon' (a lone 'morning' is just a word),
    'first thing', and marks with their own time: 'eod' 17:00, 'after work' 18:00, 'lunchtime' 12:00."""
    for m in sc.matches(g.FIRST_THING):
        sc.take(m.start(), m.end())
        f.daypart = f.daypart or V.data["first_thing_daypart"]
    for m in sc.matches(g.MARK):
        mark = V.data["marks"][V.mark_of[re.sub(r"\s+", " ", m["w"])]]
        f.default_time = (mark["hour"], mark["minute"])
        f.today_only = f.today_only or mark["today"]
        sc.take(m.start(), m.end())
        f.date_end = max(f.date_end, m.end())
    for m in sc.matches(g.DAYPART_RX):
        q = re.sub(r"\s+", " ", (m["q"] or "").strip())
        dp_start = m.start("dp")
        adjacent = any(e <= dp_start and not sc.low[e:dp_start].strip() for _, e in sc.spans)
        if not q and not adjacent and not _before_loose_clock(sc, f, m.end()):
            continue
        dp = V.daypart_of[m["dp"]]
        if q in V.data["daypart_today_qualifiers"]:
            f.today_only = True
        if f.daypart is None or (f.daypart == "night" and dp != "night" and not f.today_only):
            f.daypart = dp
        f.daypart_said = (m.start() if q else dp_start, m.end())
        sc.take(*f.daypart_said)
        f.date_end = max(f.date_end, m.end())


def _before_loose_clock(sc: Scanner, f: Found, end: int) -> bool:
    """'nachmittags um 2 Uhr 15', 'evening at 7': a day part right before a time it decides (not before '7pm')."""
    return any(c.kind != "exact" and c.span[0] >= end and not sc.low[end:c.span[0]].strip(" ,") for c in f.clocks)


def extract_bare_after_date(sc: Scanner, f: Found) -> None:
    """'tmrw 7', 'friday 3', 'dec 3 5:30', 'tonight 815': a bare number right after a day is a time on that day."""
    if f.clocks or f.date_end < 0:
        return
    m = g.BARE_AFTER.match(sc.low, f.date_end)
    if not m or not sc.free(m.start(), m.end()) or not m.group("h"):
        return
    h, mi = int(m["h"]), int(m["m"] or 0)
    if h > 23 or mi > 59 or (m["m"] and not m["sep"] and h > 12) or not _said_as_hour(sc, f, m):
        return
    _claim(sc, f, m, h, mi, bare_kind(m["h"], h) if not (m["m"] and not m["sep"]) else "bare")


def _said_as_hour(sc: Scanner, f: Found, m: re.Match) -> bool:
    """Whether the number after a day is surely its hour: said with an 'at' word ('morgen um 3'), with its minutes
    after a ':' or '.' ('tmrw 3:30'), ending the task's words ('gym tomorrow 7', 'dentist friday 3, remind me'), or
    with a day part it fits ('tonight 8 movie', 'tmrw eve 7 call'; not 'tonight 2 beers').  Otherwise a word
    follows, and the number may count it ('morgen 3 Flaschen kaufen', 'friday 6 beers', 'tmrw 2 call mom'): it is
    left unread, and the guard asks."""
    if m["at"] or m["sep"] or not _words_after(sc, m.end()):
        return True
    h = int(m["h"])
    return bool(f.daypart) and any(in_part(r, V.data["dayparts"][f.daypart]["hours"]) for r in (h % 12, h % 12 + 12))


def _words_after(sc: Scanner, pos: int) -> bool:
    """Whether the task's words go on after `pos` (not the phrases read, a wrapper, punctuation or an emoji)."""
    rest = sc.low[pos:]
    for a, b in sc.spans:  # 'friday 3 every week'
        a, b = max(a - pos, 0), b - pos
        if b > 0:
            rest = rest[:a] + " " * (b - a) + rest[b:]
    task = clean_message(rest, [])
    return task != default_message() and bool(_LETTER.search(task))


_LETTER = re.compile(r"[^\W\d_]")
