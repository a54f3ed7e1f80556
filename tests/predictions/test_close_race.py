"""Forecasts racing a question's close land before it, or are refused: never after."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from config.clock import database_now
from config.errors import ApplicationError
from predictions.models import Forecast
from predictions.services import forecast_submit
from tests import factories


@pytest.mark.postgresql_only(
    reason="threads on separate connections, and the SQLite test database is in memory; "
    "test_sqlite_close_race.py races the close on a SQLite file"
)
@pytest.mark.django_db(transaction=True)
def test_forecasts_racing_the_close_are_before_it_or_refused():
    forecasters = [factories.HumanForecasterFactory() for _ in range(8)]
    question = factories.QuestionFactory()
    question.closes_at = database_now() + timedelta(milliseconds=400)
    question.save(update_fields=["closes_at"])
    outcomes: list[str] = []
    lock = threading.Lock()

    def keep_forecasting(forecaster) -> None:
        try:
            give_up_at = time.monotonic() + 10
            while time.monotonic() < give_up_at:
                try:
                    forecast_submit(forecaster=forecaster, question=question, probability=0.6)
                    result = "accepted"
                except ApplicationError as error:
                    assert error.status == 409
                    result = "refused"
                with lock:
                    outcomes.append(result)
                if result == "refused":
                    return
        finally:
            connection.close()

    threads = [threading.Thread(target=keep_forecasting, args=(f,)) for f in forecasters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    stored = list(Forecast.objects.filter(question=question).values_list("submitted_at", flat=True))
    assert stored, "no forecast landed before the close"
    assert "refused" in outcomes, "nothing was refused after the close"
    assert all(submitted_at < question.closes_at for submitted_at in stored)
    assert len(stored) == outcomes.count("accepted")
