"""What the grammar found in a text, and the scanner that stops two patterns claiming the same characters."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from .normalize import Normalized


@dataclass
class Rec:
    """A recurrence being built: the RRULE parts (BY* parts may be filled in from the date found)."""
    freq: str
    interval: int = 1
    byday: list[int] = field(default_factory=list)
    nth: int | None = None                  # BYDAY=1MO / -1FR for monthly nth weekdays
    bymonthday: list[int] = field(default_factory=list)
    bymonth: int | None = None
    daypart: str | None = None


@dataclass(frozen=True)
class Clock:
    """One time of day found in the text."""
    hour: int
    minute: int
    kind: str        # 'exact' (24h, am/pm, noon) or 'bare' (a 12-hour clock reading, am/pm unknown)
    span: tuple[int, int]


@dataclass
class Found:
    """Everything the grammar recognised; resolved into a due time by `resolve`."""
    spans: list[tuple[int, int]] = field(default_factory=list)
    rec: Rec | None = None
    bound_for: relativedelta | None = None  # 'for 30 days'
    until: date | None = None               # 'until dec 31' (inclusive)
    until_clock: tuple[int, int, bool] | None = None  # 'every 2 hours until 6pm': hour, minute, bare
    past: bool = False
    cal: relativedelta | None = None        # calendar part of 'in N days/weeks/months' (keeps wall-clock time)
    exact: timedelta | None = None          # exact part of 'in N hours/minutes'
    date: date | None = None                # explicit calendar date
    date_choices: list[date] = field(default_factory=list)  # 'this weekend': Saturday, else Sunday
    year_given: bool = True
    weekday: int | None = None
    dom: int | None = None
    next_month: bool = False                # 'next month on the 15th'
    offset: int | None = None               # today=0, tomorrow=1 ...
    today_only: bool = False                # 'this morning', 'tonight', 'eod': the day is today, no rolling over
    clocks: list[Clock] = field(default_factory=list)
    midnight: bool = False
    past_midnight: bool = False             # 'friday half past midnight': in the night after the day named
    daypart: str | None = None
    daypart_said: tuple[int, int] | None = None  # where a day part is said in words ('in the evening')
    default_time: tuple[int, int] | None = None  # 'eod' 17:00, 'next week' 09:00
    date_end: int = -1                      # end of the last date span (a bare hour may follow it)
    days: list[tuple[date, tuple[int, int], bool]] = field(default_factory=list)  # (day, span, by weekday name)

    @property
    def hour(self) -> int | None:
        return self.clocks[0].hour if self.clocks else None

    @property
    def minute(self) -> int:
        return self.clocks[0].minute if self.clocks else 0

    @property
    def kind(self) -> str:
        return self.clocks[0].kind if self.clocks else ""

    @property
    def has_date(self) -> bool:
        return (self.date is not None or self.weekday is not None or self.dom is not None
                or self.offset is not None or bool(self.date_choices))

    @property
    def has_time(self) -> bool:
        return bool(self.rec or self.cal or self.exact or self.has_date or self.clocks or self.daypart
                    or self.midnight or self.default_time)


class Scanner:
    """Runs patterns over the normalised text, never letting two matches claim the same characters."""

    def __init__(self, norm: Normalized, masked: str):
        self.norm = norm
        self.low = masked
        self.spans: list[tuple[int, int]] = []
        self._taken = bytearray(len(masked))  # one flag a character keeps free() linear in the text's length

    def free(self, a: int, b: int) -> bool:
        return self._taken.find(1, a, b) == -1

    def matches(self, rx: re.Pattern):
        for m in rx.finditer(self.low):
            if m.end() > m.start() and self.free(m.start(), m.end()):
                yield m

    def take(self, a: int, b: int) -> None:
        self.spans.append((a, b))
        self._taken[a:b] = b"\x01" * (b - a)

    def text(self, m: re.Match) -> str:
        return self.low[m.start():m.end()]

    def word_before(self, pos: int) -> str:
        """The word just before `pos` ('room' in 'room 101')."""
        m = re.search(r"([^\W\d_]+)\W*$", self.low[max(0, pos - 30):pos])
        return m.group(1) if m else ""
