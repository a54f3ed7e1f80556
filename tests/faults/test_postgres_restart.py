"""PostgreSQL restarted under load: requests fail cleanly with a 503 and a message while it
is down, and succeed again once it is back, without restarting the service."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

import pytest
import requests
from django.db import InterfaceError, OperationalError, ProgrammingError, connection
from django.test import Client

from config.middleware import DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE_MESSAGE
from predictions.models import Forecast
from registry.services import api_token_create
from tests import factories
from tests.faults.live_gunicorn import GunicornServer, TcpProxy, database_url

# A request made while the database is down answers within this many seconds: the
# connect timeout (3 s) bounds each attempt, with room for waiting behind another request
# on a busy worker.
RESPONSE_BOUND_SECONDS = 8.0


def _database_goes_down(monkeypatch, error: type[Exception] = OperationalError) -> None:
    """Every query of the request fails as it does when PostgreSQL has gone away."""

    def refuse(*args, **kwargs):
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "cursor", refuse)


@pytest.mark.django_db
class TestAnOutageAnswers503:
    def test_the_api_answers_503_in_its_error_shape_with_retry_after(
        self, alice_client, monkeypatch
    ):
        question = factories.QuestionFactory()
        _database_goes_down(monkeypatch)

        for response in (
            alice_client.get(f"/api/v1/questions/{question.slug}/"),
            alice_client.post(
                f"/api/v1/questions/{question.slug}/forecasts/", {"probability": 0.6}, format="json"
            ),
        ):
            assert response.status_code == 503
            assert response.json() == {"error": DATABASE_UNAVAILABLE_MESSAGE, "fields": {}}
            assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)

    def test_a_page_answers_a_short_plain_503_page(self, client, monkeypatch):
        question = factories.QuestionFactory()
        _database_goes_down(monkeypatch, InterfaceError)

        response = client.get(f"/questions/{question.slug}/")

        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
        page = response.content.decode()
        assert "Hindsight is briefly unavailable" in page
        assert "try again in 5 seconds" in page

    def test_the_outage_is_logged_with_the_request_and_the_error(self, client, monkeypatch, caplog):
        question = factories.QuestionFactory()
        _database_goes_down(monkeypatch)

        with caplog.at_level(logging.ERROR, logger="config.middleware"):
            client.get(f"/questions/{question.slug}/")

        assert any(
            f"GET /questions/{question.slug}/ answered 503" in record.getMessage()
            and "server closed the connection unexpectedly" in record.getMessage()
            for record in caplog.records
        )
        # With its traceback: a deadlock or a statement timeout is an OperationalError too.
        assert all(
            record.exc_info for record in caplog.records if "answered 503" in record.getMessage()
        )

    def test_a_programming_error_is_still_a_500_not_disguised_as_an_outage(self, monkeypatch):
        question = factories.QuestionFactory()
        _database_goes_down(monkeypatch, ProgrammingError)

        response = Client(raise_request_exception=False).get(f"/api/v1/questions/{question.slug}/")

        assert response.status_code == 500


@dataclasses.dataclass
class Answer:
    kind: str  # "page", "api" or "forecast"
    sent_at: float
    answered_at: float
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    content_type: str = ""
    body: str = ""
    retry_after: str | None = None
    forecast_id: int | None = None

    @property
    def seconds(self) -> float:
        return self.answered_at - self.sent_at


class Load:
    """A few clients, each a forecaster reading the question page and the API and
    forecasting in turn, until stopped (and never more than `max_rounds` rounds)."""

    def __init__(self, base_url: str, slug: str, tokens: list[str], max_rounds: int = 400):
        self.requests = [
            ("page", "GET", f"{base_url}/questions/{slug}/", None),
            ("api", "GET", f"{base_url}/api/v1/questions/{slug}/", None),
            (
                "forecast",
                "POST",
                f"{base_url}/api/v1/questions/{slug}/forecasts/",
                {"probability": 0.6},
            ),
        ]
        self.tokens = tokens
        self.max_rounds = max_rounds
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(t,)) for t in tokens]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _client(self, token: str) -> None:
        headers = {"Authorization": f"Token {token}"}
        for _ in range(self.max_rounds):
            for kind, method, url, payload in self.requests:
                if self._stop.is_set():
                    return
                sent_at = time.monotonic()
                try:
                    response = requests.request(
                        method,
                        url,
                        json=payload,
                        headers=headers if kind != "page" else {},
                        timeout=RESPONSE_BOUND_SECONDS * 2,
                    )
                except requests.RequestException as error:
                    answer = Answer(kind, sent_at, time.monotonic(), None, body=str(error))
                else:
                    answer = Answer(
                        kind,
                        sent_at,
                        time.monotonic(),
                        response.status_code,
                        response.headers.get("Content-Type", ""),
                        response.text,
                        response.headers.get("Retry-After"),
                        response.json()["id"] if response.status_code == 201 else None,
                    )
                with self._lock:
                    self.answers.append(answer)
                time.sleep(0.01)


def _is_clean_503(answer: Answer) -> bool:
    if answer.status != 503 or answer.retry_after != str(DATABASE_RETRY_AFTER_SECONDS):
        return False
    if answer.kind == "page":
        return answer.content_type.startswith("text/html") and "briefly unavailable" in answer.body
    return answer.content_type == "application/json" and answer.body == (
        f'{{"error": "{DATABASE_UNAVAILABLE_MESSAGE}", "fields": {{}}}}'
    )


@pytest.mark.postgresql_only(
    reason="it stops and starts the PostgreSQL server under a live gunicorn"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("outage", "down_seconds"),
    [
        # PostgreSQL restarting: its connections closed, its port refusing for a while.
        ("cut", 4),
        # A database host that hangs: connections accepted and never answered, so only the
        # connect timeout ends each attempt; down long enough for whole attempts to fit.
        ("silence", 10),
    ],
)
def test_postgres_down_under_load_answers_503_then_recovers_without_a_restart(
    tmp_path, outage, down_seconds
):
    database = connection.settings_dict
    proxy = TcpProxy(database["HOST"], int(database["PORT"]))
    question = factories.QuestionFactory()
    tokens = [api_token_create(user=factories.HumanForecasterFactory().user).key for _ in range(3)]
    server = GunicornServer(
        log_path=tmp_path / "gunicorn.log",
        database_url=database_url(host="127.0.0.1", port=proxy.port),
        # Persistent connections, as in production: the outage breaks them under the
        # workers, who must notice and reconnect.
        environment={"DATABASE_CONN_MAX_AGE": "60"},
    )
    load = Load(server.url, question.slug, tokens)
    try:
        load.start()
        time.sleep(2)
        down_at = time.monotonic()
        getattr(proxy, outage)()
        time.sleep(down_seconds)
        restored_at = time.monotonic()
        proxy.restore()
        time.sleep(3)
        load.stop()
        gunicorn_still_running = server.process.poll() is None
    finally:
        load.stop()
        server.stop()
        proxy.close()
    log = server.log_text()
    answers = load.answers

    assert gunicorn_still_running
    assert log.count("Booting worker") == 2, "a worker died or was restarted:\n" + log
    assert all(answer.status in (200, 201, 503) for answer in answers), [
        (answer.kind, answer.status, answer.body[:300])
        for answer in answers
        if answer.status not in (200, 201, 503)
    ]
    assert max(answer.seconds for answer in answers) < RESPONSE_BOUND_SECONDS

    before = [a for a in answers if a.answered_at < down_at]
    during = [a for a in answers if a.sent_at > down_at + 0.1 and a.answered_at < restored_at]
    after = [a for a in answers if a.sent_at > restored_at]
    assert before and all(a.status in (200, 201) for a in before)
    assert len(during) >= 3
    if outage == "cut":  # quick refusals: every kind of request meets the outage
        assert {a.kind for a in during} == {"page", "api", "forecast"}

    # A visitor's page kept whole in Redis (config/page_cache.py) is served without the
    # database; everything else meets the outage as a clean 503.
    def met_cleanly(a: Answer) -> bool:
        return _is_clean_503(a) or (a.kind == "page" and a.status == 200)

    assert any(_is_clean_503(a) for a in during)
    assert all(met_cleanly(a) for a in during), [
        (a.kind, a.status, a.body[:300]) for a in during if not met_cleanly(a)
    ]
    assert {a.kind for a in after} == {"page", "api", "forecast"}
    assert all(a.status in (200, 201) for a in after), [
        (a.kind, a.status, a.sent_at - restored_at, a.body[:300])
        for a in after
        if a.status not in (200, 201)
    ]
    assert "database unavailable" in log

    acknowledged = {a.forecast_id for a in answers if a.status == 201}
    stored = set(Forecast.objects.filter(question=question).values_list("pk", flat=True))
    assert acknowledged <= stored
