"""Stored scores and totals follow the resolution, are idempotent and verifiable."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from predictions import rescoring
from predictions.models import ForecasterTotal, OutboxTask, QuestionScore
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def three_day_question():
    """Open 1-3 January 2026; alice says 70% from day 1, bob 40% from day 2."""
    question = factories.QuestionFactory(
        slug="three-days",
        opens_at=at(1),
        closes_at=at(4),
        resolve_by=at(20),
        tags=[factories.TagFactory(slug="open-models")],
    )
    factories.ClaimFactory(question=question, source=factories.SourceFactory(slug="bets"))
    alice = factories.HumanForecasterFactory(user__username="alice")
    bob = factories.HumanForecasterFactory(user__username="bob")
    factories.ForecastFactory(
        question=question, forecaster=alice, probabilities=[0.7], submitted_at=at(1, 10)
    )
    factories.ForecastFactory(
        question=question, forecaster=bob, probabilities=[0.4], submitted_at=at(2, 12)
    )
    return question, alice, bob


def resolve(question, outcome="yes", known_on=date(2026, 1, 10)):
    staff = factories.StaffFactory(username="resolver")
    return resolution_services.resolution_record(
        question=question,
        outcome=outcome,
        rationale="The source said so.",
        user=staff,
        known_on=known_on,
    )


def score_of(question, forecaster) -> QuestionScore:
    return QuestionScore.objects.get(question=question, forecaster=forecaster)


def test_scores_follow_the_worked_example(three_day_question):
    question, alice, bob = three_day_question
    resolve(question)

    rescoring.rescore_question(question_id=question.pk)

    # Day 1: alice 0.18 alone (median 0.18). Days 2-3: alice 0.18, bob 0.72 (median 0.45).
    alice_score, bob_score = score_of(question, alice), score_of(question, bob)
    assert alice_score.brier == pytest.approx(0.18)
    assert alice_score.relative_score == pytest.approx(-0.18)
    assert alice_score.days == 3 and alice_score.window_days == 3
    assert alice_score.log_loss == pytest.approx(-math.log(0.7))
    assert bob_score.brier == pytest.approx(0.72)
    assert bob_score.relative_score == pytest.approx(0.18)  # day 1 counts 0
    assert bob_score.days == 2
    assert bob_score.log_loss == pytest.approx(-math.log(0.4))


def test_known_on_cuts_the_window(three_day_question):
    question, alice, bob = three_day_question
    resolve(question, known_on=date(2026, 1, 2))  # known at the start of day 2

    rescoring.rescore_question(question_id=question.pk)

    assert score_of(question, alice).window_days == 1
    assert not QuestionScore.objects.filter(forecaster=bob).exists()  # never stood


def test_totals_cover_every_scope(three_day_question):
    question, alice, _ = three_day_question
    resolve(question)

    rescoring.rescore_question(question_id=question.pk)

    scopes = set(ForecasterTotal.objects.filter(forecaster=alice).values_list("scope", flat=True))
    assert scopes == {"all", "tag:open-models", "source:bets", "year:2026"}
    total = ForecasterTotal.objects.get(forecaster=alice, scope="all")
    assert total.questions == 1
    assert total.mean_brier == pytest.approx(0.18)
    assert total.mean_relative_score == pytest.approx(-0.18)
    assert total.relative_score_low == total.relative_score_high == pytest.approx(-0.18)


def test_rescoring_twice_changes_nothing(three_day_question):
    question, _, _ = three_day_question
    resolve(question)
    rescoring.rescore_question(question_id=question.pk)
    before = list(QuestionScore.objects.order_by("pk").values())
    totals_before = list(ForecasterTotal.objects.order_by("pk").values())

    again = rescoring.rescore_question(question_id=question.pk)

    assert not again.scores.changed and not again.totals.changed
    assert list(QuestionScore.objects.order_by("pk").values()) == before
    assert list(ForecasterTotal.objects.order_by("pk").values()) == totals_before


def test_an_override_rescores_and_an_annulment_removes_scores(three_day_question):
    question, alice, _ = three_day_question
    resolve(question, outcome="yes")
    rescoring.rescore_question(question_id=question.pk)

    resolve(question, outcome="no")
    rescoring.rescore_question(question_id=question.pk)
    assert score_of(question, alice).brier == pytest.approx(2 * 0.7**2)
    assert rescoring.verify_scores() == []

    resolution_services.resolution_annul(
        question=question, rationale="The source vanished.", user=factories.StaffFactory()
    )
    rescoring.rescore_question(question_id=question.pk)
    assert not QuestionScore.objects.filter(question=question).exists()
    assert not ForecasterTotal.objects.exists()
    assert rescoring.verify_scores() == []


def test_a_proposed_outcome_is_not_scored(three_day_question):
    question, _, _ = three_day_question
    resolution_services.resolution_propose(question=question, outcome="yes", rationale="seen")

    rescoring.rescore_question(question_id=question.pk)

    assert not QuestionScore.objects.exists()


def test_multiple_choice_scores_use_option_order(db):
    question = factories.MultipleChoiceQuestionFactory(
        opens_at=at(1), closes_at=at(2), resolve_by=at(20), options=["US", "China", "EU"]
    )
    forecast = factories.ForecastFactory(
        question=question, probabilities=[0.2, 0.5, 0.3], submitted_at=at(1, 1)
    )
    staff = factories.StaffFactory()
    resolution_services.resolution_record(
        question=question,
        outcome="option",
        option=question.options.get(label="China"),
        rationale="China led.",
        user=staff,
        known_on=date(2026, 1, 5),
    )

    rescoring.rescore_question(question_id=question.pk)

    score = score_of(question, forecast.forecaster)
    assert score.brier == pytest.approx(0.2**2 + 0.5**2 + 0.3**2)
    assert score.log_loss == pytest.approx(-math.log(0.5))


def test_rescore_all_matches_question_by_question(three_day_question):
    question, _, _ = three_day_question
    other = factories.QuestionFactory(opens_at=at(1), closes_at=at(10), resolve_by=at(20))
    for probability in (0.2, 0.6, 0.9):
        factories.ForecastFactory(
            question=other, probabilities=[probability], submitted_at=at(3, 5)
        )
    resolve(question)
    resolve(other, outcome="no")
    rescoring.rescore_question(question_id=question.pk)
    rescoring.rescore_question(question_id=other.pk)
    by_question = sorted(QuestionScore.objects.values_list(*rescoring.SCORES.columns))

    report = rescoring.rescore_all()

    assert report.questions == 2
    assert not report.scores.changed and not report.totals.changed
    assert sorted(QuestionScore.objects.values_list(*rescoring.SCORES.columns)) == by_question


def test_a_full_rescore_repairs_a_tampered_store(three_day_question):
    question, alice, _ = three_day_question
    resolve(question)
    rescoring.rescore_question(question_id=question.pk)
    QuestionScore.objects.filter(forecaster=alice).update(brier=1.0)
    ForecasterTotal.objects.filter(scope="tag:open-models").delete()

    # Nothing the scores depend on changed: the plain --all trusts the store...
    assert not rescoring.rescore_all().changed
    assert rescoring.verify_scores() != []
    # ...and --full recomputes every question whatever its fingerprint says.
    report = rescoring.rescore_all(full=True)

    assert report.scores.updated == 1 and report.totals.created >= 1
    assert score_of(question, alice).brier == pytest.approx(0.18)
    assert rescoring.verify_scores() == []


def test_verify_scores_reports_a_difference_with_exit_status_1(three_day_question):
    question, alice, _ = three_day_question
    resolve(question)
    call_command("rescore", "--all", stdout=StringIO())
    out = StringIO()
    call_command("verify_scores", stdout=out)
    assert "matches" in out.getvalue()

    QuestionScore.objects.filter(forecaster=alice).update(relative_score=0.5)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_scores", stdout=out, stderr=err)

    assert exit_info.value.code == 1
    assert "score" in out.getvalue() and "differ" in err.getvalue()


def test_rescore_command_by_slug_and_its_errors(three_day_question):
    question, _, _ = three_day_question
    resolve(question)
    out = StringIO()
    call_command("rescore", "three-days", stdout=out)
    assert "Rescored 1 question(s): scores 2 created" in out.getvalue()
    # The crowd's score on the question, and its totals in all, the tag, source and year.
    assert "the crowd's 5 created, 0 updated, 0 deleted." in out.getvalue()

    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown question"):
        call_command("rescore", "no-such-question")
    with pytest.raises(CommandError, match="--all"):
        call_command("rescore")


def test_stale_questions_are_found_for_the_sweep(three_day_question):
    question, _, _ = three_day_question
    resolve(question)
    assert rescoring.stale_question_ids() == [question.pk]  # final but never scored

    rescoring.rescore_question(question_id=question.pk)
    assert rescoring.stale_question_ids() == []

    resolution_services.resolution_propose(question=question, outcome="no", rationale="hmm")
    assert rescoring.stale_question_ids() == [question.pk]  # scores of a superseded outcome


def test_resolving_enqueues_a_rescore_after_commit(
    three_day_question, broker, django_capture_on_commit_callbacks
):
    question, _, _ = three_day_question

    with django_capture_on_commit_callbacks(execute=True):
        resolve(question)

    kept = OutboxTask.objects.get()
    assert broker.sent == [("predictions.rescore_question", [question.pk], kept.celery_task_id)]
    assert kept.state == OutboxTask.State.PUBLISHED


def test_a_broker_outage_does_not_fail_the_resolution(
    three_day_question, broker, django_capture_on_commit_callbacks
):
    question, _, _ = three_day_question
    broker.down = True

    with django_capture_on_commit_callbacks(execute=True):
        resolution = resolve(question)

    assert resolution.pk and rescoring.stale_question_ids() == [question.pk]
    kept = OutboxTask.objects.get()  # the rescore waits in the outbox for Redis
    assert (kept.task_name, kept.args, kept.state) == (
        "predictions.rescore_question",
        [question.pk],
        OutboxTask.State.PENDING,
    )


def test_a_two_option_multiple_choice_question_is_not_taken_for_binary(db):
    question = factories.MultipleChoiceQuestionFactory(
        opens_at=at(1), closes_at=at(2), resolve_by=at(20), options=["Open", "Closed"]
    )
    forecast = factories.ForecastFactory(
        question=question, probabilities=[0.35, 0.65], submitted_at=at(1, 1)
    )
    resolution_services.resolution_record(
        question=question,
        outcome="option",
        option=question.options.get(label="Closed"),
        rationale="Closed won.",
        user=factories.StaffFactory(),
        known_on=date(2026, 1, 5),
    )

    rescoring.rescore_question(question_id=question.pk)
    rescoring.rescore_all()

    assert score_of(question, forecast.forecaster).brier == pytest.approx(2 * 0.35**2)
    assert rescoring.verify_scores() == []


def test_a_resolved_question_nobody_forecast_is_not_stale_once_rescored(db):
    question = factories.ClosedQuestionFactory()
    resolve(question)
    assert rescoring.stale_question_ids() == [question.pk]

    rescoring.rescore_question(question_id=question.pk)

    assert rescoring.stale_question_ids() == []


def test_an_override_into_another_year_moves_the_year_totals(three_day_question):
    question, alice, _ = three_day_question
    other = factories.QuestionFactory(
        opens_at=at(1),
        closes_at=at(4),
        resolve_by=at(20),
        tags=[factories.TagFactory(slug="policy")],
    )
    factories.ForecastFactory(
        question=other, forecaster=alice, probabilities=[0.3], submitted_at=at(1, 5)
    )
    resolve(question, known_on=date(2026, 1, 10))
    resolve(other, outcome="no", known_on=date(2026, 1, 10))
    rescoring.rescore_question(question_id=question.pk)
    rescoring.rescore_question(question_id=other.pk)
    untouched = ForecasterTotal.objects.get(forecaster=alice, scope="tag:policy")

    resolve(question, known_on=date(2026, 1, 3))  # the same outcome, known earlier ...
    resolution_services.resolution_record(  # ... then moved into 2025 by mistake
        question=question,
        outcome="yes",
        rationale="Backdated.",
        user=factories.StaffFactory(),
        known_on=date(2025, 12, 31),
    )
    rescoring.rescore_question(question_id=question.pk)

    assert rescoring.verify_scores() == []
    assert not ForecasterTotal.objects.filter(scope="year:2025").exists()  # window is empty
    assert ForecasterTotal.objects.get(forecaster=alice, scope="year:2026").questions == 1
    assert ForecasterTotal.objects.get(pk=untouched.pk).mean_brier == untouched.mean_brier


def test_verify_finds_nothing_after_any_sequence_of_resolve_override_annul(db):
    import random

    rng = random.Random(7)
    staff = factories.StaffFactory()
    forecasters = [factories.HumanForecasterFactory() for _ in range(4)]
    questions = []
    for index in range(3):
        question = factories.QuestionFactory(
            opens_at=at(1),
            closes_at=at(8),
            resolve_by=at(20),
            tags=[factories.TagFactory(slug=f"tag-{index % 2}")],
        )
        for forecaster in rng.sample(forecasters, 3):
            for _ in range(rng.randint(1, 3)):
                factories.ForecastFactory(
                    question=question,
                    forecaster=forecaster,
                    probabilities=[rng.choice([0.1, 0.35, 0.5, 0.8, 0.95])],
                    submitted_at=at(rng.randint(1, 7), rng.randint(0, 23)),
                )
        questions.append(question)

    for _ in range(25):
        question = rng.choice(questions)
        action = rng.choice(["yes", "no", "annul", "propose", "confirm"])
        known_on = date(2026, 1, rng.randint(2, 12))
        if action in ("yes", "no"):
            resolution_services.resolution_record(
                question=question, outcome=action, rationale="r", user=staff, known_on=known_on
            )
        elif action == "annul":
            resolution_services.resolution_annul(question=question, rationale="r", user=staff)
        elif action == "propose":
            resolution_services.resolution_propose(
                question=question,
                outcome=rng.choice(["yes", "no"]),
                rationale="r",
                known_on=known_on,
            )
        else:
            current = question.resolutions.filter(superseded_at__isnull=True).first()
            if current is None or current.state == "final":
                continue
            resolution_services.resolution_confirm(resolution=current, user=staff)
        rescoring.rescore_question(question_id=question.pk)
        assert rescoring.verify_scores() == [], action


@pytest.mark.parametrize("change", ["confirm", "finalize", "annul", "propose"])
def test_every_change_of_the_current_resolution_enqueues_a_rescore(
    three_day_question, broker, django_capture_on_commit_callbacks, settings, change
):
    question, _, _ = three_day_question
    proposal = resolution_services.resolution_propose(
        question=question, outcome="yes", rationale="Seen."
    )
    staff = factories.StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        if change == "confirm":
            resolution_services.resolution_confirm(resolution=proposal, user=staff)
        elif change == "finalize":
            settings.RESOLUTION_DISPUTE_WINDOW = timedelta(0)
            resolution_services.resolutions_finalize_due()
        elif change == "annul":
            resolution_services.resolution_annul(question=question, rationale="Void.", user=staff)
        else:  # a new proposal supersedes the old one
            resolution_services.resolution_propose(question=question, outcome="no", rationale="x")

    # (A new proposal also enqueues its notices to forecasters and followers.)
    assert [
        (name, args) for name, args, _ in broker.sent if name.startswith("predictions.rescore")
    ] == [("predictions.rescore_question", [question.pk])]
