"""Following a question, a forecaster or a source: the buttons on their pages, the account
page's list and notification settings, the API, unsubscribe links, and the rules (exactly
one target, once each, never oneself, no drafts)."""

from __future__ import annotations

import html
import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from predictions.follow_models import Follow, NotificationSettings
from predictions.models import Notification
from predictions.unsubscribe import EVERY_EMAIL, unsubscribe_path, unsubscribe_token
from predictions.webhooks import webhook_url_problem
from tests import factories

pytestmark = pytest.mark.django_db

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"
DISCORD = "https://discord.com/api/webhooks/1234/abcd"


def web(forecaster) -> Client:
    client = Client()
    client.force_login(forecaster.user)
    return client


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def shown(response) -> str:
    """The page a redirect leads to, with its messages."""
    return html.unescape(response.content.decode())


@pytest.fixture
def question(db):
    return factories.QuestionFactory(slug="open-weights", title="Will the weights ship?")


@pytest.fixture
def source(db):
    return factories.SourceFactory(slug="interconnects-2026", title="Open models in 2026")


# --- The buttons


def test_following_a_question_from_its_page(alice, question):
    alice_web = web(alice)
    assert "Follow this question" in page(alice_web, "/questions/open-weights/")

    response = alice_web.post("/questions/open-weights/follow/", {"action": "follow"}, follow=True)

    assert response.redirect_chain[0] == ("/questions/open-weights/", 302)
    text = shown(response)
    assert "You follow this question" in text
    assert "Unfollow this question" in text
    assert Follow.objects.filter(follower=alice, question=question).count() == 1

    response = alice_web.post(
        "/questions/open-weights/follow/", {"action": "unfollow"}, follow=True
    )

    assert "You no longer follow it" in shown(response)
    assert "Follow this question" in shown(response)
    assert not Follow.objects.exists()


def test_following_twice_is_one_follow(alice, question):
    alice_web = web(alice)
    alice_web.post("/questions/open-weights/follow/", {"action": "follow"})
    alice_web.post("/questions/open-weights/follow/", {"action": "follow"})

    assert Follow.objects.filter(follower=alice).count() == 1


