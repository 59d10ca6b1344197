"""The language a number is answered in, and reading a text's time in the languages it may be written in.

A number's language is the one set (`LANG es`, the REST API), else the one learned from its texts, else its
country's (`[language] countries` in each phrasebook), else English. What is learned sticks: only a text whose
language is clear changes it, so `LIST`, `ok` or `gym 7` from a Spanish speaker are answered in Spanish. A text is
clear when its words say so (parsing.detect_language, which answers None rather than guess from a few words) or when
it is a command word only one language has (`AYUDA`, `BAJA`). A language set stays until set again.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from app import parsing
from app.phones import number_region
from app.storage.people import People, Person
from app.texting.phrasebook import country_language, speakers


def language_of(person: Person) -> str:
    """The language to answer `person` in."""
    if person.lang in parsing.LANGUAGES:
        return person.lang
    return country_language(number_region(person.phone)) or "en"


def heard_in(text: str, detected: str | None) -> str | None:
    """The language a text is clearly in: the one its words were `detected` in, else the one language whose command
    or opt-out words it is (`AYUDA`, `BAJA`; not `LISTA`, which Spanish and Portuguese share, nor English's, which
    every language accepts); None for `LIST`, `ok`, `gym 7`."""
    if detected:
        return detected
    own = speakers(text)
    return own.pop() if len(own) == 1 and "en" not in own else None


def learn(people: People, person: Person, heard: str | None) -> Person:
    """`person` after a text clearly in `heard` (None: not clear), remembered; a language set is kept. Nothing is
    written when `heard` is what the number is answered in already (its country's language, say)."""
    if person.lang_set or heard is None or heard == language_of(person):
        return person
    people.remember(person.phone, lang=heard)
    return replace(person, lang=heard)


def set_language(people: People, phone: str, lang: str | None) -> None:
    """LANG es, or the REST API: replies in `lang` from now on, whatever the texts are in (None: learn again)."""
    people.remember(phone, lang=lang, langset="1" if lang else None)


def read(text: str, tz: str, now: datetime | None, langs: Iterable[str | None], prefer: str
         ) -> tuple[parsing.Parsed, str]:
    """The text's reminder as the language that understands most of it reads it, and that language.

    `langs` are the languages to try, the most trusted first (the one the text was detected in, the person's,
    English; None entries skipped). Each reads the text; of those that find a reminder, the one that leaves the
    fewest of its words in the message wins (`gym tomorrow 7am` read in Spanish keeps "gym tomorrow"; in English,
    "gym"), the more trusted on a tie. When the most trusted language finds a time but is unsure of the rest, or
    finds it past, that answers: another language must not read it differently in silence. When none finds a
    reminder, the error is the one in `prefer` (the person's language), and a text that is only a time is a reminder
    called by `prefer`'s word for one."""
    found: list[tuple[parsing.Parsed, str]] = []
    errors: dict[str, parsing.ParseError] = {}
    for lang in dict.fromkeys(filter(None, langs)):
        try:
            found.append((parsing.parse(text, tz, now, lang), lang))
        except parsing.ParseError as err:
            if not found and not errors and err.code != "no_time":
                raise
            errors[lang] = err
    if found:
        parsed, lang = min(found, key=lambda reading: _left_over(*reading))
        if parsed.message == parsing.time_only_message(lang):  # `in 10 minutes`: called a reminder in `prefer`
            parsed = replace(parsed, message=parsing.time_only_message(prefer))
        return parsed, lang
    raise errors.get(prefer) or next(iter(errors.values()))


def _left_over(parsed: parsing.Parsed, lang: str) -> int:
    """How much of the text a reading left in the message (none, when the text was only a time)."""
    return 0 if parsed.message == parsing.time_only_message(lang) else len(parsed.message)

