"""The words of replies: one SMS segment where they can be, quoting the person's own text safely, in the
person's language (every phrasebook has the same replies, so no code here knows which language it speaks)."""
from __future__ import annotations

import unicodedata

from app import parsing, rules
from app.storage import clock
from app.storage.store import Reminder
from app.texting.phrasebook import Phrasebook
from app.texting.segments import fits_one_segment

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """Drop control characters (keeping line breaks) and bidirectional overrides (U+202E can make a reminder read
    backwards on the phone), so they never reach the parser, the store or a reply. Joiners stay: emoji use them."""
    return "".join(ch for ch in text if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS))

def reply(phone: str, text: str, tz: str, due: float | None = None) -> Reminder:
    return Reminder(phone=phone, message=text, due=clock.now() if due is None else due, tz=tz, kind="reply")


def line(book: Phrasebook, rem: Reminder, tz: str) -> str:
    """One LIST line: short text, then when, in the reminder's own zone, named when it is not the person's `tz`
    (one kept in its old zone after TZ must not look like a past time)."""
    when = book.patterns["list_drop"].sub("", parsing.describe_when(rem.due_local, rem.every, book.code))
    if rem.tz != tz:
        when += book.say("list_zone", city=rem.tz.rsplit("/", 1)[-1].replace("_", " "))
    text = rem.message if len(rem.message) <= 24 else rem.message[:22].rstrip() + ".."
    return f"{text} - {when}" + (book.say("list_held") if rem.status == "held" else "")


CHANNEL_NAMES = {"sms": "SMS", "whatsapp": "WhatsApp"}  # names, the same in every language


def list_lines(book: Phrasebook, reminders: list[Reminder], receipts: list[dict | None], tz: str) -> list[str]:
    """LIST's numbered lines (the person's page shows the same), each marked when its last delivery failed, and with
    its channel only when the number uses both."""
    both = len({r.channel for r in reminders}) > 1
    return [f"{i}. {line(book, rem, tz)}"
            + (book.say("list_failed") if (got or {}).get("state") in ("failed", "rejected") else "")
            + (book.say("list_channel", channel=CHANNEL_NAMES[rem.channel]) if both else "")
            for i, (rem, got) in enumerate(zip(reminders, receipts), 1)]


def listing(book: Phrasebook, lines: list[str]) -> str:
    """As many lines as fit one segment, then how many more."""
    shown: list[str] = []
    for i, entry in enumerate(lines):
        rest = len(lines) - i - 1
        candidate = "\n".join([*shown, entry] + ([book.say("list_more", count=rest)] if rest else []))
        if shown and not fits_one_segment(candidate):
            break
        shown.append(entry)
    rest = len(lines) - len(shown)
    return "\n".join(shown + ([book.say("list_more", count=rest)] if rest else []))


def fit(text: str) -> str:
    """Shorten a reply to one segment where possible, cutting inside the quoted part."""
    if fits_one_segment(text) or '"' not in text:
        return text
    head, rest = text.split('"', 1)
    quoted, tail = rest.rsplit('"', 1) if '"' in rest else (rest, "")
    quoted = quoted[:160]
    while len(quoted) > 8 and not fits_one_segment(f'{head}"{quoted}..."{tail}'):
        quoted = quoted[:-4]
    return f'{head}"{quoted.rstrip()}..."{tail}'


def confirmation(book: Phrasebook, message: str, when: str, hint: str) -> str:
    """`Got it: "gym" on Wed 25 Nov at 7:00 AM. Reply LIST ...` in one SMS where it can be: the person's own words
    whole before the hint, then shortened with the hint, then shortened alone."""
    bare = book.say("confirm", message=message, when=when)
    full = bare + hint
    for candidate in (full, bare, fit(full)):
        if fits_one_segment(candidate):
            return candidate
    return fit(bare)


def refusal(book: Phrasebook, err: rules.RuleError) -> str:
    """The reply to a text whose series cannot be made: the floor when it repeats too often."""
    if isinstance(err, rules.TooOften):
        return book.say("too_often", minutes=f"{err.floor_minutes:g}")
    return book.say("bad_repeat")
