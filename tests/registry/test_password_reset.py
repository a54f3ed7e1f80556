"""A forgotten password reset by email; a new password, reset or changed, revokes the
account's API tokens and says so."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from knox.models import AuthToken

from tests import factories

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 77"


@pytest.fixture
def alice():
    user = factories.UserFactory(username="alice", email="alice@example.org")
    user.set_password("the old passphrase 42")
    user.save()
    AuthToken.objects.create(user=user)
    return user


def reset_link() -> str:
    [message] = mail.outbox
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)


def test_the_log_in_page_offers_a_reset(client):
    assert 'href="/accounts/password_reset/"' in client.get("/accounts/login/").content.decode()


def test_a_reset_by_email_sets_a_new_password_and_revokes_the_tokens(client, alice):
    response = client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert "Check your email" in client.get(response["Location"]).content.decode()
    assert mail.outbox[0].to == ["alice@example.org"]
    assert "Reset your Hindsight password" in mail.outbox[0].subject

    form_page = client.get(reset_link(), follow=True)
    assert "Choosing a new password also revokes every API token" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert "the API tokens of your account were revoked" in done.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not AuthToken.objects.filter(user=alice).exists()
    assert Client().login(username="alice", password=NEW_PASSWORD)


def test_a_reset_link_works_once(client, alice):
    client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    link = reset_link()
    page = client.get(link, follow=True)
    client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    again = Client().get(link, follow=True).content.decode()
    assert "This link does not work" in again


def test_an_unknown_address_is_not_told_apart(client, alice):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})

    assert response.status_code == 302 and mail.outbox == []


def test_changing_the_password_revokes_the_tokens_and_says_so(alice):
    client = Client()
    client.force_login(alice)
    assert (
        "also revokes every API token" in client.get("/accounts/password_change/").content.decode()
    )

    done = client.post(
        "/accounts/password_change/",
        {
            "old_password": "the old passphrase 42",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    assert "Every API token of your account was revoked" in done.content.decode()
    assert not AuthToken.objects.filter(user=alice).exists()
