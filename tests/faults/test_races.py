"""Races through the real HTTP stack (gunicorn on the test database): forecasts straddling a
question's close, and two admins resolving the same question at the same instant."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import requests
from django.conf import settings
from django.test import Client

from config.clock import database_now
from predictions.models import Forecast
from registry.models import Question
from registry.services import api_token_create
from resolvers import services as resolver_services
from resolvers.models import Resolution
from tests import factories
from tests.faults.live_gunicorn import GunicornServer, database_url

pytestmark = [
    pytest.mark.postgresql_only(
        reason="its gunicorn or Celery processes cannot open the in-memory SQLite test database"
    ),
    pytest.mark.django_db(transaction=True),
]

FORECASTERS = 50
CLOSED_REFUSAL = {
    "error": "The question has closed; no more forecasts are accepted.",
    "fields": {"question": "is closed"},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup):
    # Threads, so that many requests are inside the database at once (the production
    # Procfile runs sync workers; the race is the same with more of them in flight). One
    # server for the module: between tests its idle connections see the tables emptied.
    server = GunicornServer(
        log_path=tmp_path_factory.mktemp("races") / "gunicorn.log",
        database_url=database_url(),
        workers=2,
        threads=8,
    )
    yield server
    server.stop()


def _token_session(user) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {api_token_create(user=user).key}"
    # A new connection per request: a kept-alive one that gunicorn times out just as the
    # burst reuses it would be reset, which is no part of what these tests look at.
    session.headers["Connection"] = "close"
    return session


def _all_at_once(calls: list[Callable[[], requests.Response]], before_release=None) -> list:
    """Run each call in its own thread, released together by a barrier; their responses
    in the order of `calls`. `before_release` runs once every thread waits at the barrier."""
    barrier = threading.Barrier(len(calls) + 1)
    responses: list = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(timeout=60)
        try:
            responses[index] = calls[index]()
        except requests.RequestException as error:
            responses[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    if before_release is not None:
        before_release()
    barrier.wait(timeout=60)
    for thread in threads:
        thread.join(timeout=60)
    return responses


def _forecast_burst(server, sessions, question, before_release=None) -> list:
    url = f"{server.url}/api/v1/questions/{question.slug}/forecasts/"
    return _all_at_once(
        [
            lambda session=session: session.post(url, json={"probability": 0.6}, timeout=30)
            for session in sessions
        ],
        before_release,
    )


def test_forecasts_straddling_the_close_land_before_it_or_get_409(server):
    sessions = [_token_session(factories.HumanForecasterFactory().user) for _ in range(FORECASTERS)]
    for session in sessions:  # the tokens work, and the server has warmed up
        assert session.get(f"{server.url}/api/v1/me/", timeout=30).status_code == 200
    # How long 50 simultaneous forecasts take to be served, on a question open throughout.
    started = time.monotonic()
    warm_up = _forecast_burst(server, sessions, factories.QuestionFactory())
    burst_seconds = time.monotonic() - started
    assert [getattr(r, "status_code", r) for r in warm_up] == [201] * FORECASTERS

    # Close the question midway through the burst, by the database clock. Should a burst
    # land wholly on one side, move the close and try again with another question.
    close_after = burst_seconds / 2
    straddled = False
    for _attempt in range(4):
        question = factories.QuestionFactory()

        def close_soon(question: Question = question, after: float = close_after) -> None:
            question.closes_at = database_now() + timedelta(seconds=after)
            question.save(update_fields=["closes_at"])

        responses = _forecast_burst(server, sessions, question, before_release=close_soon)
        question.refresh_from_db()

        statuses = [getattr(response, "status_code", response) for response in responses]
        assert set(statuses) <= {201, 409}, statuses
        accepted = {
            r.json()["id"]: r.json()["submitted_at"] for r in responses if r.status_code == 201
        }
        refusals = [r.json() for r in responses if r.status_code == 409]
        assert all(refusal == CLOSED_REFUSAL for refusal in refusals), refusals
        stored = dict(Forecast.objects.filter(question=question).values_list("pk", "submitted_at"))
        assert set(stored) == set(accepted), "every 201, and only those, is stored"
        assert all(submitted_at < question.closes_at for submitted_at in stored.values())
        for pk, submitted_at in stored.items():
            assert submitted_at.isoformat().replace("+00:00", "Z") == accepted[pk]

        if accepted and refusals:
            straddled = True
            break
        close_after = close_after / 2 if refusals == [] else close_after * 2 + 0.05
    assert straddled, "no burst straddled the close: the race was never run"


def _staff_sessions(server, count: int = 2) -> list[requests.Session]:
    return [_token_session(factories.StaffFactory()) for _ in range(count)]


def _resolve(session, server, question, **payload) -> Callable[[], requests.Response]:
    url = f"{server.url}/api/v1/questions/{question.slug}/resolutions/"
    return lambda: session.post(
        url, json={"rationale": "Seen in the source.", **payload}, timeout=30
    )


def _current(question) -> Resolution:
    return Resolution.objects.get(question=question, superseded_at__isnull=True)


def test_two_admins_resolving_a_question_with_none_yet_one_wins_one_gets_409(server):
    first_admin, second_admin = _staff_sessions(server)
    for _round in range(3):
        question = factories.ClosedQuestionFactory()

        responses = _all_at_once(
            [
                _resolve(first_admin, server, question, outcome="yes", supersedes=None),
                _resolve(second_admin, server, question, outcome="no", supersedes=None),
            ]
        )

        assert sorted(r.status_code for r in responses) == [201, 409]
        won = next(r.json() for r in responses if r.status_code == 201)
        lost = next(r.json() for r in responses if r.status_code == 409)
        assert lost["fields"] == {"supersedes": f"is not the current resolution ({won['id']})"}
        assert Resolution.objects.filter(question=question).count() == 1
        assert _current(question).pk == won["id"]


def test_two_admins_overriding_the_same_resolution_one_wins_one_gets_409(server):
    first_admin, second_admin = _staff_sessions(server)
    for _round in range(3):
        question = factories.ClosedQuestionFactory()
        proposal = resolver_services.resolution_propose(
            question=question, outcome="yes", rationale="The checker saw it."
        )

        responses = _all_at_once(
            [
                _resolve(first_admin, server, question, outcome="no", supersedes=proposal.pk),
                _resolve(
                    second_admin, server, question, outcome="annulled", supersedes=proposal.pk
                ),
            ]
        )

        assert sorted(r.status_code for r in responses) == [201, 409]
        won = next(r.json() for r in responses if r.status_code == 201)
        assert "supersedes" in next(r.json() for r in responses if r.status_code == 409)["fields"]
        assert _current(question).pk == won["id"]
        proposal.refresh_from_db()
        assert proposal.superseded_by_id == won["id"]
        assert Resolution.objects.filter(question=question).count() == 2


def test_two_admins_confirming_the_same_proposal_one_wins_one_gets_409(server):
    first_admin, second_admin = _staff_sessions(server)
    question = factories.ClosedQuestionFactory()
    proposal = resolver_services.resolution_propose(
        question=question, outcome="yes", rationale="The checker saw it."
    )
    url = f"{server.url}/api/v1/resolutions/{proposal.pk}/confirm/"

    responses = _all_at_once(
        [lambda s=session: s.post(url, timeout=30) for session in (first_admin, second_admin)]
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    assert next(r.json() for r in responses if r.status_code == 409)["fields"] == {
        "resolution": "final"
    }
    assert _current(question).pk == proposal.pk
    assert _current(question).state == Resolution.State.FINAL


def test_an_admin_confirming_and_another_overriding_the_same_proposal_one_wins(server):
    first_admin, second_admin = _staff_sessions(server)
    for _round in range(4):
        question = factories.ClosedQuestionFactory()
        proposal = resolver_services.resolution_propose(
            question=question, outcome="yes", rationale="The checker saw it."
        )
        confirm_url = f"{server.url}/api/v1/resolutions/{proposal.pk}/confirm/"

        confirmed, overridden = _all_at_once(
            [
                lambda url=confirm_url: first_admin.post(url, timeout=30),
                _resolve(
                    second_admin,
                    server,
                    question,
                    outcome="no",
                    supersedes=proposal.pk,
                    supersedes_state="proposed",
                ),
            ]
        )

        assert sorted([confirmed.status_code, overridden.status_code]) in ([200, 409], [201, 409])
        current = _current(question)
        if confirmed.status_code == 200:
            assert current.pk == proposal.pk and current.state == Resolution.State.FINAL
        else:
            assert current.pk == overridden.json()["id"] and current.outcome == "no"


# --- The staff queue page: its own path to the same services ---------------------------

_MESSAGE = re.compile(r'<li class="(success|error)">([^<]*)</li>')


class _QueueForms(HTMLParser):
    """The queue page's forms: (action URL, the value of its `action` field) -> its hidden
    fields, as the browser would post them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[tuple[str, str], dict[str, str]] = {}
        self._form: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._form = (attributes["action"], {})
        elif tag == "input" and self._form and attributes.get("type") == "hidden":
            self._form[1][attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form:
            url, fields = self._form
            if "action" in fields:  # not the header's log-out form
                self.forms[(url, fields["action"])] = fields
            self._form = None


def _logged_in_admin() -> requests.Session:
    client = Client()
    client.force_login(factories.StaffFactory())
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


def _queue_form(server, admin: requests.Session, question, action: str, **typed) -> Callable:
    """The admin opens the queue page; posting the question's `action` form, as shown
    there, with what the admin types in."""
    page = admin.get(f"{server.url}/staff/resolutions/", timeout=30)
    assert page.status_code == 200
    forms = _QueueForms()
    forms.feed(page.text)
    path = f"/staff/resolutions/{question.slug}/"
    fields = {**forms.forms[(path, action)], **typed}
    return lambda: admin.post(f"{server.url}{path}", data=fields, timeout=30)


def _messages(response: requests.Response) -> list[tuple[str, str]]:
    """The page's messages after the form's redirect back to the queue."""
    assert response.status_code == 200 and response.history[0].status_code == 302
    return _MESSAGE.findall(response.text)


@pytest.mark.parametrize(
    "actions",
    [
        [("confirm", {}), ("confirm", {})],
        [("confirm", {}), ("override", {"outcome": "no", "rationale": "It did not happen."})],
        [
            ("override", {"outcome": "no", "rationale": "It did not happen."}),
            ("annul", {"rationale": "The source is gone."}),
        ],
    ],
    ids=["confirm-confirm", "confirm-override", "override-annul"],
)
def test_two_admins_acting_from_the_queue_page_one_wins_one_is_told_it_changed(server, actions):
    admins = [_logged_in_admin(), _logged_in_admin()]
    for _round in range(4):
        question = factories.ClosedQuestionFactory()
        proposal = resolver_services.resolution_propose(
            question=question, outcome="yes", rationale="The checker saw it."
        )
        posts = [
            _queue_form(server, admin, question, action, **typed)
            for admin, (action, typed) in zip(admins, actions, strict=True)
        ]

        messages = [_messages(response) for response in _all_at_once(posts)]

        assert sorted(kind for shown in messages for kind, _text in shown) == [
            "error",
            "success",
        ], messages
        winner = next(
            action
            for (action, _typed), shown in zip(actions, messages, strict=True)
            if shown[0][0] == "success"
        )
        current = _current(question)
        if winner == "confirm":
            assert current.pk == proposal.pk and current.state == Resolution.State.FINAL
            assert Resolution.objects.filter(question=question).count() == 1
        else:
            proposal.refresh_from_db()
            assert proposal.superseded_by_id == current.pk
            assert current.outcome == ("annulled" if winner == "annul" else "no")
            assert Resolution.objects.filter(question=question).count() == 2
