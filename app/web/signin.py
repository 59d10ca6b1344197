"""Signing in to the person's own page without a password: LINK texts a one-time link (texting/commands.py), and
opening it (web/me.py) starts a session.

The session's id is a random token only the browser's cookie holds (HttpOnly, SameSite=Lax, Secure under https,
30 days); Redis maps its SHA-256 to the number (storage/sessions.py). So the page's scripts cannot read the id, no
cookie holds the number, and nothing Redis holds signs anyone in. Each change the page makes carries a CSRF token
derived from the session id (an HMAC keyed by it: nothing more to store), checked in constant time.

The calendar feed's address holds a secret too; Redis keeps only its hash (storage/feeds.py), so the raw token
lives in a second HttpOnly cookie of the browser that made it, which is how the page can show it again.

A used, expired or forged link gets the same page, in the browser's language: nothing tells whether a number
exists.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import Response, render_template, request

from app.parsing import LANGUAGES
from app.services import services
from app.storage.sessions import SESSION_SECONDS
from app.web.pagebook import words

SESSION_COOKIE, FEED_COOKIE, COOKIE_PATH = "me_session", "me_feed", "/me"
# Only this origin's own files: no inline script or style, nothing from elsewhere, no framing, forms only here
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def current() -> tuple[str, str] | None:
    """(session id, number) of the signed-in browser, or None."""
    sid = request.cookies.get(SESSION_COOKIE)
    phone = services().sessions.phone(sid)
    return (sid, phone) if sid and phone else None


def csrf_token(sid: str) -> str:
    """The token every change must carry: derived from the session id, which a cross-site page cannot read."""
    return hmac.new(sid.encode(), b"me-page-csrf", hashlib.sha256).hexdigest()


def csrf_ok(sid: str) -> bool:
    given = request.form.get("csrf") or request.headers.get("X-CSRF-Token") or ""
    return hmac.compare_digest(given.encode()[:200], csrf_token(sid).encode())


def start(phone: str) -> str:
    """A new session for `phone` (a link was opened); its id, for `keep`."""
    return services().sessions.start(phone)


def keep(response: Response, name: str, value: str) -> None:
    """A cookie only this site's requests carry (Lax), never its scripts (HttpOnly), only over https when the
    request came that way (through a trusted proxy, its X-Forwarded-Proto: guards.TrustedForwarding), and only to
    the page's own paths."""
    response.set_cookie(name, value, max_age=SESSION_SECONDS, httponly=True, secure=request.is_secure,
                        samesite="Lax", path=COOKIE_PATH)


def forget(response: Response) -> None:
    for name in (SESSION_COOKIE, FEED_COOKIE):
        response.delete_cookie(name, path=COOKIE_PATH, httponly=True, secure=request.is_secure, samesite="Lax")


def protect(response: Response) -> Response:
    """The page's headers: its strict CSP, no caching of a person's reminders, and no Referer that would carry a
    link's or a feed's token to another site."""
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def plain(key: str, status: int, code: str | None = None) -> Response:
    """A page that only says one thing (`key` of the page's words), in `code` or the browser's language."""
    code = code or request.accept_languages.best_match(LANGUAGES, "en") or "en"
    page = render_template("plain.html", lang=code, words=words(code), message=words(code)[key])
    return protect(Response(page, status, mimetype="text/html"))
