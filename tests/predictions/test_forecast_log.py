"""The forecast log is append-only, and PostgreSQL itself enforces it."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from predictions.models import Forecast
from tests import factories

pytestmark = pytest.mark.django_db

# pgtrigger's protection raises a PL/pgSQL exception (SQLSTATE P0001), which psycopg and
# Django report as a ProgrammingError; the message says which trigger refused.
REFUSED = "Cannot update or delete rows from predictions_forecast"


@pytest.fixture
def forecast(alice):
    return factories.ForecastFactory(forecaster=alice, probabilities=[0.7], rationale="why")


def _execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _reloaded(forecast: Forecast) -> Forecast:
    return Forecast.objects.get(pk=forecast.pk)


def test_raw_sql_update_is_refused(forecast):
    sql = "UPDATE predictions_forecast SET probabilities = '[0.5]' WHERE id = %s"
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        _execute(sql, [forecast.pk])

    assert _reloaded(forecast).probabilities == [0.7]


def test_raw_sql_update_of_any_column_is_refused(forecast):
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        _execute("UPDATE predictions_forecast SET rationale = 'edited'")

    assert _reloaded(forecast).rationale == "why"


def test_raw_sql_delete_is_refused(forecast):
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        _execute("DELETE FROM predictions_forecast")

    assert Forecast.objects.filter(pk=forecast.pk).exists()


@pytest.mark.postgresql_only(
    reason="SQLite has no TRUNCATE: its DELETE of a whole table fires the delete trigger"
)
# Outside a test's transaction: a TRUNCATE with deferred checks pending fails for that.
@pytest.mark.django_db(transaction=True)
def test_raw_sql_truncate_is_refused(forecast):
    refused = "Cannot truncate rows from predictions_forecast"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        _execute("TRUNCATE predictions_forecast CASCADE")

    assert Forecast.objects.filter(pk=forecast.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_manage_py_flush_leaves_the_log_alone(forecast):
    # `flush` empties every table (TRUNCATE on PostgreSQL, DELETE on SQLite): refused.
    with pytest.raises(CommandError, match="couldn't be flushed") as refused:
        call_command("flush", interactive=False, verbosity=0)

    assert "Cannot" in str(refused.value.__cause__)
    assert _reloaded(forecast).rationale == "why"


def test_orm_delete_is_refused(forecast):
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        forecast.delete()

    assert Forecast.objects.filter(pk=forecast.pk).exists()


def test_queryset_delete_is_refused(forecast):
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        Forecast.objects.all().delete()

    assert Forecast.objects.count() == 1


def test_queryset_update_is_refused(forecast):
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        Forecast.objects.filter(pk=forecast.pk).update(probabilities=[0.2])

    assert _reloaded(forecast).probabilities == [0.7]


def test_saving_an_edited_forecast_is_refused(forecast):
    forecast.probabilities = [0.2]
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        forecast.save()

    assert _reloaded(forecast).probabilities == [0.7]


@pytest.mark.postgresql_only(
    reason="uses SET CONSTRAINTS; SQLite's refusal is pinned by the trigger probe"
)
def test_a_question_with_forecasts_cannot_be_deleted(forecast):
    question = forecast.question

    with pytest.raises(ProtectedError), transaction.atomic():
        question.delete()

    # Django's foreign keys are checked at commit; ask for the check now.
    with pytest.raises(IntegrityError), transaction.atomic():
        _execute("SET CONSTRAINTS ALL IMMEDIATE")
        _execute("DELETE FROM registry_question WHERE id = %s", [question.pk])

    assert Forecast.objects.filter(pk=forecast.pk, question=question).exists()


def test_a_forecaster_with_forecasts_cannot_be_deleted(forecast, alice):
    with pytest.raises(ProtectedError), transaction.atomic():
        alice.delete()

    assert Forecast.objects.filter(pk=forecast.pk, forecaster=alice).exists()


# --- The insert trigger: the database refuses what the API would refuse --------------------


@pytest.mark.parametrize(
    "probabilities",
    [
        pytest.param([1.5], id="above-one"),
        pytest.param([0.9995], id="just-above-range"),
        pytest.param([0.0005], id="just-below-range"),
        pytest.param([0], id="zero"),
        pytest.param([-0.3], id="negative"),
        pytest.param(["x"], id="string"),
        pytest.param(["0.7"], id="numeric-string"),
        pytest.param([True], id="boolean"),
        pytest.param([None], id="null"),
        pytest.param([[0.7]], id="nested-list"),
        pytest.param([0.5, 0.5], id="two-values-on-binary"),
        pytest.param([], id="empty"),
        pytest.param(0.7, id="not-an-array"),
        pytest.param({"Yes": 0.7}, id="object"),
    ],
)
def test_insert_trigger_refuses_a_bad_binary_vector(alice, probabilities):
    question = factories.QuestionFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Forecast.objects.create(
            forecaster=alice,
            question=question,
            probabilities=probabilities,
            submitted_at=question.opens_at,
        )

    assert not Forecast.objects.exists()


@pytest.mark.parametrize(
    "probabilities",
    [
        pytest.param([0.5, 0.2, 0.1], id="sums-to-0.8"),
        pytest.param([0.5, 0.3, 0.3], id="sums-to-1.1"),
        pytest.param([0.5, 0.5], id="too-few"),
        pytest.param([0.4, 0.3, 0.2, 0.1], id="too-many"),
        pytest.param([0.5, 0.5, 0.0], id="zero-option"),
        pytest.param([0.5, "0.3", 0.2], id="string-option"),
        pytest.param([0.7], id="binary-shape"),
    ],
)
def test_insert_trigger_refuses_a_bad_multiple_choice_vector(alice, mc_question, probabilities):
    with pytest.raises(IntegrityError), transaction.atomic():
        Forecast.objects.create(
            forecaster=alice,
            question=mc_question,
            probabilities=probabilities,
            submitted_at=mc_question.opens_at,
        )

    assert not Forecast.objects.exists()


@pytest.mark.parametrize(
    ("kind", "probabilities"),
    [
        pytest.param("binary", [0.001], id="binary-low-bound"),
        pytest.param("binary", [0.999], id="binary-high-bound"),
        pytest.param("mc", [0.5, 0.3, 0.2], id="mc"),
        pytest.param("mc", [1 / 3, 1 / 3, 1 / 3], id="mc-thirds"),
    ],
)
def test_insert_trigger_lets_a_valid_vector_through(alice, mc_question, kind, probabilities):
    question = mc_question if kind == "mc" else factories.QuestionFactory()

    Forecast.objects.create(
        forecaster=alice,
        question=question,
        probabilities=probabilities,
        submitted_at=question.opens_at,
    )

    assert Forecast.objects.get().probabilities == probabilities


def test_the_trigger_names_the_problem(alice):
    question = factories.QuestionFactory()

    with pytest.raises(IntegrityError, match=r"outside \[0\.001, 0\.999\]"), transaction.atomic():
        Forecast.objects.create(
            forecaster=alice, question=question, probabilities=[1.5], submitted_at=question.opens_at
        )
