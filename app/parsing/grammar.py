"""The grammar: regexes over the normalised text, built once per language from the vocabulary's word lists.

Every pattern runs on the canonical copy made by `normalize` (lower case, known misspellings fixed, number words as
digits), so a pattern names each word once.  The structure is here; the words are in `languages/*.json`: `build`
makes one grammar per language, and `G` is the grammar of the language being parsed.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

from .vocabulary import Vocabulary, alternation, current

FLAGS = re.IGNORECASE


def rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, FLAGS)


def build(V: Vocabulary) -> SimpleNamespace:
    """Every pattern of one language, compiled once (see `of`)."""
    W = V.words

    WD_FULL = alternation(V.weekday_names)
    WD_ABBR = alternation(V.weekday_abbrs)
    WD_ANY = rf"(?:{WD_FULL}|{WD_ABBR}\.?)"
    # Portuguese writes weekdays as ordinals ('5ª' is quinta-feira): such a word is never a day of the month.
    NOT_WD = rf"(?!{WD_ABBR}(?!\w))"
    WD_PLURAL = rf"(?:{WD_FULL}{V.data['plural_suffix']})"
    MON = alternation(V.month_words)
    ORD = alternation(V.data["ordinal_suffixes"])
    PM_WORDS = frozenset(V.data["ampm"]["pm"] + V.data["ampm_attached"]["pm"])
    AMPM = (rf"(?:\s*{alternation(w for v in V.data['ampm'].values() for w in v)}"
            rf"|{alternation(w for v in V.data['ampm_attached'].values() for w in v)})(?![a-z0-9])")
    UNIT = alternation(V.unit_of)
    UNIT_END = r"(?![\w'’])"  # a unit ends its word: the 's' of "dix s'il te plait" is no second
    DAYPART = alternation(V.daypart_of)
    DAYPART_Q = alternation(V.data["daypart_qualifiers"])
    HOUR_OF = alternation(V.data["hour_daypart_joiners"])  # '7 in the morning', '7 de la mañana', '8 du soir'
    EVERY = V.alt("every")
    AN = V.alt("an")
    AND = V.alt("and")
    HALF = V.alt("and_a_half")
    NEXT, THIS, THE, OF, LAST = V.alt("next"), V.alt("this"), V.alt("the"), V.alt("of"), V.alt("last")
    TOMORROW, TODAY, TONIGHT, YESTERDAY = V.alt("tomorrow"), V.alt("today"), V.alt("tonight"), V.alt("yesterday")
    PREP = rf"(?:{V.alt('at')}\s*)"
    ON = V.alt("on_word")
    AT_CLOCK = V.alt("at_clock")
    NOT_TIME_WORDS = alternation(V.data["not_a_time_after"])
    PLACE_AFTER = alternation(V.data["place_words_after_number"])
    # After a number, these say it is a quantity, an ordinal, a date part or a place, not an hour.
    NOT_TIME_AFTER = (rf"(?!\s+\d{{2,}}"
                      rf"|\s*(?:{ORD}\b|%|/|-\d|{UNIT}{UNIT_END}|{NOT_TIME_WORDS}\b|{V.alt('oclock')}|{AMPM}|[:.]\d)"
                      rf"|\s+(?:[a-z0-9']+\s+){{0,2}}{PLACE_AFTER}\b)")

    # After a number, these say it counts things ('10 para 2 pessoas', '10h et 2 amis'): not the minutes of a clock.
    NOT_A_CLOCK_NEXT = rf"(?!\s*(?:{UNIT}{UNIT_END}|{NOT_TIME_WORDS}\b)|\s+(?:[a-z0-9']+\s+){{0,2}}{PLACE_AFTER}\b)"
    NOON_OR_MIDNIGHT = rf"(?:{V.alt('noon')}|{V.alt('midnight')})\b"
    QTY = rf"(?:\d+(?:\.\d+)?(?:\s+{HALF})?\s*-?\s*|{AN}\s+)"
    QUARTER_MORE = V.alt("and_a_quarter")  # 'an hour and a quarter', 'deux heures et quart'
    TERM = rf"{QTY}{UNIT}(?![a-z'’])(?:\s+{HALF}(?![a-z])|\s+{QUARTER_MORE}(?![a-z]))?"
    CHAIN = rf"{TERM}(?:\s*(?:,|{AND})?\s*{TERM})*(?:\s*\d{{1,2}}\b(?!\s*[:.]?\d))?"


    # --- recurrence -------------------------------------------------------------------------------------------------
    EVERY_UNIT = alternation(V.data["every_units"])
    PLURAL_SERIES = alternation(V.data["plural_series"])
    CALENDAR_UNIT = alternation(W("day") + W("week") + W("month") + W("year"))
    NTH = rf"(?:[1-5]{ORD}|{LAST})"
    DOMS = rf"(?P<doms>\d{{1,2}}{ORD}?(?:\s*(?:,|{AND})\s*(?:{THE}\s+)?\d{{1,2}}{ORD}?)*)"
    OF_EVERY_MONTH = V.alt("of_every_month")
    OF_THE_MONTH = V.alt("of_the_month")
    LIST_JOIN = alternation(V.data["weekday_list_joiners"])
    RANGE_JOIN = alternation(V.data["weekday_ranges"])

    RECURRENCE = [
        (rx(rf"\b{EVERY}\s+(?:{THE}\s+)?(?P<n>{NTH})\s+(?P<wd>{WD_ANY})(?:\s+{OF_THE_MONTH})?\b"), "nth_weekday"),
        (rx(rf"\b(?:{ON}\s+)?(?:{THE}\s+)?(?P<n>{NTH})\s+(?P<wd>{WD_ANY})\s+{OF_EVERY_MONTH}\b"), "nth_weekday"),
        (rx(rf"\b{EVERY}\s+{V.alt('other')}\s+(?P<unit>{CALENDAR_UNIT}|{WD_ANY})s?\b"), "other"),
        (rx(rf"\b{EVERY}\s+(?P<qty>\d+(?:\.\d+)?)\s*(?P<unit>{UNIT})\b"), "interval"),
    # 'de 2 em 2 horas': the same number twice around the language's 'steps' words
    (rx(rf"\b{V.alt('steps_from')}\s+(?P<qty>\d+)\s+{V.alt('steps_to')}\s+(?P=qty)\s*(?P<unit>{UNIT})\b"), "interval"),
        (rx(rf"\b(?:{ON}\s+)?(?:{THE}\s+)?{DOMS}\s+(?:{W('day')[0]}\s+)?{OF_EVERY_MONTH}\b"), "dom_month"),
        (rx(rf"\b{EVERY}\s+(?:{V.alt('month')}\s+on\s+)?(?:{THE}\s+)?{NOT_WD}(?P<dom>\d{{1,2}}){ORD}"
            rf"(?:\s+(?:{W('day')[0]}\s+)?{OF_THE_MONTH})?\b(?!\s*(?:{OF}\s+)?{MON}\b)"), "dom_month"),
        (rx(rf"\b{EVERY}\s+(?:{THE}\s+)?{LAST}\s+{W('day')[0]}(?:\s+{OF_THE_MONTH})?\b"
            rf"|\b(?:{ON}\s+)?{THE}\s+{LAST}\s+{W('day')[0]}\s+{OF_EVERY_MONTH}\b"), "last_dom"),
        (rx(rf"\b{EVERY}\s+(?=(?:{THE}\s+)?(?:{MON}\.?\s*\d|\d{{1,2}}{ORD}?\s+(?:{OF}\s+)?{MON}\b))"), "yearly_date"),
        (rx(rf"\b{EVERY}\s+(?:{V.alt('single')}\s+)?(?P<unit>{EVERY_UNIT})s?\b"), "unit"),
        (rx(rf"\b{EVERY}\s+(?P<days>{WD_ANY}s?(?:\s*(?:{LIST_JOIN}|{V.alt('or')})\s*(?:{AND}\s+)?{WD_ANY}s?)*)\b"),
         "days"),
        (rx(rf"\b(?:{EVERY}\s*{W('day')[0]}|{alternation(V.data['recurrence_words'])})\b"), "word"),
        (rx(rf"\b(?:{ON}\s+)?(?P<days>{WD_PLURAL}(?:\s*{LIST_JOIN}\s*(?:{AND}\s+)?{WD_PLURAL})*)\b"), "days"),
        (rx(rf"\b(?:{ON}\s+)?(?P<unit>{PLURAL_SERIES})\b"), "unit"),
        (rx(rf"\b(?:{ON}\s+)?(?P<days>{WD_FULL})\s+(?P<dp>{DAYPART}){V.data['plural_suffix']}\b"), "days"),
        (rx(rf"\b(?:{V.alt('from')}\s+)?(?P<a>{WD_ANY})\s*{RANGE_JOIN}\s*(?P<b>{WD_ANY})\b"), "day_range"),
        (rx(rf"\b(?:{ON}\s+)?(?P<days>{WD_ANY}(?:(?:\s*{LIST_JOIN}\s*|\s+)(?:{AND}\s+)?{WD_ANY}){{1,6}})\b"
            rf"(?!\s*{V.alt('or')})"),
         "day_list"),
    ]
    BOUND_FOR = rx(rf"\b{alternation(V.data['bounds']['for'])}\s+(?P<qty>\d+|{AN})\s*(?P<unit>{UNIT})\b")
    BOUND_UNTIL_TIME = rx(rf"\b{alternation(V.data['bounds']['until'])}\s+(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?"
                          rf"(?P<ap>{AMPM})?(?![\d:])")
    BOUND_UNTIL = rx(rf"\b{alternation(V.data['bounds']['until'])}\s+"
                     rf"(?:(?P<d2>\d{{1,2}}){ORD}?\s+(?:{OF}\s+)?(?P<mon2>{MON})"
                     rf"|(?P<mon>{MON})\.?(?:\s+(?P<d>\d{{1,2}})(?:{ORD})?\b)?|(?:{NEXT}\s+)?(?P<wd>{WD_ANY}))\b")

    # --- relative offsets -------------------------------------------------------------------------------------------
    AGO = rx(rf"\b(?:{CHAIN})\s+{V.alt('ago')}\b|\b{YESTERDAY}\b"
             rf"|\b{LAST}\s+(?:{V.alt('night')}|{V.alt('week')}|{WD_ANY}|{MON})\b(?!\s+{OF}\b)")
    RELATIVE = rx(rf"\b{V.alt('in')}\s+(?:{V.alt('about')}\s+)?(?P<body>{CHAIN})(?:\s+{V.alt('from_now')})?"
                  rf"|\b(?P<body2>{CHAIN})\s+(?!{V.alt('day_after_tomorrow')}\b)"  # 'às 10h depois de amanhã'
                  rf"(?:{V.alt('from_now_only')}|{V.alt('later')}|(?P<tom>{V.alt('from_tomorrow')}))\b")
    TERM_RX = rx(rf"(?P<qty>{QTY})(?P<unit>{UNIT})(?![a-z])"
                 rf"(?:(?P<half>\s+{HALF})|(?P<quarter>\s+{QUARTER_MORE}))?(?![a-z])|(?P<tail>\d{{1,2}})")

    # --- dates ------------------------------------------------------------------------------------------------------
    ISO = rx(rf"(?<![\w/.-])(?:{ON}\s+)?(?P<y>\d{{4}})(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})"
             r"(?:[T\s](?P<H>\d{1,2}):(?P<M>\d{2})(?::\d{2})?)?(?![\w/])")
    NEXT_MONTH = rf"{NEXT}\s+{V.alt('month')}"
    YEAR_OF = rf"(?:{OF}\s+)"  # 'el 5 de mayo de 2027', '5 de maio de 2027', 'am 5. Mai im 2027': the year of a date
    DATE_DM = rx(rf"\b{PREP}?(?:{THE}\s+)?(?P<d>\d{{1,2}}){ORD}?(?:\s+{OF}\s+|\s*-\s*|\s*)(?:(?P<mon>{MON})\.?\b"
                 rf"|(?P<nm>{NEXT_MONTH})\b)(?:-|,?\s*{YEAR_OF}?)?(?P<y>(?<![\d:])\d{{4}}(?![:.]?\d|\s*{AMPM}))?")
    DATE_MD = rx(rf"\b{PREP}?(?P<mon>{MON})\.?\s*(?:{THE}\s+)?(?P<d>\d{{1,2}})(?:{ORD})?\b"
                 rf"(?!\s*(?:{AMPM}|[:.]\d|%|{V.alt('hours_suffix')}\b|{V.alt('oclock')}))"
                 rf"(?:,?\s*{YEAR_OF}?(?P<y>\d{{4}})(?![:.]?\d|\s*{AMPM}))?")
    DATE_NUM = rx(rf"(?<![\w/.:-])(?:(?:{ON}|{V.alt('on_date')})\s+)?(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})"
                  r"(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?![\w/]|[.:-]\d)")
    # 'um 10.12.' is a time; 'am 10.12.', 'bis 3.1.' and '10.12.' are days (see dates._dotted_day_month).
    CLOCK_ONLY = alternation(set(W("at_clock")) - set(W("on")) - set(W("on_date")) - set(W("on_word")))
    AFTER_CLOCK_WORD = rx(rf"(?:^|[^\w@]){CLOCK_ONLY}\s*$")
    DATE_WORD_BEFORE = rx(rf"(?:^|\W)(?:{ON}|{V.alt('on_date')})\s*$")
    NOT_DATE_NOUN = alternation(V.data["not_a_date_after_ordinal"])
    DOM = rx(rf"\b(?:(?P<on>{V.alt('on_date')})\s+(?:{THE}\s+)?|{THE}\s+){NOT_WD}(?P<d>\d{{1,2}})(?P<ord>{ORD})?\b"
             rf"(?:\s+{OF}\s+(?:{THE}|{THIS})\s+{V.alt('month')})?(?(ord)|(?![\s/:.-]*\d))(?!\s*(?:{OF}\s+)?{MON}\b)"
             rf"(?!\s+{NOT_DATE_NOUN}\b)")
    BARE_ORDINAL = rx(rf"(?:^|(?<=\s)){NOT_WD}(?P<d>\d{{1,2}}){ORD}\b"
                      rf"(?=\s+(?:{PREP}|\d|{TOMORROW}|{DAYPART}|{V.alt('noon')}))")
    NTH_WEEKDAY = rx(rf"\b(?:{PREP})?(?:{THE}\s+)?(?P<n>{NTH})\s+(?P<wd>{WD_ANY})\s+{OF}\s+"
                     rf"(?:(?P<this>{THE}\s+{V.alt('month')}|{THIS}\s+{V.alt('month')})|(?P<next>{NEXT_MONTH})"
                     rf"|(?P<year>{V.alt('the_year')})|(?P<mon>{MON})(?:\s+{YEAR_OF}?(?P<y>\d{{4}}))?)\b")
    PERIOD = rx(rf"\b(?:{PREP})?(?:{THE}\s+)?(?P<p>{alternation(V.period_of)})\b")
    # A weekday of a calendar week: 'friday next week', 'jeudi de la semaine prochaine', 'nächste Woche Freitag',
    # 'this week friday'.  An abbreviation that is also an everyday word ('die', 'ter') is a day here only before an
    # 'of' word ('ter da semana que vem'; 'die nächste Woche' is the article).
    WD_OF_WEEK = rf"(?:{WD_FULL}|{alternation(set(V.weekday_abbrs) - set(V.data['not_time_like']))}\.?)"
    # After the week phrase, an abbreviation that needs company must end the text, as after a time (dates.py).
    ABBR_LONE = alternation(set(V.weekday_abbrs) - set(W("weekday_abbr_alone")) - set(V.data["not_time_like"]))
    WD_AFTER_WEEK = rf"(?:{WD_FULL}|{alternation(W('weekday_abbr_alone'))}\.?|{ABBR_LONE}\.?(?=[\s.!?]*$))"
    WEEK_NEXT = rf"(?:{alternation(V.data['periods']['next_week'])}|{NEXT}\s+{V.alt('week')}|{V.alt('week')}\s+{NEXT})"
    WEEK_THIS = rf"{THIS}\s+{V.alt('week')}"
    WEEK_GAP = r"(?:\s*,\s*|\s+)"
    PERIOD_DAY = rx(rf"\b(?:{ON}\s+)?(?:{THE}\s+)?(?:(?P<wd>{WD_OF_WEEK}){WEEK_GAP}(?:{OF}\s+)?"
                    rf"|(?P<wd3>{WD_ANY}){WEEK_GAP}{OF}\s+)(?:{THE}\s+)?"  # 'ter da semana que vem' is terça
                    rf"(?:(?P<this1>{WEEK_THIS})|{WEEK_NEXT})\b"
                    rf"|\b(?:(?P<this2>{WEEK_THIS})|{WEEK_NEXT}){WEEK_GAP}(?:{ON}\s+)?(?:{THE}\s+)?"
                    rf"(?P<wd2>{WD_AFTER_WEEK})(?![\w'])")
    DAYWORD = rx(rf"\b(?:{PREP})?(?:(?P<dat>{V.alt('day_after_tomorrow')})|(?P<ton>{TONIGHT})|(?P<tom>{TOMORROW})"
                 rf"|(?P<tod>{TODAY}))\b")
    WEEKDAY = rx(rf"\b(?P<q>(?:{V.alt('on')})\s+(?:{THIS}\s+|{NEXT}\s+)?)?(?P<full>{WD_FULL})(?:'s)?\b"
                 rf"|\b(?P<q2>(?:{V.alt('on')})\s+(?:{THIS}\s+|{NEXT}\s+)?)?(?<!['’])(?P<abbr>{WD_ABBR})\b\.?")
    # 'mtg w/ sarah 10:30 mon': an abbreviation that ends the text, right after a time (see dates.py).
    ABBR_LAST = rx(rf"(?<![\w'’])(?P<abbr>{alternation(set(V.weekday_abbrs) - set(V.data['not_time_like']))})\.?"
                   rf"[\s.!?]*$")
    # What makes an abbreviation that is also a word a day: a time, a day part or a month after it ('sat 9am',
    # 'sun half past 9'), or a day part with its qualifier ('sab de manhã'; not 'sun this afternoon': today's)
    ABBR_OK_AFTER = rx(rf"\s*(?:@|{AT_CLOCK}\b|\d|{DAYPART}"
                       rf"|(?:{V.alt('half')}|{V.alt('quarter')})\s+(?:{V.alt('past')}|{V.alt('to')}|\d)"
                       rf"|(?:{PREP})?(?:{V.alt('noon')}|{V.alt('midnight')})|{MON}\b|,\s*\d)")
    DAYPART_QUALIFIER = alternation(set(V.data["daypart_qualifiers"]) - set(V.data["daypart_today_qualifiers"]))
    ABBR_DAYPART_AFTER = rx(rf"\s*{DAYPART_QUALIFIER}\s*{DAYPART}\b")

    # --- times ------------------------------------------------------------------------------------------------------
    TIME_AMPM = rx(rf"(?<![\w:.$£€#/])(?:{PREP})?(?P<h>\d{{1,2}})(?:[:.]?(?P<m>\d{{2}}))?(?P<ap>{AMPM})")
    TIME_RANGE = rx(rf"(?<![\w:.$£€#/])(?:{PREP})?(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?(?P<ap1>{AMPM})?\s*"
                    rf"{alternation(V.data['time_ranges'])}\s*(?P<h2>\d{{1,2}})(?:[:.](?P<m2>\d{{2}}))?"
                    rf"(?:(?P<ap>{AMPM})|(?<=\d\d)(?!\d))")
    TIME_COLON = rx(rf"(?<![\w:.$£€#/-])(?:{PREP})?(?P<h>\d{{1,2}})(?P<sep>[:.])(?P<m>\d{{2}})"
                    rf"(?![\d]|[:.]\d)(?:\s*(?P<clock24>{V.alt('hour_clock')}\b)|\s*{V.alt('hours_suffix')}\b)?")
    # German 'fünf nach halb vier' is 3:35: minutes around the half hour, where 'halb' names the hour to come.
    HALF_BEFORE = V.alt("half") if V.data.get("half_is_before_the_hour") else "(?!)"
    CLOCK_IDIOM = rx(rf"\b(?:{PREP})?(?:(?:{AN}\s+)?(?P<frac>{V.alt('half')}|{V.alt('quarter')})|(?P<n>\d{{1,2}})"
                     rf"(?:\s*(?P<unitw>{V.alt('minutes_word')}))?)\s+(?P<dir>{V.alt('past')}|{V.alt('to')})\s+"
                     rf"(?:{THE}\s+|{AT_CLOCK}\s+)?(?P<hh>{HALF_BEFORE}\s+)?"
                     rf"(?P<h>\d{{1,2}}(?!\d)|{NOON_OR_MIDNIGHT})(?![:.]\d)(?P<ap>{AMPM})?"
                     rf"(?(ap)|{NOT_A_CLOCK_NEXT})")
    # 'half four' (4:30), German 'halb 5 (Uhr)' (4:30) and 'dreiviertel 5' (4:45): a fraction before the hour.
    HALF_HOUR = rx(rf"\b(?:{PREP})?(?:(?P<half>{V.alt('half')})|(?P<tq>{V.alt('three_quarters_to')}))\s+"
                   rf"(?P<h>\d{{1,2}})\b(?:\s*(?P<oc>{V.alt('hour_clock', 'oclock')})(?![a-z]))?"
                   + NOT_TIME_AFTER.replace(f"|{AMPM}", ""))
    # 24-hour habits: '19h', '19h30', 'um 8 Uhr', 'às 7h' (languages without them have no 'hour_clock' words).
    HOUR_CLOCK = rx(rf"(?<![\w:.$£€#/-])(?:{PREP})?(?P<h>\d{{1,2}})\s*{V.alt('hour_clock')}(?:\s*(?P<m>[0-5]\d)(?!\d))?"
                    rf"(?![a-z])")
    # The hour first, then what to add or take away: '7 y media', '8 menos cuarto', '7h et demie', '7 e meia'.
    # ... also after noon and midnight ('midi moins dix', 'meia noite e meia') and with three quarters ('10 heures
    # trois quarts').
    HOUR_IDIOM = rx(rf"(?<![\w:.$£€#/])(?:{PREP})?(?P<h>\d{{1,2}}|{NOON_OR_MIDNIGHT})"
                    rf"(?P<oc>\s*{V.alt('hour_clock')})?\s+"
                    rf"(?:(?P<dir>{V.alt('plus')}|{V.alt('minus')})\s+(?:{THE}\s+|{AN}\s+)?"
                    rf"(?:(?P<frac>{V.alt('half_after')}|{V.alt('quarter')}|{V.alt('three_quarters_past')})"
                    rf"|(?P<n>[1-5]?\d)(?!\d)(?:\s*(?P<unitw>{V.alt('minutes_word')}))?)"
                    rf"|(?P<tq>{V.alt('three_quarters_past')}))"
                    rf"(?![a-z0-9])" + NOT_A_CLOCK_NEXT)
    OCLOCK = rx(rf"\b(?:{PREP})?(?P<h>\d{{1,2}})\s*{V.alt('oclock')}(?![a-z])(?P<ap>{AMPM})?")
    MILITARY = rx(rf"(?<![\w#$£€₹.:/-])(?<!\d\s)(?:(?P<at>{AT_CLOCK}\s*|@\s*))?(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)(?!\d)"
                  rf"(?P<suffix>\s*{V.alt('hours_suffix')}(?![a-z]))?(?![a-z])(?![-/%]|\s*(?:{ORD}|{UNIT})\b)")
    AT_HOUR = rx(rf"(?:\b{AT_CLOCK}|@)\s*(?P<h>\d{{1,2}})(?P<m>[0-5]\d)?\b" + NOT_TIME_AFTER)
    NOON = rx(rf"\b(?:{PREP})?(?:12\s*)?(?P<w>{V.alt('noon')}|{V.alt('midnight')})\b")
    HOUR_BEFORE_DAYPART = rx(rf"(?<![\w#$£€₹.:/-])(?:{PREP})?(?P<h>\d{{1,2}})(?:[:.]?(?P<m>[0-5]\d))?"
                             rf"(?=\s+(?:(?:{HOUR_OF}|{THIS}|{TOMORROW}|{TODAY})\s+)?(?:{DAYPART}\b|{TONIGHT}\b))")
    # 'à 3 heures pile', 'a las 7 y pico', 'ao meio dia em ponto': after a time, a word that only stresses it.
    EMPHASIS_AFTER = rx(rf"[ \t]*,?[ \t]*{alternation(V.data['clock_emphasis'])}\b")
    DAYPART_RX = rx(rf"\b(?P<q>{DAYPART_Q})?\s*(?P<dp>{DAYPART})\b")
    FIRST_THING = rx(rf"\b{alternation(V.data['first_thing'])}\b")
    MARK = rx(rf"\b(?:{PREP})?(?P<w>{alternation(V.mark_of)})\b")
    BARE_AFTER = rx(rf"[ \t]*,?[ \t]*(?P<at>{AT_CLOCK}\s*)?(?P<h>\d{{1,2}})(?:(?P<sep>[:.]?)(?P<m>[0-5]\d))?\b"
                    + NOT_TIME_AFTER.replace(f"|{AMPM}", "").replace(r"|[:.]\d", ""))
    _MONTH_WORD, _DIGIT, _NUMERIC_DATE = rx(rf"\b{MON}\b"), re.compile(r"\d"), re.compile(r"\d[/-]\d")


    def fallback_hint(text: str) -> bool:
        """A month name and a digit, or a numeric date: worth asking dateparser (three linear searches)."""
        return bool(_NUMERIC_DATE.search(text) or (_DIGIT.search(text) and _MONTH_WORD.search(text)))

    # --- leftovers that still read as a time or a date (the "am I sure" check) --------------------------------------
    LEFTOVER = [
        TIME_AMPM, rx(r"(?<![\w:.$£€#/])\d{1,2}:[0-5]\d(?![\d:])"), CLOCK_IDIOM, OCLOCK, NOON, AT_HOUR, DAYWORD,
        WEEKDAY, DATE_DM, DATE_MD, NTH_WEEKDAY, PERIOD, PERIOD_DAY, MARK,
        rx(rf"\b\d{{1,2}}{ORD}\b(?!\s+{NOT_DATE_NOUN}\b)"),
        rx(rf"\b(?:in\s+{THE}|{THIS}|{TOMORROW}|{TODAY})\s+{DAYPART}\b"),
        rx(rf"\b(?:{THIS}|{NEXT}|{THE}|{V.alt('that')})\s+(?:{V.alt('week')}|{V.alt('month')}|{V.alt('weekend')})\b"),
        rx(rf"\b(?:{V.alt('on_date')}|{V.alt('in')}|{NEXT}|{THIS})\s+{MON}\b"),
        rx(rf"\b(?:{AN}|\d+)\s+{CALENDAR_UNIT}s?\s+(?:from|after|before|{V.alt('later')})\b"),
        # 'fri after 2': a bare hour after 'after/before/around' that no rule read is a time not understood
        rx(rf"\b{V.alt('relative_to_clock')}\s+\d{{1,2}}(?:[:.][0-5]\d)?\b(?![:.]?\d)"),
    ]
    # After a number, a quantity or a place ('2 pills', '3 eggs', '12 Main St'): the number is not a time.
    QUANTITY_AFTER = rx(rf"\s*(?:{UNIT}{UNIT_END}|(?:{NOT_TIME_WORDS}|%|(?:[a-z0-9']+\s+){{0,2}}{PLACE_AFTER})\b)")
    PLACE_NEXT = rx(rf"\s*(?:[a-z0-9']+\s+){{0,2}}{PLACE_AFTER}\b")  # '21 Jump St', '12 Main St'
    RE_WD = rx(WD_ANY)
    PLACE_BEFORE = frozenset(V.data["place_before_number"])
    UNSURE_BEFORE = rx(rf"(?:^|\W){alternation(V.data['unsure_words'])}\W*$")
    UNSURE_NUMBER = rx(rf"\s*({alternation(V.data['unsure_words'])}\s+\d{{1,2}})(?:[:.]\d\d)?\b")
    # '1/2 cup', '3/4 tsp': a small fraction before a word that is not a time word is a quantity, not a date.
    FRACTION = rx(rf"(?<![\w/])(?P<a>[1-7])/(?P<b>[2-8])(?![\w/])(?=\s+(?!{PREP})[a-z])")
    return SimpleNamespace(FLAGS=FLAGS, **{k: v for k, v in locals().items() if k.isupper() or k == "fallback_hint"})


def of(vocab: Vocabulary) -> SimpleNamespace:
    """The grammar of a vocabulary, built on first use and kept on it."""
    if vocab.grammar is None:
        vocab.grammar = build(vocab)
    return vocab.grammar


class _CurrentGrammar:
    """`G.TIME_AMPM` is the pattern of the language being parsed (see vocabulary.speaking)."""

    def __getattr__(self, name: str):  # a few dozen look-ups a text: the built grammar directly when there is one
        vocab = current()
        return getattr(vocab.grammar or of(vocab), name)


G = _CurrentGrammar()
