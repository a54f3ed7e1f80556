"""The community features, driven in a real browser at desktop width and on a 375 px
phone: the discussion under a question (Markdown, editing, moderation), one's public
profile, deleting one's account, the people / bots / pundits leaderboards, following
forecasters and sources, and the one-click unsubscribe link in an email.

Outside the browser, only what no page does: the data the pages show comes from the
factories, and the notice whose email carries the unsubscribe link is sent by the task a
Celery worker would run (as in test_forecasting_loop.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from config.celery import app
from predictions import rescoring
from predictions.follow_models import Follow, NotificationSettings
from predictions.models import Forecast
from predictions.tasks import send_proposal_notices
from registry.models import Forecaster
from resolvers import services as resolution_services
from tests import factories
from tests.browser.test_forecasting_loop import VIEWPORTS, link_in, no_sideways_scroll

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "a long enough passphrase 42"


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def queued_tasks_dropped() -> Iterator[None]:
    """The tasks the services publish wait for a worker that never comes: drop them."""
    app.control.purge()
    yield
    app.control.purge()


@pytest.fixture
def new_page(chromium, live_server, viewport) -> Iterator[Callable[[], Page]]:
    """Pages in separate browser contexts (separate people), at the test's viewport."""
    contexts = []

    def make() -> Page:
        context = chromium.new_context(viewport=VIEWPORTS[viewport], base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def person(username: str, *, staff: bool = False, **fields) -> Forecaster | None:  # type: ignore[no-untyped-def]
    """A user who can log in with PASSWORD; their forecaster unless they are staff."""
    if staff:
        user = factories.StaffFactory(username=username)
        user.set_password(PASSWORD)
        user.save()
        return None
    forecaster = factories.HumanForecasterFactory(user__username=username, **fields)
    forecaster.user.set_password(PASSWORD)
    forecaster.user.save()
    return forecaster


def log_in(page: Page, username: str, then: str) -> None:
    page.goto(f"/accounts/login/?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log in")).click()
    expect(page.get_by_role("link", name="Account", exact=True)).to_be_visible()


def scored_question(forecasters: list[Forecaster], title: str = "Will the lab ship in 2026?"):  # type: ignore[no-untyped-def]
    """A resolved, scored question every one of `forecasters` forecast on."""
    start = timezone.now() - timedelta(days=20)
    question = factories.QuestionFactory(
        title=title, opens_at=start, closes_at=start + timedelta(days=5)
    )
    for forecaster, probability in zip(forecasters, (0.9, 0.3, 0.6, 0.8), strict=False):
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[probability],
            submitted_at=start + timedelta(hours=2),
        )
    resolution_services.resolution_record(
        question=question,
        outcome="yes",
        rationale="Reported.",
        user=factories.StaffFactory(username="resolver"),
        known_on=(start + timedelta(days=6)).date(),
    )
    rescoring.rescore_question(question_id=question.pk)
    return question


# --- 1. The discussion under a question


def test_comment_with_markdown_edit_it_and_staff_hide_it(new_page, viewport):
    person("alice", display_name="Alice")
    person("admin", staff=True)
    question = factories.QuestionFactory(title="Will the fusion start-up raise again?")
    path = f"/questions/{question.slug}/"

    page = new_page()
    log_in(page, "alice", path)
    expect(page.get_by_role("heading", level=1, name=question.title)).to_be_visible()
    page.get_by_label("Your comment").fill(
        "See [the filing](https://example.org/filing) and *soon*.\n<script>alert(1)</script>"
    )
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    comment = page.locator("li.comment").first
    body = comment.locator(".comment-body")
    expect(body.get_by_role("link", name="the filing")).to_have_attribute(
        "href", "https://example.org/filing"
    )
    expect(body.locator("em")).to_have_text("soon")
    expect(body).to_contain_text("<script>alert(1)</script>")  # shown as text, not run
    expect(comment.locator("script")).to_have_count(0)
    expect(comment.locator("p.meta")).not_to_contain_text("edited")
    no_sideways_scroll(page, viewport)

    # Edit it within the window: it then shows "edited".
    comment.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1, name="Edit your comment")).to_be_visible()
    page.get_by_label("Your comment").fill("See [the filing](https://example.org/filing) first.")
    no_sideways_scroll(page, viewport)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your comment is updated.")).to_be_visible()
    comment = page.locator("li.comment").first
    expect(comment.locator(".comment-body")).to_have_text("See the filing first.")
    expect(comment.locator("p.meta")).to_contain_text("edited")

    # Staff hide it, with a reason.
    staff = new_page()
    log_in(staff, "admin", path)
    staff_comment = staff.locator("li.comment").first
    staff_comment.get_by_label("Staff: hide, because").fill("Off topic")
    staff_comment.get_by_role("button", name="Hide").click()
    expect(staff.get_by_text("The comment is hidden; only staff see its text.")).to_be_visible()
    expect(staff.locator("li.comment").first).to_contain_text("Staff see the text below")
    no_sideways_scroll(staff, viewport)

    # Anyone else sees that it was hidden, not what it said nor why; its author sees why.
    visitor = new_page()
    visitor.goto(path)
    hidden = visitor.locator("li.comment").first
    expect(hidden.locator(".moderation")).to_have_text("Hidden by a moderator.")
    expect(hidden).not_to_contain_text("the filing")
    expect(hidden).not_to_contain_text("Off topic")
    no_sideways_scroll(visitor, viewport)
    page.goto(path)
    expect(page.locator("li.comment").first.locator(".moderation")).to_have_text(
        "Hidden by a moderator. Reason: Off topic"
    )