def test_a_visitor_is_asked_to_log_in_and_nothing_is_followed(question):
    visitor = Client()
    assert "Log in to follow this question" in page(visitor, "/questions/open-weights/")

    response = visitor.post("/questions/open-weights/follow/", {"action": "follow"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fquestions%2Fopen-weights%2F"
    assert not Follow.objects.exists()


def test_following_a_forecaster_and_a_source_from_their_pages(alice, bob, source):
    alice_web = web(alice)
    assert "Follow this forecaster" in page(alice_web, "/forecasters/bob/")
    assert "Follow this source" in page(alice_web, "/sources/interconnects-2026/")

    to_bob = alice_web.post("/forecasters/bob/follow/", {"action": "follow"}, follow=True)
    to_source = alice_web.post(
        "/sources/interconnects-2026/follow/", {"action": "follow"}, follow=True
    )

    assert f"You follow {bob.display_name}" in shown(to_bob)
    assert "Unfollow this forecaster" in shown(to_bob)
    assert "You follow this source" in shown(to_source)
    assert {(f.forecaster, f.source) for f in Follow.objects.filter(follower=alice)} == {
        (bob, None),
        (None, source),
    }


def test_nobody_follows_themself(alice):
    alice_web = web(alice)
    assert "Follow this forecaster" not in page(alice_web, "/forecasters/alice/")

    response = alice_web.post("/forecasters/alice/follow/", {"action": "follow"}, follow=True)

    assert "Not followed: it is you" in shown(response)
    assert not Follow.objects.exists()


def test_a_draft_cannot_be_followed_by_address(alice):
    factories.DraftQuestionFactory(slug="secret-draft")

    response = web(alice).post("/questions/secret-draft/follow/", {"action": "follow"})

    assert response.status_code == 404
    assert not Follow.objects.exists()


def test_an_unknown_action_changes_nothing(alice, question):
    response = web(alice).post("/questions/open-weights/follow/", {"action": "x\x00"}, follow=True)

    assert "Nothing changed" in shown(response)
    assert not Follow.objects.exists()


def test_a_next_address_elsewhere_is_not_followed(alice, question):
    response = web(alice).post(
        "/questions/open-weights/follow/", {"action": "follow", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/questions/open-weights/"


# --- The database's rules


def test_the_database_holds_exactly_one_target_once(alice, bob, question, source):
    Follow.objects.create(follower=alice, question=question)
    refused = [
        {"question": question},  # again
        {"question": question, "source": source},  # two targets
        {},  # none
        {"forecaster": alice},  # oneself
    ]
    for fields in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            Follow.objects.create(follower=alice, **fields)
    Follow.objects.create(follower=bob, question=question)  # another follower may
    Follow.objects.create(follower=alice, forecaster=bob)

    assert Follow.objects.count() == 3


# --- The account page


def test_the_account_page_lists_follows_and_unfollows_from_there(alice, bob, question, source):
    for target in ({"question": question}, {"forecaster": bob}, {"source": source}):
        Follow.objects.create(follower=alice, **target)
    alice_web = web(alice)

    text = page(alice_web, "/accounts/")

    for name in ("Will the weights ship?", bob.display_name, "Open models in 2026"):
        assert name in text
    assert text.count('value="unfollow"') == 3

    response = alice_web.post(
        "/questions/open-weights/follow/",
        {"action": "unfollow", "next": "/accounts/#following"},
    )

    assert response["Location"] == "/accounts/#following"
    assert Follow.objects.filter(follower=alice).count() == 2


def test_the_account_page_saves_the_notification_settings(alice):
    alice_web = web(alice)
    text = page(alice_web, "/accounts/")
    for kind in Notification.Kind.values:
        assert re.search(rf'<input[^>]*name="{kind}"[^>]*checked', text), kind

    response = alice_web.post(
        "/accounts/notification-settings/",
        {
            "closing_reminder": "on",
            "resolved_notice": "on",
            "daily_digest": "on",
            "webhook_url": f"  {SLACK}  ",
        },
    )

    assert response["Location"] == "/accounts/#notice-settings"
    saved = NotificationSettings.objects.get(forecaster=alice)
    assert (saved.closing_reminder, saved.resolved_notice, saved.outcome_proposed) == (
        True,
        True,
        False,
    )
    assert (saved.daily_digest, saved.webhook_url) == (True, SLACK)
    text = page(alice_web, "/accounts/")
    assert "Your notification settings are saved." in text
    assert not re.search(r'<input[^>]*name="outcome_proposed"[^>]*checked', text)
    assert SLACK in text


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/services/T/B/X",
        "https://evil.example/services/T/B/X",
        "https://hooks.slack.com.evil.example/services/T/B/X",
        "https://user:pw@hooks.slack.com/services/T/B/X",
        "https://discord.com/not-a-webhook/1/x",
        "https://10.0.0.1/api/webhooks/1/x",
        "https://hooks.slack.com/services/T/B/X\x00",
        "https://hooks.slack.com/services/" + "x" * 600,
    ],
)
def test_a_webhook_elsewhere_is_refused_with_a_sentence_and_nothing_changes(alice, url):
    response = web(alice).post(
        "/accounts/notification-settings/", {"daily_digest": "on", "webhook_url": url}
    )

    assert response.status_code == 400
    assert re.search(r'<ul class="errorlist[^>]*>\s*<li>\w', shown(response))
    assert not NotificationSettings.objects.exists()


def test_broken_unicode_in_a_webhook_is_refused(alice):
    # A form body cannot carry a lone surrogate: its bytes are decoded with replacements.
    response = web(alice).post(
        "/accounts/notification-settings/",
        data="webhook_url=https%3A%2F%2Fhooks.slack.com%2Fservices%2F%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert not NotificationSettings.objects.exists()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (SLACK, None),
        (DISCORD, None),
        ("https://discord.com/api/webhooks/", "incoming webhook address"),
        ("ftp://hooks.slack.com/services/T/B/X", "must start with https://"),
        ("https://hooks.slack.com:8443/services/T/B/X", "incoming webhook address"),
        ("https://hooks.slack.com/services/T/B X", "spaces or control characters"),
        ("https://[::1/services", "incoming webhook address"),
    ],
)
def test_which_webhook_addresses_are_accepted(url, problem, settings):
    settings.RESOLVER_ALLOWED_HOSTS = []
    found = webhook_url_problem(url)
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_a_local_webhook_is_accepted_only_for_the_allowed_test_hosts(settings):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    assert webhook_url_problem("http://127.0.0.1:8080/services/T/B/X") is None
    settings.RESOLVER_ALLOWED_HOSTS = []
    assert webhook_url_problem("http://127.0.0.1:8080/services/T/B/X") is not None


def test_notification_settings_need_a_log_in():
    response = Client().post("/accounts/notification-settings/", {"daily_digest": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not NotificationSettings.objects.exists()


# --- Unsubscribe links


def test_an_unsubscribe_link_asks_then_stops_one_kind_without_a_log_in(alice):
    link = unsubscribe_path(forecaster_id=alice.pk, kind=Notification.Kind.CLOSING_REMINDER)
    visitor = Client(enforce_csrf_checks=True)

    text = page(visitor, link)

    assert '"Closes within a day" notices' in text
    assert "@alice" in text
    assert not NotificationSettings.objects.exists()  # a link scanner's GET stops nothing

    response = visitor.post(link)  # a mail program's one-click POST carries no CSRF token

    assert response.status_code == 200
    assert "Done" in shown(response)
    saved = NotificationSettings.objects.get(forecaster=alice)
    assert saved.closing_reminder is False
    assert saved.resolved_notice is True
    alice.refresh_from_db()
    assert alice.email_notifications is True


def test_the_every_email_link_turns_email_off(alice):
    Client().post(unsubscribe_path(forecaster_id=alice.pk, kind=EVERY_EMAIL))

    alice.refresh_from_db()
    assert alice.email_notifications is False


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: "x" + token,  # payload
        lambda token: token.split(":")[0],  # signature cut off
        lambda token: "not-a-token",
        lambda token: "%E2%9C%93%F0%9F%98%80",
        lambda token: "a" * 2000,
    ],
)
def test_a_tampered_link_is_a_sentence_and_changes_nothing(alice, mangle):
    token = unsubscribe_token(forecaster_id=alice.pk, kind=Notification.Kind.CLOSING_REMINDER)
    path = f"/notifications/unsubscribe/{mangle(token)}/"

    for response in (Client().get(path), Client().post(path)):
        assert response.status_code == 400
        assert "This unsubscribe link does not work" in shown(response)
    assert not NotificationSettings.objects.exists()


def test_an_address_the_site_cannot_read_is_a_400_not_a_500(alice):
    response = Client().post("/notifications/unsubscribe/%00%ff/")

    assert response.status_code == 400
    assert not NotificationSettings.objects.exists()


def test_a_link_cannot_be_turned_on_another_account_or_kind(alice, bob):
    token = unsubscribe_token(forecaster_id=alice.pk, kind=Notification.Kind.CLOSING_REMINDER)
    signature = token.split(":")[-1]
    other = unsubscribe_token(forecaster_id=bob.pk, kind="resolved_notice").split(":")[0]

    response = Client().post(f"/notifications/unsubscribe/{other}:{signature}/")

    assert response.status_code == 400
    assert not NotificationSettings.objects.exists()


def test_a_link_of_an_unknown_kind_or_a_deleted_account_does_not_work(alice):
    unknown = unsubscribe_token(forecaster_id=alice.pk, kind="everything")
    gone = unsubscribe_token(forecaster_id=999_999, kind=Notification.Kind.CLOSING_REMINDER)

    for token in (unknown, gone):
        response = Client().post(f"/notifications/unsubscribe/{token}/")
        assert response.status_code == 400


# --- The API


def test_the_api_follows_lists_and_unfollows(alice_client, alice, bob, question, source):
    first = alice_client.post("/api/v1/follows/", {"question": "open-weights"}, format="json")
    again = alice_client.post("/api/v1/follows/", {"question": "open-weights"}, format="json")
    alice_client.post("/api/v1/follows/", {"forecaster": "bob"}, format="json")
    alice_client.post("/api/v1/follows/", {"source": source.slug}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == {
        "id": first.json()["id"],
        "target_type": "question",
        "question": "open-weights",
        "forecaster": None,
        "source": None,
        "created_at": first.json()["created_at"],
    }
    listed = alice_client.get("/api/v1/follows/").json()
    assert listed["count"] == 3
    assert [row["target_type"] for row in listed["results"]] == ["source", "forecaster", "question"]

    one = alice_client.get(f"/api/v1/follows/{first.json()['id']}/")
    gone = alice_client.delete(f"/api/v1/follows/{first.json()['id']}/")

    assert one.json()["question"] == "open-weights"
    assert gone.status_code == 204
    assert not Follow.objects.filter(question=question).exists()


def test_the_api_keeps_each_account_to_its_own_follows(alice_client, bob_client, alice, question):
    follow = Follow.objects.create(follower=alice, question=question)

    assert bob_client.get(f"/api/v1/follows/{follow.pk}/").status_code == 404
    assert bob_client.delete(f"/api/v1/follows/{follow.pk}/").status_code == 404
    assert bob_client.get("/api/v1/follows/").json()["count"] == 0
    assert Follow.objects.filter(pk=follow.pk).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "question", "exactly one"),
        ({"question": "open-weights", "source": "interconnects-2026"}, "source", "exactly one"),
        ({"question": "no-such-question"}, "question", "names no question"),
        ({"question": "secret-draft"}, "question", "names no question"),
        ({"forecaster": "alice"}, "forecaster", "is you"),
        ({"question": "open\x00weights"}, "question", ""),
        ({"question": 5}, "question", "must be text"),
        ({"question": "x" * 500}, "question", ""),
        ({"follower": "bob", "question": "open-weights"}, "follower", "not a field"),
    ],
)
def test_the_api_refuses_a_bad_body_naming_the_field(
    alice_client, question, source, body, field, message
):
    factories.DraftQuestionFactory(slug="secret-draft")

    response = alice_client.post("/api/v1/follows/", body, format="json")

    assert response.status_code == 400, response.content
    assert message in response.json()["fields"][field]
    assert not Follow.objects.exists()


def test_the_api_refuses_broken_unicode(alice_client, question):
    response = alice_client.post(
        "/api/v1/follows/", data='{"question": "\\ud800"}', content_type="application/json"
    )

    assert response.status_code == 400
    assert "question" in response.json()["fields"]
    assert not Follow.objects.exists()


def test_the_api_needs_credentials(anonymous_client, question):
    assert anonymous_client.get("/api/v1/follows/").status_code == 401
    response = anonymous_client.post("/api/v1/follows/", {"question": "open-weights"})
    assert response.status_code == 401
    assert not Follow.objects.exists()
