"""Natural-language reminder parsing for SMS texts.

Turns "gym tmrw 7am" or "every weekday 8:15 take pills" into a cleaned message, a timezone-aware first due time and
an optional RFC 5545 RRULE.  The product's conventions (see docs/parsing.md) are implemented by a small grammar of
pre-compiled regexes over a lower-cased copy of the text; dateparser is only a fallback for explicit date phrases the
grammar does not know, so the common path is fast and predictable.  Pure module: no Flask, no Redis, nothing from `app`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

__all__ = ["Parsed", "ParseError", "parse", "next_occurrence", "describe_when", "warm_up"]

MAX_AHEAD = timedelta(days=5 * 366)  # "too_far" beyond about five years
DEFAULT_MESSAGE = "Reminder"
DEFAULT_HOUR = 9  # a date with no time means 09:00
DAYPART_HOURS = {"morning": 9, "noon": 12, "afternoon": 15, "evening": 18, "night": 20}

# Countries writing numeric day-month pairs month first (US style) or year-month-day (whose 2-part form is month/day).
MONTH_FIRST_COUNTRIES = frozenset({
    "US", "PR", "GU", "VI", "AS", "MP", "UM",  # United States and territories
    "CA", "PH", "FM", "MH", "PW",              # Canada (mixed, US style common), Philippines, Micronesia, Marshalls, Palau
    "CN", "JP", "KR", "KP", "TW", "HU", "MN", "LT",  # year-month-day countries
})


# ----------------------------------------------------------------------------------------------------------------------
# Public types
# ----------------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Parsed:
    message: str            # the reminder text, cleaned
    due: datetime           # timezone-aware, in the given zone, always > now
    every: str | None       # RFC 5545 RRULE without DTSTART, or None


class ParseError(ValueError):
    """Why a text could not become a reminder; str(err) is a short reply fit for an SMS."""

    CODES = ("empty", "no_time", "past", "impossible", "too_far")

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


_REPLIES = {
    "empty": "Text me what to remind you of and when, e.g. 'call mom tomorrow 5pm'.",
    "no_time": "I couldn't find a time in that. Try e.g. 'gym tomorrow 7am' or 'call mom in 2 hours'.",
    "past": "That time has already passed. Try a future time, e.g. 'tomorrow 8am' or 'in 2 hours'.",
    "impossible": "'{frag}' isn't a real time or date. Try e.g. 'friday 3pm' or 'March 3 at 5pm'.",
    "too_far": "That's too far ahead: I can remind you up to 5 years from now.",
}


def _fail(code: str, frag: str = "") -> ParseError:
    frag = frag.strip()[:30] or "that"
    return ParseError(code, _REPLIES[code].format(frag=frag))


# ----------------------------------------------------------------------------------------------------------------------
# Vocabulary and patterns (compiled once at import)
# ----------------------------------------------------------------------------------------------------------------------
_WD_FULL = (r"(?:monday|tuesday|tuseday|teusday|wednesday|wednsday|wensday|wendsday|wedensday|thursday|thrusday|thurday"
            r"|friday|fridy|saturday|saterday|satruday|sunday)")
_WD_ABBR = r"(?:mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)"
_WD_ANY = rf"(?:{_WD_FULL}|{_WD_ABBR}\.?)"
_MON = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
        r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_ORD = r"(?:st|nd|rd|th)"
_TOMORROW = r"(?:tomorrow|tomorow|tommorow|tommorrow|tomorrw|tmrw|tmrow|tmrrw|tmr|tmw|tmo|2moro|2morrow|2morow|2mrw|2mro)"
_TONIGHT = r"(?:tonight|tonite|tonigh|2nite|2night|tnite|tn)"
_TODAY = r"(?:today|2day|tday|tdy)"
_YESTERDAY = r"(?:yesterday|yday|ystd|yest)"
_DAYPART = r"(?:morning|mornin|morn|afternoon|arvo|evening|evenin|night)"
_NUMWORD = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty[- ]five"
            r"|forty|sixty|ninety)")
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
                 "forty five": 45, "forty-five": 45, "sixty": 60, "ninety": 90}
_UNIT = (r"(?:seconds?|secs?|s|minutes?|mins?|mns?|m|hours?|hrs?|hr|h|days?|d|weeks?|wks?|w|fortnights?"
         r"|months?|mos?|years?|yrs?|y)")
_QTY_WORDS = (rf"(?:an?|{_NUMWORD}|half\s+an?|a\s+half|an?\s+couple\s+of|couple\s+of|an?\s+few|few"
              r"|a\s+quarter\s+of\s+an?|quarter\s+of\s+an?)")
_QTY = rf"(?:\d+(?:\.\d+)?(?:\s+and\s+a\s+half)?\s*-?\s*|{_QTY_WORDS}[\s-]+)"
_TERM = rf"{_QTY}{_UNIT}(?![a-z])(?:\s+and\s+a\s+half)?"
_CHAIN = rf"{_TERM}(?:\s*(?:,|and|&|\+)?\s*{_TERM})*(?:\s*\d{{1,2}}\b(?!\s*[:.]?\d))?"
_PREP = r"(?:(?:at|@|by|around|abt|for|from|starting(?:\s+at|\s+from)?|on)\s*)"
_NOT_TIME_AFTER = (r"(?!\s*(?:(?:st|nd|rd|th)\b|%|/|-\d|x\b|mins?\b|minutes?\b|h\b|hrs?\b|hours?\b|days?\b|weeks?\b"
                   r"|months?\b|years?\b|people|ppl|pax|guests|persons|kg|lbs?\b|km|mi\b|miles|percent|degrees"
                   r"|o'?\s?clock|am\b|pm\b|a\.m|p\.m|[:.]\d))")
_AMPM = r"(?:a\.?m\.?|p\.?m\.?)(?![a-z])"

_FLAGS = re.IGNORECASE
# Recurrence phrases.  Each is (pattern, kind).
_REC_PATTERNS = [
    (re.compile(rf"\b(?:every|each|evry|evey|eveyr)\s+(?:other|2nd|second|alternate)\s+(?P<unit>day|week|month|year|"
                rf"{_WD_ANY})s?\b", _FLAGS), "other"),
    (re.compile(rf"\b(?:every|each|evry|evey|eveyr)\s+(?P<qty>\d+(?:\.\d+)?|{_NUMWORD}|couple\s+of|few)\s*"
                rf"(?P<unit>{_UNIT})\b", _FLAGS), "interval"),
    (re.compile(rf"\b(?:on\s+)?(?:the\s+)?(?P<dom>\d{{1,2}}){_ORD}?\s+(?:day\s+)?(?:of\s+)?(?:every|each)\s+month\b",
                _FLAGS), "dom_month"),
    (re.compile(rf"\b(?:every|each|evry|evey)\s+(?:month\s+on\s+)?(?:the\s+)?(?P<dom>\d{{1,2}}){_ORD}"
                rf"(?:\s+(?:day\s+)?of\s+(?:the|each|every)\s+month)?\b(?!\s*(?:of\s+)?{_MON}\b)", _FLAGS),
     "dom_month"),
    (re.compile(rf"\b(?:every|each|evry|evey)\s+(?:the\s+)?last\s+day(?:\s+of\s+(?:the|each|every)\s+month)?\b"
                rf"|\b(?:on\s+)?the\s+last\s+day\s+of\s+(?:every|each)\s+month\b", _FLAGS), "last_dom"),
    (re.compile(rf"\b(?:every|each|evry|evey)\s+(?=(?:the\s+)?(?:{_MON}\.?\s*\d|\d{{1,2}}{_ORD}?\s+(?:of\s+)?{_MON}\b))",
                _FLAGS), "yearly_date"),
    (re.compile(rf"\b(?:every|each|evry|evey|eveyr)\s+(?:single\s+)?(?P<unit>day|morning|afternoon|evening|night|week|"
                r"month|year|hour|minute|second|weekday|week\s?day|workday|work\s+day|business\s+day|weekend|"
                r"weeknight|week\s+night)s?\b", _FLAGS), "unit"),
    (re.compile(rf"\b(?:every|each|evry|evey|eveyr)\s+(?P<days>{_WD_ANY}s?(?:\s*(?:,|and|&|\+|/|or)\s*(?:and\s+)?"
                rf"{_WD_ANY}s?)*)\b", _FLAGS), "days"),
    (re.compile(r"\b(?:every\s*day|everyday|daily|nightly|hourly|weekly|fortnightly|bi-?weekly|monthly|yearly"
                r"|annually)\b", _FLAGS), "word"),
    (re.compile(rf"\b(?:on\s+)?(?P<days>{_WD_FULL}s(?:\s*(?:,|and|&|\+|/)\s*(?:and\s+)?{_WD_FULL}s)*)\b", _FLAGS),
     "days"),
    (re.compile(r"\b(?:on\s+)?(?P<unit>weekdays|weekends|weeknights|workdays)\b", _FLAGS), "unit"),
]
_RE_AGO = re.compile(rf"\b(?:{_CHAIN})\s+ago\b|\b{_YESTERDAY}\b|\blast\s+(?:night|week|{_WD_ANY}|{_MON})\b", _FLAGS)
_RE_REL = re.compile(rf"\b(?:in|within|after)\s+(?P<body>{_CHAIN})(?:\s+(?:from\s+now|time))?"
                     rf"|\b(?P<body2>{_CHAIN})\s+(?:from\s+(?:now|today)|later)\b", _FLAGS)
_RE_TERM = re.compile(rf"(?P<qty>{_QTY})(?P<unit>{_UNIT})(?![a-z])(?P<half>\s+and\s+a\s+half)?|(?P<tail>\d{{1,2}})",
                      _FLAGS)
_RE_ISO = re.compile(r"(?<![\w/.-])(?:on\s+)?(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
                     r"(?:[T\s](?P<H>\d{1,2}):(?P<M>\d{2})(?::\d{2})?)?(?![\w/])", _FLAGS)
_RE_DATE_DM = re.compile(rf"\b{_PREP}?(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}?(?:\s+of\s+|\s*-\s*|\s*)(?P<mon>{_MON})\.?\b"
                         rf"(?:-|,?\s*)?(?P<y>(?<![\d:])\d{{4}}(?![:.]?\d|\s*{_AMPM}))?", _FLAGS)
_RE_DATE_MD = re.compile(rf"\b{_PREP}?(?P<mon>{_MON})\.?\s*(?:the\s+)?(?P<d>\d{{1,2}})(?:{_ORD})?\b"
                         rf"(?!\s*(?:{_AMPM}|[:.]\d|%|h\b|o'?clock))(?:,?\s*(?P<y>\d{{4}})(?![:.]?\d|\s*{_AMPM}))?",
                         _FLAGS)
_RE_DATE_NUM = re.compile(r"(?<![\w/.:-])(?:on\s+)?(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})"
                          r"(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?![\w/]|[.:-]\d)", _FLAGS)
_RE_DOM = re.compile(rf"\b(?:(?P<on>on|by|until|till)\s+(?:the\s+)?|the\s+)(?P<d>\d{{1,2}})(?P<ord>{_ORD})?\b"
                     r"(?:\s+of\s+(?:the|this)\s+month)?(?![\s/:.-]*\d|\s*(?:of\s+)?" + _MON + r"\b)"
                     r"(?!\s+(?:avenue|ave|street|st|floor|fl|grade|time|place|anniversary|birthday|bday|round|row"
                     r"|period|edition|century|percent|gen|generation|inning|lap|try|attempt)\b)", _FLAGS)
_RE_DAYWORD = re.compile(rf"\b(?:{_PREP})?(?:(?P<dat>(?:the\s+)?day\s+after\s+{_TOMORROW}|overmorrow)|(?P<tom>{_TOMORROW})"
                         rf"|(?P<tod>{_TODAY})|(?P<ton>{_TONIGHT}))\b", _FLAGS)
_RE_WEEKDAY = re.compile(rf"\b(?P<q>(?:on|next|this|coming|by|until|till|for)\s+(?:this\s+|next\s+|coming\s+)?)?"
                         rf"(?P<full>{_WD_FULL})(?:'s)?\b|\b(?P<q2>(?:on|next|this|coming|by|until|till|for)\s+"
                         rf"(?:this\s+|next\s+)?)?(?<!['’])(?P<abbr>{_WD_ABBR})\b\.?", _FLAGS)
_RE_ABBR_OK_AFTER = re.compile(rf"\s*(?:@|at\b|\d|{_DAYPART}|noon|midnight|{_MON}\b|,\s*\d)", _FLAGS)
_RE_TIME_AMPM = re.compile(rf"(?<![\w:.$£€#/])(?:{_PREP})?(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?\s*(?P<ap>{_AMPM})",
                           _FLAGS)
_RE_TIME_COLON = re.compile(rf"(?<![\w:.$£€#/-])(?:{_PREP})?(?P<h>\d{{1,2}})(?P<sep>[:.])(?P<m>\d{{2}})"
                            r"(?![\d]|[:.]\d)(?:\s*h\b|\s*hrs\b)?", _FLAGS)
_RE_TIME_HALF = re.compile(rf"\b(?:{_PREP})?(?P<frac>half|quarter)\s+(?P<dir>past|after|to|til)\s+(?P<h>\d{{1,2}})\b"
                           rf"(?:\s*(?P<ap>{_AMPM}))?", _FLAGS)
_RE_TIME_OCLOCK = re.compile(r"\b(?:" + _PREP + r")?(?P<h>\d{1,2}|" + _NUMWORD + r")\s*o'?\s?clock\b", _FLAGS)
_RE_TIME_MIL = re.compile(r"(?:\bat|@)\s*(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)\b(?!\s*(?:st|nd|rd|th|/|%))", _FLAGS)
_RE_TIME_AT = re.compile(r"(?:\b(?:at|around|abt|by)|@)\s*(?P<h>\d{1,2})\b" + _NOT_TIME_AFTER, _FLAGS)
_RE_TIME_ATWORD = re.compile(rf"(?:\bat|@)\s*(?P<h>{_NUMWORD})(?:\s+(?P<m>thirty|fifteen|forty[- ]five))?"
                             rf"(?=\s*(?:$|[,.!?;:]|{_AMPM}|tonight|{_TOMORROW}\b|{_TODAY}\b|in\s+the|this\b|on\b|to\b))"
                             rf"(?:\s*(?P<ap>{_AMPM}))?", _FLAGS)
_RE_NOON = re.compile(rf"\b(?:{_PREP})?(?:12\s*)?(?P<w>noon|midday|mid-day|midnight)\b", _FLAGS)
_RE_DAYPART = re.compile(rf"\b(?P<q>this|in\s+the|at|on|by|during\s+the|first\s+thing\s+in\s+the)?\s*"
                         rf"(?P<dp>{_DAYPART})\b", _FLAGS)
_RE_FIRST_THING = re.compile(r"\bfirst\s+thing\b", _FLAGS)
_RE_BARE_AFTER = re.compile(r"[ \t]*,?[ \t]*(?:(?:at|@|around|by)\s*)?(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<m>\d{2}))?\b"
                            + _NOT_TIME_AFTER.replace("|am\\b|pm\\b|a\\.m|p\\.m|[:.]\\d", ""), _FLAGS)
_RE_LEAD = re.compile(
    r"^\s*(?:(?:hey|hi|hello|yo|ok|okay|pls|plz|please|can\s+you|could\s+you|would\s+you|can\s+u|could\s+u|will\s+you)"
    r"[\s,!]+)*(?:(?:pls|plz|please)\s+)?"
    r"(?:remind\s+(?:me|us)(?:\s+(?:to|about|that|of|re:?|2))?|reminder(?:\s*(?:to|about|for|:|-|–|—))?|"
    r"(?:do\s+not|don'?t|dont|dnt)\s+(?:let\s+me\s+)?forget(?:\s+(?:to|about|2))?|remember\s+(?:to|2)|"
    r"set\s+(?:a\s+|an\s+)?(?:reminder|alarm)(?:\s+(?:to|for|about))?|note\s+to\s+self|nts|todo|to-do|to\s+do)"
    r"(?![\w'])[\s:,\-–—]*", _FLAGS)
_RE_LEAD_TO = re.compile(r"^(?:to|about|that|2)\s+", _FLAGS)
_RE_DANGLING_END = re.compile(r"(?:\s+|^)(?:at|on|in|by|@|for|from|around|abt|starting|and|,)\s*$", _FLAGS)
_RE_DANGLING_START = re.compile(r"^\s*(?:and|at|on|by|@)\s+(?=\S)", _FLAGS)
_RE_EDGE_PUNCT_MARK = re.compile(r"[\s,;:.!?@/|\-–—~]+")
_RE_END_PUNCT = re.compile(r"[\s,;:@/|\-–—~]+$")
_RE_START_PUNCT = re.compile(r"^[\s,;:.!?@/|\-–—~]+")
_RE_SPACES = re.compile(r"\s+")
_RE_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_RE_FALLBACK_HINT = re.compile(rf"\b{_MON}\b.*\d|\d.*\b{_MON}\b|\d[/-]\d", _FLAGS)

_WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _weekday_index(word: str) -> int:
    """Map any accepted weekday spelling to 0=Monday..6=Sunday (first letters decide, typos included)."""
    w = word.lower().strip(". ")
    for prefix, idx in (("mo", 0), ("tu", 1), ("te", 1), ("we", 2), ("th", 3), ("fr", 4), ("fi", 4), ("sa", 5),
                        ("su", 6)):
        if w.startswith(prefix):
            return idx
    raise ValueError(word)


def _month_index(word: str) -> int:
    return ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].index(word[:3].lower()) + 1


def _number(word: str) -> float:
    """Quantities as people text them: '2', '1.5', 'an', 'half an', 'a couple of', 'forty-five', '2 and a half'."""
    w = _RE_SPACES.sub(" ", word.lower().replace("-", " ").strip())
    w = w.replace("forty five", "forty-five") if w == "forty five" else w
    if w.endswith(" and a half"):
        return _number(w[: -len(" and a half")]) + 0.5
    if w in ("a", "an"):
        return 1
    if w.startswith("half") or w == "a half":
        return 0.5
    if "quarter" in w:
        return 0.25
    if "couple" in w:
        return 2
    if "few" in w:
        return 3
    if w in _WORD_NUMBERS:
        return _WORD_NUMBERS[w]
    return float(w)


def _unit_key(unit: str) -> str:
    """Normalise a unit spelling to seconds/minutes/hours/days/weeks/fortnights/months/years."""
    u = unit.lower()
    if u.startswith("mo"):
        return "months"
    if u.startswith("s"):
        return "seconds"
    if u.startswith("m"):
        return "minutes"
    if u.startswith("h"):
        return "hours"
    if u.startswith("d"):
        return "days"
    if u.startswith("f"):
        return "fortnights"
    if u.startswith("w"):
        return "weeks"
    return "years"


# ----------------------------------------------------------------------------------------------------------------------
# Zones
# ----------------------------------------------------------------------------------------------------------------------
def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(str(tz))


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """Zone name -> ISO country, from tzdata's zone.tab (pytz's table as a fallback)."""
    table: dict[str, str] = {}
    try:
        from importlib.resources import files
        text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
        for line in text.splitlines():
            if line and not line.startswith("#"):
                cols = line.split("\t")
                if len(cols) >= 3:
                    table[cols[2]] = cols[0]
    except Exception:  # pragma: no cover - tzdata missing
        try:
            import pytz
            for cc, zones in pytz.country_timezones.items():
                for z in zones:
                    table.setdefault(z, cc)
        except Exception:
            pass
    return table


_ZONE_ALIASES = {"US/Eastern": "US", "US/Central": "US", "US/Mountain": "US", "US/Pacific": "US", "US/Alaska": "US",
                 "US/Hawaii": "US", "US/Arizona": "US", "America/Indianapolis": "US", "Canada/Eastern": "CA",
                 "Canada/Pacific": "CA", "Canada/Central": "CA", "Canada/Mountain": "CA", "Canada/Atlantic": "CA"}


def month_first(zone: ZoneInfo | str) -> bool:
    """True when the zone's country writes 12/3 as December 3 (US style)."""
    key = getattr(zone, "key", str(zone))
    cc = _zone_countries().get(key) or _ZONE_ALIASES.get(key, "")
    return cc in MONTH_FIRST_COUNTRIES


