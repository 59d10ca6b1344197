"""What a delivery receipt makes the service do beyond recording it (docs/compliance.md names the rule behind each).

Vonage's receipts carry a status and a code (the SMS API's `err-code`, the Messages API's error code):
- the carrier says the person asked not to get our texts (SMS API 9, Messages API 1240): the number is opted out
  exactly as by STOP, with no confirmation (the person asked their carrier, not us);
- a permanent failure (3 invalid number, 4 barred; Messages API 1170, 1190, 1050): the number is marked unreachable
  (storage/unreachable.py) and its reminders held until it texts in again;
- a temporary failure (2 absent, 7 handset, 8 network, or `expired`; Messages API 1180, 1220, 1230): the reminder is
  sent again, once, if it is still within RESEND_WINDOW_MINUTES of its due time. The re-send is an ordinary entry on
  the schedule, due now, so it travels the normal courier (rate limit, budget, opt-out rule); it is a reply-like
  entry (`x<n>`), so it is not listed and its own receipts start nothing more.
WhatsApp's own codes (Meta's, as Vonage's status webhook passes them on; docs/whatsapp.md has the table):
- not a WhatsApp user (131026): the number is marked so (`wano`): its WhatsApp entries go by SMS from now on, this one
  at once (sent again like a temporary failure), until it writes on WhatsApp;
- outside the 24-hour window (131047): the window is taken as closed (`wa` forgotten) and the reminder sent again
  once, which makes it the template;
- template missing, paused or disabled, or the sender's account locked (132001, 132015, 132016, 131031; Vonage's
  1022 invalid template): nothing the person did, nothing a retry mends: the message is dead-lettered with the reason,
  for the operator to fix and retry from the dashboard;
- the person stopped our messages on WhatsApp (131050): the number is opted out of WhatsApp (`waout`): nothing more
  goes to it there (nor by SMS in its place) until it writes on WhatsApp again; SMS reminders it made are untouched.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from app.logs import last_four
from app.storage import clock, people
from app.storage.nags import Nags
from app.storage.people import People
from app.storage.receipts import Receipts, split_ref
from app.storage.store import Reminder, Store
from app.storage.unreachable import Unreachable

log = logging.getLogger(__name__)
Api = Literal["sms", "messages", "whatsapp"]
Meaning = Literal["opted_out", "unreachable", "temporary", "not_on_whatsapp", "outside_window", "misconfigured",
                  "blocked"]

# What each API's receipt statuses mean for a reminder.
STATES: dict[Api, dict[str, str]] = {
    "sms": {"delivered": "delivered", "accepted": "submitted", "buffered": "submitted", "expired": "failed",
            "failed": "failed", "rejected": "rejected", "unknown": "submitted"},
    "messages": {"submitted": "submitted", "delivered": "delivered", "read": "delivered", "rejected": "rejected",
                 "undeliverable": "failed"},
}
STATES["whatsapp"] = STATES["messages"]
# What a failure's code says about the number, as Vonage documents the codes (SMS API err-code, Messages API errors).
MEANINGS: dict[Api, dict[str, Meaning]] = {
    "sms": {"9": "opted_out", "3": "unreachable", "4": "unreachable",
            "2": "temporary", "7": "temporary", "8": "temporary"},
    "messages": {"1240": "opted_out", "1050": "unreachable", "1170": "unreachable", "1190": "unreachable",
                 "1180": "temporary", "1220": "temporary", "1230": "temporary"},
}
MEANINGS["whatsapp"] = {**MEANINGS["messages"], "131026": "not_on_whatsapp", "131047": "outside_window",
                        "1022": "misconfigured", "132001": "misconfigured", "132015": "misconfigured",
                        "132016": "misconfigured", "131031": "misconfigured", "131050": "blocked"}


@dataclass(frozen=True)
class Receipt:
    """One receipt, for one part of one message we sent, as Vonage worded it."""

    api: Api
    client_ref: str
    status: str
    code: str | None
    part: str  # the message id (of the part) it is about

    @property
    def state(self) -> str:
        return STATES[self.api].get(self.status, "submitted")

    @property
    def replay_key(self) -> str:
        return f"{'sms' if self.api == 'sms' else 'mapi'}:{self.part}:{self.status}"

    @property
    def meaning(self) -> Meaning | None:
        if self.state not in ("failed", "rejected"):
            return None
        if self.status == "expired":  # Vonage gave up after its own retries: worth one more try, if still useful
            return "temporary"
        return MEANINGS[self.api].get(self.code or "")


class Outcomes:
    """What delivery receipts make the service do: record the verdict, hold a number that cannot or will not get
    texts, send a temporary failure once more."""

    def __init__(self, store: Store, people: People, receipts: Receipts, unreachable: Unreachable, nags: Nags,
                 resend_window_minutes: float) -> None:
        self.store, self.people, self.receipts = store, people, receipts
        self.unreachable, self.nags, self.resend_window = unreachable, nags, resend_window_minutes * 60

    def act(self, receipt: Receipt, now: float | None = None) -> None:
        """Record a receipt and do what it asks. Anything not ours, seen before or about an older occurrence changes
        nothing it should not: the verdict's rules are in storage/lua/receipt.lua."""
        now = clock.now() if now is None else now
        rid, occurrence = split_ref(receipt.client_ref)
        if rid.isdigit():  # a reminder: its verdict is kept (LIST, the API)
            verdict = self.receipts.record(receipt.client_ref, receipt.state, receipt.code, receipt.replay_key,
                                               receipt.part)
            if verdict is None:
                return
            if receipt.state in ("failed", "rejected"):
                log.warning("delivery of %s failed: %s (Vonage code %s)", rid, receipt.state, receipt.code or "none")
        elif rid[:1] == "x" and rid[1:].isdigit():  # a reply: no verdict kept, but what it says of the number counts
            verdict = None
            if not self.receipts.first(receipt.replay_key):
                return
        else:
            log.info("delivery receipt without a reference of ours (%s): ignored", receipt.state)
            return
        meaning = receipt.meaning
        rem = self.store.get(rid) if meaning else None
        if rem is None:
            return
        person = self.people.person(rem.phone)
        store = self.store
        if meaning == "opted_out" and not person.opted_out:
            when = datetime.fromtimestamp(now, UTC)
            held = people.opt_out(store, self.people, rem.phone, when, confirm=False)
            log.warning("carrier reports %s asked not to get texts: opted out, %d reminders held",
                        last_four(rem.phone), held)
        elif meaning == "unreachable" and not person.unreachable:
            held = self.unreachable.mark(store, rem.phone, receipt.code)
            self.nags.done(store, rem.phone)
            log.warning("carrier reports %s cannot get texts (code %s): %d reminders held", last_four(rem.phone),
                        receipt.code, held)
        elif meaning == "temporary" and verdict in ("failed", "rejected") and not (person.opted_out or
                                                                                   person.unreachable):
            self._resend(rem, receipt.client_ref, occurrence, now)
        elif meaning in WHATSAPP_ACTIONS:
            WHATSAPP_ACTIONS[meaning](self, rem, receipt, verdict, now)

    def _not_on_whatsapp(self, rem: Reminder, receipt: Receipt, verdict: str | None, now: float) -> None:
        self.people.remember(rem.phone, wano="1")
        log.warning("WhatsApp says %s is no WhatsApp user: its WhatsApp messages go by SMS", last_four(rem.phone))
        if verdict in ("failed", "rejected"):
            self._resend(rem, receipt.client_ref, split_ref(receipt.client_ref)[1], now)

    def _outside_window(self, rem: Reminder, receipt: Receipt, verdict: str | None, now: float) -> None:
        self.people.remember(rem.phone, wa=None)  # WhatsApp knows better than our stamp: the window is closed
        if verdict in ("failed", "rejected"):
            log.info("%s went outside WhatsApp's window: sending it again as the template", rem.id)
            self._resend(rem, receipt.client_ref, split_ref(receipt.client_ref)[1], now)

    def _misconfigured(self, rem: Reminder, receipt: Receipt, verdict: str | None, now: float) -> None:
        why = (f"WhatsApp refused the message (code {receipt.code}): the template WHATSAPP_TEMPLATE is missing, "
               "paused or disabled in this locale, or the WhatsApp sender is locked; fix it in Vonage's or Meta's "
               "dashboard, then retry")
        log.error("delivery of %s: %s", rem.id, why)
        self.store.fail_delivered(rem.id, why, now)

    def _blocked(self, rem: Reminder, receipt: Receipt, verdict: str | None, now: float) -> None:
        self.people.remember(rem.phone, waout=str(int(now)))
        log.warning("%s stopped our WhatsApp messages: nothing more goes to it there", last_four(rem.phone))


    def _resend(self, rem: Reminder, client_ref: str, occurrence: int, now: float) -> None:
        """Send the failed occurrence once more, now, if it is still useful (RESEND_WINDOW_MINUTES after its due time)
        and the person has not cancelled it."""
        late = now - occurrence
        if rem.status == "cancelled" or late > self.resend_window:
            why = "cancelled" if rem.status == "cancelled" else f"{late:.0f} s late"
            log.info("not re-sending %s: %s", rem.id, why)
            return
        if not self.receipts.first_resend(client_ref):
            return
        again = replace(rem, id="", due=now, kind="reply", every=None, attempts=0, status="pending", detail=None,
                        nag=False)
        (new_id,) = self.store.add([again])
        log.info("re-sending %s as %s after a temporary failure", rem.id, new_id)


# What each of WhatsApp's own meanings makes the service do (the module's docstring says why).
WHATSAPP_ACTIONS = {"not_on_whatsapp": Outcomes._not_on_whatsapp, "outside_window": Outcomes._outside_window,
                    "misconfigured": Outcomes._misconfigured, "blocked": Outcomes._blocked}
