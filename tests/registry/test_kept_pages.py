"""Public pages kept whole for visitors without a session (config/page_cache.py): served
again without the database, never stale after a write, never holding a viewer's parts."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from config import page_cache
from predictions import comment_services, rescoring
from predictions import services as forecast_services
from registry import services as registry_services
from registry.models import Question
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db


def page(question) -> str:
    return f"/questions/{question.slug}/"


def visitor_sees(path: str) -> str:
    """The page as a visitor without a session gets it (a new client each time)."""
    response = Client().get(path)
    assert response.status_code == 200
    assert "Cookie" in response.get("Vary", "")
    return response.content.decode()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_kept_question_page_is_served_again_without_the_database(django_assert_num_queries):
    question = factories.QuestionFactory(title="Will the kept page come back?")
    first = visitor_sees(page(question))

    with django_assert_num_queries(0):
        again = visitor_sees(page(question))

    assert again == first and "Will the kept page come back?" in again


def test_a_kept_question_page_shows_a_new_forecast(alice):
    question = factories.QuestionFactory()
    assert "No forecasts yet." in visitor_sees(page(question))

    forecast_services.forecast_submit(forecaster=alice, question=question, probability=0.3)

    text = visitor_sees(page(question))
    assert "No forecasts yet." not in text
    assert "from 1 forecaster: Yes 30%" in text


def test_a_kept_question_page_shows_a_new_comment(alice):
    question = factories.QuestionFactory()
    assert "No comments yet." in visitor_sees(page(question))

    comment_services.comment_post(question=question, author=alice, body="Fresh thoughts here.")

    text = visitor_sees(page(question))
    assert "Fresh thoughts here." in text
    assert "No comments yet." not in text


def test_a_kept_question_page_shows_a_resolution(staff_user):
    question = factories.ClosedQuestionFactory()
    assert '<span class="status closed">Closed</span>' in visitor_sees(page(question))

    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="The agency announced it.", user=staff_user
    )

    text = visitor_sees(page(question))
    assert '<span class="status resolved">Resolved</span>' in text
    assert "The agency announced it." in text


def test_a_kept_question_page_shows_an_edit(staff_user):
    question = factories.QuestionFactory(title="The old title?")
    assert "The old title?" in visitor_sees(page(question))

    registry_services.question_update(
        question=question, changes={"title": "The new title?"}, user=staff_user
    )

    assert "The new title?" in visitor_sees(page(question))


def test_the_viewer_gets_their_own_forecast_and_the_visitor_never_does(alice, bob):
    question = factories.QuestionFactory()
    visitor_sees(page(question))  # kept
    forecast_services.forecast_submit(
        forecaster=alice, question=question, probability=0.42, rationale="My private reasons."
    )

    alices = signed_in(alice.user).get(page(question)).content.decode()
    bobs = signed_in(bob.user).get(page(question)).content.decode()
    visitors = visitor_sees(page(question))

    assert "Your forecasts" in alices and "My private reasons." in alices
    # Nobody else sees alice's forecast before the close (only the crowd's median, which
    # she alone makes): not bob, not the kept page.
    for text in (bobs, visitors):
        assert "My private reasons." not in text
        assert "Your forecasts" not in text
    assert "csrfmiddlewaretoken" in alices and "csrfmiddlewaretoken" not in visitors
    assert "Log out" not in visitors and "Log in to forecast" in visitors


def test_a_signed_in_page_is_never_kept_for_visitors(alice):
    question = factories.QuestionFactory()
    signed_in(alice.user).get(page(question))

    text = visitor_sees(page(question))

    assert "Log in to forecast" in text
    assert "csrfmiddlewaretoken" not in text


def test_a_kept_page_ends_when_the_question_closes(monkeypatch, alice):
    question = factories.QuestionFactory(closes_at=timezone.now() + timedelta(seconds=30))
    assert '<span class="status open">Open</span>' in visitor_sees(page(question))
    kept = page_cache.KeptPage(Client().get(page(question)).wsgi_request, "question")
    assert kept.hit() is not None

    # 31 seconds on, by the page cache's clock: the entry ended with the question's close.
    later = time.time() + 31
    monkeypatch.setattr(page_cache.time, "time", lambda: later)

    assert kept.hit() is None


def test_an_address_with_a_query_is_kept_from_its_second_visit(django_assert_num_queries):
    question = factories.QuestionFactory()
    path = page(question) + "?comments=1"
    visitor_sees(path)
    visitor_sees(path)

    with django_assert_num_queries(0):
        visitor_sees(path)


def test_a_lost_version_token_retires_every_kept_page():
    question = factories.QuestionFactory(title="Before the restart?")
    visitor_sees(page(question))
    # A write whose bump was lost, then the version key lost too (evicted, or Redis
    # restarted without its data): the next visitor gets a new token, matching no entry.
    Question.objects.filter(pk=question.pk).update(title="After the restart?")
    cache.delete(page_cache.SITE)

    assert "After the restart?" in visitor_sees(page(question))


def test_the_question_index_shows_new_forecast_counts(alice):
    question = factories.QuestionFactory(title="Counted question?")
    assert "0 forecasters, 0 forecasts" in visitor_sees("/questions/")

    forecast_services.forecast_submit(forecaster=alice, question=question, probability=0.6)

    assert "1 forecaster, 1 forecast" in visitor_sees("/questions/")


def test_the_home_page_lists_a_new_question():
    factories.QuestionFactory(title="The first open question?")
    assert "The first open question?" in visitor_sees("/")

    factories.QuestionFactory(title="A second open question?")

    assert "A second open question?" in visitor_sees("/")


def test_a_forecaster_page_shows_a_new_name_and_new_scores(alice, bob, staff_user):
    path = f"/forecasters/{alice.handle}/"
    assert "Mean Brier" not in visitor_sees(path)
    question = factories.ClosedQuestionFactory()
    for forecaster, probability in ((alice, 0.9), (bob, 0.2)):
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[probability],
            submitted_at=timezone.now() - timedelta(days=50),
        )
    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="It happened.", user=staff_user
    )
    rescoring.rescore_question(question_id=question.pk)
    rescoring._bump_scores_version()  # on_commit does this outside a test transaction

    assert "Mean Brier" in visitor_sees(path)

    alice.display_name = "Alice Renamed"
    alice.save(update_fields=["display_name"])

    assert "Alice Renamed" in visitor_sees(path)


def test_kept_pages_read_the_scores_version_a_rescore_replaces():
    assert page_cache.SCORES_VERSION_KEY == rescoring.SCORES_VERSION_KEY


def test_with_redis_unreachable_a_write_waits_for_it_once_not_per_model(monkeypatch):
    # A resolution saves several models; each bump waiting the Redis timeout made a
    # resolution take over 2 s while Redis hung (tests/faults/test_redis_down.py).
    calls = []

    def hung(*args, **kwargs):
        calls.append(args)
        raise TimeoutError("Redis is not answering")

    monkeypatch.setattr(page_cache, "_unreachable_until", 0.0)
    monkeypatch.setattr(cache, "set_many", hung)
    for _ in range(4):
        page_cache.bump(page_cache.SITE)
    assert len(calls) == 1

    monkeypatch.setattr(page_cache, "_unreachable_until", time.monotonic() - 1)
    page_cache.bump(page_cache.SITE)  # tried again once the pause is over
    assert len(calls) == 2