# ----------------------------------------------------------------------------------------------------------------------
# Extraction
# ----------------------------------------------------------------------------------------------------------------------
@dataclass
class _Rec:
    freq: str
    interval: int = 1
    byday: list[int] = field(default_factory=list)
    bymonthday: int | None = None
    bymonth: int | None = None
    daypart: str | None = None


@dataclass
class _Found:
    """Everything the grammar recognised; resolved into a due time by _resolve."""
    spans: list[tuple[int, int]] = field(default_factory=list)
    rec: _Rec | None = None
    past: bool = False
    cal: relativedelta | None = None       # calendar part of 'in N days/weeks/months' (keeps wall-clock time)
    exact: timedelta | None = None         # exact part of 'in N hours/minutes'
    date: date | None = None               # explicit calendar date
    year_given: bool = True
    weekday: int | None = None
    dom: int | None = None
    offset: int | None = None              # today=0, tomorrow=1 ...
    today_only: bool = False               # 'this morning', 'tonight': the day is today, no rolling over
    hour: int | None = None
    minute: int = 0
    kind: str = ""                         # 'exact' (24h or am/pm) or 'bare' (12-hour clock, am/pm unknown)
    midnight: bool = False
    daypart: str | None = None
    date_end: int = -1                     # end of the last date span (a bare hour may follow it)

    @property
    def has_date(self) -> bool:
        return self.date is not None or self.weekday is not None or self.dom is not None or self.offset is not None


