"""Schemathesis fuzzes every operation of the API schema as anonymous, forecaster and staff.

The API runs in process (Django's WSGI application, DEBUG off as in production) over a
realistic world: open, upcoming, closed, resolved, annulled, multiple-choice and draft
questions; forecasts by people and a pundit; a source with claims, proposals and an import;
tags; resolution sources with checks and evidence; a proposed outcome with a dispute; scores
and leaderboards. Path
parameters are drawn mostly from that world (schemathesis dictionaries), so operations are
reached beyond their 404, and now and then invented, so the 404 is exercised too.

Every response must be a non-5xx whose status code, content type, headers and body are the
ones the schema (/api/schema/, drf-spectacular) documents for the operation; input that
breaks the schema must be refused with a 4xx; an operation that needs credentials must
refuse a request without them; DELETE, which no operation declares, must be a 405. Left out:
`positive_data_acceptance` (schema-valid input must be accepted), because the schema cannot
express the business rules that rightly refuse some of it: dates out of order, a closed
question, a wrong password.

The run is bounded and deterministic: a fixed seed, derandomized generation, no example
database. Every caller sends the schema's request examples and a few fuzzed examples per
operation; staff, who get past every permission to the validation behind it, also get
schemathesis' coverage phase (boundary values, missing, extra and mistyped fields).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from rest_framework import throttling
from werkzeug.test import Client

from predictions import rescoring
from predictions.follow_models import Follow
from registry import imports
from registry.article_fetch import UNREACHABLE
from registry.article_text import ArticleError
from registry.models import Question, SourceImport
from registry.services import forecaster_for_user
from resolvers import services as resolution_services
from resolvers.models import Check, Resolution, ResolutionSource
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
PERSONAS = {"anonymous": None, "forecaster": "alice", "staff": "admin"}
REVOKES_TOKENS = re.compile(r"^/api/v1/auth/token/revoke")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "unsupported_method",
)
SEED = 20260601
FUZZED_EXAMPLES = {"anonymous": 3, "forecaster": 5, "staff": 3}
# Share of drawn path parameters taken from the seeded world rather than invented.
REAL_PARAMETER_SHARE = 0.9


@dataclass(frozen=True)
class World:
    """What the fuzzer needs to address the seeded data, by kind of path parameter."""

    question_slugs: list[str]
    forecaster_handles: list[str]
    source_slugs: list[str]
    tag_slugs: list[str]
    resolution_ids: list[int]
    check_ids: list[int]
    proposal_ids: list[int]
    import_ids: list[int]
    follow_ids: dict[str, list[int]]  # each persona's own (another's are 404s)


def _check(question: Question, *, hours_ago: float, released: bool) -> Check:
    started = timezone.now() - timedelta(hours=hours_ago)
    source = ResolutionSource.objects.create(
        question=question, kind="http_json", config={"url": "https://example.org/api"}
    )
    return Check.objects.create(
        source=source,
        started_at=started,
        finished_at=started + timedelta(seconds=1),
        url="https://example.org/api",
        http_status=200,
        duration_ms=1000,
        content_type="application/json",
        body=b'{"released": %s}' % (b"true" if released else b"false"),
        sha256="0" * 64,
        value=str(released).lower(),
        verdict="yes" if released else "no",
        explanation=f"released is {str(released).lower()}",
    )


@pytest.fixture
def world(settings) -> World:
    # The two scored questions are enough to rank forecasters on the leaderboard here.
    settings.LEADERBOARD_MIN_QUESTIONS = 1
    staff = factories.StaffFactory(username="admin")
    alice = factories.HumanForecasterFactory(user__username="alice")
    bob = factories.HumanForecasterFactory(user__username="bob")
    source = factories.SourceFactory(slug="open-models-mid-2026")
    pundit = source.author
    ai, models = factories.TagFactory(slug="ai"), factories.TagFactory(slug="open-models")
    now = timezone.now()
    past = {
        "opens_at": now - timedelta(days=60),
        "closes_at": now - timedelta(days=10),
        "resolve_by": now - timedelta(days=2),
    }

    open_question = factories.QuestionFactory(slug="open-binary", tags=[ai, models])
    upcoming = factories.UpcomingQuestionFactory(slug="upcoming-binary", tags=[ai])
    closed = factories.ClosedQuestionFactory(slug="closed-binary", tags=[models])
    resolved = factories.QuestionFactory(slug="resolved-binary", tags=[ai], **past)
    annulled = factories.QuestionFactory(slug="annulled-binary", **past)
    choice = factories.MultipleChoiceQuestionFactory(slug="open-choice", tags=[ai])
    resolved_choice = factories.MultipleChoiceQuestionFactory(
        slug="resolved-choice", tags=[models], **past
    )
    draft = factories.DraftQuestionFactory(slug="draft-binary")
    for question in (open_question, closed, resolved, draft):
        factories.ClaimFactory(source=source, question=question)
    # Proposals of the claim finder for staff to accept, reject or merge (the first review
    # of each wins; later ones are 409s), and the import that made them.
    proposals = [factories.ProposedClaimFactory(source=source) for _ in range(3)]
    source_import = SourceImport.objects.create(source=source, origin="text", state="done")

    binary = (open_question, closed, resolved, annulled)
    for forecaster, probability in ((alice, 0.8), (bob, 0.3), (pundit, 0.9)):
        for question in binary:
            factories.ForecastFactory(
                forecaster=forecaster,
                question=question,
                probabilities=[probability],
                submitted_at=question.opens_at + timedelta(hours=1),
                rationale=f"{forecaster.handle}'s reasoning",
            )
    for forecaster, vector in ((alice, [0.5, 0.3, 0.2]), (bob, [0.2, 0.2, 0.6])):
        for question in (choice, resolved_choice):
            factories.ForecastFactory(
                forecaster=forecaster,
                question=question,
                probabilities=vector,
                submitted_at=question.opens_at + timedelta(hours=1),
            )

    unresolved_check = _check(closed, hours_ago=3, released=True)
    proposed = resolution_services.resolution_propose(
        question=closed,
        outcome=Resolution.Outcome.YES,
        rationale="The source reported the release.",
        resolver="http_json",
        evidence=unresolved_check,
    )
    resolution_services.resolution_dispute(
        resolution=proposed, forecaster=bob, reason="The release was a preview, not a launch."
    )
    resolved_check = _check(resolved, hours_ago=50, released=False)
    final = resolution_services.resolution_record(
        question=resolved,
        outcome=Resolution.Outcome.NO,
        rationale="Nothing was released by the deadline.",
        user=staff,
        known_on=(now - timedelta(days=3)).date(),
    )
    resolution_services.resolution_record(
        question=resolved_choice,
        outcome=Resolution.Outcome.OPTION,
        option=resolved_choice.options.get(label="China"),
        rationale="The leading model came from China.",
        user=staff,
    )
    resolution_services.resolution_annul(
        question=annulled, rationale="The named benchmark was withdrawn.", user=staff
    )
    for question in (resolved, resolved_choice, annulled):
        rescoring.rescore_question(question_id=question.pk)
    # Follows of alice and of staff: several each, since the fuzzer also deletes them.
    follow_ids = {}
    for persona, user in (("forecaster", alice.user), ("staff", staff)):
        follower = forecaster_for_user(user=user)
        targets = [{"question": q} for q in (*binary, upcoming, choice, resolved_choice)]
        targets += [{"source": source}, {"forecaster": pundit}, {"forecaster": bob}]
        follow_ids[persona] = [
            Follow.objects.create(follower=follower, **target).pk for target in targets
        ]
    follow_ids["anonymous"] = follow_ids["forecaster"]

    return World(
        question_slugs=[
            q.slug
            for q in (open_question, upcoming, closed, resolved, annulled, choice, resolved_choice)
        ]
        + [draft.slug],
        forecaster_handles=[alice.handle, bob.handle, pundit.handle],
        source_slugs=[source.slug],
        tag_slugs=[ai.slug, models.slug],
        resolution_ids=[proposed.pk, final.pk],
        check_ids=[unresolved_check.pk, resolved_check.pk],
        proposal_ids=[claim.pk for claim in proposals],
        import_ids=[source_import.pk],
        follow_ids=follow_ids,
    )


@pytest.fixture(params=list(PERSONAS))
def persona(request) -> str:
    return request.param


def _new_token(username: str) -> str:
    """A token got as a script gets one: its owner's password to POST /api/v1/auth/token/."""
    response = Client(WSGIHandler()).post(
        "/api/v1/auth/token/", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["token"]


@pytest.fixture
def persona_headers(persona, world, in_process_requests) -> dict[str, str]:
    """The caller's credentials (none for anonymous)."""
    username = PERSONAS[persona]
    return {} if username is None else {"Authorization": f"Token {_new_token(username)}"}


@pytest.fixture
def unthrottled(monkeypatch, settings):
    """No 429 hides what a request would have done."""
    # DRF copies DEFAULT_THROTTLE_RATES onto the class at import; settings do not reach it.
    rates = {scope: "1000000/min" for scope in throttling.SimpleRateThrottle.THROTTLE_RATES}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)
    # The fuzzer's invented passwords must not lock the address out of the token endpoint.
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 1_000_000
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 1_000_000
    settings.LOGIN_SLOWDOWN_AFTER = 1_000_000


