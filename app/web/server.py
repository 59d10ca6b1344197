"""The web process's gunicorn worker: gevent, except that each request is read whole, headers and body, within
REQUEST_SECONDS before gunicorn parses it and the app sees it.

A connection is a greenlet, not a thread: waiting on Redis or on a slow client costs no thread hand-over (the gthread
worker's hand-overs between its event loop and its threads were a sizeable share of the web process's CPU per inbound
text: docs/benchmark.md). Slow clients (slowloris: a byte every few seconds, in the headers or in a body they announced)
therefore hold only a greenlet, and the deadline bounds how long: a client too slow, or sending too much, is dropped.
The app is handed only a request that is all in (or whose body is over the limit, which it refuses with 413 unread). (On
Heroku the router buffers requests anyway; this holds wherever the process is reachable directly.) gunicorn.conf.py
monkey-patches the standard library before the app is loaded, as gevent requires.
"""
from __future__ import annotations

import errno
import re
import socket
import time

import gevent
from gunicorn import glogging, http, util
from gunicorn.workers.ggevent import GeventWorker

from app.web.guards import MAX_BODY

REQUEST_SECONDS = 10.0  # from the connection (or a kept-alive request's first byte) to the end of the body
LINGER_SECONDS = 2.0  # how long a refused body may go on arriving before the connection closes
MAX_HEADER_BYTES = 64 * 1024  # gunicorn refuses far less itself (limit_request_line, limit_request_field_size)
END_OF_HEADERS = b"\r\n\r\n"
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.I)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:[^\r\n]*chunked", re.I)
_EXPECT = re.compile(rb"\r\nexpect:[ \t]*100-continue[ \t]*(?=\r\n)", re.I)


class AccessFreeLogger(glogging.Logger):
    """gunicorn's logger without gunicorn's access line. The app writes its own, path only (app/logs.py); gunicorn,
    once logconfig_dict is set, would build one per request and throw it away."""

    access_log_enabled = False  # gunicorn's own flag (a property it computes): `access` and its callers check it


def arrived(data: bytes) -> str:
    """How much of a request `data` holds: "headers" (not all of them yet), "body" (not all of it yet), "all", or
    "over": a body over MAX_BODY that is not all in, not worth waiting for (the app answers 413 without reading it).
    A chunked body is in when its last chunk (`0` and an empty line, no trailers) is."""
    end = data.find(END_OF_HEADERS)
    if end < 0:
        return "headers"
    headers, body = data[:end + 2], data[end + 4:]
    if _CHUNKED.search(headers):
        done = body.startswith(b"0\r\n\r\n") or body.endswith(b"\r\n0\r\n\r\n")
        return "all" if done else "over" if len(body) > MAX_BODY else "body"
    length = _LENGTH.search(headers)
    wanted = int(length.group(1)) if length else 0
    return "all" if len(body) >= wanted else "over" if wanted > MAX_BODY else "body"


class RequestDeadlineWorker(GeventWorker):
    def handle(self, listener, client, addr) -> None:  # type: ignore[no-untyped-def]
        """One connection: each request is collected whole (`_collect`), then served; the connection ends when the
        client goes, is too slow, or the response closes it."""
        client.setblocking(1)
        parser, listener_name, req = http.get_parser(self.cfg, client, addr), listener.getsockname(), None
        got = "fresh"
        try:
            while got := self._collect(client, parser, fresh=got == "fresh"):
                req = next(parser)
                self.handle_request(listener_name, req, client, addr)  # raises StopIteration when it closes
                gevent.sleep(0)  # a turn for the other connections: a client that always has its next request
                # ready would otherwise be served again and again while others wait (fairness when busy)
        except (http.errors.NoMoreData, StopIteration):
            pass
        except OSError as err:
            if err.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN):
                self.log.exception("Socket error processing request.")
        except Exception as err:  # gunicorn's own answer: 400 for a request it cannot parse, else 500
            self.handle_error(req, client, addr, err)
        finally:
            if got == "over":
                _linger(client)
            util.close(client)

    def _collect(self, client, parser, fresh: bool) -> str | None:  # type: ignore[no-untyped-def]
        """Read the next request into the parser's buffer: "all", or "over" (a body over the limit, answered unread),
        or None when the client went, was too slow or sent too much. A new connection has REQUEST_SECONDS for its
        first request; a kept-alive one has gunicorn's keepalive seconds to start the next, then REQUEST_SECONDS
        from its first byte."""
        held = parser.unreader.take_buffered()
        if held:  # pipelined behind the last request: the parser has it already
            parser.unreader.unread(held)
            return "all"
        head = bytearray()
        deadline = time.monotonic() + (REQUEST_SECONDS if fresh else self.cfg.keepalive)
        while True:
            data = _receive(client, deadline)
            if not data:
                return None
            if not head and not fresh:
                deadline = time.monotonic() + REQUEST_SECONDS
            head += data
            state = arrived(head)
            if state in ("all", "over"):
                parser.unreader.unread(bytes(head))
                return state
            if state == "body" and _EXPECT.search(head, 0, head.find(END_OF_HEADERS) + 2):
                head = self._continue(client, head)  # the client waits for this before it sends the body
            if len(head) > (MAX_HEADER_BYTES if state == "headers" else MAX_HEADER_BYTES + MAX_BODY + 65536):
                return None

    @staticmethod
    def _continue(client, head: bytearray) -> bytearray:  # type: ignore[no-untyped-def]
        """Answer `Expect: 100-continue` here, and take the header out, so gunicorn does not answer it again."""
        end = head.find(END_OF_HEADERS) + 2
        head[:end] = _EXPECT.sub(b"", bytes(head[:end]))
        try:
            client.sendall(CONTINUE)
        except OSError:
            pass  # the client is gone: its request ends at the deadline
        return head


def _linger(client) -> None:  # type: ignore[no-untyped-def]
    """Close as HTTP servers do after answering a request whose body was not read (413): closing with the client's
    bytes unread would reset the connection, and the client could lose the answer. So stop sending, and read what
    it still sends, for a moment, first."""
    try:
        client.shutdown(socket.SHUT_WR)
    except OSError:
        return
    deadline = time.monotonic() + LINGER_SECONDS
    while _receive(client, deadline):
        pass


def _receive(client, deadline: float) -> bytes:  # type: ignore[no-untyped-def]
    """What the client sends next, or b"" when it is gone or `deadline` passes first."""
    left = deadline - time.monotonic()
    if left <= 0:
        return b""
    with gevent.Timeout(left, False):  # False: when time is up the block just ends
        try:
            return client.recv(65536)
        except OSError:
            return b""
    return b""
