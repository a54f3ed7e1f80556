"""Staff review of proposed claims (registry/claim_review.py): accept with edits, reject,
merge; the author's pundit forecast at the publication date; resolution sources; and the
409 for a claim reviewed already."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from predictions import services as prediction_services
from predictions.models import Forecast, OutboxTask
from registry.claim_review import AcceptEdits, claim_accept, claim_merge, claim_reject
from registry.models import Claim, Question
from resolvers.models import Resolution
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = date(2026, 4, 15)
NOON = datetime(2026, 4, 15, 12, tzinfo=UTC)


@pytest.fixture
def staff():
    return factories.StaffFactory(username="admin")


def proposal(**kwargs) -> Claim:  # type: ignore[no-untyped-def]
    """A proposal on a source published on 15 Apr 2026, its draft closing at the end of 2027."""
    source = kwargs.pop("source", None) or factories.SourceFactory(published_on=PUBLISHED)
    draft = factories.DraftQuestionFactory(
        title="Will open models lead by 31 Dec 2027?",
        opens_at=datetime(2026, 4, 15, tzinfo=UTC),
        closes_at=datetime(2028, 1, 1, tzinfo=UTC),
        resolve_by=datetime(2028, 1, 31, tzinfo=UTC),
    )
    return factories.ProposedClaimFactory(source=source, question=draft, **kwargs)


def unchanged(claim: Claim) -> None:
    """The proposal is as it was: still proposed, its draft unpublished, no forecast."""
    claim.refresh_from_db()
    assert claim.review_state == Claim.Review.PROPOSED
    assert claim.question.published_at is None
    assert not Forecast.objects.exists()


# --- Accept -----------------------------------------------------------------------------------


def test_accepting_publishes_the_draft_with_the_authors_forecast_at_publication(staff):
    claim = proposal(implied_probability=0.8, probability_phrase="I expect")

    outcome = claim_accept(claim=claim, user=staff)

    claim.refresh_from_db()
    question = claim.question
    assert (claim.review_state, claim.reviewed_by) == ("accepted", staff)
    assert abs(claim.reviewed_at - timezone.now()) < timedelta(minutes=1)
    assert question.published_at is not None
    assert question.title == "Will open models lead by 31 Dec 2027?"
    forecast = outcome.forecast
    assert (forecast.forecaster, forecast.question, forecast.probabilities) == (
        claim.source.author,
        question,
        [0.8],
    )
    assert (forecast.submitted_at, forecast.origin) == (NOON, Forecast.Origin.CLAIM)
    assert "“I expect” → 0.8" in forecast.rationale
    assert outcome.notes == []


def test_staff_edits_are_published(staff):
    claim = proposal()

    claim_accept(
        claim=claim,
        user=staff,
        edits=AcceptEdits(
            title="Will an open model top LMArena by 30 Jun 2027?",
            resolution_criteria="Resolves Yes if lmarena.ai shows an open model first.",
            closes_on=date(2027, 6, 30),
            implied_probability=0.35,
        ),
    )

    question = Question.objects.get(pk=claim.question_id)
    assert question.title == "Will an open model top LMArena by 30 Jun 2027?"
    assert question.resolution_criteria == "Resolves Yes if lmarena.ai shows an open model first."
    assert question.closes_at == datetime(2027, 7, 1, tzinfo=UTC)
    assert question.resolve_by == datetime(2027, 7, 31, tzinfo=UTC)
    claim.refresh_from_db()
    assert claim.implied_probability == 0.35
    assert claim.probability_phrase == "set on review (the wording: “I expect”)"
    assert Forecast.objects.get().probabilities == [0.35]
    assert "Read on review" in Forecast.objects.get().rationale


def test_a_claim_whose_wording_states_no_number_is_published_but_not_scored(staff):
    claim = proposal(implied_probability=None, probability_phrase="may", strength="weak")

    outcome = claim_accept(claim=claim, user=staff)

    assert Question.objects.get(pk=claim.question_id).published_at is not None
    assert outcome.forecast is None and not Forecast.objects.exists()
    assert outcome.notes == [
        "No forecast was recorded for the author: the wording states no number, so the claim "
        "is tracked but not scored; give it an implied probability to score the author."
    ]


def test_staff_may_give_a_number_to_a_claim_that_states_none(staff):
    claim = proposal(implied_probability=None, probability_phrase="may")
    claim_accept(claim=claim, user=staff, edits=AcceptEdits(implied_probability=0.4))
    assert Forecast.objects.get().probabilities == [0.4]


def test_someone_elses_quoted_forecast_is_not_given_to_the_author(staff):
    claim = proposal(speaker="Jensen Huang")
    outcome = claim_accept(claim=claim, user=staff)
    assert outcome.forecast is None
    assert "the forecast is Jensen Huang's, quoted by the author" in outcome.notes[0]


def test_a_manual_suggestion_is_attached_with_where_to_look(staff):
    claim = proposal(suggested_source_kind="manual", source_hint="the Federal Register")
    outcome = claim_accept(claim=claim, user=staff)
    source = outcome.resolution_source
    assert (source.kind, source.config) == (
        "manual",
        {"instructions": "Look at the Federal Register."},
    )


def test_a_kind_that_needs_settings_is_kept_as_a_suggestion_only(staff):
    claim = proposal(suggested_source_kind="huggingface")

    outcome = claim_accept(claim=claim, user=staff)

    assert outcome.resolution_source is None
    assert not Question.objects.get(pk=claim.question_id).resolution_sources.exists()
    assert Claim.objects.get(pk=claim.pk).suggested_source_kind == "huggingface"
    assert outcome.notes[-1].startswith("No resolution source was attached: a huggingface source")


def test_a_kind_with_valid_settings_is_attached(staff):
    claim = proposal(suggested_source_kind="huggingface")
    config = {
        "url": "https://example.org/stats.json",
        "expression": "downloads",
        "comparator": ">=",
        "threshold": 1000,
    }

    outcome = claim_accept(
        claim=claim, user=staff, edits=AcceptEdits(source_kind="http_json", source_config=config)
    )

    assert (outcome.resolution_source.kind, outcome.resolution_source.config) == (
        "http_json",
        config,
    )


@pytest.mark.parametrize(
    ("edits", "field"),
    [
        (AcceptEdits(title="  "), "title"),
        (AcceptEdits(title="T" * 301), "title"),
        (AcceptEdits(resolution_criteria=""), "resolution_criteria"),
        (AcceptEdits(closes_on=date(2026, 1, 1)), "closes_on"),
        (AcceptEdits(closes_on=date(9999, 12, 31)), "closes_on"),
        (AcceptEdits(implied_probability=1.0), "implied_probability"),
        (AcceptEdits(implied_probability=float("nan")), "implied_probability"),
        (AcceptEdits(source_kind="astrology"), "source_kind"),
        (
            AcceptEdits(source_kind="http_json", source_config={"url": "x"}),
            "source_config.expression",
        ),
    ],
)
def test_bad_edits_are_refused_naming_the_field_and_change_nothing(staff, edits, field):
    claim = proposal()
    with pytest.raises(ApplicationError) as caught:
        claim_accept(claim=claim, user=staff, edits=edits)
    assert caught.value.status == 400
    assert field in caught.value.fields
    unchanged(claim)


def test_an_accepted_question_takes_forecasts(staff):
    claim = proposal(
        source=factories.SourceFactory(published_on=timezone.now().date() - timedelta(days=3))
    )
    claim.question.opens_at = timezone.now() - timedelta(days=3)
    claim.question.save()
    claim_accept(claim=claim, user=staff, edits=AcceptEdits(closes_on=date(2030, 1, 1)))
    alice = factories.HumanForecasterFactory(user__username="alice")

    forecast = prediction_services.forecast_submit(
        forecaster=alice, question=Question.objects.get(pk=claim.question_id), probability=0.3
    )

    assert forecast.probabilities == [0.3]


# --- Reject -----------------------------------------------------------------------------------


def test_rejecting_keeps_the_claim_and_deletes_its_draft(staff):
    claim = proposal()
    draft_id = claim.question_id

    claim_reject(claim=claim, user=staff)

    claim.refresh_from_db()
    assert (claim.review_state, claim.question, claim.reviewed_by) == ("rejected", None, staff)
    assert not Question.objects.filter(pk=draft_id).exists()


# --- Merge ------------------------------------------------------------------------------------


def test_merging_points_the_claim_at_the_question_with_the_authors_forecast(staff):
    target = factories.QuestionFactory(opens_at=datetime(2026, 1, 1, tzinfo=UTC))
    claim = proposal(implied_probability=0.7)
    draft_id = claim.question_id

    outcome = claim_merge(claim=claim, user=staff, question=target)

    claim.refresh_from_db()
    assert (claim.review_state, claim.question) == ("merged", target)
    assert not Question.objects.filter(pk=draft_id).exists()
    assert (outcome.forecast.question, outcome.forecast.probabilities) == (target, [0.7])
    assert outcome.forecast.submitted_at == NOON


def test_the_authors_forecast_on_a_later_question_counts_from_its_opening(staff):
    opened = datetime(2026, 6, 1, tzinfo=UTC)
    target = factories.QuestionFactory(opens_at=opened)
    outcome = claim_merge(claim=proposal(), user=staff, question=target)
    assert outcome.forecast.submitted_at == opened


def test_an_author_who_has_forecast_on_the_question_gets_no_second_forecast(staff):
    claim = proposal()
    target = factories.QuestionFactory()
    factories.ForecastFactory(forecaster=claim.source.author, question=target)

    outcome = claim_merge(claim=claim, user=staff, question=target)

    assert outcome.forecast is None
    assert Forecast.objects.filter(question=target).count() == 1
    assert "the author has a forecast on that question already" in outcome.notes[0]


def test_merging_into_a_multiple_choice_question_records_no_forecast(staff):
    target = factories.MultipleChoiceQuestionFactory()
    outcome = claim_merge(claim=proposal(), user=staff, question=target)
    assert outcome.forecast is None and "multiple choice" in outcome.notes[0]


def test_merging_into_a_resolved_question_rescores_it(staff):
    target = factories.QuestionFactory(
        opens_at=datetime(2026, 1, 1, tzinfo=UTC),
        closes_at=datetime(2026, 12, 1, tzinfo=UTC),
        resolve_by=datetime(2027, 1, 1, tzinfo=UTC),
    )
    factories.ResolutionFactory(
        question=target, state=Resolution.State.FINAL, finalized_at=timezone.now()
    )

    outcome = claim_merge(claim=proposal(), user=staff, question=target)

    assert outcome.forecast is not None
    assert OutboxTask.objects.filter(task_name="predictions.rescore_question").exists()


def test_a_draft_is_no_question_to_merge_into(staff):
    claim = proposal()
    with pytest.raises(ApplicationError) as caught:
        claim_merge(claim=claim, user=staff, question=factories.DraftQuestionFactory())
    assert caught.value.fields == {
        "question": "Merge into a published question; that one is a draft."
    }
    unchanged(claim)


# --- Once only --------------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["accept", "reject", "merge"])
@pytest.mark.parametrize("then", ["accept", "reject", "merge"])
def test_a_reviewed_claim_cannot_be_reviewed_again(staff, first, then):
    claim = proposal()
    target = factories.QuestionFactory()
    act = {
        "accept": lambda: claim_accept(claim=claim, user=staff),
        "reject": lambda: claim_reject(claim=claim, user=staff),
        "merge": lambda: claim_merge(claim=claim, user=staff, question=target),
    }
    act[first]()
    state = Claim.objects.get(pk=claim.pk).review_state
    before = (Question.objects.count(), Forecast.objects.count())

    with pytest.raises(ApplicationError) as caught:
        act[then]()

    assert caught.value.status == 409
    assert caught.value.message.startswith(f"This claim was {Claim.Review(state).label.lower()}")
    assert "by admin" in caught.value.message
    assert Claim.objects.get(pk=claim.pk).review_state == state
    assert (Question.objects.count(), Forecast.objects.count()) == before
