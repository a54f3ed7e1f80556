"""Workers killed with SIGKILL in the middle of a task, through the real Redis broker: the
task is redelivered (late acks, reject on worker lost) and the result is exactly as if it
had run once; a task that keeps killing its worker is parked after OUTBOX_MAX_DELIVERIES
starts, and the worker carries on."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from django.db import connection, transaction

from config.celery import app
from predictions import outbox, rescoring
from predictions.models import OutboxTask, QuestionScore
from resolvers import services
from resolvers.check_queue import enqueue_check
from resolvers.models import Check, Resolution
from tests import factories
from tests.faults.celery_processes import (
    broker,
    kombu_key,
    start_celery,
    stopped_at_exit,
    test_database_url,
    wait_for,
)

pytestmark = [
    pytest.mark.postgresql_only(
        reason="its gunicorn or Celery processes cannot open the in-memory SQLite test database"
    ),
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


class ValueServer:
    """Serves {"downloads": 1500}; the first `hang_first` requests hang until released, so
    a worker can be killed while it waits."""

    def __init__(self, hang_first: int = 1) -> None:
        self.release = threading.Event()
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                if server.requests <= hang_first:
                    server.release.wait(timeout=120)
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
        self.httpd.server_close()


@pytest.fixture
def clean_broker():
    """No message of an earlier test, queued or unacknowledged: a worker started here
    would run it (kombu restores a dead worker's unacknowledged messages)."""

    def clean() -> None:
        app.control.purge()
        kombu_state = ("unacked", "unacked_index", "unacked_mutex")
        broker().delete(*(kombu_key(name) for name in kombu_state))

    clean()
    yield
    clean()


def start_worker(log_path: Path, *, pool: str = "solo") -> subprocess.Popen:
    """A real `celery worker` on the test database, consuming every queue."""
    arguments = ["worker", "--pool", pool, "--loglevel", "INFO"]
    arguments += ["--without-mingle", "--without-gossip"]
    environment = {"RESOLVER_ALLOWED_HOSTS": "127.0.0.1", "OUTBOX_MAX_DELIVERIES": "3"}
    if pool == "solo":
        # The whole worker dies: its unacknowledged message comes back after this long.
        environment |= {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_UNACKED_RESTORE_INTERVAL": "1"}
    else:
        arguments += ["--concurrency", "1"]
    return start_celery(*arguments, log_path=log_path, environment=environment)


def kill(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


def kill_pool_processes(worker: subprocess.Popen) -> list[int]:
    """SIGKILL the pool processes of a prefork worker, as the kernel's OOM killer would;
    the worker itself lives on and forks new ones."""
    pid = worker.pid
    children = [
        int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    ]
    for child in children:
        os.kill(child, signal.SIGKILL)
    return children


def downloads_source(question, url: str):
    """A source that says yes once `downloads` reaches 1,000."""
    config = {"url": url, "expression": "downloads", "comparator": ">=", "threshold": 1000}
    return services.source_add(question=question, kind="http_json", config=config)


def enqueued_check(source) -> OutboxTask:
    """The check of `source`, enqueued through the outbox as the dispatcher does (it is
    published when the transaction commits)."""
    with transaction.atomic():
        return enqueue_check(source.pk)


def state_of(row: OutboxTask) -> tuple[str, int]:
    row.refresh_from_db()
    return row.state, row.deliveries


def test_a_worker_killed_mid_check_leaves_it_to_be_redone_once(clean_broker, tmp_path):
    server = ValueServer(hang_first=1)
    try:
        question = factories.QuestionFactory()
        source = downloads_source(question, server.url)
        kept = enqueued_check(source)

        first = start_worker(tmp_path / "first.log")
        assert wait_for(lambda: server.requests == 1, 60), "the worker never fetched"
        kill(first)  # mid-fetch: the task is neither done nor acknowledged
        server.release.set()
        assert Check.objects.filter(source=source, finished_at__isnull=True).count() == 1
        assert state_of(kept) == (OutboxTask.State.PUBLISHED, 1)

        second = start_worker(tmp_path / "second.log")
        with stopped_at_exit(second):
            assert wait_for(lambda: state_of(kept)[0] == OutboxTask.State.DONE, 60), (
                tmp_path / "second.log"
            ).read_text()
            time.sleep(2)  # a duplicate delivery, if any, would propose a second time now
    finally:
        server.close()

    resolutions = list(Resolution.objects.filter(question=question))
    assert len(resolutions) == 1
    assert (resolutions[0].outcome, resolutions[0].state) == ("yes", "proposed")
    assert resolutions[0].evidence.value == "1500"
    assert state_of(kept) == (OutboxTask.State.DONE, 2)
    assert rescoring.verify_scores() == []


def test_duplicate_deliveries_propose_one_outcome():
    server = ValueServer(hang_first=0)
    try:
        question = factories.QuestionFactory()
        source = downloads_source(question, server.url)

        services.source_check(source_id=source.pk)
        services.source_check(source_id=source.pk)
    finally:
        server.close()

    assert Resolution.objects.filter(question=question).count() == 1
    assert Check.objects.filter(source=source).count() == 2


@contextlib.contextmanager
def row_locked(table: str, pk: int):
    """Hold a row lock from another connection, as a long transaction of someone else's
    would: whatever needs the row waits until the block ends."""
    with psycopg.connect(test_database_url()) as other:
        other.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [pk])
        try:
            yield
        finally:
            other.rollback()


def waiting_for_a_lock_on(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s",
            [f"%{table}%FOR UPDATE%"],
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_rescore_leaves_it_to_be_redone_once(clean_broker, tmp_path):
    tag = factories.TagFactory(slug="open-models")
    question = factories.ClosedQuestionFactory(tags=[tag])
    earlier = factories.ClosedQuestionFactory(tags=[tag])
    forecasters = [factories.HumanForecasterFactory() for _ in range(3)]
    for index, forecaster in enumerate(forecasters):
        for target, probability in ((question, 0.2 + 0.3 * index), (earlier, 0.9 - 0.3 * index)):
            factories.ForecastFactory(
                question=target,
                forecaster=forecaster,
                probabilities=[probability],
                submitted_at=target.opens_at + timedelta(days=index + 1),
            )
    staff = factories.StaffFactory()
    # Totals span both questions: the killed rescore must leave them as one run would.
    services.resolution_record(question=earlier, outcome="no", rationale="r", user=staff)
    rescoring.rescore_question(question_id=earlier.pk)
    OutboxTask.objects.all().delete()  # the earlier question's rescore is done already

    services.resolution_record(question=question, outcome="yes", rationale="r", user=staff)
    kept = OutboxTask.objects.get(task_name="predictions.rescore_question")
    assert kept.state == OutboxTask.State.PUBLISHED

    with row_locked("registry_question", question.pk):
        first = start_worker(tmp_path / "first.log")
        # The rescore starts by locking its question: it waits, mid-task, for our lock.
        assert wait_for(lambda: waiting_for_a_lock_on("registry_question"), 60), (
            tmp_path / "first.log"
        ).read_text()
        assert state_of(kept) == (OutboxTask.State.PUBLISHED, 1)
        kill(first)
    assert not QuestionScore.objects.filter(question=question).exists()

    second = start_worker(tmp_path / "second.log")
    with stopped_at_exit(second):
        assert wait_for(lambda: state_of(kept)[0] == OutboxTask.State.DONE, 60), (
            tmp_path / "second.log"
        ).read_text()
        time.sleep(2)  # a duplicate delivery, if any, would start now

    assert state_of(kept) == (OutboxTask.State.DONE, 2)
    assert QuestionScore.objects.filter(question=question).count() == 3
    assert rescoring.verify_scores() == []
    once_more = rescoring.rescore_question(question_id=question.pk)
    assert not once_more.scores.changed and not once_more.totals.changed


def test_a_task_that_keeps_killing_its_worker_is_parked_and_the_worker_carries_on(
    clean_broker, tmp_path
):
    server = ValueServer(hang_first=3)
    try:
        poison = downloads_source(factories.QuestionFactory(), server.url)
        healthy = downloads_source(factories.QuestionFactory(), server.url)
        kept = enqueued_check(poison)

        worker = start_worker(tmp_path / "worker.log", pool="prefork")
        with stopped_at_exit(worker):
            for delivery in (1, 2, 3):
                assert wait_for(lambda d=delivery: server.requests == d, 60), (
                    tmp_path / "worker.log"
                ).read_text()
                assert kill_pool_processes(worker)
            # The fourth delivery is refused before the work: parked and acknowledged.
            assert wait_for(lambda: state_of(kept)[0] == OutboxTask.State.PARKED, 60), (
                tmp_path / "worker.log"
            ).read_text()
            assert state_of(kept) == (OutboxTask.State.PARKED, 4)
            assert "3 starts died before finishing" in kept.last_error
            assert server.requests == 3

            server.release.set()
            other = enqueued_check(healthy)
            assert wait_for(lambda: state_of(other)[0] == OutboxTask.State.DONE, 60)
            assert worker.poll() is None, "the worker died"
            assert Resolution.objects.filter(question=healthy.question).count() == 1
            assert not Resolution.objects.filter(question=poison.question).exists()

            # An admin fixes the cause and re-queues it: it runs, once.
            assert outbox.outbox_requeue(task_ids=[kept.pk]) == 1
            assert wait_for(lambda: state_of(kept)[0] == OutboxTask.State.DONE, 60)
            assert state_of(kept) == (OutboxTask.State.DONE, 1)
            assert Resolution.objects.filter(question=poison.question).count() == 1
    finally:
        server.close()
