"""Download my data: every forecast, rationale and score, as JSON and CSV; CSV cells are
never formulas; only one's own data."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import Client

from predictions import rescoring
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_with_history():
    alice = factories.HumanForecasterFactory(handle="alice", user__username="alice")
    question = factories.ClosedQuestionFactory(slug="shipped", title="Will it ship?")
    factories.ForecastFactory(
        question=question,
        forecaster=alice,
        probabilities=[0.8],
        rationale='=HYPERLINK("http://evil.example")',
        submitted_at=question.opens_at + timedelta(hours=1),
    )
    choice = factories.MultipleChoiceQuestionFactory(slug="leader", options=["US", "China"])
    factories.ForecastFactory(question=choice, forecaster=alice, probabilities=[0.6, 0.4])
    factories.ForecastFactory(question=question)  # someone else's
    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="Shipped.", user=factories.StaffFactory()
    )
    rescoring.rescore_question(question_id=question.pk)
    client = Client()
    client.force_login(alice.user)
    return client


def test_the_json_download_holds_every_forecast_and_score_of_mine(alice_with_history):
    response = alice_with_history.get("/accounts/data.json")

    assert response.status_code == 200
    assert 'filename="hindsight-alice.json"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["forecaster"]["handle"] == "alice"
    assert [(f["question"], f["probabilities"]) for f in data["forecasts"]] == [
        ("shipped", {"Yes": 0.8, "No": 0.2}),
        ("leader", {"US": 0.6, "China": 0.4}),
    ]
    assert data["forecasts"][0]["rationale"].startswith("=HYPERLINK")  # JSON keeps it as is
    [score] = data["scores"]
    assert score["question"] == "shipped" and score["brier"] == pytest.approx(0.08)


def test_the_csv_download_is_one_row_per_forecast_and_never_a_formula(alice_with_history):
    response = alice_with_history.get("/accounts/data.csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["question"] for row in rows] == ["shipped", "leader"]
    assert rows[0]["rationale"] == '\'=HYPERLINK("http://evil.example")'
    assert float(rows[0]["question_brier"]) == pytest.approx(0.08)
    assert rows[1]["question_brier"] == ""
    assert json.loads(rows[1]["probabilities"]) == {"US": 0.6, "China": 0.4}


def test_the_account_page_links_the_downloads_and_strangers_must_log_in(alice_with_history):
    page = alice_with_history.get("/accounts/").content.decode()
    assert 'href="/accounts/data.json"' in page and 'href="/accounts/data.csv"' in page

    for url in ("/accounts/data.json", "/accounts/data.csv"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