@pytest.fixture
def no_network(monkeypatch):
    """An import from a web address the fuzzer invents is refused as one that cannot be
    reached, without reaching for it: the fuzz is about the API, not about the web."""

    def unreachable(url: str):  # type: ignore[no-untyped-def]
        raise ArticleError(UNREACHABLE)

    monkeypatch.setattr(imports, "fetch_article", unreachable)


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection, and so its transaction, across requests.

    Django closes the connection after each request it serves; its test client avoids
    that by disconnecting this signal handler while it serves one, and so does this.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _path_parameters(prefix: str, name: str, dictionary: str) -> dict[str, Any]:
    return {
        "include-path-regex": f"^/api/v1/{prefix}/\\{{{name}\\}}/",
        "parameters": {
            f"path.{name}": {"dictionary": dictionary, "probability": REAL_PARAMETER_SHARE}
        },
    }


def _config(world: World, persona: str) -> schemathesis.Config:
    # Of the undeclared methods, DELETE is the one whose accidental route would do harm.
    phases: dict[str, Any] = {"coverage": {"unexpected-methods": ["DELETE"]}}
    if persona != "staff":
        phases["coverage"] = {"enabled": False}
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "deterministic": True,
                "database": "none",
                "max-examples": FUZZED_EXAMPLES[persona],
                # Credentials are the persona's, not invented ones.
                "with-security-parameters": False,
            },
            "phases": phases,
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "dictionaries": {
                "questions": {"values": world.question_slugs},
                "forecasters": {"values": world.forecaster_handles},
                "sources": {"values": world.source_slugs},
                "tags": {"values": world.tag_slugs},
                "resolutions": {"values": world.resolution_ids},
                "checks": {"values": world.check_ids},
                "proposals": {"values": world.proposal_ids},
                "imports": {"values": world.import_ids},
                "follows": {"values": world.follow_ids[persona]},
            },
            "operations": [
                _path_parameters("questions", "slug", "questions"),
                _path_parameters("forecasters", "handle", "forecasters"),
                _path_parameters("sources", "slug", "sources"),
                _path_parameters("tags", "slug", "tags"),
                _path_parameters("resolutions", "id", "resolutions"),
                _path_parameters("checks", "id", "checks"),
                _path_parameters("proposals", "id", "proposals"),
                _path_parameters("imports", "id", "imports"),
                _path_parameters("follows", "id", "follows"),
                # PUT takes the same fields as POST /questions/, and PATCH goes through the
                # same update: their coverage cases would repeat those (and cost seconds).
                {
                    "include-path": "/api/v1/questions/{slug}/",
                    "include-method": "PUT",
                    "phases": {"coverage": {"enabled": False}},
                },
            ],
        }
    )


