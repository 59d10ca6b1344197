"""Sign-in links, sessions and calendar feed tokens on real Redis: stored hashed, a link good once and for 15
minutes, a feed token ended by its successor."""
from __future__ import annotations

import threading

from app.storage.feeds import Feeds
from app.storage.sessions import LINK_SECONDS, SESSION_SECONDS, Sessions, digest

A, B = "14155550100", "447700900123"


def everything_in(redis_client) -> bytes:
    """Every key and value Redis holds, as one blob (a dump an attacker might read)."""
    blob = b""
    for key in redis_client.scan_iter("*"):
        kind = redis_client.type(key)
        value = redis_client.get(key) if kind == b"string" else str(redis_client.hgetall(key)).encode() \
            if kind == b"hash" else b""
        blob += key + b"=" + value + b"\n"
    return blob


def test_a_link_works_once_for_its_number_and_is_stored_only_hashed(redis_client):
    sessions = Sessions(redis_client)
    token = sessions.issue_link(A)
    assert token.encode() not in everything_in(redis_client)
    assert redis_client.get(f"rmd:link:{digest(token)}") == A.encode()
    assert 0 < redis_client.ttl(f"rmd:link:{digest(token)}") <= LINK_SECONDS == 900
    assert sessions.use_link(token) == A
    assert sessions.use_link(token) is None  # the second use


def test_of_many_requests_with_one_link_exactly_one_gets_in(redis_client):
    sessions = Sessions(redis_client)
    token = sessions.issue_link(A)
    got: list[str | None] = []
    threads = [threading.Thread(target=lambda: got.append(sessions.use_link(token))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got, key=str) == [A] + [None] * 7


def test_an_expired_or_forged_link_signs_nobody_in(redis_client):
    sessions = Sessions(redis_client)
    token = sessions.issue_link(A)
    redis_client.pexpire(f"rmd:link:{digest(token)}", 1)
    redis_client.delete(f"rmd:link:{digest(token)}")  # as Redis does once the TTL is out
    assert sessions.use_link(token) is None
    for forged in ("", "x", "a" * 43, "../" * 20, "é" * 43, None, token + "x"):
        assert sessions.use_link(forged) is None


def test_a_session_maps_a_random_id_to_its_number_for_thirty_days(redis_client):
    sessions = Sessions(redis_client)
    first, second = sessions.start(A), sessions.start(B)
    assert first != second and sessions.phone(first) == A and sessions.phone(second) == B
    assert first.encode() not in everything_in(redis_client)
    assert 30 * 86400 - 5 < redis_client.ttl(f"rmd:session:{digest(first)}") <= SESSION_SECONDS
    sessions.tell(first, "done")
    assert sessions.told(first) == "done" and sessions.told(first) is None
    sessions.end(first)
    assert sessions.phone(first) is None and sessions.phone(second) == B
    assert sessions.phone("nonsense") is None and sessions.phone(None) is None


def test_a_new_feed_token_ends_the_old_one(redis_client):
    feeds = Feeds(redis_client)
    assert not feeds.has(A)
    old = feeds.renew(A)
    assert feeds.phone(old) == A and feeds.has(A) and feeds.is_current(A, old)
    new = feeds.renew(A)
    assert feeds.phone(old) is None and feeds.phone(new) == A
    assert not feeds.is_current(A, old) and feeds.is_current(A, new)
    other = feeds.renew(B)
    assert not feeds.is_current(A, other) and feeds.phone(other) == B
    blob = everything_in(redis_client)
    assert all(token.encode() not in blob for token in (old, new, other))
