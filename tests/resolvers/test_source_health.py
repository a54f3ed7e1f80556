"""A source's health in plain words for the public, detail for staff; sources that keep
failing are flagged in the queue; a source that flips never finalizes by itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from resolvers import health, selectors, services
from resolvers.models import Check, Resolution
from tests import factories
from tests.resolvers.http_servers import json_reply, serve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_limits(settings):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_READ_TIMEOUT = 0.5
    settings.RESOLVER_DEADLINE = 2


def json_source(question, url, threshold=1000):
    config = {"url": url, "expression": "downloads", "comparator": ">=", "threshold": threshold}
    return services.source_add(question=question, kind="http_json", config=config)


def unreachable_source(question):
    # A port nothing listens on: the connection is refused, a transient failure.
    with serve({}) as server:
        url = server.url("/gone")
    return json_source(question, url)


def check_failing(source) -> None:
    with pytest.raises(services.TransientCheckError):
        services.source_check(source_id=source.pk)


@pytest.mark.parametrize(
    ("interval", "words"),
    [
        (timedelta(hours=6), "every 6 hours"),
        (timedelta(days=1), "every day"),
        (timedelta(minutes=30), "every 30 minutes"),
        (timedelta(weeks=2), "every 2 weeks"),
        (timedelta(minutes=90), "every 90 minutes"),
    ],
)
def test_a_schedule_reads_as_words(interval, words):
    assert health.every(interval) == words


def test_an_unreachable_source_reads_as_a_sentence_with_its_retry():
    source = unreachable_source(factories.QuestionFactory())
    check_failing(source)

    check = Check.objects.get(source=source)
    assert check.failure == Check.Failure.UNREACHABLE
    sentence = health.public_failure(check, source)
    day = f"{check.started_at.day} {check.started_at:%b %Y}"
    assert (
        sentence == f"The source could not be reached on {day}; it is checked again every 6 hours."
    )


def test_the_public_question_page_shows_the_sentence_and_staff_also_see_the_detail(client):
    question = factories.QuestionFactory()
    source = unreachable_source(question)
    check_failing(source)
    error = Check.objects.get(source=source).error
    assert "connection" in error

    public = client.get(f"/questions/{question.slug}/").content.decode()
    assert "The source could not be reached on" in public
    assert error[:40] not in public and "Staff:" not in public
    assert "The last check failed (none has succeeded yet)" in public

    client.force_login(factories.UserFactory(is_staff=True))
    staff = client.get(f"/questions/{question.slug}/").content.decode()
    assert "The source could not be reached on" in staff and "Staff: connection" in staff


def test_the_api_gives_the_public_a_sentence_and_staff_the_error(client):
    question = factories.QuestionFactory()
    source = unreachable_source(question)
    check_failing(source)

    checks = client.get(f"/api/v1/questions/{question.slug}/checks/").json()
    assert checks[0]["error"].startswith("The source could not be reached on")
    assert checks[0]["failure"] == "unreachable"
    sources = client.get(f"/api/v1/questions/{question.slug}/sources/").json()
    assert sources[0]["last_error"] == "" and sources[0]["consecutive_failures"] == 1
    assert sources[0]["health"].startswith("The last check failed")

    client.force_login(factories.UserFactory(is_staff=True))
    checks = client.get(f"/api/v1/questions/{question.slug}/checks/").json()
    assert checks[0]["error"].startswith("connection:")
    sources = client.get(f"/api/v1/questions/{question.slug}/sources/").json()
    assert sources[0]["last_error"].startswith("connection:")


def test_a_source_failing_three_times_in_a_row_is_flagged_in_the_queue(settings):
    question = factories.QuestionFactory()
    source = unreachable_source(question)
    for _ in range(2):
        check_failing(source)
    assert not selectors.failing_sources().exists()

    check_failing(source)
    [entry] = selectors.resolution_queue()
    assert (entry.question, entry.reason) == (question, "failing")
    assert [flagged.pk for flagged in entry.failing_sources] == [source.pk]
    source.refresh_from_db()
    assert source.consecutive_failures == 3
    assert "Staff have been alerted" in health.source_health(source).summary


def test_one_success_clears_the_flag():
    question = factories.QuestionFactory()
    with serve({"/stats": json_reply({"downloads": 10})}) as server:
        source = json_source(question, server.url("/stats"))
        source.consecutive_failures = 5
        source.save()
        services.source_check(source_id=source.pk)

    source.refresh_from_db()
    assert source.consecutive_failures == 0 and source.last_succeeded_at is not None
    assert selectors.resolution_queue() == []


def test_a_proposal_its_source_contradicts_is_held_and_never_finalizes_by_itself(settings):
    question = factories.QuestionFactory()
    answer = {"downloads": 1500}
    with serve({"/stats": lambda request: json_reply(answer)}) as server:
        source = json_source(question, server.url("/stats"))
        services.source_check(source_id=source.pk)
        proposal = Resolution.objects.get(question=question)
        assert (proposal.outcome, proposal.held_reason) == ("yes", "")

        answer["downloads"] = 10  # the data changed: below the threshold, after the close
        question.closes_at = timezone.now() - timedelta(hours=1)
        question.opens_at = question.closes_at - timedelta(days=30)
        question.save()
        services.source_check(source_id=source.pk)

    proposal.refresh_from_db()
    assert proposal.held_reason.startswith("Its source flipped: a later check of this source")
    assert "says no" in proposal.held_reason
    Resolution.objects.filter(pk=proposal.pk).update(
        created_at=timezone.now() - settings.RESOLUTION_DISPUTE_WINDOW - timedelta(minutes=1)
    )
    assert services.resolutions_finalize_due() == []
    proposal.refresh_from_db()
    assert proposal.state == "proposed"
    assert [entry.reason for entry in selectors.resolution_queue()] == ["held"]


def test_a_source_that_said_no_before_proposing_yes_is_held_from_the_start():
    question = factories.QuestionFactory()
    with serve({"/stats": json_reply({"downloads": 1500})}) as server:
        source = json_source(question, server.url("/stats"))
        # An earlier decisive check said no, and its proposal was annulled by an admin.
        Check.objects.create(
            source=source,
            started_at=timezone.now() - timedelta(days=2),
            finished_at=timezone.now() - timedelta(days=2),
            verdict="no",
            value="10",
        )
        services.source_check(source_id=source.pk)

    proposal = Resolution.objects.get(question=question)
    assert proposal.outcome == "yes"
    assert (
        "an earlier check of this source" in proposal.held_reason
        and "said no" in proposal.held_reason
    )


def test_agreeing_checks_do_not_hold_the_proposal():
    question = factories.QuestionFactory()
    with serve({"/stats": json_reply({"downloads": 1500})}) as server:
        source = json_source(question, server.url("/stats"))
        services.source_check(source_id=source.pk)
        services.source_check(source_id=source.pk)

    assert Resolution.objects.get(question=question).held_reason == ""