# --- 2. One's public profile


def test_edit_the_profile_and_see_it_on_the_public_page(new_page, viewport):
    person("alice", display_name="Alice")
    page = new_page()
    log_in(page, "alice", "/accounts/profile/")
    expect(page.get_by_role("heading", level=1, name="Your public profile")).to_be_visible()
    page.get_by_label("Display name").fill("Alice Liddell")
    page.get_by_label("Bio").fill("Forecasts chips and policy.\nWrites on weekends.")
    page.get_by_label("Link 1").fill("javascript:alert(1)")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.locator("#field-link_1")).to_contain_text(
        "That is not a web address: give the full address, starting https:// or http://."
    )
    expect(page.get_by_label("Display name")).to_have_value("Alice Liddell")
    no_sideways_scroll(page, viewport)
    assert Forecaster.objects.get(handle="alice").display_name == "Alice"

    page.get_by_label("Link 1").fill("https://alice.example.org/")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.get_by_text("Your public profile is saved.")).to_be_visible()

    page.goto("/forecasters/alice/")
    expect(page.get_by_role("heading", level=1, name="Alice Liddell")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Forecasts chips and policy.")
    expect(main).to_contain_text("Writes on weekends.")
    link = main.get_by_role("link", name="https://alice.example.org/")
    expect(link).to_have_attribute("href", "https://alice.example.org/")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener")
    no_sideways_scroll(page, viewport)


# --- 3. Deleting one's account


def test_delete_the_account_wrong_then_right_password(new_page, viewport, settings):
    settings.LEADERBOARD_MIN_QUESTIONS = 1
    alice = person("alice", display_name="Alice")
    bob = person("bob", display_name="Bob")
    question = scored_question([alice, bob])

    page = new_page()
    log_in(page, "alice", "/accounts/delete/")
    expect(page.get_by_role("heading", level=1, name="Delete your account")).to_be_visible()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#field-password")).to_contain_text("That is not your password.")
    no_sideways_scroll(page, viewport)
    assert not Forecaster.objects.get(pk=alice.pk).is_deleted

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text(re.compile("Your account is deleted"))).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("link", name="Account", exact=True)).to_have_count(0)
    handle = Forecaster.objects.get(pk=alice.pk).handle
    expect(page.get_by_text(re.compile(f"“Deleted forecaster” \\({handle}\\)"))).to_be_visible()

    page.goto(f"/forecasters/{handle}/")
    expect(page.get_by_role("heading", level=1, name="Deleted forecaster")).to_be_visible()
    expect(page.get_by_text("This account was deleted by its owner.")).to_be_visible()
    scored = page.get_by_role("region", name="Scored questions")
    expect(scored.get_by_role("row").filter(has_text=question.title)).to_be_visible()
    no_sideways_scroll(page, viewport)
    assert Forecast.objects.filter(forecaster=alice).count() == 1
    assert page.goto("/forecasters/alice/").status == 404


# --- 4. The leaderboards


def test_leaderboard_tabs_switch_boards_and_show_the_crowd_unranked(new_page, viewport, settings):
    settings.LEADERBOARD_MIN_QUESTIONS = 1
    alice = person("alice", display_name="Alice")
    bob = person("bob", display_name="Bob")
    bot = factories.ForecasterFactory(handle="robo", display_name="Robo", kind=Forecaster.Kind.BOT)
    pundit = factories.PunditFactory(handle="jane", display_name="Jane Pundit")
    scored_question([alice, bob, bot, pundit])

    page = new_page()
    page.goto("/leaderboard/")
    boards = page.get_by_role("navigation", name="Board")
    ranking = page.get_by_role("table", name=re.compile("People"))
    expect(boards.get_by_role("link", name="People")).to_have_attribute("aria-current", "page")
    expect(ranking.locator("tbody")).to_contain_text("Alice")
    expect(ranking.locator("tbody")).to_contain_text("Bob")
    expect(ranking.locator("tbody")).not_to_contain_text("Robo")
    crowd = ranking.locator("tfoot tr")
    expect(crowd).to_contain_text("The people's crowd")
    expect(crowd).to_contain_text("Not ranked")
    expect(crowd.locator("td").first).to_have_text("\u2013")
    no_sideways_scroll(page, viewport)

    boards.get_by_role("link", name="Bots").click()
    expect(page).to_have_url(re.compile(r"\?kind=bot$"))
    expect(boards.get_by_role("link", name="Bots")).to_have_attribute("aria-current", "page")
    ranking = page.get_by_role("table", name=re.compile("Bots"))
    expect(ranking.locator("tbody")).to_contain_text("Robo")
    expect(ranking.locator("tbody")).not_to_contain_text("Alice")
    no_sideways_scroll(page, viewport)

    boards.get_by_role("link", name="Pundits").click()
    expect(page).to_have_url(re.compile(r"\?kind=pundit$"))
    ranking = page.get_by_role("table", name=re.compile("Pundits"))
    expect(ranking.locator("tbody")).to_contain_text("Jane Pundit")
    expect(ranking.locator("tbody")).not_to_contain_text("Robo")

    boards.get_by_role("link", name="People").click()
    expect(page).to_have_url(re.compile(r"\?kind=human$"))
    expect(page.get_by_role("table", name=re.compile("People")).locator("tbody")).to_contain_text(
        "Alice"
    )


