"""`rescore --all --workers 2` on two real Celery worker processes, through the real Redis
broker: a chord of shard tasks and the totals callback stores exactly what one process
stores."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from config.celery import app
from predictions import rescoring
from predictions.models import (
    CrowdScore,
    CrowdTotal,
    ForecasterTotal,
    QuestionScore,
    QuestionScoreBasis,
)
from resolvers import services as resolution_services
from tests import factories
from tests.faults.celery_processes import broker, start_celery, stopped_at_exit

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql_only(
        reason="the worker processes open their own connections to the suite's database; "
        "the SQLite test database is not shared between processes"
    ),
]

DERIVED = (QuestionScore, ForecasterTotal, CrowdScore, CrowdTotal, QuestionScoreBasis)


def stored() -> dict[str, list[tuple]]:
    """Every derived row, without the surrogate ids a rewrite renumbers."""
    return {
        model.__name__: sorted(
            model.objects.values_list(
                *[f.attname for f in model._meta.concrete_fields if f.name != "id"]
            ),
            key=repr,
        )
        for model in DERIVED
    }


@pytest.fixture
def clean_broker():
    def clean() -> None:
        app.control.purge()
        broker().delete("unacked", "unacked_index", "unacked_mutex")

    clean()
    yield
    clean()


@pytest.fixture
def history(db):
    """Twelve resolved questions over two years, five forecasters, tags and a source."""
    staff = factories.StaffFactory()
    people = [factories.HumanForecasterFactory() for _ in range(4)] + [factories.PunditFactory()]
    tags = [factories.TagFactory(), factories.TagFactory()]
    source = factories.SourceFactory()
    for index in range(12):
        opens = datetime(2025 + index % 2, 1 + index % 6, 1, tzinfo=UTC)
        question = factories.QuestionFactory(
            opens_at=opens,
            closes_at=opens + timedelta(days=20),
            resolve_by=opens + timedelta(days=40),
            tags=[tags[index % 2]],
        )
        if index % 3 == 0:
            factories.ClaimFactory(question=question, source=source)
        for offset, forecaster in enumerate(people[: 2 + index % 4]):
            factories.ForecastFactory(
                question=question,
                forecaster=forecaster,
                probabilities=[round(0.1 + 0.08 * ((index + offset) % 10), 2)],
                submitted_at=opens + timedelta(days=offset, hours=index),
            )
        resolution_services.resolution_record(
            question=question,
            outcome="yes" if index % 3 else "no",
            rationale="Seen.",
            user=staff,
            known_on=(opens + timedelta(days=25)).date() if index != 5 else date(2026, 1, 2),
        )


def test_two_workers_store_what_one_process_stores(history, clean_broker, tmp_path):
    rescoring.rescore_all(full=True)
    one_process = stored()
    assert len(one_process["QuestionScore"]) > 30 and one_process["ForecasterTotal"]
    for model in DERIVED:
        model.objects.all().delete()

    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    arguments = ["worker", "--pool", "solo", "--loglevel", "INFO"]
    arguments += ["--without-mingle", "--without-gossip"]
    workers = [
        start_celery(*arguments, "-n", f"shard{index}@%h", log_path=log)
        for index, log in enumerate(logs)
    ]
    with stopped_at_exit(*workers):
        out = StringIO()
        call_command("rescore", "--all", "--workers", "2", "--timeout", "120", stdout=out)

    assert stored() == one_process
    assert "Rescored 12 question(s)" in out.getvalue()
    ran = "".join(log.read_text() for log in logs)
    assert len(re.findall(r"Task predictions\.rescore_shard\[[^]]+\] succeeded", ran)) == 2, ran
    assert re.search(r"Task predictions\.rescore_totals\[[^]]+\] succeeded", ran), ran
    assert rescoring.verify_scores() == []

    # And again: the fingerprints say nothing changed, and no shard is sent.
    out = StringIO()
    call_command("rescore", "--all", "--workers", "2", stdout=out)
    assert "12 unchanged, skipped" in out.getvalue()


def test_no_worker_to_take_the_shards_is_a_clear_error_not_a_hang(history, clean_broker):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"(?s)did not finish.*run the command again"):
        call_command("rescore", "--all", "--workers", "2", "--timeout", "2", stdout=StringIO())
    assert not QuestionScore.objects.exists()  # nothing half-written
