"""A worker killed in the middle of check_source: the check is redone by another worker,
through the real Redis broker, and exactly one outcome is proposed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app
from resolvers import services
from resolvers.models import Check, Resolution
from resolvers.tasks import check_source
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


class ValueServer:
    """Serves {"downloads": 1500}; the first request hangs until released, so a worker
    can be killed while it waits."""

    def __init__(self) -> None:
        self.first_request = threading.Event()
        self.release = threading.Event()
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                if server.requests == 1:
                    server.first_request.set()
                    server.release.wait(timeout=60)
                body = json.dumps({"downloads": 1500}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the killed worker's connection is gone
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/stats"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()


def start_worker() -> subprocess.Popen:
    """A real `celery worker` process on the test database and the test queue."""
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "RESOLVER_ALLOWED_HOSTS": "127.0.0.1",
        # Unacknowledged messages of a dead worker come back after this many seconds.
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def downloads_source(question, url: str):
    """A source that says yes once `downloads` reaches 1,000."""
    config = {"url": url, "expression": "downloads", "comparator": ">=", "threshold": 1000}
    return services.source_add(question=question, kind="http_json", config=config)


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def value_server():
    server = ValueServer()
    yield server
    server.close()


@pytest.fixture
def purged_queue():
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge(app.conf.task_default_queue)
    yield


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_check_leaves_it_to_be_redone_once(value_server, purged_queue):
    question = factories.QuestionFactory()
    source = downloads_source(question, value_server.url)
    first = start_worker()
    second = None
    try:
        check_source.delay(source.pk)
        assert value_server.first_request.wait(timeout=30), "the worker never fetched"
        first.send_signal(signal.SIGKILL)  # mid-fetch: the task is neither done nor acked
        first.wait(timeout=10)
        value_server.release.set()
        assert Check.objects.filter(source=source, finished_at__isnull=True).count() == 1

        second = start_worker()
        assert wait_for(lambda: Resolution.objects.filter(question=question).exists(), 60), (
            "the killed worker's task was not redelivered"
        )
        time.sleep(2)  # a duplicate delivery, if any, would propose a second time now
        resolutions = list(Resolution.objects.filter(question=question))
        assert len(resolutions) == 1
        assert (resolutions[0].outcome, resolutions[0].state) == ("yes", "proposed")
        assert resolutions[0].evidence.value == "1500"
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)


@pytest.mark.django_db
def test_duplicate_deliveries_propose_one_outcome(value_server):
    value_server.release.set()
    question = factories.QuestionFactory()
    source = downloads_source(question, value_server.url)

    services.source_check(source_id=source.pk)
    services.source_check(source_id=source.pk)

    assert Resolution.objects.filter(question=question).count() == 1
    assert Check.objects.filter(source=source).count() == 2
