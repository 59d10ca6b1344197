"""The web process's gunicorn worker: gthread, except that a request's headers are read by the worker's event loop,
not by a thread, and must all arrive within HEADER_SECONDS.

Stock gthread hands a connection to a thread as soon as its first byte arrives; the thread then blocks until the
headers are complete. Fifty clients sending one header byte every few seconds (slowloris) hold every thread, and
`/healthz` stops answering. Here the event loop collects the header bytes without blocking anyone, drops a client
that is too slow or sends too much, and hands a thread only a request whose headers are all in. (On Heroku the
router buffers requests anyway; this holds wherever the process is reachable directly.)
"""
from __future__ import annotations

import errno
import selectors
import time
from collections import deque
from functools import partial

from gunicorn import http
from gunicorn.workers.gthread import TConn, ThreadWorker

HEADER_SECONDS = 10.0  # from the connection (or the previous response) to the end of the headers
MAX_HEADER_BYTES = 64 * 1024  # gunicorn refuses far less itself (limit_request_line, limit_request_field_size)
END_OF_HEADERS = b"\r\n\r\n"


class HeaderDeadlineWorker(ThreadWorker):
    def init_process(self) -> None:
        self.reading: deque[TConn] = deque()  # connections whose headers are still arriving, oldest first
        super().init_process()

    def accept(self, listener) -> None:  # type: ignore[no-untyped-def]
        try:
            client, address = listener.accept()
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._read_headers(TConn(self.cfg, client, address, listener.getsockname()))  # TConn: non-blocking

    def on_client_socket_readable(self, conn: TConn, client) -> None:  # type: ignore[no-untyped-def]
        """A kept-alive connection's next request: its headers are held to the same deadline."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        if conn.parser is not None and conn.parser.unreader.buf.getvalue():
            self.enqueue_req(conn)  # bytes already read ahead: let the parser have them
            return
        self._read_headers(conn)

    def _read_headers(self, conn: TConn) -> None:
        conn.head, conn.timeout = bytearray(), time.monotonic() + HEADER_SECONDS
        conn.sock.setblocking(False)
        self.reading.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_header_bytes, conn))

    def _on_header_bytes(self, conn: TConn, client) -> None:  # type: ignore[no-untyped-def]
        try:
            data = client.recv(8192)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        conn.head += data
        complete = END_OF_HEADERS in conn.head
        if complete or not data or len(conn.head) > MAX_HEADER_BYTES:
            self.poller.unregister(client)
            self.reading.remove(conn)
            if not complete:
                self._drop(conn)
                return
            if conn.parser is None:
                conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
            conn.parser.unreader.unread(bytes(conn.head))
            conn.data_ready = True
            self.enqueue_req(conn)

    def murder_pending(self) -> None:
        """Runs every loop turn (at least once a second): drop connections past their header deadline too."""
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
