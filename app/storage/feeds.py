"""Calendar feed tokens: the secret in a person's feed URL, which a calendar app fetches without a cookie.

As with sign-in links (sessions.py), only a token's SHA-256 is stored. A number has at most one: making a new one
(the page's "new address") ends the old in the same step (lua/feed.lua). The first fetch of a token marks the number
`subscribed`: until then the address is in no calendar, and a new sign-in may make it anew at no loss."""
from __future__ import annotations

import hmac

from app.storage.sessions import digest, new_token, well_formed
from app.storage.state import State, as_text


class Feeds(State):
    """`feed:<sha256>` → the number; `feedof:<phone>` → its current token's hash; `feedused:<phone>` → set once a
    calendar app has fetched the current token."""

    def renew(self, phone: str) -> str:
        """A new feed token for `phone`; the old one stops working."""
        token = new_token()
        # The feed: key is built in the script from the prefix: it names a key this class owns alone
        self.script("feed")(keys=[self.key("feedof", phone), self.key("feedused", phone)],
                            args=[self.prefix, digest(token), phone])
        return token

    def phone(self, token: str | None) -> str | None:
        """The number whose feed `token` is, or None."""
        if not well_formed(token):
            return None
        phone = self.redis.get(self.key("feed", digest(token or "")))
        if phone is None:
            return None
        self.redis.set(self.key("feedused", as_text(phone)), 1, nx=True)
        return as_text(phone)

    def has(self, phone: str) -> bool:
        return bool(self.redis.exists(self.key("feedof", phone)))

    def subscribed(self, phone: str) -> bool:
        """Whether a calendar app has fetched the number's current feed."""
        return bool(self.redis.exists(self.key("feedused", phone)))

    def is_current(self, phone: str, token: str | None) -> bool:
        """Whether `token` is the number's feed token now (compared in constant time)."""
        current = self.redis.get(self.key("feedof", phone))
        return current is not None and well_formed(token) and hmac.compare_digest(as_text(current),
                                                                                   digest(token or ""))
