"""How much of an SMS a text takes: GSM-7 or UCS-2, and how many segments Vonage sends and bills it as."""
from __future__ import annotations

# GSM 03.38 basic and extension characters: anything else makes the message UCS-2 ("unicode")
GSM7 = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà" "^{}\\[~]|€\f")
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # each takes two of a segment's 160 places
# (places in one segment, places in each part of a longer message: the rest of a part is its concatenation header)
GSM7_ROOM, UCS2_ROOM = (160, 153), (70, 67)


def is_gsm7(text: str) -> bool:
    return GSM7.issuperset(text)  # one set operation in C, far cheaper than a Python loop over the characters


def segments(text: str) -> int:
    """The SMS segments `text` is sent as: GSM-7 holds 160 places in one (an extension character takes two), 153 in
    each part of more; UCS-2 holds 70 UTF-16 units (an emoji takes two), 67 in each part."""
    if is_gsm7(text):
        places, (single, per_part) = len(text) + sum(map(text.count, GSM7_EXTENSION)), GSM7_ROOM
    else:
        places, (single, per_part) = len(text.encode("utf-16-le")) // 2, UCS2_ROOM
    return 1 if places <= single else -(-places // per_part)


def fits_one_segment(text: str) -> bool:
    return segments(text) == 1
