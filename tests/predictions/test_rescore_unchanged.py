"""`rescore --all` skips the questions whose inputs did not change since their scores were
stored, and still picks up every change a score depends on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from predictions import rescoring, score_basis, scoring
from predictions.models import ForecasterTotal, QuestionScore, QuestionScoreBasis
from registry.models import Forecaster
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def resolve(question, outcome="yes", known_on=date(2026, 1, 10)):
    return resolution_services.resolution_record(
        question=question,
        outcome=outcome,
        rationale="The source said so.",
        user=factories.StaffFactory(),
        known_on=known_on,
    )


@pytest.fixture
def history():
    """Two resolved questions of 1-9 January, alice and bob on both, all scored."""
    alice = factories.HumanForecasterFactory(user__username="alice")
    bob = factories.HumanForecasterFactory(user__username="bob")
    tag = factories.TagFactory(slug="energy")
    questions = []
    for index, outcome in enumerate(("yes", "no")):
        question = factories.QuestionFactory(
            opens_at=at(1), closes_at=at(10), resolve_by=at(20), tags=[tag]
        )
        factories.ForecastFactory(
            question=question, forecaster=alice, probabilities=[0.7], submitted_at=at(1, 9)
        )
        factories.ForecastFactory(
            question=question, forecaster=bob, probabilities=[0.2 + index / 10], submitted_at=at(3)
        )
        resolve(question, outcome=outcome)
        questions.append(question)
    rescoring.rescore_all()
    assert rescoring.verify_scores() == []
    return questions, alice, bob


def scores_of(question) -> list[tuple]:
    return sorted(
        QuestionScore.objects.filter(question=question).values_list(*rescoring.SCORES.columns)
    )


def test_a_second_rescore_finds_nothing_changed_and_writes_nothing(history):
    report = rescoring.rescore_all()

    assert report.questions == 2 and report.unchanged == 2
    assert not report.changed
    out = StringIO()
    call_command("rescore", "--all", stdout=out)
    assert "2 unchanged, skipped" in out.getvalue()


def test_an_overridden_outcome_is_picked_up_and_only_its_question_recomputed(history):
    (first, second), alice, _ = history
    untouched = scores_of(second)
    resolve(first, outcome="no")  # no rescore task runs: the sweep must find it

    report = rescoring.rescore_all()

    assert report.unchanged == 1 and report.scores.updated == 2
    assert QuestionScore.objects.get(question=first, forecaster=alice).brier == pytest.approx(
        2 * 0.7**2
    )
    assert scores_of(second) == untouched
    assert rescoring.verify_scores() == []


def test_an_annulment_removes_the_scores_and_moves_the_totals(history):
    (first, _), alice, _ = history
    resolution_services.resolution_annul(
        question=first, rationale="The source vanished.", user=factories.StaffFactory()
    )

    report = rescoring.rescore_all()

    assert report.scores.deleted == 2
    assert not QuestionScore.objects.filter(question=first).exists()
    assert not QuestionScoreBasis.objects.filter(question=first).exists()
    assert ForecasterTotal.objects.get(forecaster=alice, scope="all").questions == 1
    assert rescoring.verify_scores() == []
    assert rescoring.rescore_all().unchanged == 1


def test_a_new_forecast_in_the_log_is_picked_up(history):
    (first, _), alice, _ = history
    # A forecast added to the log of a resolved question (an import of an older history).
    factories.ForecastFactory(
        question=first, forecaster=alice, probabilities=[0.95], submitted_at=at(5)
    )

    report = rescoring.rescore_all()

    assert report.unchanged == 1 and report.scores.updated >= 1
    assert rescoring.verify_scores() == []


def test_a_forecast_on_a_question_still_open_is_picked_up(history):
    alice = Forecaster.objects.get(user__username="alice")
    # Open until February, its outcome known on 5 January: forecasts keep arriving.
    question = factories.QuestionFactory(opens_at=at(1), closes_at=datetime(2026, 2, 1, tzinfo=UTC))
    factories.ForecastFactory(
        question=question, forecaster=alice, probabilities=[0.6], submitted_at=at(1, 12)
    )
    resolve(question, known_on=date(2026, 1, 5))
    rescoring.rescore_all()
    bob = Forecaster.objects.get(user__username="bob")
    factories.ForecastFactory(
        question=question, forecaster=bob, probabilities=[0.1], submitted_at=at(2)
    )

    report = rescoring.rescore_all()

    assert report.unchanged == 2 and report.scores.created == 1
    assert QuestionScore.objects.filter(question=question, forecaster=bob).exists()
    assert rescoring.verify_scores() == []


def test_a_changed_scoring_rule_recomputes_every_question(history, monkeypatch):
    (first, _), alice, _ = history
    before = QuestionScore.objects.get(question=first, forecaster=alice).brier
    # A new rule (here: Brier halved) ships with new scoring code, hence a new version.
    original = scoring.brier_scores
    monkeypatch.setattr(scoring, "brier_scores", lambda p, outcome: original(p, outcome) / 2)
    monkeypatch.setattr(score_basis, "SCORING_VERSION", "a-new-rule")

    report = rescoring.rescore_all()

    assert report.unchanged == 0 and report.scores.updated == 4
    after = QuestionScore.objects.get(question=first, forecaster=alice).brier
    assert after == pytest.approx(before / 2)
    assert rescoring.verify_scores() == []


def test_the_scoring_version_follows_the_scoring_code(tmp_path):
    # Any edit of a scoring module changes the version, so no one has to remember to.
    here = Path(score_basis.__file__).parent
    for name in score_basis._SCORING_MODULES:
        (tmp_path / name).write_bytes((here / name).read_bytes())
    assert score_basis.scoring_version(tmp_path) == score_basis.SCORING_VERSION
    with (tmp_path / "scoring.py").open("a") as module:
        module.write("\n# a changed rule\n")
    assert score_basis.scoring_version(tmp_path) != score_basis.SCORING_VERSION


def test_a_forecaster_who_stops_being_a_person_is_picked_up(history):
    _, _, bob = history
    bob.kind = Forecaster.Kind.BOT
    bob.save()

    report = rescoring.rescore_all()

    assert report.unchanged == 0 and report.changed
    assert rescoring.verify_scores() == []


def test_a_kind_changed_behind_the_signals_back_is_still_picked_up(history):
    # An UPDATE that bypasses the signal leaves scored_at alone: the count of people's
    # forecasts in the fingerprint still sees it.
    _, _, bob = history
    Forecaster.objects.filter(pk=bob.pk).update(kind=Forecaster.Kind.PUNDIT)

    report = rescoring.rescore_all()

    assert report.unchanged == 0 and report.changed
    assert rescoring.verify_scores() == []


def test_a_new_tag_gets_its_totals(history):
    (first, _), alice, _ = history
    first.tags.add(factories.TagFactory(slug="grid"))

    report = rescoring.rescore_all()

    assert report.unchanged == 1 and report.totals.created >= 2
    assert ForecasterTotal.objects.filter(forecaster=alice, scope="tag:grid").exists()
    assert rescoring.verify_scores() == []


def test_a_store_scored_before_fingerprints_existed_is_recomputed_in_full(history):
    QuestionScoreBasis.objects.all().delete()

    report = rescoring.rescore_all()

    assert report.unchanged == 0 and not report.changed
    assert QuestionScoreBasis.objects.count() == 2
    assert rescoring.rescore_all().unchanged == 2


def test_rescoring_one_question_records_its_fingerprint(history):
    (first, _), _, _ = history
    resolve(first, outcome="no")
    rescoring.rescore_question(question_id=first.pk)

    assert rescoring.rescore_all().unchanged == 2
    assert rescoring.verify_scores() == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--full"], "--full and --workers go with --all"),
        (["--workers", "2"], "--full and --workers go with --all"),
        (["--all", "--workers", "-1"], "--workers must be 1 or more"),
    ],
)
def test_the_rescore_command_refuses_options_that_do_not_go_together(arguments, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("rescore", *arguments, stdout=StringIO())
