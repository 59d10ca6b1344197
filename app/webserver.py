"""The web process's gunicorn worker: gthread, except that a request is read by the worker's event loop, not by a
thread, and its headers and body must all arrive within REQUEST_SECONDS.

Stock gthread hands a connection to a thread as soon as its first byte arrives; the thread then blocks until the
headers, and later the body, are complete. Fifty clients sending one byte every few seconds (slowloris), in the
headers or in a body they announced, hold every thread, and `/healthz` stops answering. Here the event loop
collects the bytes without blocking anyone, drops a client that is too slow or sends too much, and hands a thread
only a request that is all in (or whose body is over the limit, which the app refuses with 413 unread). A thread
then only computes and talks to Redis. (On Heroku the router buffers requests anyway; this holds wherever the
process is reachable directly.)
"""
from __future__ import annotations

import errno
import re
import selectors
import time
from collections import deque
from functools import partial

from gunicorn import glogging, http
from gunicorn.workers.gthread import TConn, ThreadWorker

from . import MAX_BODY

REQUEST_SECONDS = 10.0  # from the connection (or the previous response) to the end of the body
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
    """How much of a request `data` holds: "headers" (not all of them yet), "body" (not all of it yet), or "all"
    (everything, or a body over MAX_BODY, which is not worth waiting for: the app answers 413 without reading it).
    A chunked body is in when its last chunk (`0` and an empty line, no trailers) is."""
    end = data.find(END_OF_HEADERS)
    if end < 0:
        return "headers"
    headers, body = data[:end + 2], data[end + 4:]
    if _CHUNKED.search(headers):
        done = body.startswith(b"0\r\n\r\n") or body.endswith(b"\r\n0\r\n\r\n")
        return "all" if done or len(body) > MAX_BODY else "body"
    length = _LENGTH.search(headers)
    wanted = int(length.group(1)) if length else 0
    return "all" if len(body) >= wanted or wanted > MAX_BODY else "body"


class RequestDeadlineWorker(ThreadWorker):
    def init_process(self) -> None:
        self.reading: deque[TConn] = deque()  # connections whose request is still arriving, oldest first
        self.notified = 0.0
        super().init_process()

    def notify(self) -> None:
        """gunicorn's loop calls this on every turn, a system call each time (the heartbeat file's timestamp), which
        at hundreds of requests a second is several a request. The arbiter only looks for it within `timeout`
        (30 s), so once a second is plenty."""
        now = time.monotonic()
        if now - self.notified >= 1.0:
            self.notified = now
            super().notify()

    def accept(self, listener) -> None:  # type: ignore[no-untyped-def]
        try:
            client, address = listener.accept()
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._read_request(TConn(self.cfg, client, address, listener.getsockname()))  # TConn: non-blocking

    def on_client_socket_readable(self, conn: TConn, client) -> None:  # type: ignore[no-untyped-def]
        """A kept-alive connection's next request: it is held to the same deadline. Its bytes are here already, so
        they are read now; the poller only waits for a request that arrives in pieces."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        if conn.parser is not None and conn.parser.unreader.buf.getvalue():
            self.enqueue_req(conn)  # bytes already read ahead: let the parser have them
            return
        self._read_request(conn, readable=True)

    def _read_request(self, conn: TConn, readable: bool = False) -> None:
        """Collect `conn`'s request (its socket is non-blocking: gunicorn sets it so before either path here)."""
        conn.head, conn.timeout = bytearray(), time.monotonic() + REQUEST_SECONDS
        outcome = self._collect(conn) if readable else None
        if outcome:
            self._pass_on(conn, outcome)
            return
        self.reading.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_request_bytes, conn))

    def _on_request_bytes(self, conn: TConn, client) -> None:  # type: ignore[no-untyped-def]
        outcome = self._collect(conn)
        if outcome:
            self.poller.unregister(client)
            self.reading.remove(conn)
            self._pass_on(conn, outcome)

    def _collect(self, conn: TConn) -> str | None:
        """Read what has arrived: "all" (the request is in), "drop" (too slow to come, too much, or gone), or None
        (wait for more)."""
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError:
            data = b""
        conn.head += data
        state = arrived(conn.head)
        if state == "body" and _EXPECT.search(conn.head, 0, conn.head.find(END_OF_HEADERS) + 2):
            self._continue(conn)  # the client waits for this before it sends the body
        too_much = len(conn.head) > (MAX_HEADER_BYTES if state == "headers" else MAX_HEADER_BYTES + MAX_BODY + 65536)
        if state == "all":
            return "all"
        return "drop" if not data or too_much else None

    def _pass_on(self, conn: TConn, outcome: str) -> None:
        """A whole request goes to a thread; anything else is dropped."""
        if outcome != "all":
            self._drop(conn)
            return
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(bytes(conn.head))
        conn.data_ready = True
        self.enqueue_req(conn)

    def _continue(self, conn: TConn) -> None:
        """Answer `Expect: 100-continue` here, and take the header out, so the thread does not answer it again."""
        end = conn.head.find(END_OF_HEADERS) + 2
        conn.head[:end] = _EXPECT.sub(b"", bytes(conn.head[:end]))
        try:
            conn.sock.send(CONTINUE)
        except OSError:
            pass  # the client is gone: its request is dropped at the deadline

    def murder_pending(self) -> None:
        """Runs every loop turn (at least once a second): drop connections past their request deadline too."""
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.reading if c.timeout <= now]:
            self.reading.remove(conn)
            try:
                self.poller.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass
            self._drop(conn)

    def _drop(self, conn: TConn) -> None:
        self.nr_conns -= 1
        conn.close()
