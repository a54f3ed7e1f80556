"""Importing an article in a real browser: staff paste a text, review what the finder
proposed, edit and accept a draft, and a forecaster forecasts on the published question;
a long text is read by the Celery worker while the review page shows its progress."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import expect

from config.celery import app
from predictions.models import Forecast
from registry.models import Claim
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "a long enough passphrase 42"


def article(year: int) -> str:
    return (
        f"Open models in {year}\n\n"
        f"Open models had a strong year in {year - 1}.\n\n"
        "I expect an open-weight model to top the LMArena text leaderboard by the end of "
        f"{year}.\n\n"
        f"Hugging Face downloads of open models will likely double by June {year}.\n"
    )


def user(username: str, *, staff: bool = False):  # type: ignore[no-untyped-def]
    made = (factories.StaffFactory if staff else factories.UserFactory)(username=username)
    made.set_password(PASSWORD)
    made.save()
    return made


def log_in(page, username: str, then: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/accounts/login/?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log in")).click()


def paste_and_import(page, text: str, published: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Or paste the text").fill(text)
    page.get_by_label("Title", exact=True).fill(text.splitlines()[0])
    page.get_by_label("Author", exact=True).fill("Jane Doe")
    page.get_by_label("Publication date").fill(published)
    page.get_by_role("button", name="Import and find forecasts").click()


def test_import_review_accept_then_forecast_on_the_new_question(page, screenshot):
    user("admin", staff=True)
    alice = factories.HumanForecasterFactory(user=user("alice"), handle="alice")
    year = timezone.now().year + 1
    published = (timezone.now().date() - timedelta(days=2)).isoformat()

    log_in(page, "admin", "/staff/imports/")
    expect(page.get_by_role("heading", name="Import a source")).to_be_visible()
    paste_and_import(page, article(year), published)

    expect(page.get_by_role("heading", name=f"Review: Open models in {year}")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Imported “Open models in \d+”: \d+ new proposals"))
    ).to_be_visible()
    claim = Claim.objects.get(quote__startswith="I expect an open-weight model")
    mark = page.locator(f"#text-claim-{claim.pk}")
    expect(mark).to_have_class("proposed")
    screenshot("review")

    mark.get_by_role("link").click()
    card = page.locator(f"#claim-{claim.pk}")
    expect(card).to_contain_text("set by “I expect”")
    card.get_by_label("Question", exact=True).fill(
        f"Will an open-weight model top LMArena by 31 Dec {year}?"
    )
    card.get_by_label(re.compile("implied probability")).fill("65")
    card.get_by_role("button", name="Accept and publish").click()

    expect(
        page.get_by_text(
            re.compile("Accepted and published: “Will an open-weight model top LMArena")
        )
    ).to_be_visible()
    expect(page.locator(f"#text-claim-{claim.pk}")).to_have_class("accepted")
    screenshot("accepted")
    page.locator(f"#claim-{claim.pk}").get_by_role("link", name=re.compile("top LMArena")).click()
    expect(page.get_by_role("heading", name=re.compile("top LMArena"))).to_be_visible()
    question_url = page.url

    page.get_by_role("button", name="Log out").click()
    log_in(page, "alice", urlsplit(question_url).path)
    page.get_by_label(re.compile("Your chance that the answer is Yes")).fill("40")
    page.get_by_role("button", name="Save forecast").click()
    expect(page.get_by_text("Forecast saved")).to_be_visible()
    screenshot("forecast")

    forecasts = {f.forecaster.handle: f for f in Forecast.objects.select_related("forecaster")}
    assert forecasts["alice"].probabilities == [0.4]
    assert forecasts["alice"].forecaster == alice
    pundit = forecasts[claim.source.author.handle]
    assert (pundit.probabilities, pundit.origin) == ([0.65], "claim")


def test_a_long_import_shows_its_progress_until_the_worker_is_done(page, screenshot, settings):
    settings.IMPORT_INLINE_MAX_CHARS = 50
    user("admin", staff=True)
    year = timezone.now().year + 1
    published = (timezone.now().date() - timedelta(days=2)).isoformat()
    app.control.purge()  # before the import: its task is published when it commits
    log_in(page, "admin", "/staff/imports/")
    paste_and_import(page, article(year), published)

    expect(page.get_by_text("the finder is reading it")).to_be_visible()
    expect(page.locator("#import-progress")).to_be_visible()
    screenshot("waiting")

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        # The page polls the import's progress and reloads itself once it is done.
        expect(page.locator(".source-text mark.proposed").first).to_be_visible(timeout=30_000)
    expect(page.locator("#import-state")).to_have_text("Done")
    screenshot("done")
