"""A question's status is derived, in Python and in SQL, and both derivations agree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from registry.models import Question, derive_status
from resolvers.models import Resolution
from tests import factories

pytestmark = pytest.mark.django_db

Status = Question.Status


def _resolve(question: Question, *, outcome: str = "yes", final: bool) -> Resolution:
    return factories.ResolutionFactory(
        question=question,
        outcome=outcome,
        state=Resolution.State.FINAL if final else Resolution.State.PROPOSED,
        finalized_at=timezone.now() if final else None,
    )


def _draft() -> Question:
    return factories.DraftQuestionFactory()


def _upcoming() -> Question:
    return factories.UpcomingQuestionFactory()


def _open() -> Question:
    return factories.QuestionFactory()


def _closed() -> Question:
    return factories.ClosedQuestionFactory()


def _resolving() -> Question:
    question = factories.ClosedQuestionFactory()
    _resolve(question, final=False)
    return question


def _resolved() -> Question:
    question = factories.ClosedQuestionFactory()
    _resolve(question, final=True)
    return question


def _annulled() -> Question:
    question = factories.ClosedQuestionFactory()
    _resolve(question, outcome="annulled", final=True)
    return question


def _resolved_early_while_open() -> Question:
    """An outcome known before closing wins over the clock."""
    question = factories.QuestionFactory()
    _resolve(question, final=True)
    return question


def _proposed_while_open() -> Question:
    question = factories.QuestionFactory()
    _resolve(question, final=False)
    return question


def _draft_with_a_resolution() -> Question:
    """Unpublished stays draft whatever rows point at it."""
    question = factories.DraftQuestionFactory()
    _resolve(question, final=True)
    return question


def _mc_resolved_to_an_option() -> Question:
    question = factories.MultipleChoiceQuestionFactory(
        opens_at=timezone.now() - timedelta(days=60), closes_at=timezone.now() - timedelta(days=1)
    )
    factories.ResolutionFactory(
        question=question,
        outcome="option",
        outcome_option=question.options.get(position=1),
        state=Resolution.State.FINAL,
        finalized_at=timezone.now(),
    )
    return question


def _superseded(old: Resolution, new: Resolution | None) -> None:
    Resolution.objects.filter(pk=old.pk).update(superseded_at=timezone.now(), superseded_by=new)


def _superseded_link(old: Resolution, new: Resolution) -> None:
    Resolution.objects.filter(pk=old.pk).update(superseded_by=new)


def _only_superseded_resolution() -> Question:
    """A final outcome that was withdrawn (superseded, nothing current): back to closed."""
    question = factories.ClosedQuestionFactory()
    old = _resolve(question, final=True)
    _superseded(old, None)
    return question


def _annulment_superseded_by_a_proposal() -> Question:
    question = factories.ClosedQuestionFactory()
    old = _resolve(question, outcome="annulled", final=True)
    _superseded(old, None)
    new = _resolve(question, final=False)
    _superseded_link(old, new)
    return question


def _resolution_superseded_by_an_annulment() -> Question:
    question = factories.ClosedQuestionFactory()
    old = _resolve(question, final=True)
    _superseded(old, None)
    new = _resolve(question, outcome="annulled", final=True)
    _superseded_link(old, new)
    return question


CASES: list[tuple[str, Callable[[], Question], str]] = [
    ("draft", _draft, Status.DRAFT),
    ("upcoming", _upcoming, Status.UPCOMING),
    ("open", _open, Status.OPEN),
    ("closed", _closed, Status.CLOSED),
    ("resolving", _resolving, Status.RESOLVING),
    ("resolved", _resolved, Status.RESOLVED),
    ("annulled", _annulled, Status.ANNULLED),
    ("resolved early, while open", _resolved_early_while_open, Status.RESOLVED),
    ("proposed while open", _proposed_while_open, Status.RESOLVING),
    ("draft with a resolution", _draft_with_a_resolution, Status.DRAFT),
    ("multiple choice resolved to an option", _mc_resolved_to_an_option, Status.RESOLVED),
    ("only a superseded resolution", _only_superseded_resolution, Status.CLOSED),
    ("annulment superseded by a proposal", _annulment_superseded_by_a_proposal, Status.RESOLVING),
    ("resolution superseded by annulment", _resolution_superseded_by_an_annulment, Status.ANNULLED),
]


@pytest.mark.parametrize(("build", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_python_and_sql_derivations_agree(build, expected):
    question = build()

    in_python = Question.objects.get(pk=question.pk).status_at(timezone.now())
    in_sql = Question.objects.with_status().get(pk=question.pk).derived_status

    assert in_python == expected
    assert in_sql == expected


@pytest.mark.parametrize(("build", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_filtering_by_status_in_sql_finds_exactly_that_question(build, expected):
    question = build()
    factories.QuestionFactory()  # an open bystander
    factories.DraftQuestionFactory()  # and a draft one

    matching = Question.objects.with_status_in([expected])

    assert question in matching
    assert all(q.derived_status == expected for q in matching)


def test_status_property_uses_the_annotation_when_present_and_derives_otherwise():
    question = factories.ClosedQuestionFactory()
    _resolve(question, final=False)

    assert Question.objects.get(pk=question.pk).status == Status.RESOLVING
    assert Question.objects.with_status().get(pk=question.pk).status == Status.RESOLVING


def _database_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


@pytest.mark.postgresql_only(reason="compares with PostgreSQL's now() in SQL")
def test_at_the_opening_instant_the_question_is_open_in_both_derivations():
    # SQL's now() is the transaction's start, so a question opening exactly then is at
    # the boundary for the query; Python is asked about the same instant.
    now = _database_now()
    question = factories.QuestionFactory(opens_at=now, closes_at=now + timedelta(days=1))

    assert Question.objects.with_status().get(pk=question.pk).derived_status == Status.OPEN
    assert question.status_at(now) == Status.OPEN
    assert question.status_at(now - timedelta(microseconds=1)) == Status.UPCOMING


@pytest.mark.postgresql_only(reason="compares with PostgreSQL's now() in SQL")
def test_at_the_closing_instant_the_question_is_closed_in_both_derivations():
    now = _database_now()
    question = factories.QuestionFactory(opens_at=now - timedelta(days=1), closes_at=now)

    assert Question.objects.with_status().get(pk=question.pk).derived_status == Status.CLOSED
    assert question.status_at(now) == Status.CLOSED
    assert question.status_at(now - timedelta(microseconds=1)) == Status.OPEN


@pytest.mark.parametrize(
    ("published", "outcome", "state", "offset_days", "expected"),
    [
        (False, None, None, 0, Status.DRAFT),
        (False, "yes", "final", 0, Status.DRAFT),
        (True, None, None, -1, Status.UPCOMING),
        (True, None, None, 1, Status.OPEN),
        (True, None, None, 20, Status.CLOSED),
        (True, "no", "proposed", 1, Status.RESOLVING),
        (True, "annulled", "proposed", 20, Status.RESOLVING),
        (True, "no", "final", -1, Status.RESOLVED),
        (True, "option", "final", 20, Status.RESOLVED),
        (True, "annulled", "final", 20, Status.ANNULLED),
    ],
)
def test_derive_status_as_a_pure_function(published, outcome, state, offset_days, expected):
    opens_at = timezone.now()
    closes_at = opens_at + timedelta(days=10)

    status = derive_status(
        published=published,
        opens_at=opens_at,
        closes_at=closes_at,
        current_outcome=outcome,
        current_state=state,
        now=opens_at + timedelta(days=offset_days),
    )

    assert status == expected
