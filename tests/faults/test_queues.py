"""Scale out: two worker processes consuming different sets of the named queues from one
Redis. Every task is done exactly once, by a worker that consumes its queue, and both
workers take a share of the queue they have in common."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from predictions.models import QuestionScore
from predictions.tasks import rescore_question
from resolvers import services
from resolvers.models import Check, Resolution, ResolutionSource
from resolvers.tasks import check_source, dispatch_due_checks, finalize_resolutions
from tests import factories
from tests.faults.celery_processes import start_celery, stop, wait_for

SUCCEEDED = re.compile(r"Task (\S+)\[([^\]]+)\] succeeded")


class FetchCounter:
    """A local JSON endpoint per source (`/sources/<n>`) that counts the fetches of each."""

    def __init__(self) -> None:
        self.fetches: Counter[str] = Counter()
        lock = threading.Lock()
        counter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    counter.fetches[self.path] += 1
                body = json.dumps({"downloads": 10}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fetch_counter():
    counter = FetchCounter()
    yield counter
    counter.close()


def source_fetched_at(url: str, *, due: bool) -> ResolutionSource:
    question = factories.QuestionFactory()
    config = {"url": url, "expression": "downloads", "comparator": ">=", "threshold": 1000}
    source = services.source_add(question=question, kind="http_json", config=config)
    if not due:  # only a check enqueued by the test fetches it, never a dispatch
        ResolutionSource.objects.filter(pk=source.pk).update(
            next_check_at=source.next_check_at + timedelta(days=1)
        )
    return source


def resolved_question_with_forecasts():
    question = factories.closed_question_forecast_on(0.2, 0.7, after=timedelta(hours=1))
    factories.ResolutionFactory(
        question=question, state=Resolution.State.FINAL, finalized_at=timezone.now()
    )
    return question


def start_worker(tmp_path, name: str, queues: list[str]):
    return start_celery(
        "worker",
        "--hostname",
        f"{name}@%h",
        "--queues",
        ",".join(queues),
        "--pool",
        "solo",
        "--loglevel",
        "INFO",
        "--without-mingle",
        "--without-gossip",
        log_path=tmp_path / f"{name}.log",
    )


def succeeded(log_path) -> list[tuple[str, str]]:
    """(task name, task id) of every task the worker's log says it finished."""
    return SUCCEEDED.findall(log_path.read_text())


@pytest.mark.postgresql_only(
    reason="its gunicorn or Celery processes cannot open the in-memory SQLite test database"
)
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_different_queues_share_the_work_and_do_each_task_once(
    tmp_path, fetch_counter
):
    base = settings.CELERY_TASK_DEFAULT_QUEUE
    checks, scoring = settings.CELERY_CHECKS_QUEUE, settings.CELERY_SCORING_QUEUE
    checked = [
        source_fetched_at(f"{fetch_counter.base_url}/sources/checked-{n}", due=False)
        for n in range(24)
    ]
    dispatched = [
        source_fetched_at(f"{fetch_counter.base_url}/sources/dispatched-{n}", due=True)
        for n in range(12)
    ]
    questions = [resolved_question_with_forecasts() for _ in range(12)]
    app.control.purge()

    workers = {
        "checker": start_worker(tmp_path, "checker", [checks, base]),
        "scorer": start_worker(tmp_path, "scorer", [scoring, base]),
    }
    logs = {name: tmp_path / f"{name}.log" for name in workers}
    try:
        assert wait_for(lambda: all("ready." in log.read_text() for log in logs.values()), 60), {
            name: log.read_text()[-3000:] for name, log in logs.items()
        }

        check_ids = {check_source.delay(source.pk).id for source in checked}
        rescore_ids = {rescore_question.delay(question.pk).id for question in questions}
        # The common queue: dispatches racing for the same due sources, and finalizations.
        common_ids = {dispatch_due_checks.delay().id for _ in range(8)}
        common_ids |= {finalize_resolutions.delay().id for _ in range(16)}
        enqueued = check_ids | rescore_ids | common_ids

        def all_done() -> bool:
            done = {task_id for log in logs.values() for _, task_id in succeeded(log)}
            return enqueued <= done and sum(fetch_counter.fetches.values()) >= 36

        assert wait_for(all_done, timeout=120), (fetch_counter.fetches, enqueued)
        time.sleep(2)  # a second delivery of anything would be done by now

        done_by = {name: succeeded(log) for name, log in logs.items()}
        done_ids = Counter(task_id for tasks in done_by.values() for _, task_id in tasks)
        assert {task_id: n for task_id, n in done_ids.items() if n > 1} == {}
        ids_done_by = {name: {task_id for _, task_id in tasks} for name, tasks in done_by.items()}
        assert check_ids <= ids_done_by["checker"]
        assert rescore_ids <= ids_done_by["scorer"]
        assert common_ids & ids_done_by["checker"], "the checker took none of the common queue"
        assert common_ids & ids_done_by["scorer"], "the scorer took none of the common queue"

        # Effects, counted: one fetch and one Check per source, one score per forecaster.
        every_source = checked + dispatched
        assert fetch_counter.fetches == {
            f"/sources/{kind}-{n}": 1
            for kind, count in (("checked", 24), ("dispatched", 12))
            for n in range(count)
        }
        checks_per_source = Counter(Check.objects.values_list("source", flat=True))
        assert checks_per_source == {source.pk: 1 for source in every_source}
        assert set(Check.objects.filter(source__in=checked).values_list("task_id", flat=True)) == (
            check_ids
        )
        scores = Counter(QuestionScore.objects.values_list("question", flat=True))
        assert scores == {question.pk: 2 for question in questions}
    finally:
        for worker in workers.values():
            stop(worker)
        app.control.purge()
