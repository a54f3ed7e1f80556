"""What people do on the site, clicked through in a real browser at phone and desktop sizes."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from config.celery import app
from predictions import rescoring
from predictions.models import Forecast
from resolvers import services as resolution_services
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def at(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


def test_sign_up_then_forecast_a_wrong_then_a_right_value(page, screenshot):
    question = factories.QuestionFactory(title="Will an open model top the arena by 2027?")

    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase 42")
    page.get_by_label("Password again").fill("a long enough passphrase 42")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("link", name="Account")).to_be_visible()

    page.goto(f"/questions/{question.slug}/")
    chance = page.get_by_label(re.compile("Your chance that the answer is Yes"))
    chance.fill("150")
    # Said before saving: out of range, not "= 150% chance".
    expect(page.locator("output.understood")).to_have_text("= 150%: outside 0.1% to 99.9%")
    page.get_by_role("button", name="Save forecast").click()
    expect(page.locator(".field-error, .errorlist").first).to_be_visible()
    expect(page.get_by_label(re.compile("Your chance that the answer is Yes"))).to_have_value("150")
    assert not Forecast.objects.exists()
    screenshot("wrong-value")

    # Typed as a probability, it is shown as understood before it is saved.
    page.get_by_label(re.compile("Your chance that the answer is Yes")).fill("0.7")
    expect(page.locator("output.understood")).to_have_text("= 70% chance")
    page.get_by_role("button", name="Save forecast").click()
    expect(page.get_by_text("Forecast saved: Yes 70%")).to_be_visible()
    expect(page.locator("#your-forecasts").locator("..")).to_contain_text("70")
    screenshot("saved")
    forecast = Forecast.objects.get()
    assert (forecast.probabilities, forecast.origin, forecast.forecaster.handle) == (
        [0.7],
        "web",
        "newcomer",
    )


def _scored_history(settings) -> None:
    """Two resolved questions in two tags; alice beats bob on one, ties on the other."""
    settings.LEADERBOARD_MIN_QUESTIONS = 1
    alice = factories.HumanForecasterFactory(user__username="alice", display_name="Alice")
    bob = factories.HumanForecasterFactory(user__username="bob", display_name="Bob")
    staff = factories.StaffFactory(username="resolver")
    for tag, outcome, (mine, theirs) in (
        ("chips", "yes", (0.9, 0.3)),
        ("policy", "no", (0.2, 0.6)),
    ):
        question = factories.QuestionFactory(
            opens_at=at(1),
            closes_at=at(4),
            resolve_by=at(5),
            tags=[factories.TagFactory(slug=tag, name=tag.title())],
        )
        for forecaster, probability in ((alice, mine), (bob, theirs)):
            factories.ForecastFactory(
                question=question,
                forecaster=forecaster,
                probabilities=[probability],
                submitted_at=at(1) + timedelta(hours=2),
            )
        resolution_services.resolution_record(
            question=question,
            outcome=outcome,
            rationale="Reported.",
            user=staff,
            known_on=date(2026, 1, 10),
        )
        rescoring.rescore_question(question_id=question.pk)


def test_leaderboard_scopes_and_a_calibration_chart(page, screenshot, settings):
    _scored_history(settings)

    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leaderboard").click()
    ranking = page.locator("table").first
    expect(ranking).to_contain_text("Alice")
    expect(ranking).to_contain_text("Bob")
    page.get_by_role("link", name="Chips").click()
    expect(page.get_by_role("link", name="Chips")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=2, name=re.compile("Chips"))).to_be_visible()
    screenshot("leaderboard-chips")

    page.get_by_role("link", name="Alice").first.click()
    expect(page.get_by_role("heading", name="Calibration", exact=True)).to_be_visible()
    chart = page.locator("figure.chart svg[role=img]").first
    expect(chart).to_be_visible()
    assert "Calibration" in (chart.locator("title").first.text_content() or "")
    screenshot("calibration")


@pytest.mark.postgresql_only(
    reason="a Celery worker thread beside the live server: their two connections to SQLite's "
    "shared-cache in-memory test database lock each other's tables ('database table is "
    "locked'), which a file database, as `make run` uses, does not"
)
def test_staff_confirm_a_proposal_from_the_queue_and_the_leaderboard_moves(
    page, screenshot, settings
):
    settings.LEADERBOARD_MIN_QUESTIONS = 1
    staff = factories.StaffFactory(username="admin")
    staff.set_password("staff passphrase 42")
    staff.save()
    alice = factories.HumanForecasterFactory(user__username="alice", display_name="Alice")
    question = factories.ClosedQuestionFactory(title="Will the lab ship in time?")
    factories.ForecastFactory(
        question=question,
        forecaster=alice,
        probabilities=[0.8],
        submitted_at=question.opens_at + timedelta(hours=1),
    )
    resolution_services.resolution_propose(question=question, outcome="yes", rationale="Shipped.")

    app.control.purge()  # every queue the app routes to, not only the default one
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        page.goto("/leaderboard/")
        expect(page.locator("main")).not_to_contain_text("Alice")

        page.goto("/accounts/login/?next=/staff/resolutions/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("staff passphrase 42")
        page.get_by_role("button", name=re.compile("Log in")).click()
        expect(page.get_by_role("heading", name="Will the lab ship in time?")).to_be_visible()
        screenshot("queue")
        page.get_by_role("button", name=re.compile("Confirm")).click()
        expect(page.get_by_text("confirm done")).to_be_visible()

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the rescore runs on the worker
            page.goto("/leaderboard/")
            if (
                page.locator("table").count()
                and "Alice" in page.locator("table").first.inner_text()
            ):
                break
            time.sleep(0.5)
        expect(page.locator("table").first).to_contain_text("Alice")
        screenshot("leaderboard-after")