def _operations(raw_schema: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in raw_schema["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


@pytest.fixture
def answers() -> dict[str, set[int]]:
    """The statuses each operation answered, by operation ("GET /api/v1/questions/")."""
    return defaultdict(set)


@pytest.fixture
def api_schema(
    request,
    settings,
    world,
    persona,
    persona_headers,
    answers,
    unthrottled,
    in_process_requests,
    no_network,
):
    assert not settings.DEBUG  # as in production: no debug pages, no queries kept
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", WSGIHandler(), config=_config(world, persona)
    )
    # schemathesis 4.32 renames the running test through pytest's private `_nodeid`,
    # which pytest 9.2 no longer sets; give it the name to start from.
    request.node._nodeid = request.node.nodeid
    yield schema

    # Every operation of the schema was fuzzed, so a new endpoint cannot escape; and each
    # gave at least once an answer that needed its objects found: not only 404s (its path
    # parameters named nothing), refusals of the body's size or type, 429s, or (for a
    # caller with credentials) 401s, which would mean the credentials stopped working.
    assert set(answers) == _operations(schema.raw_schema)
    dead_ends = {404, 413, 415, 429} | (set() if PERSONAS[persona] is None else {401})
    stuck = {label: statuses for label, statuses in answers.items() if statuses <= dead_ends}
    assert stuck == {}


lazy_schema = schemathesis.pytest.from_fixture("api_schema")


@lazy_schema.parametrize()
def test_api(case, persona, persona_headers, answers):
    response = case.call_and_validate(headers=persona_headers)
    if case.method.upper() == case.operation.method.upper():  # not a probe with another method
        answers[case.operation.label].add(response.status_code)
    if persona_headers and REVOKES_TOKENS.match(case.path) and response.status_code < 300:
        # The caller revoked its own token, as the API lets it: it gets another, as a
        # script would, or every later operation would only test the 401.
        persona_headers["Authorization"] = f"Token {_new_token(PERSONAS[persona])}"
