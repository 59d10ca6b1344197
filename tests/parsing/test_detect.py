"""detect_language: the right language, or None when a text reads as well in two; never another language."""
import pytest

from app.parsing import LANGUAGES, detect_language, vocabulary_hits
from app.parsing.vocabulary import load
from tests.corpus_score import CORPUS_DIR, detection
from tests.corpus_score import load as load_corpus
from tests.parsing.metamorphic import TUNED, generate

# Texts clear in one language: its own words, its time words beside borrowed English ones.
CLEAR = [
    ("recuérdame llamar a mamá mañana a las 7", "es"), ("rappelle-moi d'appeler maman demain à 19h", "fr"),
    ("lembra-me de ligar à mãe amanhã", "pt"), ("erinnere mich morgen um 8 Uhr an den Zahnarzt", "de"),
    ("call mom tmrw 7pm", "en"), ("gym tomorrow 7am", "en"),
    ("comprar pan a las 5", "es"), ("hoje comprar pão", "pt"), ("comprar pão", "pt"),
    ("mañana call con Juan 10h", "es"), ("viernes after office", "es"), ("martes meeting", "es"),
    ("samedi brunch", "fr"), ("mardi meeting", "fr"), ("ce week-end shopping", "fr"),
    ("amanhã meeting 9h", "pt"), ("terça meeting", "pt"), ("às 5 call", "pt"),
    ("Freitag Meeting 10 Uhr", "de"), ("Dienstag Meeting", "de"), ("heute Abend online meeting", "de"),
    ("set alarm for 7 mar", "en"), ("call tia rosa tomorrow at 5", "en"), ("pick up pan dulce tomorrow at 4", "en"),
    ("flight to São Paulo tomorrow at 7", "en"), ("don't forget the pão de queijo tomorrow", "en"),
    ("lunch with Sam 1pm", "en"), ("dim the lights 10pm", "en"), ("às 10h dentista", "pt"),
]

# Texts that read as well in two languages, or whose only words are borrowed or shared by many: None.
AMBIGUOUS = [
    "esta tarde comprar fruta", "comprar café", "cada hora estirar", "dentro de 10 minutos", "tarde",  # es or pt
    "important", "final", "radio", "en 10 min",                                                      # fr, es, pt
    "Hand", "Butter", "Bus", "Film", "Sport", "in 10 min", "um 5 call",                              # de or en
    "sex 19h happy hour", "sabado delivery", "online meeting 5pm", "email", "gym 7", "ok",          # borrowed only
    "crème brûlée for dinner", "Müller 3pm", "7pm", "Ana 5", "", "https://example.com/es/manana 5pm",
    "HTTPS://EXAMPLE.COM/ES/MANANA 5PM", "mail ana@example.com.br", "gmail.com 5pm",
]

# English texts with a word that is also another language's: English or None, never the other.
ENGLISH = [
    "in 20 min take cake out", "check out at 11am", "set out chairs tomorrow", "take the trash out at 8",
    "bring the table tomorrow", "hi, call Jan at 5", "gym sesh w/ die hard fans 6pm", "call tia rosa at 5",
    "pick up pan dulce at 4", "call Maria de la Cruz at 5", "drinks at la playa 6pm", "dentist on Mar 3",
    "die hard at 9pm", "call Zoë at 5", "São Paulo flight tomorrow 7am", "meet Ana at the café 5pm",
    # a word of another file that is also English ('as', 'pour', 'Mars', 'logo', 'fur', 'media', 'MIT', 'boa')
    "pay rent as usual 5pm", "pour concrete 8am", "mars bar 3pm", "logo review 3pm", "fur coat pickup 4pm",
    "media call 3pm", "portal login 9am", "da game 8pm", "pres prep 9am", "boa feeding 5pm", "non stop 5pm",
    "MIT talk 4pm", "call at 5 ET", "im running late 5pm",
    "check gmail.com at 5",
    # letters alone are a name or a dish, not a language
    "crème brûlée 7pm", "9:30 take meds São Paulo", "dentist 25/12 Pão Pão", "11/27 dentist 10am Mr. Gonçalves",
]


@pytest.mark.parametrize("text, lang", CLEAR)
def test_a_clear_text_is_named(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_a_text_two_languages_read_as_well_is_none(text):
    assert detect_language(text) is None


@pytest.mark.parametrize("text", ENGLISH)
def test_an_english_text_is_never_taken_for_another_language(text):
    assert detect_language(text) in (None, "en")


def test_borrowed_words_weigh_nothing_for_any_language():
    loans = {w for code in LANGUAGES for w in load(code).data["loan_words"]}
    assert {"meeting", "happy hour", "brunch", "email"} <= loans
    for word in loans:
        assert not vocabulary_hits(word), word
    assert vocabulary_hits("Freitag Meeting") == vocabulary_hits("Freitag")


def test_an_everyday_english_word_counts_for_its_other_language_only_with_its_accents():
    assert detect_language("as 10h dentista") is None  # 'as' may be English
    assert detect_language("às 10h dentista") == "pt"


def test_letters_no_file_knows_weigh_half_a_word():
    """'pão' alone is not enough to name Portuguese; with a shared word ('comprar') it leads by what Spanish lacks."""
    assert vocabulary_hits("pão") == {"pt": 0.5}
    assert vocabulary_hits("dança") == {"fr": 0.25, "pt": 0.25}
    assert not vocabulary_hits("réveil")  # é: Spanish, French and Portuguese write it
    assert detect_language("pão") is None


def test_a_tie_is_none_whatever_the_order_of_the_words():
    for text in ("esta tarde comprar fruta", "fruta comprar tarde esta", "ESTA TARDE COMPRAR FRUTA!"):
        assert vocabulary_hits(text)["es"] == vocabulary_hits(text)["pt"] > 0
        assert detect_language(text) is None


@pytest.mark.parametrize("name", TUNED)
def test_no_tuned_text_is_taken_for_another_language(name):
    assert detection(load_corpus(CORPUS_DIR / f"{name}.jsonl"))["wrong"] == 0


def test_no_variant_of_a_tuned_text_is_taken_for_another_language():
    """The metamorphic variants (moved, cased, punctuated, wrapped, abbreviated) of every tuned text."""
    variants, _ = generate()
    wrong = [(v.row.get("lang", "en"), got, v.text) for v in variants
             if (got := detect_language(v.text)) not in (None, v.row.get("lang", "en"))]
    assert len(variants) >= 20_000 and not wrong, wrong[:10]
