"""Checking a source against real local servers: verdicts propose outcomes, every failure
is recorded as a failed Check and resolves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from resolvers import kinds, services
from resolvers.models import Check, Resolution
from tests import factories
from tests.resolvers.http_servers import Reply, json_reply, redirect, repeated, serve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_limits(settings):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_READ_TIMEOUT = 0.5
    settings.RESOLVER_DEADLINE = 2
    settings.RESOLVER_MAX_BODY_BYTES = 64 * 1024


def json_source(question, url, threshold=1000, **extra):
    config = {"url": url, "expression": "downloads", "comparator": ">=", "threshold": threshold}
    return services.source_add(question=question, kind="http_json", config={**config, **extra})


def only_check(source) -> Check:
    return Check.objects.get(source=source)


def test_a_decisive_verdict_proposes_an_outcome_with_its_evidence():
    question = factories.QuestionFactory()
    with serve({"/stats": json_reply({"downloads": 1500})}) as server:
        source = json_source(question, server.url("/stats"))
        services.source_check(source_id=source.pk)

    check = only_check(source)
    assert (check.verdict, check.value, check.http_status) == ("yes", "1500", 200)
    assert check.body == b'{"downloads": 1500}' and len(check.sha256) == 64
    assert check.content_type.startswith("application/json")
    resolution = Resolution.objects.get(question=question)
    assert (resolution.outcome, resolution.state, resolution.resolver) == (
        "yes",
        "proposed",
        "http_json",
    )
    assert resolution.evidence == check
    assert question.status == "resolving"


def test_below_the_threshold_before_the_close_nothing_is_proposed():
    question = factories.QuestionFactory()
    with serve({"/stats": json_reply({"downloads": 10})}) as server:
        source = json_source(question, server.url("/stats"))
        services.source_check(source_id=source.pk)

    assert only_check(source).verdict == "undetermined"
    assert not Resolution.objects.exists()
    source.refresh_from_db()
    assert source.last_verdict == "undetermined" and source.last_checked_at


def test_still_below_after_the_close_proposes_no():
    question = factories.ClosedQuestionFactory()
    with serve({"/stats": json_reply({"downloads": 10})}) as server:
        source = json_source(question, server.url("/stats"))
        services.source_check(source_id=source.pk)

    assert Resolution.objects.get(question=question).outcome == "no"


def test_a_multiple_choice_verdict_names_the_option():
    question = factories.MultipleChoiceQuestionFactory(options=["US", "China", "Europe"])
    with serve({"/leader": json_reply({"leader": "cn"})}) as server:
        source = services.source_add(
            question=question,
            kind="http_json",
            config={
                "url": server.url("/leader"),
                "expression": "leader",
                "option_map": {"us": "US", "cn": "China", "eu": "Europe"},
            },
        )
        services.source_check(source_id=source.pk)

    resolution = Resolution.objects.get(question=question)
    assert (resolution.outcome, resolution.outcome_option.label) == ("option", "China")


@pytest.mark.parametrize(
    ("route", "error", "retried"),
    [
        (Reply(500, (), b"oops"), "HTTP 500", True),
        (Reply(200, (("Content-Type", "application/json"),), b"{not json"), "JSON", False),
        (Reply(200, (), b"", delay=1.5), "timeout", True),
        (Reply(200, (), repeated(b"x" * 8192, 20)), "too_large", False),
        (redirect("http://169.254.169.254/latest/meta-data/"), "blocked", False),
        (redirect("http://10.0.0.7/internal"), "blocked", False),
        (redirect("http://localhost:1/"), "blocked", False),
    ],
    ids=["500", "malformed-json", "timeout", "past-the-cap", "metadata", "private", "localhost"],
)
def test_every_failure_is_a_failed_check_and_resolves_nothing(route, error, retried):
    question = factories.ClosedQuestionFactory()
    with serve({"/stats": route}) as server:
        source = json_source(question, server.url("/stats"))
        if retried:
            with pytest.raises(services.TransientCheckError):
                services.source_check(source_id=source.pk)
        else:
            services.source_check(source_id=source.pk)

    check = only_check(source)
    assert error.lower() in check.error.lower()
    assert check.verdict == "" and check.finished_at
    assert not Resolution.objects.exists()
    source.refresh_from_db()
    assert source.last_error == check.error


def test_a_hostname_resolving_to_loopback_is_refused_when_not_allowed(settings):
    settings.RESOLVER_ALLOWED_HOSTS = []
    question = factories.ClosedQuestionFactory()
    with serve({"/stats": json_reply({"downloads": 5000})}) as server:
        source = json_source(question, f"http://localhost:{server.port}/stats")
        services.source_check(source_id=source.pk)
        assert server.hits("/stats") == 0

    assert "blocked" in only_check(source).error
    assert not Resolution.objects.exists()


def test_a_resolved_question_is_not_checked_again():
    question = factories.ClosedQuestionFactory()
    with serve({"/stats": json_reply({"downloads": 5000})}) as server:
        source = json_source(question, server.url("/stats"))
        services.resolution_record(
            question=question, outcome="no", rationale="Decided.", user=factories.StaffFactory()
        )
        assert services.source_check(source_id=source.pk) is None
        assert server.hits("/stats") == 0


class TestSourcesApi:
    def test_staff_attach_a_source_and_a_bad_config_names_the_field(self, staff_client):
        question = factories.QuestionFactory()
        url = f"/api/v1/questions/{question.slug}/sources/"

        good = staff_client.post(
            url,
            {
                "kind": "http_json",
                "config": {
                    "url": "https://example.org/x.json",
                    "expression": "a.b",
                    "comparator": ">=",
                    "threshold": 3,
                },
                "check_every_minutes": 30,
            },
            format="json",
        )
        bad = staff_client.post(
            url,
            {
                "kind": "http_json",
                "config": {
                    "url": "https://example.org",
                    "expression": "a[",
                    "comparator": ">=",
                    "threshold": 3,
                },
            },
            format="json",
        )
        unknown = staff_client.post(url, {"kind": "crystal_ball", "config": {}}, format="json")

        assert good.status_code == 201, good.json()
        assert good.json()["check_every"] == "00:30:00"
        assert bad.status_code == 400 and "config.expression" in bad.json()["fields"]
        assert unknown.status_code == 400 and "kind" in unknown.json()["fields"]
        assert question.resolution_sources.count() == 1

    def test_the_schema_lists_the_kinds_and_asks_for_a_config_object(self, anonymous_client):
        # The schema had said any text for `kind` and anything for `config`.
        schema = anonymous_client.get("/api/schema/", {"format": "json"}).json()
        components = schema["components"]["schemas"]
        body = components["ResolutionSourceInputRequest"]["properties"]
        [kind_ref] = body["kind"]["allOf"]
        kind_enum = components[kind_ref["$ref"].rsplit("/", 1)[1]]["enum"]

        assert set(kind_enum) == set(kinds.REGISTRY)
        assert body["config"]["type"] == "object"

    def test_only_staff_attach_sources(self, alice_client):
        question = factories.QuestionFactory()
        response = alice_client.post(
            f"/api/v1/questions/{question.slug}/sources/", {"kind": "manual"}, format="json"
        )
        assert response.status_code == 403


class TestEvidenceVisibility:
    def checked_question(self):
        question = factories.ClosedQuestionFactory()
        with serve({"/stats": json_reply({"downloads": 5000})}) as server:
            source = json_source(question, server.url("/stats"))
            services.source_check(source_id=source.pk)
        return question, only_check(source)

    def test_hidden_from_the_public_until_resolved_then_public(self, anonymous_client):
        question, check = self.checked_question()
        checks_url = f"/api/v1/questions/{question.slug}/checks/"
        evidence_url = f"/api/v1/checks/{check.pk}/evidence/"
        assert anonymous_client.get(checks_url).json()[0]["verdict"] == "yes"  # summaries
        assert anonymous_client.get(evidence_url).status_code == 403  # the body waits

        proposal = Resolution.objects.get(question=question)
        services.resolution_confirm(resolution=proposal, user=factories.StaffFactory())

        listed = anonymous_client.get(checks_url).json()
        assert [(row["verdict"], row["value"]) for row in listed] == [("yes", "5000")]
        evidence = anonymous_client.get(evidence_url)
        assert evidence.content == b'{"downloads": 5000}'
        assert evidence["X-Content-SHA256"] == check.sha256

    def test_staff_see_evidence_at_once(self, staff_client):
        question, check = self.checked_question()
        assert staff_client.get(f"/api/v1/questions/{question.slug}/checks/").status_code == 200
        evidence = staff_client.get(f"/api/v1/checks/{check.pk}/evidence/")
        assert evidence.content == b'{"downloads": 5000}'


def test_finalize_turns_an_undisputed_proposal_final_after_the_window(settings):
    question = factories.ClosedQuestionFactory()
    with serve({"/stats": json_reply({"downloads": 5000})}) as server:
        source = json_source(question, server.url("/stats"))
        services.source_check(source_id=source.pk)
    proposal = Resolution.objects.get(question=question)
    Resolution.objects.filter(pk=proposal.pk).update(
        created_at=timezone.now() - settings.RESOLUTION_DISPUTE_WINDOW - timedelta(minutes=1)
    )

    assert services.resolutions_finalize_due() == [proposal.pk]
    assert question.status == "resolved"