class _Scanner:
    """Runs patterns over a lower-cased copy of the text, never letting two matches claim the same characters."""

    def __init__(self, text: str):
        self.low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text).replace("’", "'")
        self.spans: list[tuple[int, int]] = []

    def free(self, a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in self.spans)

    def matches(self, rx: re.Pattern):
        for m in rx.finditer(self.low):
            if m.end() > m.start() and self.free(m.start(), m.end()):
                yield m

    def take(self, a: int, b: int) -> None:
        self.spans.append((a, b))


def _span_text(sc: _Scanner, m: re.Match) -> str:
    return sc.low[m.start():m.end()]


def _extract_recurrence(sc: _Scanner, f: _Found) -> None:
    """'every ...', 'daily', 'on mondays', 'the 15th of every month' -> a _Rec (BY* parts may be refined later)."""
    for rx, kind in _REC_PATTERNS:
        for m in sc.matches(rx):
            rec = _rec_from_match(m, kind)
            if rec is None:
                continue
            if f.rec is None:
                f.rec = rec
            elif rec.byday and not f.rec.byday and f.rec.freq == "WEEKLY":
                f.rec.byday = rec.byday
            elif rec.freq == "MONTHLY" and f.rec.freq == "MONTHLY" and rec.bymonthday:
                f.rec.bymonthday = rec.bymonthday
            elif rec.freq == "DAILY" and rec.daypart and f.rec.freq in ("DAILY", "WEEKLY"):
                f.rec.daypart = f.rec.daypart or rec.daypart
            else:
                continue
            sc.take(m.start(), m.end())
            if kind == "yearly_date":
                break


