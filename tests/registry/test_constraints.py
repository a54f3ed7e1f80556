"""The database itself refuses registry rows that break the model's invariants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.models import Claim, Question, QuestionOption
from tests import factories

pytestmark = pytest.mark.django_db


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.parametrize("gap", [timedelta(0), -timedelta(hours=1)], ids=["equal", "before"])
def test_question_must_close_after_it_opens(gap):
    opens_at = timezone.now()

    _refused(
        lambda: factories.QuestionFactory(
            opens_at=opens_at, closes_at=opens_at + gap, resolve_by=opens_at + timedelta(days=1)
        )
    )
    assert not Question.objects.exists()


def test_question_resolve_by_must_not_precede_closing():
    closes_at = timezone.now() + timedelta(days=10)

    _refused(
        lambda: factories.QuestionFactory(
            closes_at=closes_at, resolve_by=closes_at - timedelta(seconds=1)
        )
    )


def test_question_may_resolve_by_its_closing_instant():
    closes_at = timezone.now() + timedelta(days=10)

    question = factories.QuestionFactory(closes_at=closes_at, resolve_by=closes_at)

    assert question.pk is not None


def test_question_rows_updated_behind_the_models_back_are_refused_too():
    question = factories.QuestionFactory()

    _refused(
        lambda: Question.objects.filter(pk=question.pk).update(
            closes_at=question.opens_at - timedelta(days=1)
        )
    )


def test_question_kind_must_be_known():
    _refused(lambda: factories.QuestionFactory(kind="ranking"))


def test_option_labels_are_unique_within_a_question():
    question = factories.MultipleChoiceQuestionFactory(options=["Yes please", "No thanks"])

    _refused(
        lambda: QuestionOption.objects.create(question=question, label="Yes please", position=5)
    )
    assert question.options.count() == 2


def test_option_positions_are_unique_within_a_question():
    question = factories.MultipleChoiceQuestionFactory(options=["A", "B"])

    _refused(lambda: QuestionOption.objects.create(question=question, label="C", position=1))


def test_the_same_label_may_appear_in_two_questions():
    first = factories.MultipleChoiceQuestionFactory(options=["A", "B"])
    second = factories.MultipleChoiceQuestionFactory(options=["A", "B"])

    assert first.options.first().label == second.options.first().label == "A"


@pytest.mark.parametrize(("start", "end"), [(10, 10), (10, 9)], ids=["empty", "reversed"])
def test_claim_span_must_not_be_empty(start, end):
    _refused(lambda: factories.ClaimFactory(start_offset=start, end_offset=end))
    assert not Claim.objects.exists()


@pytest.mark.parametrize("probability", [1.5, 1.0, 0.0, -0.2])
def test_claim_implied_probability_must_lie_within_the_accepted_range(probability):
    _refused(lambda: factories.ClaimFactory(implied_probability=probability))


@pytest.mark.parametrize("probability", [None, 0.001, 0.5, 0.999])
def test_claim_implied_probability_may_be_empty_or_in_range(probability):
    claim = factories.ClaimFactory(implied_probability=probability)

    assert Claim.objects.get(pk=claim.pk).implied_probability == probability


def test_forecaster_kind_must_be_known():
    _refused(lambda: factories.ForecasterFactory(kind="oracle"))
