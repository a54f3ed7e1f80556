"""Account pages: sign up, log in and out, password change, API tokens, notification choice."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.errors import ApplicationError
from predictions import notifications
from registry import services
from registry.models import Forecaster
from tests import factories

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery"  # UserFactory's password
GOOD_NEW_PASSWORD = "quiet lantern orbit 42"


def field_block(html: str, name: str) -> str:
    """The markup of one form field's block: label, help, errors and input."""
    match = re.search(rf'<div class="field" id="field-{name}">(.*?)\n</div>', html, re.S)
    assert match, f"no field block for {name}"
    return match.group(1)


def field_errors(html: str, name: str) -> str:
    block = field_block(html, name)
    match = re.search(r'<ul class="errorlist" id="id_' + name + r'_error">(.*?)</ul>', block, re.S)
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else None


def signup_data(**overrides) -> dict:
    data = {
        "username": "carol",
        "email": "carol@example.org",
        "password1": GOOD_NEW_PASSWORD,
        "password2": GOOD_NEW_PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.fixture
def alice_web(alice) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client


def api_me(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/me/")


# --- Sign up


def test_signup_page_has_labelled_fields(client):
    response = client.get("/accounts/signup/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sign up</h1>" in html
    for name in ("username", "email", "password1", "password2"):
        block = field_block(html, name)
        assert f'<label for="id_{name}"' in block
        assert f'id="id_{name}"' in block
    assert 'name="csrfmiddlewaretoken"' in html


def test_signup_creates_user_and_forecaster_and_logs_in(client):
    response = client.post("/accounts/signup/", signup_data())

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="carol")
    assert user.email == "carol@example.org"
    assert user.check_password(GOOD_NEW_PASSWORD)
    forecaster = Forecaster.objects.get(user=user)
    assert forecaster.kind == Forecaster.Kind.HUMAN
    assert forecaster.handle == "carol"
    assert forecaster.email_notifications is True
    # Logged in: the account page answers instead of redirecting to the login page.
    account = client.get("/accounts/")
    assert account.status_code == 200
    assert "carol" in account.content.decode()


def test_signup_follows_a_safe_next_only(client):
    response = client.post("/accounts/signup/", signup_data(next="/questions/some-question/"))
    assert response["Location"] == "/questions/some-question/"

    other = Client()
    response = other.post(
        "/accounts/signup/", signup_data(username="dave", next="https://evil.example/")
    )
    assert response["Location"] == "/"


def test_signup_with_a_taken_username_shows_the_error_beside_it(client, alice):
    response = client.post("/accounts/signup/", signup_data(username="Alice"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "already taken" in field_errors(html, "username")
    assert 'aria-invalid="true"' in field_block(html, "username")
    assert input_value(html, "username") == "Alice"
    assert input_value(html, "email") == "carol@example.org"
    assert not User.objects.filter(username="Alice").exists()
    assert "_auth_user_id" not in client.session


def test_signup_with_mismatched_passwords(client):
    response = client.post("/accounts/signup/", signup_data(password2="something else 99"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "differ" in field_errors(html, "password2")
    assert field_errors(html, "password1") == ""
    assert input_value(html, "username") == "carol"
    assert not User.objects.filter(username="carol").exists()


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short", "too short"),
        # OWASP ASVS 2.1.1: twelve characters at least (Django's default let ten through).
        ("Tr0ub4dor&3", "at least 12 characters"),
        ("password123", "too common"),
        ("867530912345", "entirely numeric"),
    ],
)
def test_signup_with_a_weak_password(client, password, expected):
    response = client.post("/accounts/signup/", signup_data(password1=password, password2=password))

    html = response.content.decode()
    assert response.status_code == 200
    assert expected in field_errors(html, "password1")
    assert input_value(html, "email") == "carol@example.org"
    assert not User.objects.filter(username="carol").exists()
    assert not Forecaster.objects.filter(handle="carol").exists()


def test_signup_shows_every_problem_at_once(client, alice):
    response = client.post(
        "/accounts/signup/",
        signup_data(username="alice", password1="short", password2="different"),
    )

    html = response.content.decode()
    assert "already taken" in field_errors(html, "username")
    assert "too short" in field_errors(html, "password1")
    assert "differ" in field_errors(html, "password2")
    assert field_errors(html, "email") == ""


def test_signup_with_a_bad_email(client):
    response = client.post("/accounts/signup/", signup_data(email="not-an-address"))

    html = response.content.decode()
    assert "valid email" in field_errors(html, "email")
    assert input_value(html, "email") == "not-an-address"
    assert input_value(html, "username") == "carol"
    assert not User.objects.filter(username="carol").exists()


def test_signup_with_a_bad_username(client):
    response = client.post("/accounts/signup/", signup_data(username="no spaces please"))

    assert field_errors(response.content.decode(), "username")
    assert not User.objects.exists()


def test_signup_page_redirects_a_logged_in_user(alice_web):
    assert alice_web.get("/accounts/signup/")["Location"] == "/accounts/"


def test_signup_refuses_a_post_without_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/signup/", signup_data())

    assert response.status_code == 403
    assert not User.objects.exists()


# --- Sign-up: one address makes a few accounts; names read alike are one name


@pytest.mark.parametrize(
    "look_alike",
    [
        "ALICE",
        "\u0430lice",  # a Cyrillic small a
        "\u0391LICE",  # a Greek capital alpha
        "a1ice",  # the digit one for an l
        "aIice",  # a capital i for an l
        "\uff41lice",  # a full-width a (NFKC)
    ],
)
def test_signup_refuses_a_username_that_reads_like_a_taken_one(client, alice, look_alike):
    response = client.post("/accounts/signup/", signup_data(username=look_alike))

    assert response.status_code == 200
    assert "reads like one that is" in field_errors(response.content.decode(), "username")
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]


def test_a_name_that_only_resembles_a_taken_one_is_free(client, alice):
    assert client.post("/accounts/signup/", signup_data(username="alicia")).status_code == 302


@pytest.mark.parametrize(
    "reserved", ["admin", "Administrator", "staff", "root", "hindsight", "\u0430dmin", "ROOT"]
)
def test_signup_refuses_a_reserved_username_with_a_sentence(client, reserved):
    response = client.post("/accounts/signup/", signup_data(username=reserved))

    assert response.status_code == 200
    errors = field_errors(response.content.decode(), "username")
    assert "This username is reserved (it would pass for the site or its staff)" in errors
    assert not User.objects.exists()


def test_the_signup_service_refuses_reserved_and_look_alike_names_too(alice):
    for username in ("support", "\u0430lice"):
        with pytest.raises(ApplicationError) as caught:
            services.user_signup(
                username=username, email="x@example.org", password=GOOD_NEW_PASSWORD
            )
        assert "username" in caught.value.fields


def test_one_address_makes_only_a_few_accounts(settings):
    settings.SIGNUP_LIMIT_PER_ADDRESS = 2
    made = [
        Client(REMOTE_ADDR="198.51.100.7").post(
            "/accounts/signup/", signup_data(username=f"user-{n}", email=f"u{n}@example.org")
        )
        for n in range(3)
    ]
    elsewhere = Client(REMOTE_ADDR="203.0.113.9").post(
        "/accounts/signup/", signup_data(username="user-3", email="u3@example.org")
    )

    assert [response.status_code for response in made] == [302, 302, 429]
    refused = unescape(made[2].content.decode())
    assert "Too many accounts were made from this address recently: no account was made." in (
        refused
    )
    assert "Try again in 60 minutes." in refused
    assert int(made[2]["Retry-After"]) > 0
    assert elsewhere.status_code == 302
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "user-0",
        "user-1",
        "user-3",
    ]


def test_mistakes_corrected_on_the_form_do_not_count(settings):
    settings.SIGNUP_LIMIT_PER_ADDRESS = 1
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        client.post("/accounts/signup/", signup_data(password2="a typo"))

    assert client.post("/accounts/signup/", signup_data()).status_code == 302


def test_with_redis_down_signup_still_works(settings, caplog):
    from tests.predictions.conftest import UNREACHABLE_CACHES

    settings.SIGNUP_LIMIT_PER_ADDRESS = 1
    settings.CACHES = UNREACHABLE_CACHES
    client = Client(REMOTE_ADDR="198.51.100.7")

    response = client.post("/accounts/signup/", signup_data())

    assert response.status_code == 302
    assert User.objects.filter(username="carol").exists()
    assert any("sign-up throttle cache unreachable" in r.message for r in caplog.records)


# --- The sign-up service


def test_user_signup_service_reports_every_field():
    with pytest.raises(ApplicationError) as caught:
        services.user_signup(username="", email="nope", password="123")

    assert caught.value.code == "invalid"
    assert set(caught.value.fields) == {"username", "email", "password"}


def test_user_signup_service_refuses_a_password_like_the_username():
    with pytest.raises(ApplicationError) as caught:
        services.user_signup(
            username="gertrude-longname", email="g@example.org", password="gertrude-longname"
        )
    assert "too similar" in caught.value.fields["password"]


def test_user_signup_service_gives_a_fresh_handle_when_a_pundit_holds_the_name():
    pundit = Forecaster.objects.create(handle="erin", display_name="Erin", kind="pundit")

    forecaster = services.user_signup(
        username="erin", email="erin@example.org", password=GOOD_NEW_PASSWORD
    )

    assert forecaster.handle != pundit.handle
    assert forecaster.user.username == "erin"
    assert forecaster.display_name == "erin"


# --- Log in and out


def test_login_page_and_login(client, alice):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_username"' in html and '<label for="id_password"' in html

    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(alice.user.pk)


def test_login_goes_to_next(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/accounts/"}
    )
    assert response["Location"] == "/accounts/"


def test_wrong_password_shows_an_error_and_keeps_the_username(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "correct username and password" in html
    assert input_value(html, "username") == "alice"
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(alice_web):
    confirm = alice_web.get("/accounts/logout/")
    assert confirm.status_code == 200
    assert 'method="post" action="/accounts/logout/"' in confirm.content.decode()
    assert "_auth_user_id" in alice_web.session  # a GET does not log out

    response = alice_web.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in alice_web.session


def test_the_layout_links_to_the_account_pages(client, alice_web):
    anonymous = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/signup/"' in anonymous

    logged_in = alice_web.get("/accounts/").content.decode()
    assert 'href="/accounts/"' in logged_in
    assert 'action="/accounts/logout/"' in logged_in


# --- Password change


def test_password_change_needs_login(client):
    for url in ("/accounts/password_change/", "/accounts/password_change/done/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_password_change(alice_web, alice):
    page = alice_web.get("/accounts/password_change/")
    assert page.status_code == 200
    assert '<label for="id_old_password"' in page.content.decode()

    response = alice_web.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": GOOD_NEW_PASSWORD,
            "new_password2": GOOD_NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    alice.user.refresh_from_db()
    assert alice.user.check_password(GOOD_NEW_PASSWORD)
    assert alice_web.get("/accounts/password_change/done/").status_code == 200
    assert alice_web.get("/accounts/").status_code == 200  # still logged in


def test_password_change_errors_show_beside_the_fields(alice_web, alice):
    response = alice_web.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": "short", "new_password2": "short"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "incorrectly" in field_errors(html, "old_password")
    assert "too short" in field_errors(html, "new_password2")
    alice.user.refresh_from_db()
    assert alice.user.check_password(PASSWORD)


# --- Account page


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/",
        "/accounts/token/",
        "/accounts/token/revoke/",
        "/accounts/token/revoke-all/",
        "/accounts/notifications/",
    ],
)
def test_account_pages_need_login(client, url):
    response = client.get(url) if url == "/accounts/" else client.post(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_account_page_shows_handle_name_and_no_token(alice_web, alice):
    response = alice_web.get("/accounts/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Your account</h1>" in html
    assert alice.handle in html
    assert alice.display_name in html
    assert "You have no API token." in html
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_account_page_makes_a_profile_for_a_user_without_one(client):
    user = User.objects.create_user(username="frank", email="", password=PASSWORD)
    client.force_login(user)

    response = client.get("/accounts/")

    assert response.status_code == 200
    assert Forecaster.objects.get(user=user).handle == "frank"
    assert "no emails can be sent" in response.content.decode()


def test_writes_are_post_only(alice_web, alice):
    for url in (
        "/accounts/token/",
        "/accounts/token/revoke/",
        "/accounts/token/revoke-all/",
        "/accounts/notifications/",
    ):
        assert alice_web.get(url).status_code == 405
    assert not AuthToken.objects.filter(user=alice.user).exists()


def test_token_create_refuses_a_post_without_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)

    assert client.post("/accounts/token/").status_code == 403
    assert not AuthToken.objects.filter(user=alice.user).exists()


def shown_key(html: str) -> str:
    return re.search(r'<input[^>]*id="new-token"[^>]*value="([^"]+)"', html).group(1)


def test_token_create_shows_the_key_once_and_the_api_accepts_it(alice_web, alice):
    response = alice_web.post("/accounts/token/")

    assert response.status_code == 200
    html = response.content.decode()
    key = shown_key(html)
    assert "shown this once only" in html
    assert "no-store" in response["Cache-Control"]
    # Only a hash of the key is stored.
    token = AuthToken.objects.get(user=alice.user)
    assert token.digest == hash_token(key) != key

    later = alice_web.get("/accounts/").content.decode()
    assert key not in later
    assert f"<code>{token.token_key}…</code>" in later
    assert "You have no API token." not in later

    me = api_me(key)
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_another_token_leaves_the_first_working(alice_web, alice):
    first = shown_key(alice_web.post("/accounts/token/").content.decode())

    second = shown_key(alice_web.post("/accounts/token/").content.decode())

    assert second != first
    assert api_me(first).status_code == 200
    assert api_me(second).status_code == 200
    page = alice_web.get("/accounts/").content.decode()
    assert page.count('name="token"') == 2  # one revoke button per token


def test_token_revoke_makes_the_api_refuse_that_token_only(alice_web, alice):
    revoked = shown_key(alice_web.post("/accounts/token/").content.decode())
    kept = shown_key(alice_web.post("/accounts/token/").content.decode())

    response = alice_web.post("/accounts/token/revoke/", {"token": hash_token(revoked)})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/#api-token"
    assert api_me(revoked).status_code == 401
    assert api_me(kept).status_code == 200
    page = alice_web.get("/accounts/").content.decode()
    assert "The API token is revoked" in page
    assert page.count('name="token"') == 1


def test_revoke_all_makes_the_api_refuse_every_token(alice_web, alice):
    keys = [shown_key(alice_web.post("/accounts/token/").content.decode()) for _ in range(2)]

    response = alice_web.post("/accounts/token/revoke-all/")

    assert response["Location"] == "/accounts/#api-token"
    assert [api_me(key).status_code for key in keys] == [401, 401]
    page = alice_web.get("/accounts/").content.decode()
    assert "2 API tokens are revoked" in page
    assert "You have no API token." in page


def test_an_expired_token_is_not_listed(alice_web, alice):
    alice_web.post("/accounts/token/")
    AuthToken.objects.filter(user=alice.user).update(expiry=timezone.now() - timedelta(seconds=1))

    page = alice_web.get("/accounts/").content.decode()

    assert "You have no API token." in page


def test_a_user_cannot_revoke_another_users_token(alice_web, alice, bob):
    bob_token, bob_key = AuthToken.objects.create(user=bob.user)

    response = alice_web.post("/accounts/token/revoke/", {"token": bob_token.digest})
    alice_web.post("/accounts/token/revoke-all/")

    assert "already revoked" in alice_web.get(response["Location"]).content.decode()
    assert api_me(bob_key).status_code == 200


def test_notification_opt_out_and_back_in(alice_web, alice):
    page = alice_web.get("/accounts/").content.decode()
    checkbox = re.search(r'<input[^>]*name="email_notifications"[^>]*>', page).group(0)
    assert "checked" in checkbox
    checkbox_id = re.search(r'id="([^"]+)"', checkbox).group(1)
    assert f'<label for="{checkbox_id}">' in page

    response = alice_web.post("/accounts/notifications/", {})  # box unticked

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email_notifications is False
    page = alice_web.get("/accounts/").content.decode()
    checkbox = re.search(r'<input[^>]*name="email_notifications"[^>]*>', page).group(0)
    assert "checked" not in checkbox
    assert "notifications are off" in page

    alice_web.post("/accounts/notifications/", {"email_notifications": "on"})
    alice.refresh_from_db()
    assert alice.email_notifications is True


def test_opting_out_stops_emails(alice_web, alice, mailoutbox):
    now = timezone.now()
    question = factories.QuestionFactory(
        opens_at=now - timedelta(days=3), closes_at=now + timedelta(hours=20)
    )
    factories.ForecastFactory(forecaster=alice, question=question)

    alice_web.post("/accounts/notifications/", {})
    notifications.closing_reminders_send()
    assert mailoutbox == []

    alice_web.post("/accounts/notifications/", {"email_notifications": "on"})
    notifications.closing_reminders_send()
    assert [message.to for message in mailoutbox] == [["alice@example.org"]]
