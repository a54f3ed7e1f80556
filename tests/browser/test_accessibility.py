"""axe-core finds no serious or critical accessibility problem on any public page, at a
desktop and at a phone size, nor on the pages a forecaster uses to forecast. axe-core's
script comes bundled in the axe-playwright-python wheel: nothing is downloaded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.test import Client

from tests.browser.realistic_site import CHINESE_TEXT, Site, build_site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 375, "height": 740}}
SERIOUS = ("serious", "critical")


@pytest.fixture(params=list(SIZES))
def context(request, chromium, live_server) -> Iterator:
    made = chromium.new_context(viewport=SIZES[request.param], base_url=live_server.url)
    made.set_default_timeout(10_000)
    yield made
    made.close()


@pytest.fixture
def site(settings) -> Site:
    settings.LEADERBOARD_MIN_QUESTIONS = 1
    return build_site()


def assert_no_serious_violation(page, paths: list[str]) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical axe violation on any path; else each, with the elements."""
    axe = Axe()
    found = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status in (200, 404), (path, response)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => (d.open = true))")
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in SERIOUS:
                targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:4])
                found.append(f"{path}: {violation['id']} ({violation['impact']}) at {targets}")
    assert not found, "axe found:\n" + "\n".join(found)


def test_public_pages_have_no_serious_accessibility_problem(context, site):
    paths = [
        "/",
        "/questions/",
        "/questions/?q=model&status=resolved",
        f"/questions/{site.open_question}/",
        f"/questions/{site.choice_question}/",
        f"/questions/{site.resolved_question}/",
        f"/questions/{site.queued_question}/",
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
    ]
    assert_no_serious_violation(context.new_page(), paths)


def signed_in(context, username: str, live_server):  # type: ignore[no-untyped-def]
    """A page of `context` with `username`'s session cookie, as after logging in."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    return context.new_page()


def test_forecasting_pages_have_no_serious_accessibility_problem(context, site, live_server):
    # bob forecast on the queued question: its proposed outcome shows him a dispute form.
    paths = [
        f"/questions/{site.open_question}/",
        f"/questions/{site.choice_question}/",
        f"/questions/{site.queued_question}/",
        f"/forecasters/{site.forecaster}/",
        "/accounts/",
    ]
    assert_no_serious_violation(signed_in(context, "bob", live_server), paths)


def test_staff_pages_have_no_serious_accessibility_problem(context, site, live_server):
    paths = [
        "/staff/resolutions/",
        "/staff/imports/",
        f"/staff/imports/{site.review_source}/",
        f"/staff/questions/{site.queued_question}/sources/",
        # The discussion with its moderation forms, and a hidden comment's text.
        f"/questions/{site.open_question}/",
    ]
    assert_no_serious_violation(signed_in(context, "admin", live_server), paths)


def test_a_chinese_source_is_marked_as_chinese_and_read_in_a_cjk_font(context, site):
    page = context.new_page()
    page.goto(f"/sources/{site.chinese_source}/")
    text = page.locator(".source-text")
    assert text.get_attribute("lang") == "zh"
    assert text.inner_text() == CHINESE_TEXT
    assert page.locator("h1").get_attribute("lang") == "zh"
    font = text.evaluate("element => getComputedStyle(element).fontFamily")
    assert '"Noto Sans CJK SC", "PingFang SC", "Hiragino Sans", "Microsoft YaHei"' in font
    # An English source's text is English like the page around it.
    page.goto(f"/sources/{site.source}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".source-text").get_attribute("lang") is None
