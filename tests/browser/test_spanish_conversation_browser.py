"""A whole conversation in Spanish in the phone simulator, in a real headless Chromium, with the real worker: a
reminder made and confirmed in Spanish with the understood time, LISTA, BORRAR and DESHACER, AYUDA, BAJA and back
with ALTA, and a reminder delivered."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from app.texting.phrasebook import phrasebook
from tests.browser.conftest import NO_VONAGE

MADRID = "%2B34911234567"  # a Spanish number: replies in Spanish before it says a word


def test_a_spanish_conversation_in_the_simulator(page: Page, live_server, start_worker):
    es = phrasebook("es")
    start_worker(**NO_VONAGE)
    page.goto(f"{live_server.url}/simulator?number={MADRID}")
    replies = page.locator(".bubble.out .text")

    def text(words: str, answer: str, exact: bool = False) -> None:
        """Send `words`; the newest bubble from the service then shows `answer` (the whole of it, if exact)."""
        before = replies.count()
        page.get_by_label("Text message").fill(words)
        page.get_by_role("button", name="Send").click()
        expect(replies).to_have_count(before + 1, timeout=8000)
        check = expect(replies.nth(before))
        (check.to_have_text if exact else check.to_contain_text)(answer, timeout=8000)

    text("recuérdame llamar a mamá mañana a las 7", 'Listo: "llamar a mamá" ')
    expect(replies.last).to_contain_text(", 7:00.")  # the understood time, repeated the Spanish way
    text("LISTA", "1. llamar a mamá - ")
    text("borrar 1", es.say("cancelled", n=1, message="llamar a mamá"), exact=True)
    text("pagar la luz el viernes a las 9", 'Listo: "pagar la luz" vie ')
    text("DESHACER", es.say("undone", message="pagar la luz"), exact=True)
    text("AYUDA", "Responde BAJA o STOP para darte de baja.")
    text("BAJA", "te has dado de baja")
    text("ALTA", es.say("started", reminders=es.count(0, "reminder")), exact=True)

    text("recuérdame estirar en 3 segundos", 'Listo: "estirar" ')
    expect(replies.last).to_have_text("estirar", timeout=15000)  # delivered, in the person's own words
    assert page.locator(".bubble.note").count() == 0