_UNIT_FREQ = {"seconds": ("SECONDLY", 1), "minutes": ("MINUTELY", 1), "hours": ("HOURLY", 1), "days": ("DAILY", 1),
              "weeks": ("WEEKLY", 1), "fortnights": ("WEEKLY", 2), "months": ("MONTHLY", 1), "years": ("YEARLY", 1)}


def _rec_from_match(m: re.Match, kind: str) -> _Rec | None:
    g = m.groupdict()
    if kind == "interval":
        qty = _number(g["qty"])
        freq, mult = _UNIT_FREQ[_unit_key(g["unit"])]
        if qty != int(qty):  # 'every 1.5 hours' -> every 90 minutes
            if freq == "HOURLY":
                return _Rec("MINUTELY", int(round(qty * 60)))
            return None
        return _Rec(freq, int(qty) * mult) if qty >= 1 else None
    if kind == "other":
        unit = g["unit"].lower()
        if unit in ("day", "week", "month", "year"):
            return _Rec({"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}[unit], 2)
        return _Rec("WEEKLY", 2, [_weekday_index(unit)])
    if kind == "dom_month":
        return _Rec("MONTHLY", bymonthday=int(g["dom"]))
    if kind == "last_dom":
        return _Rec("MONTHLY", bymonthday=-1)
    if kind == "yearly_date":
        return _Rec("YEARLY")
    if kind == "days":
        words = re.findall(rf"{_WD_ANY}", g["days"], _FLAGS)
        days = sorted({_weekday_index(w) for w in words})
        return _Rec("WEEKLY", byday=days)
    if kind == "word":
        w = _RE_SPACES.sub("", m.group(0).lower())
        return {"everyday": _Rec("DAILY"), "daily": _Rec("DAILY"), "nightly": _Rec("DAILY", daypart="night"),
                "hourly": _Rec("HOURLY"), "weekly": _Rec("WEEKLY"), "fortnightly": _Rec("WEEKLY", 2),
                "biweekly": _Rec("WEEKLY", 2), "bi-weekly": _Rec("WEEKLY", 2), "monthly": _Rec("MONTHLY"),
                "yearly": _Rec("YEARLY"), "annually": _Rec("YEARLY")}[w]
    unit = _RE_SPACES.sub("", g["unit"].lower())
    if unit.endswith("s") and unit not in ("weekdays", "weekends", "weeknights", "workdays"):
        unit = unit[:-1]
    unit = unit.rstrip("s") if unit in ("weekdays", "weekends", "weeknights", "workdays") else unit
    if unit in ("weekday", "workday", "businessday", "weeknight"):
        return _Rec("WEEKLY", byday=[0, 1, 2, 3, 4], daypart="night" if unit == "weeknight" else None)
    if unit == "weekend":
        return _Rec("WEEKLY", byday=[5, 6])
    if unit in ("morning", "afternoon", "evening", "night"):
        return _Rec("DAILY", daypart=unit)
    return _Rec({"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY", "hour": "HOURLY",
                 "minute": "MINUTELY", "second": "SECONDLY"}[unit])


def _extract_relative(sc: _Scanner, f: _Found) -> None:
    """'in 2 hours and 30 mins', '1.5 hrs from now', 'in 3 days' -> exact and calendar offsets from now."""
    for m in sc.matches(_RE_AGO):
        f.past = True
        sc.take(m.start(), m.end())
    for m in sc.matches(_RE_REL):
        body = m.group("body") or m.group("body2")
        cal, exact, ok = relativedelta(), timedelta(), False
        last_unit = ""
        for t in _RE_TERM.finditer(body):
            if t.group("tail"):
                if last_unit == "hours":  # 'in 2h30' -> 2 hours 30 minutes
                    exact += timedelta(minutes=int(t.group("tail")))
                continue
            qty = _number(t.group("qty")) + (0.5 if t.group("half") else 0)
            unit = _unit_key(t.group("unit"))
            last_unit = unit
            ok = True
            cal, exact = _add_quantity(cal, exact, qty, unit)
        if ok:
            f.cal = (f.cal or relativedelta()) + cal
            f.exact = (f.exact or timedelta()) + exact
            sc.take(m.start(), m.end())


def _add_quantity(cal: relativedelta, exact: timedelta, qty: float, unit: str) -> tuple[relativedelta, timedelta]:
    """Whole days and longer go to the calendar part (wall clock kept); fractions spill into exact time."""
    if unit in ("seconds", "minutes", "hours"):
        return cal, exact + timedelta(**{unit: qty})
    days_per = {"days": 1, "weeks": 7, "fortnights": 14}
    if unit in days_per:
        whole = int(qty)
        cal = cal + relativedelta(days=whole * days_per[unit])
        return cal, exact + timedelta(days=(qty - whole) * days_per[unit])
    whole = int(qty)
    key = "months" if unit == "months" else "years"
    cal = cal + relativedelta(**{key: whole})
    frac_days = (qty - whole) * (30 if unit == "months" else 365)
    return cal, exact + timedelta(days=frac_days)


def _set_date(f: _Found, sc: _Scanner, m: re.Match, d: date | None, year_given: bool) -> None:
    if f.date is None and d is not None:
        f.date, f.year_given = d, year_given
    sc.take(m.start(), m.end())
    f.date_end = max(f.date_end, m.end())


def _make_date(y: int | None, mo: int, d: int, frag: str, today: date) -> tuple[date, bool]:
    """Build a date; with no year, the next time that month/day comes round (Feb 29 -> next leap year)."""
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        raise _fail("impossible", frag)
    if y is not None:
        if y < 100:
            y += 2000
        try:
            return date(y, mo, d), True
        except ValueError:
            raise _fail("impossible", frag) from None
    for year in range(today.year, today.year + 9):
        try:
            cand = date(year, mo, d)
        except ValueError:
            continue
        if cand >= today:
            return cand, False
    raise _fail("impossible", frag)


def _extract_dates(sc: _Scanner, f: _Found, today: date, mfirst: bool) -> None:
    """ISO, month-name and numeric dates (order by the zone's country), and 'the 15th'."""
    for m in sc.matches(_RE_ISO):
        d, _ = _make_date(int(m["y"]), int(m["m"]), int(m["d"]), _span_text(sc, m), today)
        if m["H"] is not None:
            _set_time(f, int(m["H"]), int(m["M"]), "exact", _span_text(sc, m))
        _set_date(f, sc, m, d, True)
    for rx in (_RE_DATE_DM, _RE_DATE_MD):
        for m in sc.matches(rx):
            y = int(m["y"]) if m["y"] else None
            d, given = _make_date(y, _month_index(m["mon"]), int(m["d"]), _span_text(sc, m), today)
            _set_date(f, sc, m, d, given)
    for m in sc.matches(_RE_DATE_NUM):
        a, b, sep = int(m["a"]), int(m["b"]), m["sep"]
        if sep != "/" and not m["y"]:
            continue  # '10.30' is a time and '9-5' a range; dotted/dashed dates need a year
        if _span_text(sc, m).strip() in ("24/7", "on 24/7") or a > 31 or b > 31 or a == 0 or b == 0:
            continue
        mo, d = (a, b) if mfirst else (b, a)
        y = int(m["y"]) if m["y"] else None
        dt, given = _make_date(y, mo, d, _span_text(sc, m), today)
        _set_date(f, sc, m, dt, given)
    for m in sc.matches(_RE_DOM):
        if not m["ord"] and m["on"] is None:
            continue
        day = int(m["d"])
        if not 1 <= day <= 31:
            raise _fail("impossible", _span_text(sc, m))
        if f.dom is None:
            f.dom = day
        sc.take(m.start(), m.end())
        f.date_end = max(f.date_end, m.end())


def _extract_daywords(sc: _Scanner, f: _Found) -> None:
    """today / tonight / tomorrow (and SMS spellings) / the day after tomorrow, then weekdays."""
    for m in sc.matches(_RE_DAYWORD):
        if m["dat"]:
            off = 2
        elif m["tom"]:
            if m["tom"] in ("tn", "tmo") and not _looks_timed(sc, m.end()):
                continue
            off = 1
        else:
            off = 0
        if m["ton"]:
            if m["ton"] == "tn" and not _looks_timed(sc, m.end()):
                continue
            f.daypart = f.daypart or "night"
            f.today_only = True
        if f.offset is None:
            f.offset = off
        sc.take(m.start(), m.end())
        f.date_end = max(f.date_end, m.end())
    for m in sc.matches(_RE_WEEKDAY):
        word = m["full"] or m["abbr"]
        qualified = bool(m["q"] or m["q2"])
        if m["abbr"] and not qualified and not _RE_ABBR_OK_AFTER.match(sc.low, m.end()):
            continue  # 'sat down', 'sun cream': an abbreviation needs 'on/next/this' or a time next to it
        if f.weekday is None:
            f.weekday = _weekday_index(word)
        sc.take(m.start(), m.end())
        f.date_end = max(f.date_end, m.end())


def _looks_timed(sc: _Scanner, pos: int) -> bool:
    return bool(_RE_ABBR_OK_AFTER.match(sc.low, pos))


def _set_time(f: _Found, h: int, mi: int, kind: str, frag: str) -> None:
    """Record a time of day, rejecting impossible ones ('25:00', '13pm', '10:75')."""
    if not (0 <= h <= 23 and 0 <= mi <= 59):
        raise _fail("impossible", frag)
    if f.hour is None:
        f.hour, f.minute, f.kind = h, mi, kind


def _ampm_hour(h: int, ap: str, frag: str) -> int:
    if not 1 <= h <= 12:
        raise _fail("impossible", frag)
    return h % 12 + (12 if ap.startswith("p") else 0)


def _bare_kind(h_text: str, h: int) -> str:
    """'08:00', '17:30', '0:15' are 24-hour forms; '8', '3:30', '12' are on a 12-hour clock."""
    return "bare" if 1 <= h <= 12 and not (len(h_text) == 2 and h_text.startswith("0")) else "exact"


def _extract_times(sc: _Scanner, f: _Found) -> None:
    """Times of day: '5pm', '5:30 p.m.', '17:00', '10.30', 'at 8', '@ 8', 'half past 5', 'noon', 'midnight'."""
    for m in sc.matches(_RE_NOON):
        if m["w"] == "midnight":
            f.midnight = True
            _set_time(f, 0, 0, "exact", "midnight")
        else:
            _set_time(f, 12, 0, "exact", "noon")
        sc.take(m.start(), m.end())
    for m in sc.matches(_RE_TIME_AMPM):
        frag = _span_text(sc, m)
        _set_time(f, _ampm_hour(int(m["h"]), m["ap"].lower(), frag), int(m["m"] or 0), "exact", frag)
        sc.take(m.start(), m.end())
    for m in sc.matches(_RE_TIME_HALF):
        h = int(m["h"])
        mins = 30 if m["frac"] == "half" else 15
        if m["dir"] in ("to", "til"):
            h, mins = (h - 1) % 12 or 12, 60 - mins
        frag = _span_text(sc, m)
        if m["ap"]:
            _set_time(f, _ampm_hour(h, m["ap"].lower(), frag), mins, "exact", frag)
        else:
            _set_time(f, h, mins, _bare_kind(str(h), h), frag)
        sc.take(m.start(), m.end())
    for m in sc.matches(_RE_TIME_COLON):
        h, mi = int(m["h"]), int(m["m"])
        if m["sep"] == "." and (h > 23 or mi > 59):
            continue  # '3.99' is a price, not a time
        frag = _span_text(sc, m)
        if h == 24 and mi == 0:
            raise _fail("impossible", frag)
        _set_time(f, h, mi, _bare_kind(m["h"], h), frag)
        sc.take(m.start(), m.end())
    for m in sc.matches(_RE_TIME_OCLOCK):
        h = int(m["h"]) if m["h"].isdigit() else _WORD_NUMBERS.get(m["h"], 99)
        _set_time(f, h, 0, _bare_kind(m["h"], h), _span_text(sc, m))
        sc.take(m.start(), m.end())
    for m in sc.matches(_RE_TIME_MIL):
        _set_time(f, int(m["h"]), int(m["m"]), "exact", _span_text(sc, m))
        sc.take(m.start(), m.end())
    for m in sc.matches(_RE_TIME_AT):
        h = int(m["h"])
        if h > 23:
            continue  # 'at 25 Main St'
        _set_time(f, h, 0, _bare_kind(m["h"], h), _span_text(sc, m))
        sc.take(m.start(), m.end())
    for m in sc.matches(_RE_TIME_ATWORD):
        h = _WORD_NUMBERS[m["h"].replace("-", " ")]
        if h > 12:
            continue
        mi = _WORD_NUMBERS[m["m"].replace("-", " ")] if m["m"] else 0
        frag = _span_text(sc, m)
        if m["ap"]:
            _set_time(f, _ampm_hour(h, m["ap"], frag), mi, "exact", frag)
        else:
            _set_time(f, h, mi, "bare", frag)
        sc.take(m.start(), m.end())


def _extract_dayparts(sc: _Scanner, f: _Found) -> None:
    """'this morning', 'tomorrow night', 'friday evening', 'in the afternoon'; a lone 'morning' is just a word."""
    for m in sc.matches(_RE_FIRST_THING):
        sc.take(m.start(), m.end())
        f.daypart = f.daypart or "morning"
    for m in sc.matches(_RE_DAYPART):
        q = (m["q"] or "").strip()
        dp_start = m.start("dp")
        adjacent = any(e <= dp_start and not sc.low[e:dp_start].strip() for _, e in sc.spans)
        if not q and not adjacent:
            continue
        word = m["dp"]
        dp = {"mornin": "morning", "morn": "morning", "arvo": "afternoon", "evenin": "evening"}.get(word, word)
        if q == "this":
            f.today_only = True
        if f.daypart is None or f.daypart == "night" and dp != "night" and not f.today_only:
            f.daypart = dp
        start = m.start() if q else dp_start
        sc.take(start, m.end())
        f.date_end = max(f.date_end, m.end())


def _extract_bare_after_date(sc: _Scanner, f: _Found) -> None:
    """'tmrw 7', 'friday 3', 'dec 3 5:30': a bare number right after a day is a time on that day."""
    if f.hour is not None or f.date_end < 0:
        return
    m = _RE_BARE_AFTER.match(sc.low, f.date_end)
    if not m or not sc.free(m.start(), m.end()) or not m.group("h"):
        return
    h, mi = int(m["h"]), int(m["m"] or 0)
    if h > 23 or mi > 59:
        return
    _set_time(f, h, mi, _bare_kind(m["h"], h), _span_text(sc, m))
    sc.take(m.start(), m.end())


def _extract_fallback(sc: _Scanner, f: _Found, text: str, now: datetime, mfirst: bool) -> None:
    """Last resort for explicit date phrases the grammar missed ('3-Dec-2026', 'December the third'): dateparser,
    accepting only a hit that names a month or a numeric date, so 'sat down' or 'may i' never become dates."""
    if not _RE_FALLBACK_HINT.search(sc.low):
        return
    masked = "".join(" " if not sc.free(i, i + 1) else ch for i, ch in enumerate(text))
    hits = _dp_search(masked, now, mfirst)
    for frag, dt in hits:
        if not _RE_FALLBACK_HINT.search(frag) or _dp_period(frag, now, mfirst) not in ("day", "time"):
            continue  # 'December 2026' names no day: better to ask than to guess the 1st
        start = masked.lower().find(frag.lower())
        if start < 0 or not sc.free(start, start + len(frag)):
            continue
        f.date, f.year_given = dt.date(), bool(re.search(r"\d{4}", frag))
        if (dt.hour, dt.minute) != (0, 0) or re.search(r"\d[:.]\d\d|\d\s*[ap]\.?m", frag, _FLAGS):
            _set_time(f, dt.hour, dt.minute, "exact", frag)
        sc.take(start, start + len(frag))
        f.date_end = start + len(frag)
        return


def _dp_settings(now: datetime, mfirst: bool) -> dict:
    return {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": now.replace(tzinfo=None), "DATE_ORDER":
            "MDY" if mfirst else "DMY", "RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DAY_OF_MONTH": "first"}


def _dp_period(frag: str, now: datetime, mfirst: bool) -> str | None:
    """dateparser's own view of how precise a fragment is ('day', 'month', 'year', 'time')."""
    from dateparser.date import DateDataParser
    try:
        data = DateDataParser(languages=["en"], settings=_dp_settings(now, mfirst)).get_date_data(frag)
    except Exception:
        return None
    return data.period if data and data.date_obj else None


def _dp_search(text: str, now: datetime, mfirst: bool) -> list[tuple[str, datetime]]:
    from dateparser.search import search_dates  # imported lazily; warm_up() pays for it at start-up
    try:
        return search_dates(text, languages=["en"], settings=_dp_settings(now, mfirst)) or []
    except Exception:  # dateparser can raise on odd input; the grammar's answer stands
        return []


def _scan(text: str, now: datetime, mfirst: bool) -> tuple[_Found, _Scanner]:
    sc = _Scanner(text)
    f = _Found()
    today = now.date()
    _extract_recurrence(sc, f)
    _extract_relative(sc, f)
    _extract_dates(sc, f, today, mfirst)
    _extract_daywords(sc, f)
    _extract_times(sc, f)
    _extract_dayparts(sc, f)
    _extract_bare_after_date(sc, f)
    if f.rec and f.rec.daypart and not f.daypart:
        f.daypart = f.rec.daypart
    if not (f.cal or f.exact or f.has_date or f.past):
        _extract_fallback(sc, f, text, now, mfirst)
    f.spans = sorted(sc.spans)
    return f, sc


# ----------------------------------------------------------------------------------------------------------------------
# Resolution
# ----------------------------------------------------------------------------------------------------------------------
def _localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach the zone to a wall time; a time skipped by a spring-forward gap moves forward by the gap."""
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(timezone.utc).astimezone(zone)


def _hour_choices(f: _Found, named_day: bool) -> list[int]:
    """Candidate 24h hours for the found time: one for exact forms, 12h-clock readings for a bare hour."""
    h = f.hour
    if h is None:
        return []
    if f.kind != "bare":
        return [h]
    dp = f.daypart
    if dp in ("afternoon", "evening", "night"):
        return [24 if (h == 12 and dp == "night") else h % 12 + 12]
    if dp == "morning":
        return [h % 12]
    if named_day:
        return [h if 7 <= h <= 11 else (12 if h == 12 else h + 12)]
    return [h % 12, h % 12 + 12]


def _default_hour(f: _Found) -> tuple[int, int]:
    return (DAYPART_HOURS[f.daypart], 0) if f.daypart else (DEFAULT_HOUR, 0)


def _at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """Wall time on a day; hour 24 means midnight at the end of that day."""
    naive = datetime.combine(day, time(0)) + timedelta(hours=hour, minutes=minute)
    return _localize(naive, zone)


def _later(a: datetime, b: datetime) -> bool:
    """a strictly after b as instants (same-zone datetime comparison ignores fold and would misorder 1:30 EDT/EST)."""
    return a.timestamp() > b.timestamp()


def _first_future(cands: list[datetime], now: datetime) -> datetime | None:
    future = sorted((c for c in cands if _later(c, now)), key=lambda d: d.timestamp())
    return future[0] if future else None


def _base_day(f: _Found, now: datetime) -> date | None:
    """The named day, if any: explicit date, weekday (first after today), '15th', or today/tomorrow offset."""
    today = now.date()
    if f.date is not None:
        return f.date
    if f.weekday is not None:
        return today + timedelta(days=(f.weekday - today.weekday() - 1) % 7 + 1)
    if f.dom is not None:
        return _next_dom(today, f.dom)
    if f.offset is not None:
        return today + timedelta(days=f.offset)
    return None


def _next_dom(today: date, dom: int) -> date:
    y, mo = today.year, today.month
    for _ in range(24):
        try:
            cand = date(y, mo, dom)
            if cand >= today:
                return cand
        except ValueError:
            pass
        mo += 1
        if mo == 13:
            y, mo = y + 1, 1
    raise _fail("impossible", f"the {dom}th")


def _resolve_once(f: _Found, now: datetime, zone: ZoneInfo) -> datetime:
    """Apply the conventions to a one-off reminder."""
    if f.cal or f.exact:
        return _resolve_relative(f, now, zone)
    day = _base_day(f, now)
    if day is None and f.today_only:
        day = now.date()
    if day is not None:
        return _on_day(f, day, now, zone)
    if f.midnight:
        return _at(now.date(), 24, 0, zone)
    if f.hour is None and not f.daypart:
        raise _fail("no_time")
    hours = _hour_choices(f, named_day=False) or [_default_hour(f)[0]]
    minute = f.minute if f.hour is not None else 0
    cands = [_at(now.date() + timedelta(days=k), h, minute, zone) for k in (0, 1, 2) for h in hours]
    return _first_future(cands, now)


def _on_day(f: _Found, day: date, now: datetime, zone: ZoneInfo) -> datetime:
    """Time on a named day: bare 7-11 morning, 12-6 afternoon ('today' takes the next 12-hour reading instead)."""
    if f.midnight:
        return _at(day, 24, 0, zone)
    if f.hour is None:
        h, mi = _default_hour(f)
        return _at(day, h, mi, zone)
    is_today = day == now.date() and f.date is None and f.dom is None
    hours = _hour_choices(f, named_day=not is_today)
    cands = [_at(day, h, f.minute, zone) for h in hours]
    return _first_future(cands, now) or cands[-1]


def _resolve_relative(f: _Found, now: datetime, zone: ZoneInfo) -> datetime:
    """'in 3 days' keeps the wall-clock time (a time given with it wins); 'in 2 hours' is elapsed time."""
    base = now
    if f.cal:
        try:
            naive = now.replace(tzinfo=None) + f.cal
        except (OverflowError, ValueError):
            raise _fail("too_far") from None
        if f.hour is not None or f.daypart or f.midnight:
            return _on_day(f, naive.date(), now, zone)
        base = _localize(naive, zone)
    try:
        return (base.astimezone(timezone.utc) + (f.exact or timedelta())).astimezone(zone)
    except OverflowError:
        raise _fail("too_far") from None


def _series_time(f: _Found) -> tuple[int, int]:
    """Wall-clock time of a daily-or-longer series: bare hours read as on a named day (7-11 am, 12-6 pm)."""
    if f.midnight:
        return 0, 0
    if f.hour is None:
        return _default_hour(f)
    return _hour_choices(f, named_day=True)[0] % 24, f.minute


def _resolve_recurring(f: _Found, now: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    """First occurrence strictly after now, plus the RRULE (BY* parts filled from the day/date found)."""
    rec = f.rec
    assert rec is not None
    if rec.freq in ("SECONDLY", "MINUTELY", "HOURLY"):
        if f.hour is not None or f.has_date or f.daypart:
            due = _resolve_once(f, now, zone)
        else:
            due = (now.astimezone(timezone.utc) + _sub_daily_step(rec)).astimezone(zone)
        return due, _rule_text(rec)
    h, mi = _series_time(f)
    start = _base_day(f, now) or now.date()
    if rec.freq == "WEEKLY" and not rec.byday:
        if f.weekday is not None:
            rec.byday = [f.weekday]
            start = now.date()
        elif not f.has_date:
            start = _first_daily(start, h, mi, now, zone).date()
        rec.byday = rec.byday or [start.weekday()]
    elif rec.freq == "MONTHLY" and rec.bymonthday is None:
        if f.dom is not None:
            rec.bymonthday, start = f.dom, now.date()
        else:
            if not f.has_date:
                start = _first_daily(start, h, mi, now, zone).date()
            rec.bymonthday = start.day
    elif rec.freq == "YEARLY":
        anchor = f.date if f.date is not None else _first_daily(start, h, mi, now, zone).date()
        rec.bymonth, rec.bymonthday = anchor.month, anchor.day
        start = anchor if f.year_given and f.date is not None else now.date()
    rule = _rule_text(rec)
    due = _first_occurrence(rule, start, h, mi, now, zone)
    if due is None:
        raise _fail("impossible", "that date")
    return due, rule


def _sub_daily_step(rec: _Rec) -> timedelta:
    unit = {"SECONDLY": "seconds", "MINUTELY": "minutes", "HOURLY": "hours"}[rec.freq]
    return timedelta(**{unit: rec.interval})


def _first_daily(start: date, h: int, mi: int, now: datetime, zone: ZoneInfo) -> datetime:
    """Next time h:mi comes round on or after `start`."""
    for k in range(3):
        cand = _at(start + timedelta(days=k), h, mi, zone)
        if _later(cand, now):
            return cand
    return _at(start + timedelta(days=3), h, mi, zone)


def _rule_text(rec: _Rec) -> str:
    parts = [f"FREQ={rec.freq}"]
    if rec.interval > 1:
        parts.append(f"INTERVAL={rec.interval}")
    if rec.freq == "YEARLY" and rec.bymonth is not None:
        parts += [f"BYMONTH={rec.bymonth}", f"BYMONTHDAY={rec.bymonthday}"]
    if rec.byday and rec.freq == "WEEKLY":
        parts.append("BYDAY=" + ",".join(_WEEKDAY_CODES[d] for d in sorted(rec.byday)))
    if rec.bymonthday is not None and rec.freq == "MONTHLY":
        parts.append(f"BYMONTHDAY={rec.bymonthday}")
    return ";".join(parts)


def _first_occurrence(rule: str, start: date, h: int, mi: int, now: datetime, zone: ZoneInfo) -> datetime | None:
    """First occurrence of the rule (counted from the first due, so INTERVAL is ignored here) after now."""
    single = ";".join(p for p in rule.split(";") if not p.startswith("INTERVAL="))
    begin = datetime.combine(start, time(h, mi))
    r = rrulestr(single, dtstart=begin)
    for naive in r.xafter(begin, count=800, inc=True):
        cand = _localize(naive, zone)
        if _later(cand, now):
            return cand
    return None


# ----------------------------------------------------------------------------------------------------------------------
# Message cleaning
# ----------------------------------------------------------------------------------------------------------------------
def _clean_message(text: str, spans: list[tuple[int, int]]) -> str:
    """Text minus the time phrases, the 'remind me to' wrappers, dangling prepositions and edge punctuation."""
    pieces: list[str] = []
    pos = 0
    for a, b in _merge(spans):
        pieces.append(text[pos:a])
        pos = b
    pieces.append(text[pos:])
    cleaned: list[str] = []
    for i, piece in enumerate(pieces):
        if i > 0:  # right of a removed phrase
            piece = _RE_START_PUNCT.sub("", piece)
        if i < len(pieces) - 1:  # left of a removed phrase
            piece = _strip_dangling_end(piece)
        if piece.strip():
            cleaned.append(piece.strip())
    msg = _RE_SPACES.sub(" ", " ".join(cleaned)).strip()
    for _ in range(3):
        new = _RE_LEAD.sub("", msg, count=1)
        if new != msg:
            new = _RE_LEAD_TO.sub("", new)
        new = _RE_DANGLING_START.sub("", new)
        if new == msg:
            break
        msg = new
    msg = _RE_EMPTY_BRACKETS.sub("", msg)
    msg = _strip_dangling_end(msg)
    msg = _RE_START_PUNCT.sub("", msg)
    msg = _RE_SPACES.sub(" ", msg).strip()
    if not any(ch.isalnum() for ch in msg) and not _has_symbol(msg):
        return DEFAULT_MESSAGE
    return msg


def _has_symbol(s: str) -> bool:
    """Emoji-only messages are kept ('💊 9pm' reminds '💊')."""
    return any(ord(ch) > 0x2000 and not ch.isspace() for ch in s)


def _strip_dangling_end(piece: str) -> str:
    for _ in range(4):
        new = _RE_END_PUNCT.sub("", piece)
        new = new.rstrip(".!?")
        new = _RE_DANGLING_END.sub("", new)
        if new == piece:
            break
        piece = new
    return piece


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


# ----------------------------------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------------------------------
def _now_in(zone: ZoneInfo, now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(zone)
    if now.tzinfo is None:
        return _localize(now, zone)
    return now.astimezone(zone)


def parse(text: str, tz: str | ZoneInfo, now: datetime | None = None) -> Parsed:
    """Parse an SMS like 'gym tmrw 7am' into (message, due, every); raises ParseError with an SMS-ready reply."""
    zone = _zone(tz)
    now = _now_in(zone, now)
    text = (text or "").replace("\u00a0", " ").strip()
    if not text or not any(ch.isalnum() for ch in text):
        raise _fail("empty")
    f, _ = _scan(text, now, month_first(zone))
    if f.past and not (f.rec or f.cal or f.exact or f.has_date or f.hour is not None or f.daypart):
        raise _fail("past")
    if not (f.rec or f.cal or f.exact or f.has_date or f.hour is not None or f.daypart or f.midnight):
        raise _fail("no_time")
    if f.past:
        raise _fail("past")
    if f.rec:
        due, every = _resolve_recurring(f, now, zone)
    else:
        due, every = _resolve_once(f, now, zone), None
    if due is None or not _later(due, now):
        raise _fail("past")
    if due.timestamp() - now.timestamp() > MAX_AHEAD.total_seconds():
        raise _fail("too_far")
    return Parsed(_clean_message(text, f.spans), due, every)


def _rule_parts(every: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in every.upper().replace("RRULE:", "").split(";") if "=" in p)


def next_occurrence(every: str, previous: datetime) -> datetime | None:
    """First occurrence of the RRULE strictly after `previous` (aware datetime in the person's zone), keeping the
    series' wall-clock time across daylight-saving changes; None when the rule has ended.

    Daily-and-longer rules step in wall-clock time (8:15 stays 8:15 after a DST change); hourly and shorter rules
    step in elapsed time.  COUNT is not tracked here (only the rule and the last due are known)."""
    zone = previous.tzinfo
    if zone is None:
        raise ValueError("previous must be timezone-aware")
    parts = _rule_parts(every)
    until = parts.pop("UNTIL", None)
    elapsed = parts.get("FREQ") in ("SECONDLY", "MINUTELY", "HOURLY")
    if elapsed:
        start = previous.astimezone(timezone.utc).replace(tzinfo=None)
    else:
        start = previous.replace(tzinfo=None)
    rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=start)
    nxt = rule.after(start, inc=False)
    if nxt is None:
        return None
    result = nxt.replace(tzinfo=timezone.utc).astimezone(zone) if elapsed else _localize(nxt, zone)
    if until and _later(result, _until_instant(until, zone)):
        return None
    return result


def _until_instant(until: str, zone) -> datetime:
    """RFC 5545 UNTIL: UTC when it ends in Z, else a wall time (or date) in the series' zone."""
    u = until.strip().upper()
    fmt = "%Y%m%dT%H%M%S" if "T" in u else "%Y%m%d"
    naive = datetime.strptime(u.rstrip("Z"), fmt)
    if "T" not in u:
        naive = naive.replace(hour=23, minute=59, second=59)
    if u.endswith("Z"):
        return naive.replace(tzinfo=timezone.utc)
    return naive.replace(tzinfo=zone)


def _clock(dt: datetime) -> str:
    return f"{dt.hour % 12 or 12}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"


def _ordinal(n: int) -> str:
    if n == -1:
        return "last day"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _day_label(dt: datetime) -> str:
    label = f"{dt.strftime('%a')} {dt.day} {dt.strftime('%b')}"
    if dt.year != datetime.now(dt.tzinfo).year:
        label += f" {dt.year}"
    return label


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_when(due: datetime, every: str | None) -> str:
    """Words for a confirmation, in due's own zone: 'on Wed 25 Nov at 7:00 AM', 'every weekday at 8:15 AM',
    'every Monday at 9:00 AM', 'every 2 hours from 3:00 PM', 'every month on the 1st at 9:00 AM'.

    Never 'today'/'tomorrow': the confirmation may be read hours later.  The year is added when it is not this year."""
    at = _clock(due)
    if not every:
        return f"on {_day_label(due)} at {at}"
    p = _rule_parts(every)
    freq, n = p.get("FREQ", ""), int(p.get("INTERVAL", "1"))
    if freq in ("SECONDLY", "MINUTELY", "HOURLY"):
        unit = {"SECONDLY": "second", "MINUTELY": "minute", "HOURLY": "hour"}[freq]
        step = f"every {unit}" if n == 1 else f"every {n} {unit}s"
        return f"{step} from {at}"
    start = f", starting {_day_label(due)}" if n > 1 else ""
    if freq == "DAILY":
        return (f"every day at {at}" if n == 1 else f"every {n} days at {at}") + start
    if freq == "WEEKLY":
        days = [_WEEKDAY_CODES.index(c) for c in p.get("BYDAY", _WEEKDAY_CODES[due.weekday()]).split(",")]
        if sorted(days) == [0, 1, 2, 3, 4]:
            names = "weekday"
        else:
            names = _join([_WEEKDAY_NAMES[d] for d in sorted(days)])
        if n == 1:
            return f"every {names} at {at}"
        return f"every {'other' if n == 2 else _ordinal(n)} {names} at {at}{start}"
    if freq == "MONTHLY":
        dom = int(p.get("BYMONTHDAY", due.day))
        step = "every month" if n == 1 else f"every {n} months"
        return f"{step} on the {_ordinal(dom)} at {at}{start}"
    if freq == "YEARLY":
        mo, dom = int(p.get("BYMONTH", due.month)), int(p.get("BYMONTHDAY", due.day))
        month = date(2000, mo, 1).strftime("%B")
        step = "every year" if n == 1 else f"every {n} years"
        return f"{step} on {dom} {month} at {at}{start}"
    return f"from {_day_label(due)} at {at} ({every})"


_warm = False


def warm_up() -> None:
    """Pays dateparser's first-call cost (imports, language data, regex compilation) so a fresh gunicorn worker's first
    texter does not; called once at app start-up.  Also exercises the grammar and the zone table."""
    global _warm
    if _warm:
        return
    now = datetime(2026, 1, 5, 12, 0, tzinfo=ZoneInfo("UTC"))
    _dp_search("lunch with Sam on 3 December 2026 at 5pm", now, False)
    for text in ("gym tomorrow 7am", "every weekday 8:15 take pills", "call mom in 2 hours"):
        parse(text, "America/New_York", now)
    _warm = True
