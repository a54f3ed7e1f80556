"""The discussion under a question: posting, editing, moderating, what each viewer sees."""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from config.api import CommentBurstRateThrottle, CommentDailyRateThrottle
from config.errors import ApplicationError
from config.web_throttles import comment_throttled_message
from predictions import comment_selectors, comment_services
from predictions.comments import Comment
from predictions.markup import ALLOWED_TAGS, clean_html, render_markdown
from tests import factories
from tests.predictions.helpers import MC_OPTIONS, post_raw, results

pytestmark = pytest.mark.django_db


def comments_url(question) -> str:
    return f"/api/v1/questions/{question.slug}/comments/"


def page_url(question) -> str:
    return f"/questions/{question.slug}/"


def session(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(question, author, body="A *fine* point.") -> Comment:
    return comment_services.comment_post(question=question, author=author, body=body)


class TagCollector(HTMLParser):
    """Every tag of an HTML fragment with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs) -> None:  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = TagCollector()
    collector.feed(html)
    return collector.tags


def assert_harmless(html: str) -> None:
    for tag, attributes in tags_of(html):
        assert tag in ALLOWED_TAGS, html
        assert set(attributes) <= ({"href", "rel"} if tag == "a" else set()), html
        href = (attributes.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), html


# --- Safe Markdown


HOSTILE_MARKDOWN = [
    "<script>alert('x')</script>",
    "Hi <img src=x onerror=alert(1)> there",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    '<p onclick="alert(1)" style="color:red">styled</p>',
    "![tracker](https://evil.example/pixel.png)",
    "<svg onload=alert(1)>",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
]


@pytest.mark.parametrize("source", HOSTILE_MARKDOWN)
def test_markdown_renders_only_harmless_tags(source):
    html = render_markdown(source)

    assert_harmless(html)
    assert "<script" not in html and "<img" not in html and "<iframe" not in html


def test_raw_html_typed_in_a_comment_shows_as_text():
    assert render_markdown("<script>alert(1)</script>") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )


def test_the_sanitizer_strips_what_a_renderer_could_let_through():
    hostile = (
        '<p onclick="steal()">a</p><script>alert(1)</script><img src=x onerror=alert(1)>'
        '<a href="javascript:alert(1)">bad</a><a href="https://ok.example" target="_blank" '
        'onmouseover="x()">ok</a><style>body{display:none}</style><h1>big</h1>'
    )

    html = clean_html(hostile)

    assert_harmless(html)
    assert "alert" not in html and "display:none" not in html
    assert '<a href="https://ok.example" rel="nofollow ugc noopener">ok</a>' in html
    assert "big" in html  # the heading's text stays, as text


def test_markdown_keeps_what_a_comment_needs():
    html = render_markdown(
        "Some *emphasis*, **bold** and `code`.\n\n"
        "> a quote\n\n- one\n- two\n\n1. first\n\n```\nblock\n```\n\n"
        "[a link](https://example.org/x)"
    )

    for tag in ("p", "em", "strong", "code", "blockquote", "ul", "ol", "li", "pre", "a"):
        assert f"<{tag}" in html, tag
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">a link</a>' in html


# --- Posting


def test_a_comment_keeps_the_forecast_that_stood_when_it_was_posted(alice):
    question = factories.QuestionFactory()
    now = timezone.now()
    factories.ForecastFactory(
        question=question, forecaster=alice, probabilities=[0.3], submitted_at=now - timedelta(2)
    )
    standing = factories.ForecastFactory(
        question=question, forecaster=alice, probabilities=[0.6], submitted_at=now - timedelta(1)
    )
    factories.ForecastFactory(question=factories.QuestionFactory(), forecaster=alice)

    comment = post(question, alice)
    factories.ForecastFactory(question=question, forecaster=alice, probabilities=[0.9])

    comment.refresh_from_db()
    assert comment.standing_forecast == standing
    assert comment.body == "A *fine* point."
    assert comment.body_html == "<p>A <em>fine</em> point.</p>\n"


def test_a_comment_by_someone_who_has_not_forecast_has_no_forecast(alice):
    assert post(factories.QuestionFactory(), alice).standing_forecast is None


BAD_BODIES = [
    ("", "write something first"),
    ("  \n\t ", "write something first"),
    ("a" * 10_001, "must be at most 10000 characters (it has 10001)"),
    ("nul \x00 byte", "must not contain NUL bytes"),
    ("half \ud800 a pair", "must not contain lone surrogates (broken Unicode)"),
    (42, "must be text"),
    (None, "must be text"),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
def test_a_bad_body_is_refused_naming_the_field_and_nothing_is_saved(alice, body, message):
    with pytest.raises(ApplicationError) as refused:
        post(factories.QuestionFactory(), alice, body)

    assert (refused.value.code, refused.value.fields) == ("invalid", {"body": message})
    assert not Comment.objects.exists()


def test_a_draft_question_takes_no_comments(alice):
    with pytest.raises(ApplicationError) as refused:
        post(factories.DraftQuestionFactory(), alice)

    assert refused.value.code == "conflict"
    assert not Comment.objects.exists()


def test_staff_posting_on_a_draft_are_told_why_nothing_was_posted(staff_user):
    draft = factories.DraftQuestionFactory()

    response = session(staff_user).post(
        f"/questions/{draft.slug}/comments/", {"body": "Early note"}, follow=True
    )

    assert "A draft question takes no comments until it is published." in (
        response.content.decode()
    )
    assert not Comment.objects.exists()


def test_closed_and_resolved_questions_are_still_discussed(alice):
    assert post(factories.ClosedQuestionFactory(), alice).pk


# --- Editing


def test_the_author_edits_within_the_window_and_it_shows_edited(alice):
    comment = post(factories.QuestionFactory(), alice)

    comment_services.comment_edit(comment=comment, author=alice, body="A **better** point.")

    comment.refresh_from_db()
    assert comment.body == "A **better** point."
    assert comment.body_html == "<p>A <strong>better</strong> point.</p>\n"
    assert comment.edited_at >= comment.created_at
    page = Client().get(page_url(comment.question)).content.decode()
    assert "<strong>better</strong>" in page and "edited" in page


def test_an_edit_that_changes_nothing_is_not_marked(alice):
    comment = post(factories.QuestionFactory(), alice)

    comment_services.comment_edit(comment=comment, author=alice, body=comment.body)

    comment.refresh_from_db()
    assert comment.edited_at is None


def test_no_edit_after_the_window(alice, settings):
    settings.COMMENT_EDIT_WINDOW = timedelta(minutes=15)
    comment = factories.CommentFactory(
        author=alice, created_at=timezone.now() - timedelta(minutes=16)
    )

    with pytest.raises(ApplicationError) as refused:
        comment_services.comment_edit(comment=comment, author=alice, body="Rewritten")

    assert refused.value.code == "conflict"
    assert "15 minutes" in refused.value.message
    comment.refresh_from_db()
    assert (comment.body.startswith("Comment number"), comment.edited_at) == (True, None)


def test_nobody_edits_someone_elses_comment(alice, bob):
    comment = post(factories.QuestionFactory(), alice)

    with pytest.raises(ApplicationError) as refused:
        comment_services.comment_edit(comment=comment, author=bob, body="Mine now")

    assert refused.value.code == "forbidden"
    comment.refresh_from_db()
    assert comment.body == "A *fine* point."


def test_an_edit_with_a_bad_body_changes_nothing(alice):
    comment = post(factories.QuestionFactory(), alice)

    with pytest.raises(ApplicationError) as refused:
        comment_services.comment_edit(comment=comment, author=alice, body="   ")

    assert refused.value.fields == {"body": "write something first"}
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("A *fine* point.", None)


def test_a_hidden_comment_cannot_be_edited(alice, staff_user):
    comment = post(factories.QuestionFactory(), alice)
    comment_services.comment_hide(comment=comment, user=staff_user, reason="Spam")

    with pytest.raises(ApplicationError) as refused:
        comment_services.comment_edit(comment=comment, author=alice, body="Innocent now")

    assert refused.value.code == "conflict"


# --- Moderation


def test_staff_hide_with_a_reason_and_show_again(alice, staff_user):
    comment = post(factories.QuestionFactory(), alice)

    comment_services.comment_hide(comment=comment, user=staff_user, reason=" Off-topic ")
    comment.refresh_from_db()
    assert (comment.is_hidden, comment.hidden_by, comment.hidden_reason) == (
        True,
        staff_user,
        "Off-topic",
    )

    comment_services.comment_unhide(comment=comment, user=staff_user)
    comment.refresh_from_db()
    assert (comment.hidden_at, comment.hidden_by, comment.hidden_reason) == (None, None, "")


def test_hiding_needs_a_reason(alice, staff_user):
    comment = post(factories.QuestionFactory(), alice)

    with pytest.raises(ApplicationError) as refused:
        comment_services.comment_hide(comment=comment, user=staff_user, reason="  ")

    assert refused.value.fields == {"reason": "say why the comment is hidden"}
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_only_staff_moderate(alice, bob):
    comment = post(factories.QuestionFactory(), alice)

    for act in (
        lambda: comment_services.comment_hide(comment=comment, user=bob.user, reason="Nope"),
        lambda: comment_services.comment_unhide(comment=comment, user=bob.user),
    ):
        with pytest.raises(ApplicationError) as refused:
            act()
        assert refused.value.code == "forbidden"
    comment.refresh_from_db()
    assert not comment.is_hidden


# --- The question page


def test_the_thread_is_under_the_forecasts_oldest_first(alice, bob):
    question = factories.QuestionFactory()
    now = timezone.now()
    factories.CommentFactory(
        question=question, author=bob, body="Second **word**", created_at=now - timedelta(1)
    )
    factories.CommentFactory(
        question=question, author=alice, body="First word", created_at=now - timedelta(2)
    )

    page = Client().get(page_url(question)).content.decode()

    assert page.index("Your forecast") < page.index("Discussion")
    assert page.index("First word") < page.index("Second <strong>word</strong>")
    assert "2 comments, oldest first" in page
    assert "Log in to comment" in page


def test_an_empty_thread_says_so_and_offers_the_form_to_forecasters(alice):
    question = factories.QuestionFactory()

    page = session(alice.user).get(page_url(question)).content.decode()

    assert "No comments yet." in page
    assert 'id="comment-form"' in page and "Post comment" in page


def test_posting_from_the_page_lands_on_the_comment(alice):
    question = factories.QuestionFactory()
    browser = session(alice.user)

    response = browser.post(
        f"/questions/{question.slug}/comments/", {"body": "Base rates say *no*."}
    )

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/questions/{question.slug}/#comment-{comment.pk}"
    page = browser.get(response["Location"]).content.decode()
    assert "Your comment is posted." in page
    assert "Base rates say <em>no</em>." in page


def test_a_refused_comment_comes_back_with_the_reason_beside_the_field(alice):
    question = factories.QuestionFactory()

    response = session(alice.user).post(f"/questions/{question.slug}/comments/", {"body": "  \n "})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="comment-body_error">write something first<' in page
    assert not Comment.objects.exists()


def test_a_comment_too_long_for_the_form_is_refused_and_kept_for_the_author(alice):
    question = factories.QuestionFactory()
    long_text = "word " * 2001

    response = session(alice.user).post(
        f"/questions/{question.slug}/comments/", {"body": long_text}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "at most 10000 characters" in page
    assert long_text.strip() in page  # what was typed is kept
    assert not Comment.objects.exists()


def test_an_anonymous_post_is_sent_to_log_in(db):
    question = factories.QuestionFactory()

    response = Client().post(f"/questions/{question.slug}/comments/", {"body": "Hi"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Comment.objects.exists()


def test_the_forecast_beside_a_comment_is_private_until_the_close(alice, bob, staff_user):
    question = factories.QuestionFactory()
    factories.ForecastFactory(question=question, forecaster=alice, probabilities=[0.637])
    post(question, alice)
    shown = "forecast when posting: <strong>63.7% Yes</strong>"

    assert shown not in Client().get(page_url(question)).content.decode()
    assert shown not in session(bob.user).get(page_url(question)).content.decode()
    assert shown in session(alice.user).get(page_url(question)).content.decode()
    assert shown in session(staff_user).get(page_url(question)).content.decode()

    question.closes_at = timezone.now() - timedelta(minutes=1)
    question.opens_at = question.closes_at - timedelta(days=10)
    question.save()
    assert shown in Client().get(page_url(question)).content.decode()


def test_a_multiple_choice_forecast_is_shown_in_words(alice):
    question = factories.MultipleChoiceQuestionFactory(options=MC_OPTIONS)
    factories.ForecastFactory(question=question, forecaster=alice, probabilities=[0.5, 0.3, 0.2])
    post(question, alice)

    page = session(alice.user).get(page_url(question)).content.decode()

    assert "United States 50%, China 30%, Europe 20%" in page


def test_a_hidden_comment_shows_its_text_to_staff_only(alice, bob, staff_user):
    question = factories.QuestionFactory()
    comment = post(question, alice, "Buy my pills at spam.example")
    comment_services.comment_hide(comment=comment, user=staff_user, reason="Advertising")

    public = Client().get(page_url(question)).content.decode()
    author = session(alice.user).get(page_url(question)).content.decode()
    staff = session(staff_user).get(page_url(question)).content.decode()

    for page in (public, author, staff):
        assert "Hidden by a moderator." in page
    assert "spam.example" not in public and "spam.example" not in author
    assert "spam.example" in staff
    assert "Advertising" in author and "Advertising" in staff and "Advertising" not in public
    assert "Show again" in staff and "Show again" not in author


def test_staff_hide_and_show_from_the_page(alice, staff_user):
    question = factories.QuestionFactory()
    comment = post(question, alice)
    staff = session(staff_user)

    refused = staff.post(f"/comments/{comment.pk}/hide/", {"reason": ""}, follow=True)
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert "The comment was not hidden" in refused.content.decode()

    response = staff.post(f"/comments/{comment.pk}/hide/", {"reason": "Abusive"})
    assert response["Location"] == f"/questions/{question.slug}/#comment-{comment.pk}"
    comment.refresh_from_db()
    assert (comment.hidden_reason, comment.hidden_by) == ("Abusive", staff_user)

    staff.post(f"/comments/{comment.pk}/unhide/")
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_a_forecaster_cannot_hide_from_the_page(alice, bob):
    comment = post(factories.QuestionFactory(), alice)

    response = session(bob.user).post(f"/comments/{comment.pk}/hide/", {"reason": "I disagree"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_the_author_edits_from_the_page_within_the_window(alice):
    comment = post(factories.QuestionFactory(), alice)
    author = session(alice.user)

    page = author.get(page_url(comment.question)).content.decode()
    assert f'href="/comments/{comment.pk}/edit/"' in page
    form = author.get(f"/comments/{comment.pk}/edit/")
    assert form.status_code == 200 and "A *fine* point." in form.content.decode()

    response = author.post(f"/comments/{comment.pk}/edit/", {"body": "A *finer* point."})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "A *finer* point." and comment.edited_at is not None


def test_the_edit_page_refuses_a_bad_body_beside_the_field(alice):
    comment = post(factories.QuestionFactory(), alice)

    response = session(alice.user).post(f"/comments/{comment.pk}/edit/", {"body": ""})

    assert response.status_code == 200
    assert "write something first" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "A *fine* point."


def test_no_edit_link_or_page_after_the_window(alice):
    comment = factories.CommentFactory(
        author=alice, created_at=timezone.now() - timedelta(minutes=16)
    )
    author = session(alice.user)

    assert "/edit/" not in author.get(page_url(comment.question)).content.decode()
    response = author.post(f"/comments/{comment.pk}/edit/", {"body": "Late"}, follow=True)

    assert "can no longer be edited" in response.content.decode()
    comment.refresh_from_db()
    assert comment.edited_at is None


def test_another_forecaster_gets_no_edit_page(alice, bob):
    comment = post(factories.QuestionFactory(), alice)

    assert session(bob.user).get(f"/comments/{comment.pk}/edit/").status_code == 403
    assert session(bob.user).post(f"/comments/{comment.pk}/edit/", {"body": "x"}).status_code == 403


def test_a_long_thread_is_paginated(alice, monkeypatch):
    monkeypatch.setattr(comment_selectors, "PAGE_SIZE", 2)
    question = factories.QuestionFactory()
    start = timezone.now() - timedelta(hours=1)
    for number in range(3):
        factories.CommentFactory(
            question=question,
            author=alice,
            body=f"Comment {number}",
            created_at=start + timedelta(minutes=number),
        )

    first = Client().get(page_url(question)).content.decode()
    second = Client().get(page_url(question), {"comments": 2}).content.decode()

    assert "Comment 0" in first and "Comment 1" in first and "Comment 2" not in first
    assert f"/questions/{question.slug}/?comments=2#discussion" in first
    assert "Comment 2" in second and "Comment 0" not in second
    assert "Page 2 of 2" in second

    response = session(alice.user).post(f"/questions/{question.slug}/comments/", {"body": "Fourth"})
    assert response["Location"].startswith(f"/questions/{question.slug}/?comments=2#comment-")


# --- The API


def test_the_api_lists_the_thread_oldest_first(anonymous_client, alice, bob):
    question = factories.QuestionFactory()
    first = post(question, bob, "First")
    post(question, alice, "Second, with `code`")

    items = results(anonymous_client.get(comments_url(question)))

    assert [item["body"] for item in items] == ["First", "Second, with `code`"]
    assert items[1]["body_html"] == "<p>Second, with <code>code</code></p>\n"
    assert items[0] == {
        "id": first.pk,
        "question": question.slug,
        "author": "bob",
        "author_name": bob.display_name,
        "body": "First",
        "body_html": "<p>First</p>\n",
        "created_at": items[0]["created_at"],
        "edited_at": None,
        "hidden": False,
        "hidden_reason": None,
        "forecast_when_posted": None,
    }


def test_the_api_posts_a_comment_as_the_caller(alice, alice_client):
    question = factories.QuestionFactory()
    factories.ForecastFactory(question=question, forecaster=alice, probabilities=[0.25])

    response = alice_client.post(comments_url(question), {"body": "Too *early*"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["author"], body["body_html"]) == ("alice", "<p>Too <em>early</em></p>\n")
    assert body["forecast_when_posted"]["probabilities"] == {"Yes": 0.25, "No": 0.75}
    assert Comment.objects.get().author == alice


def test_the_api_hides_a_hidden_comments_text_but_not_from_staff(
    alice, staff_user, anonymous_client, staff_client
):
    question = factories.QuestionFactory()
    comment_services.comment_hide(comment=post(question, alice), user=staff_user, reason="Spam")

    public = results(anonymous_client.get(comments_url(question)))[0]
    staff = results(staff_client.get(comments_url(question)))[0]

    assert (public["hidden"], public["body"], public["body_html"]) == (True, None, None)
    assert public["hidden_reason"] is None
    assert (staff["body"], staff["hidden_reason"]) == ("A *fine* point.", "Spam")


def test_anonymous_callers_cannot_post(anonymous_client):
    response = anonymous_client.post(
        comments_url(factories.QuestionFactory()), {"body": "Hi"}, format="json"
    )

    assert response.status_code == 401
    assert set(response.json()) == {"error", "fields"}


API_BAD_BODIES = [
    ({}, "body"),
    ({"body": ""}, "body"),
    ({"body": "   "}, "body"),
    ({"body": 5}, "body"),
    ({"body": None}, "body"),
    ({"body": ["a list"]}, "body"),
    ({"body": "x" * 10_001}, "body"),
    ({"body": "nul \u0000 byte"}, "body"),
    ({"body": "Fine", "author": "bob"}, "author"),
    ({"body": "Fine", "created_at": "2020-01-01T00:00:00Z"}, "created_at"),
    ({"body": "Fine", "hidden_at": None}, "hidden_at"),
]


@pytest.mark.parametrize(("payload", "field"), API_BAD_BODIES)
def test_the_api_refuses_a_bad_comment_naming_the_field(alice_client, payload, field):
    response = alice_client.post(comments_url(factories.QuestionFactory()), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not Comment.objects.exists()


def test_the_api_refuses_a_lone_surrogate(alice_client):
    url = comments_url(factories.QuestionFactory())

    response = post_raw(alice_client, url, '{"body": "half \\ud800 a pair"}')

    assert response.status_code == 400, response.content
    assert "body" in response.json()["fields"]
    assert not Comment.objects.exists()


def test_the_api_finds_no_draft_question(alice_client, staff_client):
    draft = factories.DraftQuestionFactory()

    assert alice_client.get(comments_url(draft)).status_code == 404
    assert alice_client.post(comments_url(draft), {"body": "Hi"}, format="json").status_code == 404
    refused = staff_client.post(comments_url(draft), {"body": "Hi"}, format="json")
    assert refused.status_code == 409
    assert not Comment.objects.exists()


# --- Throttling


@pytest.fixture
def two_comments_a_minute(monkeypatch):
    # DRF copies DEFAULT_THROTTLE_RATES onto the class at import; patch the classes.
    rates = {"write": "120/min", "comment_burst": "2/min", "comment_daily": "100/day"}
    monkeypatch.setattr(CommentBurstRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(CommentDailyRateThrottle, "THROTTLE_RATES", rates)


def test_the_third_comment_in_a_minute_is_429(alice_client, two_comments_a_minute):
    url = comments_url(factories.QuestionFactory())

    statuses = [
        alice_client.post(url, {"body": f"Comment {n}"}, format="json").status_code
        for n in range(3)
    ]
    refused = alice_client.post(url, {"body": "Once more"}, format="json")

    assert statuses == [201, 201, 429]
    assert set(refused.json()) == {"error", "fields"} and int(refused["Retry-After"]) > 0
    assert Comment.objects.count() == 2
    assert len(results(alice_client.get(url))) == 2  # reads are not throttled


def test_the_comment_limit_is_per_user(alice_client, bob_client, two_comments_a_minute):
    url = comments_url(factories.QuestionFactory())
    for n in range(2):
        alice_client.post(url, {"body": f"Comment {n}"}, format="json")

    assert bob_client.post(url, {"body": "Mine"}, format="json").status_code == 201


def test_the_page_counts_against_the_same_limit(alice, alice_client, two_comments_a_minute):
    question = factories.QuestionFactory()
    for n in range(2):
        alice_client.post(comments_url(question), {"body": f"Comment {n}"}, format="json")

    response = session(alice.user).post(
        f"/questions/{question.slug}/comments/", {"body": "From the page"}
    )

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many comments in a short time: nothing was posted." in page
    assert "From the page" in page  # what was typed is kept
    assert int(response["Retry-After"]) > 0
    assert Comment.objects.count() == 2


def test_the_comment_throttled_message_says_the_wait_in_plain_units():
    assert comment_throttled_message(1).endswith("in 1 second.")
    assert comment_throttled_message(600).endswith("in 10 minutes.")
    assert comment_throttled_message(80_000).endswith("in 23 hours.")


def test_the_admin_hides_with_the_reason_given(alice, staff_user):
    comment = post(factories.QuestionFactory(), alice)
    staff = session(staff_user)
    url = "/admin/predictions/comment/"

    staff.post(url, {"action": "hide", "_selected_action": [comment.pk], "reason": ""})
    comment.refresh_from_db()
    assert not comment.is_hidden

    staff.post(url, {"action": "hide", "_selected_action": [comment.pk], "reason": "Spam"})
    comment.refresh_from_db()
    assert (comment.hidden_reason, comment.hidden_by) == ("Spam", staff_user)

    staff.post(url, {"action": "unhide", "_selected_action": [comment.pk], "reason": ""})
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert staff.get(url).status_code == 200
    assert staff.get(f"{url}{comment.pk}/change/").status_code == 200


def test_json_bodies_of_comments_round_trip_markdown_exactly(alice_client):
    source = "Line one\nline two\n\n* a\n* b"
    url = comments_url(factories.QuestionFactory())

    created = alice_client.post(url, json.dumps({"body": source}), content_type="application/json")

    assert created.json()["body"] == source


def test_my_data_carries_my_comments_and_no_one_elses(alice, bob):
    question = factories.QuestionFactory()
    post(question, alice, "Mine")
    post(question, bob, "Bob's")

    data = session(alice.user).get("/accounts/data.json").json()

    assert [(c["question"], c["body"]) for c in data["comments"]] == [(question.slug, "Mine")]
    assert data["comments"][0]["hidden_by_a_moderator"] is False
