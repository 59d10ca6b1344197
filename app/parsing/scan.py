"""One pass of the grammar over a text: which phrases name a series, an offset, a day and a time."""
from __future__ import annotations

import re
from datetime import datetime

from . import dates, fallback, offsets, recurrence, times
from .found import Found, Scanner
from .grammar import G as g
from .normalize import normalize
from .vocabulary import current

# URLs, e-mail addresses and phone numbers hold digits that are never times: the grammar does not see them.
_NOISE = re.compile(r"\b(?:https?://|www\.)\S+|[\w.+-]{1,64}@[\w-]{1,63}\.[\w.]{1,63}"
                    r"|(?<![\w:.])\+?\d[\d ().-]{7,18}\d(?![\w:])")
_ISO_LIKE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")


def _mask_noise(text: str) -> str:
    def blank(m: re.Match) -> str:
        s = m.group(0)
        if _ISO_LIKE.match(s.lstrip("+")) or (sum(ch.isdigit() for ch in s) < 9 and not s[:1].isalpha()):
            return s
        return "_" * len(s)
    text = _NOISE.sub(blank, text)
    return g.FRACTION.sub(lambda m: "_" * 3 if int(m["a"]) < int(m["b"]) else m.group(0), text)


def scan(text: str, now: datetime, mfirst: bool) -> tuple[Found, Scanner]:
    norm = normalize(text, current())
    sc = Scanner(norm, _mask_noise(norm.text))
    f = Found()
    today = now.date()
    recurrence.extract(sc, f, today)
    offsets.extract(sc, f, now)
    dates.extract(sc, f, today, mfirst)
    times.extract(sc, f)
    dates.extract_abbr_after_clock(sc, f, today)
    times.extract_dayparts(sc, f)
    times.extract_bare_after_date(sc, f)
    if f.rec and f.rec.daypart and not f.daypart:
        f.daypart = f.rec.daypart
    if not (f.cal or f.exact or f.has_date or f.past):
        fallback.extract(sc, f, now, mfirst)
    f.clocks.sort(key=lambda c: c.span)  # the first time written is the one understood; a later one disagrees
    f.spans = sorted(sc.spans)
    return f, sc
