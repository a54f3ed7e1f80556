"""Email verification: the link sent at sign-up, resending it (throttled), following it
(once or again, expired or altered), and the leaderboards, which list a person's login only
once its address is confirmed."""

from __future__ import annotations

import importlib
import re
import time
from html import unescape

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from registry import account_services
from registry.models import Forecaster
from tests import factories
from tests.registry.scored import resolved_question

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "quiet lantern orbit 42"
SIGNUP = {
    "username": "carol",
    "email": "carol@example.org",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def link_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/email/verify/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def signed_up(client: Client) -> Forecaster:
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Forecaster.objects.get(user__username="carol")


@pytest.fixture
def carol_web() -> Client:
    return Client()


@pytest.fixture
def min_one(settings):
    settings.LEADERBOARD_MIN_QUESTIONS = 1


def board(client=None) -> list[str]:
    """Handles on the leaderboard page, in rank order."""
    html = (client or Client()).get("/leaderboard/").content.decode()
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    return re.findall(r'href="/forecasters/([^/"]+)/"', body)


def api_board(kind: str = "human") -> list[str]:
    rows = APIClient().get(f"/api/v1/leaderboard/?kind={kind}").json()["results"]
    return [row["forecaster"] for row in rows]


# --- Sign-up sends the link; following it confirms the address


def test_signup_emails_a_link_and_following_it_confirms_the_address(carol_web):
    carol = signed_up(carol_web)

    [message] = mail.outbox
    assert message.to == ["carol@example.org"]
    assert message.subject == "Confirm your email address for Hindsight"
    assert "works for 3 days" in message.body
    assert carol.email_verified_at is None and carol.awaits_email_verification
    welcome = text(carol_web.get("/"))
    assert "follow the link we emailed to carol@example.org" in welcome
    account = text(carol_web.get("/accounts/"))
    assert "carol@example.org (unverified)" in account
    assert "you do not appear on the public leaderboards until you follow the link" in account
    assert "Resend the link" in account

    confirmed = Client().get(link_path(message))  # from any browser, logged in or not

    assert confirmed.status_code == 200
    assert "the email address of carol is confirmed" in text(confirmed)
    assert confirmed["Cache-Control"].startswith("no-store")
    carol.refresh_from_db()
    assert carol.email_verified_at is not None and not carol.awaits_email_verification
    account = text(carol_web.get("/accounts/"))
    assert "carol@example.org (verified)" in account and "Resend the link" not in account


def test_following_the_link_again_says_it_is_done_and_changes_nothing(carol_web):
    carol = signed_up(carol_web)
    path = link_path(mail.outbox[0])
    carol_web.get(path)
    carol.refresh_from_db()
    first = carol.email_verified_at

    again = carol_web.get(path)

    assert again.status_code == 200
    assert "was confirmed already; nothing more to do" in text(again)
    carol.refresh_from_db()
    assert carol.email_verified_at == first


def test_the_api_says_whether_the_address_is_confirmed(carol_web):
    carol = signed_up(carol_web)
    client = APIClient()
    client.force_authenticate(carol.user)
    assert client.get("/api/v1/me/").json()["email_verified"] is False

    carol_web.get(link_path(mail.outbox[0]))

    assert client.get("/api/v1/me/").json()["email_verified"] is True


def test_a_signup_still_works_when_the_mail_server_refuses(carol_web, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(mail.EmailMessage, "send", refuse)

    carol = signed_up(carol_web)

    assert carol.awaits_email_verification
    assert "ask for the link on your account page" in text(carol_web.get("/"))
    monkeypatch.undo()
    resent = carol_web.post("/accounts/email/resend/")
    assert resent.status_code == 200
    assert "A new confirmation link is on its way to carol@example.org" in text(resent)
    assert Client().get(link_path(mail.outbox[-1])).status_code == 200
    carol.refresh_from_db()
    assert carol.email_verified_at is not None


# --- Links that do not work: a sentence and a way to a new one, never an error


def tampered(path: str) -> str:
    token = path.rstrip("/").rsplit("/", 1)[1]
    # Another account's number in the payload, the signature kept.
    payload, rest = token.split(":", 1)
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    return f"/accounts/email/verify/{flipped}:{rest}/"


@pytest.mark.parametrize(
    "make_path",
    [
        pytest.param(tampered, id="payload changed"),
        pytest.param(lambda path: path[:-12] + "/", id="cut short"),
        pytest.param(lambda path: "/accounts/email/verify/not-a-token/", id="not a token"),
        pytest.param(lambda path: "/accounts/email/verify/" + "x:" * 400 + "/", id="very long"),
        pytest.param(lambda path: "/accounts/email/verify/%C3%A9%E2%80%AE:1:2/", id="odd text"),
    ],
)
def test_an_altered_link_says_so_and_confirms_nothing(carol_web, make_path):
    carol = signed_up(carol_web)

    response = carol_web.get(make_path(link_path(mail.outbox[0])))

    assert response.status_code == 200
    page = text(response)
    assert "This confirmation link is incomplete, was changed" in page
    assert "Send me a new link" in page  # carol is logged in: a button
    carol.refresh_from_db()
    assert carol.email_verified_at is None


def test_an_altered_link_followed_logged_out_offers_to_log_in_for_a_new_one(carol_web):
    signed_up(carol_web)

    page = text(Client().get(tampered(link_path(mail.outbox[0]))))

    assert "Log in to send a new link" in page


def test_a_link_signed_by_another_key_does_not_work(carol_web):
    carol = signed_up(carol_web)
    forged = signing.dumps(
        [carol.user.pk, "0" * 24], salt=account_services.VERIFICATION_SALT, key="another key"
    )

    response = Client().get(f"/accounts/email/verify/{forged}/")

    assert "This confirmation link is incomplete, was changed" in text(response)
    carol.refresh_from_db()
    assert carol.email_verified_at is None


def sign_days_ago(monkeypatch, days: float) -> None:
    """Links signed from now on carry a time `days` ago."""
    then = int(time.time() - days * 86_400)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(then))


def test_an_expired_link_says_so_and_sends_a_new_one_from_its_page(monkeypatch):
    carol = factories.HumanForecasterFactory(
        user__username="carol", user__email="carol@example.org", email_verified_at=None
    )
    sign_days_ago(monkeypatch, 4)
    old_link = account_services.email_verification_url(user=carol.user)
    monkeypatch.undo()
    visitor = Client()

    expired = visitor.get(old_link.removeprefix("http://127.0.0.1:8000"))

    assert expired.status_code == 200
    assert "This confirmation link has expired: links work for 3 days" in text(expired)
    carol.refresh_from_db()
    assert carol.email_verified_at is None
    # Its page's button names the account through the expired link; the new link goes to
    # the account's own address, which the page does not show to whoever holds the link.
    token = re.search(r'name="token" value="([^"]+)"', expired.content.decode()).group(1)
    resent = visitor.post("/accounts/email/resend/", {"token": token})
    assert resent.status_code == 200
    assert "on its way to the account's email address" in text(resent)
    [message] = mail.outbox
    assert message.to == ["carol@example.org"]
    assert Client().get(link_path(message)).status_code == 200
    carol.refresh_from_db()
    assert carol.email_verified_at is not None


def test_a_link_still_within_its_days_works(monkeypatch):
    carol = factories.HumanForecasterFactory(user__username="carol", email_verified_at=None)
    sign_days_ago(monkeypatch, 2.9)
    link = account_services.email_verification_url(user=carol.user)
    monkeypatch.undo()

    assert "is confirmed" in text(Client().get(link.removeprefix("http://127.0.0.1:8000")))


def test_a_link_for_an_address_the_account_no_longer_has_does_not_work(carol_web):
    carol = signed_up(carol_web)
    path = link_path(mail.outbox[0])
    User.objects.filter(pk=carol.user.pk).update(email="carol@elsewhere.example")

    response = Client().get(path)

    assert "for an email address the account no longer has" in text(response)
    carol.refresh_from_db()
    assert carol.email_verified_at is None


def test_the_resend_form_without_a_login_or_a_link_says_to_log_in():
    response = Client().post("/accounts/email/resend/", {"token": "forged:token:here"})

    assert response.status_code == 400
    assert "Log in and ask for a new link" in text(response)
    assert not mail.outbox


# --- Resending is throttled per account


def test_resending_right_after_signup_is_refused_with_the_wait(carol_web):
    signed_up(carol_web)

    response = carol_web.post("/accounts/email/resend/")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "A confirmation link was sent to this account a short while ago" in text(response)
    assert len(mail.outbox) == 1


def test_at_most_a_few_links_a_day(carol_web, settings):
    settings.EMAIL_VERIFICATION_SENDS_PER_DAY = 3
    carol = signed_up(carol_web)
    statuses = []
    for _ in range(3):
        # As if the few minutes between two links had passed.
        cache.delete(f"verification-emails:user:{carol.user.pk}:recent")
        statuses.append(carol_web.post("/accounts/email/resend/").status_code)

    assert statuses == [200, 200, 429]
    assert len(mail.outbox) == 3


def test_resending_to_a_confirmed_address_sends_nothing(alice):
    client = Client()
    client.force_login(alice.user)

    response = client.post("/accounts/email/resend/")

    assert response.status_code == 200
    assert "confirmed already: nothing to do" in text(response)
    assert not mail.outbox


def test_an_account_without_an_address_is_told_why_it_cannot_be_verified():
    forecaster = factories.HumanForecasterFactory(user__email="", email_verified_at=None)
    client = Client()
    client.force_login(forecaster.user)

    assert "Your account has no email address, so it cannot be verified" in text(
        client.get("/accounts/")
    )
    assert client.post("/accounts/email/resend/").status_code == 200
    assert not mail.outbox


# --- The leaderboards list a person's login once its address is confirmed


def test_an_unverified_forecaster_forecasts_but_is_left_off_both_leaderboards(
    carol_web, min_one, alice, bob
):
    carol = signed_up(carol_web)
    resolved_question({alice: 0.9, carol: 0.95, bob: 0.3})

    assert board() == ["alice", "bob"]
    assert api_board() == ["alice", "bob"]
    ranks = [row["rank"] for row in APIClient().get("/api/v1/leaderboard/").json()["results"]]
    assert ranks == [1, 2]
    # Its forecast and score stand: on its page, and in the crowd that scores the others.
    assert carol.forecasts.count() == 1 and carol.question_scores.count() == 1
    page = text(carol_web.get("/forecasters/carol/"))
    assert "You are not on the leaderboards until your email address is verified" in page
    assert "not on the leaderboards" not in text(Client().get("/forecasters/carol/"))

    carol_web.get(link_path(mail.outbox[0]))

    # Cached pages are retired by the next rescore, or expire within a minute.
    cache.clear()
    assert board() == ["carol", "alice", "bob"]
    assert api_board() == ["carol", "alice", "bob"]


def test_pundits_bots_and_profiles_without_a_login_need_no_verification(min_one):
    pundit = factories.PunditFactory(handle="jane-pundit")
    bot = factories.ForecasterFactory(handle="a-bot", kind=Forecaster.Kind.BOT)
    curated = factories.ForecasterFactory(handle="curated-person")
    unverified = factories.HumanForecasterFactory(user__username="dave", email_verified_at=None)
    resolved_question({pundit: 0.9, bot: 0.8, curated: 0.7, unverified: 0.6})

    # Each on its own board; the unverified login is on none.
    assert api_board("pundit") == ["jane-pundit"]
    assert api_board("bot") == ["a-bot"]
    assert api_board("human") == ["curated-person"]


# --- Accounts from before the change


def test_the_migration_takes_existing_accounts_with_an_address_as_verified():
    with_address = factories.HumanForecasterFactory(email_verified_at=None)
    without_address = factories.HumanForecasterFactory(user__email="", email_verified_at=None)
    pundit = factories.PunditFactory()
    migration = importlib.import_module("registry.migrations.0006_email_verification")

    migration.mark_existing_accounts_verified(apps, None)

    for forecaster in (with_address, without_address, pundit):
        forecaster.refresh_from_db()
    assert with_address.email_verified_at is not None
    assert without_address.email_verified_at is None
    assert pundit.email_verified_at is None  # pundits never need it
