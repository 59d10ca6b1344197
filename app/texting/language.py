"""The language a number is answered in, and reading a text's time in the languages it may be written in.

A number's language is the one set (`LANG es`, the REST API), else the one learned from its texts, else its
country's (`[language] countries` in each phrasebook), else English. What is learned sticks: only a text whose
language is clear changes it, so `LIST`, `ok` or `gym 7` from a Spanish speaker are answered in Spanish. A text is
clear when its words say so (parsing.detect_language, which answers None rather than guess from a few words) or when
it is a command word only one language has (`AYUDA`, `BAJA`). A language set stays until set again.

One clear text changes the language only when it is beyond doubt (see `_beyond_doubt`); otherwise it takes a second
clear text in the same language, in a row. Replies in a language the person does not read are worse than replies in
the one they used so far: an English speaker who writes `cita con Ana tomorrow 5pm` (Spanish, by its words) keeps
English replies, and someone who really writes in Spanish now gets Spanish from their second text, or their first
when it has no word of the old language.
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


# A text is beyond doubt in a language with at least this weight of words only that language (or one other) uses
# (parsing.vocabulary_hits: 'llamar a mamá mañana' is 2) and none of the language it is answered in so far.
SURE_WEIGHT = 2.0


def learn(people: People, person: Person, heard: str | None, text: str) -> Person:
    """`person` after `text`, clearly in `heard` (None: not clear), remembered; a language set is kept. A text
    in another language changes it when it is beyond doubt or the second in a row in that language; a first one is
    remembered (`lang_next`) and forgotten again by a text in the language answered in. Nothing is written when
    `heard` is what the number is answered in already (its country's language, say) and nothing was pending."""
    if person.lang_set or heard is None:
        return person
    now = language_of(person)
    if heard == now:
        if person.lang_next:
            people.remember(person.phone, langnext=None)
        return replace(person, lang_next=None)
    if heard != person.lang_next and not _beyond_doubt(text, heard, now):
        people.remember(person.phone, langnext=heard)
        return replace(person, lang_next=heard)
    people.remember(person.phone, lang=heard, langnext=None)
    return replace(person, lang=heard, lang_next=None)


def _beyond_doubt(text: str, heard: str, now: str) -> bool:
    """`text` alone is reason enough to answer in `heard` rather than `now`: it is a command word only `heard` has
    (`AYUDA`), or its words weigh at least SURE_WEIGHT in `heard` and nothing in `now`. One shared or borrowed word
    ('tomorrow' in `cita con Ana tomorrow 5pm`) or a short text (`gym mañana 7am`) leaves room for doubt."""
    if speakers(text) == {heard}:
        return True
    weights = parsing.vocabulary_hits(text)
    return weights.get(heard, 0) >= SURE_WEIGHT and not weights.get(now)


def set_language(people: People, phone: str, lang: str | None) -> None:
    """LANG es, or the REST API: replies in `lang` from now on, whatever the texts are in (None: learn again)."""
    people.remember(phone, lang=lang, langset="1" if lang else None, langnext=None)


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