# --- 5. Following forecasters and sources


def test_follow_and_unfollow_a_forecaster_and_a_source(new_page, viewport):
    alice = person("alice", display_name="Alice")
    person("bob", display_name="Bob")
    source = factories.SourceFactory(title="The state of open models")

    page = new_page()
    log_in(page, "alice", "/forecasters/bob/")
    page.get_by_role("button", name="Follow this forecaster").click()
    expect(page.get_by_text(re.compile("You follow Bob"))).to_be_visible()
    expect(page.get_by_role("button", name="Unfollow this forecaster")).to_be_visible()
    no_sideways_scroll(page, viewport)

    page.goto(f"/sources/{source.slug}/")
    page.get_by_role("button", name="Follow this source").click()
    expect(page.get_by_role("button", name="Unfollow this source")).to_be_visible()
    no_sideways_scroll(page, viewport)

    page.goto("/accounts/")
    following = page.get_by_role("region", name="Following")
    expect(following.get_by_role("link", name="Bob")).to_have_attribute("href", "/forecasters/bob/")
    expect(following.get_by_role("link", name="The state of open models")).to_be_visible()
    no_sideways_scroll(page, viewport)

    # The forecaster from their page, the source from the account page's list.
    page.goto("/forecasters/bob/")
    page.get_by_role("button", name="Unfollow this forecaster").click()
    expect(page.get_by_text("You no longer follow it, and will not be told of it.")).to_be_visible()
    expect(page.get_by_role("button", name="Follow this forecaster")).to_be_visible()

    page.goto("/accounts/")
    following = page.get_by_role("region", name="Following")
    expect(following.get_by_role("link", name="Bob")).to_have_count(0)
    following.get_by_role("button", name="Unfollow The state of open models").click()
    expect(page.get_by_text("You no longer follow it, and will not be told of it.")).to_be_visible()
    expect(page.get_by_role("region", name="Following")).to_contain_text("You follow nothing yet.")
    assert not Follow.objects.filter(follower=alice).exists()


# --- 6. The unsubscribe link in an email


def test_the_emailed_unsubscribe_link_turns_that_kind_off(
    new_page, viewport, mailoutbox, queued_tasks_dropped
):
    alice = person("alice", display_name="Alice")
    question = factories.ClosedQuestionFactory(title="Will the chip fab open on time?")
    factories.ForecastFactory(
        question=question,
        forecaster=alice,
        probabilities=[0.7],
        submitted_at=question.opens_at + timedelta(hours=1),
    )
    proposal = resolution_services.resolution_propose(
        question=question, outcome="yes", rationale="It opened.", known_on=timezone.now().date()
    )
    assert send_proposal_notices.apply(args=[proposal.pk]).get()["sent"] == 1
    (notice,) = [m for m in mailoutbox if m.to == ["alice@example.org"]]
    link = link_in(notice.body, "/notifications/unsubscribe/")

    page = new_page()  # from the email: not logged in
    page.goto(link)
    expect(page.get_by_role("heading", level=1, name="Unsubscribe")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        'Stop "An outcome is proposed" notices for the Hindsight account @alice?'
    )
    no_sideways_scroll(page, viewport)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("status")).to_have_text(
        'Done: @alice gets no more "An outcome is proposed" notices.'
    )
    no_sideways_scroll(page, viewport)
    settings_row = NotificationSettings.objects.get(forecaster=alice)
    assert settings_row.outcome_proposed is False
    assert settings_row.closing_reminder is True  # other kinds keep coming

    # The account page says so too.
    log_in(page, "alice", "/accounts/")
    expect(
        page.get_by_label(re.compile("An outcome proposed for such a question"))
    ).not_to_be_checked()
    expect(page.get_by_label(re.compile("A reminder a day before"))).to_be_checked()
