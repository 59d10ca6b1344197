"""Signing in to the person's page: one-time sign-in links (LINK) and the sessions they start.

A token is `secrets.token_urlsafe(32)`; only its SHA-256 is stored, so what Redis holds (a dump, a replica, a
backup) cannot be used to sign in. A lookup is by that hash, so no comparison of secrets happens in Python at all
(where one does, the web compares in constant time). A link is taken with GETDEL: of two requests with the same
link, exactly one gets the number."""
from __future__ import annotations

import hashlib
import re
import secrets
import time

from app.storage.state import State, as_text

LINK_SECONDS = 15 * 60
SESSION_SECONDS = 30 * 24 * 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what token_urlsafe(32) makes; anything else is forged and costs no lookup


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored for a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str | None) -> bool:
    return bool(token) and TOKEN.fullmatch(token or "") is not None


class Sessions(State):
    """`link:<sha256>` (a sign-in link: its number, for LINK_SECONDS), `session:<sha256>` (a hash: phone, and
    `said`, the outcome of the page's last change, shown once; for SESSION_SECONDS) and
    `session-rate:<what>:<sha256>:<minute>` (how often a session did `what` that minute)."""

    def issue_link(self, phone: str) -> str:
        """A new sign-in link token for `phone`: good once, for LINK_SECONDS."""
        token = new_token()
        self.redis.set(self.key("link", digest(token)), phone, ex=LINK_SECONDS)
        return token

    def use_link(self, token: str | None) -> str | None:
        """The number a link was for, once: the link is gone after this (used, expired and forged alike: None)."""
        if not well_formed(token):
            return None
        phone = self.redis.getdel(self.key("link", digest(token or "")))
        return as_text(phone) if phone is not None else None

    def start(self, phone: str) -> str:
        """A new session for `phone`; its id, which only the browser's cookie holds."""
        sid = new_token()
        key = self.key("session", digest(sid))
        pipe = self.redis.pipeline()
        pipe.hset(key, "phone", phone)
        pipe.expire(key, SESSION_SECONDS)
        pipe.execute()
        return sid

    def phone(self, sid: str | None) -> str | None:
        """The number whose session `sid` is, or None (no such session, or it ran out)."""
        if not well_formed(sid):
            return None
        phone = self.redis.hget(self.key("session", digest(sid or "")), "phone")
        return as_text(phone) if phone is not None else None

    def end(self, sid: str | None) -> None:
        if well_formed(sid):
            self.redis.delete(self.key("session", digest(sid or "")))

    def within(self, sid: str, what: str, per_minute: int) -> bool:
        """Whether the session may do `what` once more this minute (at most `per_minute` times): the page's preview
        runs the parser on every pause in typing, and a script could ask for far more."""
        key = self.key("session-rate", what, digest(sid), str(int(time.time() // 60)))
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 120)
        count, _ = pipe.execute()
        return int(count) <= per_minute

    def tell(self, sid: str, said: str) -> None:
        """Keep the outcome of a change, for the page shown after it (post, redirect, get)."""
        key = self.key("session", digest(sid))
        if self.redis.exists(key):
            self.redis.hset(key, "said", said[:2000])

    def told(self, sid: str) -> str | None:
        """The outcome kept by `tell`, once."""
        key = self.key("session", digest(sid))
        pipe = self.redis.pipeline()
        pipe.hget(key, "said")
        pipe.hdel(key, "said")
        said, _ = pipe.execute()
        return as_text(said) if said is not None else None
