"""Real HTTP servers on 127.0.0.1 for tests: canned routes, slow and streaming replies.

    with serve({"/v1/data": json_reply({"value": 3}), "/old": redirect("/v1/data")}) as server:
        fetch(server.url("/old"))
        assert server.hits("/v1/data") == 1

A route maps a path (the query string is not part of it) to a ``Reply``, a tuple
``(status, headers, body)``, or a callable taking the ``RecordedRequest`` and returning either.
Unknown paths answer 404. Routes can be added while the server runs (``server.routes[...]``).

A ``Reply`` can wait before answering (``delay``), stream an iterable body in chunks with a
pause between them (``chunk_delay``; chunked transfer encoding unless a Content-Length header
is given, which may lie), or write ``raw`` bytes verbatim (malformed or trickled responses)
and close. Sleeps end early when the server closes, so a test never waits for them.
``serve(routes, ssl_context=...)`` speaks HTTPS instead.
"""

from __future__ import annotations

import json
import ssl
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Body = bytes | str | Iterable[bytes] | Callable[[], Iterable[bytes]]
Headers = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass
class Reply:
    status: int = 200
    headers: Headers = ()
    body: Body = b""
    delay: float = 0.0  # seconds to wait before the status line
    chunk_delay: float = 0.0  # seconds to wait before each body chunk (or raw piece)
    chunked: bool | None = None  # None: chunked for iterable bodies without Content-Length
    raw: Sequence[bytes] | None = None  # written verbatim instead of a response, then closed


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    target: str  # the request target as sent


Route = Reply | tuple[int, Headers, Body] | Callable[[RecordedRequest], "Reply | tuple"]


def json_reply(data: Any, status: int = 200, headers: Headers = ()) -> Reply:
    return Reply(
        status,
        [("Content-Type", "application/json"), *_header_items(headers)],
        json.dumps(data).encode(),
    )


def text_reply(
    text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8"
) -> Reply:
    return Reply(status, [("Content-Type", content_type)], text.encode())


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, [("Location", location)], b"")


def repeated(chunk: bytes, count: int) -> Callable[[], Iterator[bytes]]:
    """A body of ``count`` copies of ``chunk``, made afresh for every request."""
    return lambda: (chunk for _ in range(count))


def _header_items(headers: Headers) -> list[tuple[str, str]]:
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):
        pass

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        recorded = RecordedRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            target=self.path,
        )
        self.server.owner._record(recorded)
        route = self.server.owner.routes.get(parts.path)
        if route is None:
            reply = Reply(404, [("Content-Type", "text/plain")], b"not found")
        else:
            reply = _as_reply(route(recorded) if callable(route) else route)
        self._send(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def _pause(self, seconds: float) -> bool:
        """Sleep; False when the server closed meanwhile."""
        return not seconds or not self.server.closing.wait(seconds)

    def _send(self, reply: Reply) -> None:
        if not self._pause(reply.delay):
            self.close_connection = True
            return
        if reply.raw is not None:
            for piece in reply.raw:
                if not self._pause(reply.chunk_delay):
                    break
                self.wfile.write(piece)
            self.close_connection = True
            return

        headers = _header_items(reply.headers)
        names = {name.lower() for name, _ in headers}
        body = reply.body() if callable(reply.body) else reply.body
        if isinstance(body, str):
            body = body.encode()
        self.send_response(reply.status)
        for name, value in headers:
            self.send_header(name, value)
        if isinstance(body, bytes):
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return

        chunked = reply.chunked
        if chunked is None:
            chunked = "content-length" not in names
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif "content-length" not in names:
            self.send_header("Connection", "close")  # the body ends when the connection does
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in body:
            if not self._pause(reply.chunk_delay):
                self.close_connection = True
                return
            if not chunk:
                continue
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                self.wfile.write(chunk)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        if "content-length" in names:
            self.close_connection = True  # it may have lied; do not reuse the connection


def _as_reply(value: Reply | tuple) -> Reply:
    if isinstance(value, Reply):
        return value
    status, headers, body = value
    return Reply(status, headers, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: LocalHTTPServer):
        self.owner = owner
        self.closing = threading.Event()
        super().__init__(("127.0.0.1", 0), _Handler)
        if owner.ssl_context is not None:
            # The handshake happens in the handler's thread, on its first read.
            self.socket = owner.ssl_context.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    def get_request(self):
        request = super().get_request()
        self.owner._count_connection()
        return request

    def handle_error(self, request, client_address):
        # A client that gave up (timeout, body cap) is expected; anything else is reported.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError | ssl.SSLError):
            super().handle_error(request, client_address)


@dataclass
class LocalHTTPServer:
    """A ThreadingHTTPServer on 127.0.0.1 at a random port; use as a context manager."""

    routes: dict[str, Route] = field(default_factory=dict)
    ssl_context: ssl.SSLContext | None = None  # serve HTTPS with it
    requests: list[RecordedRequest] = field(default_factory=list)
    connections: int = 0  # TCP connections accepted

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not running"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for request in self.requests if request.path == path)

    def start(self) -> LocalHTTPServer:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is None:
            return
        self._server.closing.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _count_connection(self) -> None:
        with self._lock:
            self.connections += 1


def serve(
    routes: Mapping[str, Route] | None = None, *, ssl_context: ssl.SSLContext | None = None
) -> LocalHTTPServer:
    """A server for ``routes``, started when entered: ``with serve({...}) as server:``.

    With ``ssl_context`` (an ``ssl.PROTOCOL_TLS_SERVER`` context with a certificate loaded)
    it speaks HTTPS.
    """
    return LocalHTTPServer(routes=dict(routes or {}), ssl_context=ssl_context)
