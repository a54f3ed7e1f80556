"""The whole loop a forecaster goes through, in a real browser at desktop width and on a
375 px phone: sign up, confirm the address from the emailed link, find a question by
search, forecast, follow it, get told of a proposed outcome, dispute it from the page,
see staff confirm it, and find the score and the forecast history on the question page
and the forecaster page.

Outside the browser, only what no page does: staff propose the outcome through the
resolvers service, and the tasks a Celery worker would run (the notices, the rescore) run
here, in order, so that nothing waits on a worker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from config.celery import app
from predictions import rescoring
from predictions import services as forecast_services
from predictions.models import Forecast
from predictions.tasks import send_proposal_notices
from resolvers import services as resolution_services
from resolvers.models import Dispute, Resolution
from tests import factories
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 375, "height": 740}}
PASSWORD = "a long enough passphrase 42"
STAFF_PASSWORD = "staff passphrase 42"
TITLE = "Will the Quokka stellarator reach first plasma before 2028?"
# The forecast is recorded as of this long ago: a forecast counts from the day it is made
# through the day before the outcome became known, so one made today would score nothing.
FORECAST_AGE = timedelta(days=3)

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def browser_page(chromium, live_server, viewport) -> Iterator[Page]:
    context = chromium.new_context(viewport=VIEWPORTS[viewport], base_url=live_server.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def staff_page(chromium, live_server, viewport) -> Iterator[Page]:
    context = chromium.new_context(viewport=VIEWPORTS[viewport], base_url=live_server.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def queued_tasks_dropped() -> Iterator[None]:
    """The tasks the services publish wait for a worker that never comes: drop them."""
    app.control.purge()
    yield
    app.control.purge()


@pytest.fixture
def site():
    """The question among others, two forecasters on it for a week, and an admin."""
    staff = factories.StaffFactory(username="admin")
    staff.set_password(STAFF_PASSWORD)
    staff.save()
    now = timezone.now()
    question = factories.QuestionFactory(
        title=TITLE,
        resolution_criteria="Yes if the operator announces first plasma before 2028.",
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=20),
    )
    factories.QuestionFactory(title="Will the lab ship its new accelerator in time?")
    factories.QuestionFactory(title="Will a tokamak break the confinement record in 2026?")
    for handle, probability in (("bob", 0.5), ("carol", 0.6)):
        factories.ForecastFactory(
            question=question,
            forecaster=factories.HumanForecasterFactory(user__username=handle),
            probabilities=[probability],
            submitted_at=now - timedelta(days=8),
        )
    return question


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"#{parts.fragment}" if parts.fragment else "")


def link_in(body: str, pattern: str) -> str:
    match = re.search(rf"https?://\S+{pattern}\S*", body)
    assert match, body
    return path_of(match.group(0))


def no_sideways_scroll(page: Page, viewport: str) -> None:
    if viewport == "phone":
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{page.url} scrolls sideways at 375 px"


def shot(page: Page, name: str, viewport: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"forecasting-loop-{name}-{viewport}.png"), full_page=True
    )


def test_sign_up_forecast_follow_dispute_and_see_the_score(
    browser_page, staff_page, viewport, site, mailoutbox, monkeypatch, queued_tasks_dropped
):
    page = browser_page
    question = site

    # Sign up; the address is confirmed from the link in the email.
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    (welcome,) = [m for m in mailoutbox if m.to == ["newcomer@example.org"]]
    assert welcome.subject == "Confirm your email address for Hindsight"
    page.goto(link_in(welcome.body, "/accounts/email/verify/"))
    expect(page.get_by_text(re.compile("email address of newcomer is confirmed"))).to_be_visible()

    # Find the question by a word of its title.
    page.goto("/questions/")
    page.get_by_role("searchbox", name="Search").fill("stellarator")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status").filter(has_text="matching")).to_have_text(
        "1 question matching “stellarator”."
    )
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    no_sideways_scroll(page, viewport)

    # Forecast 70%, recorded as of three days ago (the database clock the service reads).
    real_clock = forecast_services.database_now
    with monkeypatch.context() as clock:
        clock.setattr(forecast_services, "database_now", lambda: real_clock() - FORECAST_AGE)
        page.get_by_label(re.compile("Your chance that the answer is Yes")).fill("70")
        page.get_by_role("button", name="Save forecast").click()
        expect(page.get_by_text("Forecast saved: Yes 70%")).to_be_visible()
    forecast = Forecast.objects.get(forecaster__handle="newcomer")
    assert forecast.probabilities == [0.7]
    # Their line over the crowd's, said in words too.
    made = forecast.submitted_at
    chart = page.locator("#crowd-heading").locator("..").locator("figure.chart")
    expect(chart.locator("svg g.own polyline")).to_have_count(1)
    expect(chart.locator("figcaption")).to_contain_text(
        f"Your forecast: 70% since {made.day} {made:%b}; the crowd's median: 60%."
    )

    # Follow it.
    page.get_by_role("button", name="Follow this question").click()
    expect(page.get_by_role("button", name="Unfollow this question")).to_be_visible()

    # Staff propose an outcome; the notices go out (the task a worker would run).
    proposal = resolution_services.resolution_propose(
        question=question,
        outcome="yes",
        rationale="The operator announced first plasma on its site.",
        known_on=timezone.now().date(),
    )
    report = send_proposal_notices.apply(args=[proposal.pk]).get()
    assert report["sent"] >= 1
    (notice,) = [
        m
        for m in mailoutbox
        if m.to == ["newcomer@example.org"] and m.subject == f"Outcome proposed: {TITLE}"
    ]
    assert "You forecast on this question, so you may dispute it until then" in notice.body
    dispute_link = link_in(notice.body, f"/questions/{question.slug}/#dispute-window")

    # Dispute it from the page the email links to (opened afresh: from the question page
    # itself, a link that differs only in its #fragment would not load it again).
    page.goto("about:blank")
    page.goto(dispute_link)
    expect(page.locator("#dispute-window")).to_contain_text("unless a forecaster disputes it")
    page.get_by_label(re.compile("What is wrong with it")).fill(
        "The announcement was of a test shot, not first plasma."
    )
    page.get_by_role("button", name="Dispute the outcome").click()
    expect(page.get_by_text("Your dispute is recorded.")).to_be_visible()
    expect(page.get_by_text("You disputed this outcome; an admin will decide.")).to_be_visible()
    assert Dispute.objects.filter(resolution=proposal, forecaster__handle="newcomer").exists()
    no_sideways_scroll(page, viewport)

    # Staff see the dispute in the queue and confirm the outcome; the rescore then runs.
    staff_page.goto("/accounts/login/?next=/staff/resolutions/")
    staff_page.get_by_label("Username").fill("admin")
    staff_page.get_by_label("Password").fill(STAFF_PASSWORD)
    staff_page.get_by_role("button", name=re.compile("Log in")).click()
    entry = staff_page.locator("article.queue").filter(has_text=TITLE)
    expect(entry).to_contain_text("Disputed by newcomer: The announcement was of a test shot")
    entry.get_by_role("button", name=re.compile("Confirm")).click()
    expect(staff_page.get_by_text(f"{TITLE}: confirm done.")).to_be_visible()
    no_sideways_scroll(staff_page, viewport)
    proposal.refresh_from_db()
    assert proposal.state == Resolution.State.FINAL
    rescoring.rescore_question(question_id=question.pk)

    # The question page: the outcome, the score with its place among the others, the line.
    page.goto(f"/questions/{question.slug}/")
    expect(page.get_by_role("heading", name="Scores")).to_be_visible()
    distribution = page.locator("figure.score-distribution")
    expect(distribution.locator("svg line.own")).to_have_count(1)
    expect(distribution.locator("figcaption")).to_contain_text("Relative scores of 3 forecasters")
    expect(distribution.locator("figcaption")).to_contain_text("Yours: ")
    scores = page.get_by_role("region", name=re.compile("Forecasters on this question"))
    expect(scores.get_by_role("row").filter(has_text="(you)")).to_contain_text("newcomer")
    expect(page.locator("#crowd-heading").locator("..").locator("figcaption")).to_contain_text(
        "Your final forecast: 70%"
    )
    history = page.get_by_role("region", name="Your forecasts")
    expect(history).to_contain_text("Yes 70%")
    expect(history).to_contain_text(made.strftime("%Y-%m-%d %H:%M"))
    no_sideways_scroll(page, viewport)
    shot(page, "question", viewport)

    # The forecaster page: the scored question, with the score.
    page.goto("/forecasters/newcomer/")
    scored = page.get_by_role("region", name="Scored questions")
    row = scored.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Yes")
    expect(row).to_contain_text("3 of")  # the three days the forecast stood
    no_sideways_scroll(page, viewport)
    shot(page, "forecaster", viewport)
