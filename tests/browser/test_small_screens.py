"""No page scrolls sideways on a 375 px phone, whatever its data: long titles, unbroken words
and URLs, wide tables, charts, token keys. A genuinely wide table may scroll inside its own
box (.table-wrap); the page itself never does, and no element sticks out past the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from predictions.unsubscribe import unsubscribe_path
from registry.models import Forecaster
from tests.browser.conftest import SCREENSHOTS
from tests.browser.realistic_site import Site, build_site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PHONE = {"width": 375, "height": 740}

# What sticks out past the right edge of the screen, outside any box that scrolls or clips
# it; every <details> is opened first so that what it hides is measured too.
OVERFLOW = """() => {
  for (const details of document.querySelectorAll("details")) details.open = true;
  const width = document.documentElement.clientWidth;
  const clipped = (element) => {
    for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (element) => element.tagName.toLowerCase()
    + (element.id ? "#" + element.id : "")
    + (element.classList.length ? "." + [...element.classList].join(".") : "");
  const out = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (!box.width || box.right <= 0 || box.right <= width + 0.5 || clipped(element)) continue;
    out.push(`${name(element)} reaches ${Math.round(box.right)}px: `
      + (element.textContent || "").trim().slice(0, 60));
  }
  return {scrollWidth: document.documentElement.scrollWidth, out: out.slice(0, 8)};
}"""


@pytest.fixture
def phone(chromium, live_server) -> Iterator:
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def site(settings) -> Site:
    settings.LEADERBOARD_MIN_QUESTIONS = 1
    return build_site()


def signed_in(context, username: str, live_server):  # type: ignore[no-untyped-def]
    """A page of `context` with `username`'s session cookie, as after logging in."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    return context.new_page()


def assert_fits(page, paths: list[str], who: str) -> None:  # type: ignore[no-untyped-def]
    """Every path loads and nothing on it sticks out past the phone's screen."""
    wide = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status in (200, 404), (path, response)
        measured = page.evaluate(OVERFLOW)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
        page.screenshot(path=str(SCREENSHOTS / f"small-screen-{who}-{name}.png"), full_page=True)
        if measured["scrollWidth"] > PHONE["width"] or measured["out"]:
            wide[path] = measured
    assert not wide, "pages wider than the phone:\n" + "\n".join(
        f"{path} ({found['scrollWidth']}px): " + "; ".join(found["out"])
        for path, found in wide.items()
    )


def test_public_pages_fit_a_phone(phone, site):
    paths = [
        "/",
        "/questions/",
        "/questions/?q=model&status=open&sort=newest",
        f"/questions/{site.open_question}/",
        f"/questions/{site.choice_question}/",
        f"/questions/{site.resolved_question}/",
        "/scoring/",
        "/leaderboard/",
        "/leaderboard/?kind=pundit",
        f"/forecasters/{site.forecaster}/",
        f"/forecasters/{site.forecaster}/?calibration=frontier-models",
        "/forecasters/jane-pundit/",
        "/sources/",
        f"/sources/{site.source}/",
        f"/sources/{site.chinese_source}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/no-such-page/",
        unsubscribe_path(
            forecaster_id=Forecaster.objects.get(handle=site.forecaster).pk,
            kind="followed_forecaster",
        ),
    ]
    assert_fits(phone.new_page(), paths, "visitor")


def test_forecaster_pages_fit_a_phone_tokens_and_forms_included(phone, site, live_server):
    page = signed_in(phone, "alice", live_server)
    page.goto("/accounts/")
    page.get_by_role("button", name="Create an API token").click()
    expect(page.get_by_label("Token key")).to_be_visible()
    page.get_by_role("button", name="Create another token").click()
    expect(page.get_by_label("Token key")).to_be_visible()
    # The page that shows a new key is the POST's answer: measure it as it is.
    measured = page.evaluate(OVERFLOW)
    assert (measured["scrollWidth"], measured["out"]) == (PHONE["width"], [])
    paths = [
        "/accounts/",
        "/accounts/profile/",
        "/accounts/delete/",
        f"/questions/{site.open_question}/",
        f"/questions/{site.choice_question}/",
        f"/questions/{site.resolved_question}/",
        f"/questions/{site.queued_question}/",
        f"/forecasters/{site.forecaster}/",
        "/questions/?mine=yes",
        f"/comments/{site.comment}/edit/",
    ]
    assert_fits(page, paths, "alice")


def test_staff_pages_fit_a_phone(phone, site, live_server):
    paths = [
        "/staff/resolutions/",
        "/staff/imports/",
        f"/staff/imports/{site.review_source}/",
        f"/staff/questions/{site.open_question}/sources/",
        f"/staff/questions/{site.queued_question}/sources/",
        f"/questions/{site.open_question}/",
    ]
    assert_fits(signed_in(phone, "admin", live_server), paths, "staff")
