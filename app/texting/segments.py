"""How much of an SMS a text takes: GSM-7 or UCS-2, and whether it fits one segment."""
from __future__ import annotations

# GSM 03.38 basic and extension characters: anything else makes the message UCS-2 ("unicode")
GSM7 = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà" "^{}\\[~]|€\f")
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # each takes two of a segment's 160 places


def is_gsm7(text: str) -> bool:
    return GSM7.issuperset(text)  # one set operation in C, far cheaper than a Python loop over the characters


def fits_one_segment(text: str) -> bool:
    """One SMS holds 160 GSM-7 places (extension characters take two) or 70 UCS-2 characters."""
    if is_gsm7(text):
        return len(text) <= 160 and (len(text) <= 80 or len(text) + sum(map(text.count, GSM7_EXTENSION)) <= 160)
    return len(text.encode("utf-16-le")) // 2 <= 70
