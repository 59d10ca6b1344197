"""Who may use the REST API, the dashboard and the phone simulator: an API_TOKEN, as a bearer token or as the
Basic password. A client address that guesses wrong AUTH_FAILURES_PER_MINUTE times gets 429 with Retry-After for
every attempt, right or wrong, until its minute is over: a token cannot be found by guessing."""
from __future__ import annotations

from flask import request
from werkzeug.exceptions import TooManyRequests

from app.services import services


def client_address() -> str:
    """Who is asking: the connection's address, or the one a trusted proxy forwarded (guards.TrustedForwarding)."""
    return (request.remote_addr or "-")[:64]


def check(given: str | None) -> bool:
    """Whether `given` is an API_TOKEN. Raises 429 (with Retry-After) for an address past its failures; a wrong
    token counts against the address (no token at all does not: a browser's first visit sends none)."""
    settings, failures, address = services().settings, services().auth_failures, client_address()
    wait = failures.wait(address, settings.limits.auth_failures_per_minute)
    if wait:
        raise TooManyRequests("too many failed attempts from this address; try again later", retry_after=wait)
    if settings.api.knows_token(given):
        return True
    if given:
        failures.add(address)
    return False


def basic_password() -> str | None:
    """The password of an HTTP Basic login (the user name is not checked)."""
    return request.authorization.password if request.authorization else None
