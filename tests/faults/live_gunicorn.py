"""The service as production runs it, for fault tests: gunicorn in a subprocess on the test
database (optionally through a TCP proxy the test controls), with DEBUG off."""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


@functools.cache
def collected_static_root() -> Path:
    """Static files collected once per test run: production settings serve them hashed,
    from collectstatic's manifest, and a page fails without it."""
    directory = Path(tempfile.mkdtemp(prefix="hindsight-static-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, "STATIC_ROOT": str(directory)},
        check=True,
        timeout=120,
    )
    return directory


def database_url(*, host: str | None = None, port: int | None = None) -> str:
    """The URL of pytest-django's test database, optionally reached at another address."""
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{database['USER']}{password}@{host or database['HOST']}:"
        f"{port or database['PORT']}/{database['NAME']}"
    )


class GunicornServer:
    """`gunicorn config.wsgi` on a free port of 127.0.0.1, its output kept in `log_path`."""

    def __init__(
        self,
        *,
        log_path: Path,
        database_url: str,
        workers: int = 2,
        threads: int = 1,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        self.log_path = log_path
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "STATIC_ROOT": str(collected_static_root()),
            "PYTHONUNBUFFERED": "1",
            # Load, not the write throttle, is what these tests exercise.
            "THROTTLE_WRITE_RATE": "100000/min",
            **(environment or {}),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            str(workers),
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
        ]
        if threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(threads)]
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.url = self._wait_until_serving()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_until_serving(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        url = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_text()}")
            if url is None:
                match = _LISTENING.search(self.log_text())
                url = f"http://127.0.0.1:{match.group(1)}" if match else None
            if url is not None:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                        return url
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not serve within {timeout} s:\n{self.log_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._log.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target address until told otherwise.

    `cut()` is what a restarting PostgreSQL looks like from the application: every open
    connection is closed and new ones are refused (the port stops listening). `silence()`
    is a database host that hangs: open connections are closed, new ones accepted and
    never answered. `restore()` forwards new connections again, on the same port.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._held: set[socket.socket] = set()  # accepted while silent, never answered
        self._silent = False
        self._listener: socket.socket | None = self._listen(0)
        self.port = self._listener.getsockname()[1]

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed: cut() or close()
                return
            with self._lock:
                if self._silent:
                    self._held.add(client)
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        try:
            while True:
                readable, _, _ = select.select(list(peers), [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):  # closed under us by cut()
            return
        finally:
            self._close(client, upstream)

    def _close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with self._lock:
                self._sockets.discard(sock)
                self._held.discard(sock)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _drop_connections(self) -> None:
        with self._lock:
            open_sockets = [*self._sockets, *self._held]
        self._close(*open_sockets)

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        if self._listener is not None:
            # shutdown() first: on Linux it wakes the thread blocked in accept() and stops
            # the port listening now; close() alone would leave both until accept() returns.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        self._drop_connections()

    def silence(self) -> None:
        """Drop every connection; accept new ones and never answer them."""
        with self._lock:
            self._silent = True
        self._drop_connections()

    def restore(self) -> None:
        with self._lock:
            self._silent = False
        self._drop_connections()  # those held in silence; their clients gave up already
        if self._listener is None:
            self._listener = self._listen(self.port)

    def close(self) -> None:
        self.cut()
