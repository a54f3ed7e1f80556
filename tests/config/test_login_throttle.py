"""Password guessing: failed log-ins counted per (username, address) and per address in the
shared cache; past the limit the log-in pages answer 429 with a message and check no
password. (The username-wide slowdown: tests/config/test_security_fixes.py.)"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from tests import factories
from tests.predictions.conftest import UNREACHABLE_CACHES

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # what tests.factories.UserFactory sets
LOGIN_PAGES = ["/accounts/login/", "/admin/login/", "/api-auth/login/"]


def log_in(client: Client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password, "next": "/"})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff(db):
    # Staff may log in through every one of the pages, the admin's included.
    return factories.StaffFactory(username="carol")


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, staff, url):
    failures = [log_in(client, url, "carol", f"guess {n}") for n in range(5)]

    response = log_in(client, url, "carol", PASSWORD)

    assert [failure.status_code for failure in failures] == [200] * 5
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed log-in attempts for this username or from this address." in html
    assert "Try again in 15 minutes." in html
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert not logged_in(client)


def test_a_mistyped_password_or_two_is_no_lock(client, staff):
    for n in range(4):
        log_in(client, "/accounts/login/", "carol", f"typo {n}")

    response = log_in(client, "/accounts/login/", "carol", PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_a_successful_log_in_forgets_the_username_s_failures(staff):
    for n in range(4):
        log_in(Client(), "/accounts/login/", "carol", f"typo {n}")
    log_in(Client(), "/accounts/login/", "carol", PASSWORD)
    for n in range(4):
        log_in(Client(), "/accounts/login/", "carol", f"typo again {n}")

    client = Client()
    assert log_in(client, "/accounts/login/", "carol", PASSWORD).status_code == 302
    assert logged_in(client)


def test_failures_from_other_addresses_never_lock_the_username(staff):
    # Guesses from many addresses, each below its own limits: the username is only slowed
    # down (tests/config/test_security_fixes.py), never locked; its owner gets in.
    for n in range(5):
        log_in(Client(REMOTE_ADDR=f"198.51.100.{n}"), "/accounts/login/", "carol", "guess")

    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    response = log_in(elsewhere, "/accounts/login/", "carol", PASSWORD)

    assert response.status_code == 302
    assert logged_in(elsewhere)


def test_one_address_guessing_many_usernames_is_locked_and_others_are_not(staff):
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(10):
        log_in(guesser, "/accounts/login/", f"user{n}", "guess")

    refused = log_in(guesser, "/accounts/login/", "carol", PASSWORD)
    someone_else = Client(REMOTE_ADDR="203.0.113.9")
    accepted = log_in(someone_else, "/accounts/login/", "carol", PASSWORD)

    assert refused.status_code == 429
    assert accepted.status_code == 302 and logged_in(someone_else)


def test_a_forged_forwarded_for_header_does_not_change_the_address(staff):
    # No proxy is configured (NUM_PROXIES=0), so the header is the client's own words.
    for n in range(10):
        forger = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        log_in(forger, "/accounts/login/", f"user{n}", "guess")

    forger = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert log_in(forger, "/accounts/login/", "carol", PASSWORD).status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_the_client_s(staff, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for n in range(10):
        behind = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
        log_in(behind, "/accounts/login/", f"user{n}", "guess")

    # Same proxy, another client: not locked.
    other = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert log_in(other, "/accounts/login/", "carol", PASSWORD).status_code == 302


def test_the_lock_ends_with_its_window(client, staff, settings):
    settings.LOGIN_FAILURE_WINDOW = timedelta(seconds=1)
    for n in range(5):
        log_in(client, "/accounts/login/", "carol", f"guess {n}")
    assert log_in(client, "/accounts/login/", "carol", PASSWORD).status_code == 429

    time.sleep(1.2)

    assert log_in(client, "/accounts/login/", "carol", PASSWORD).status_code == 302


def test_the_backend_checks_no_password_while_locked(client, staff):
    # Whatever the door (a log-in view not yet listed in the middleware), authenticate()
    # itself refuses: the right password gets nowhere.
    for n in range(5):
        log_in(client, "/accounts/login/", "carol", f"guess {n}")
    request = RequestFactory().post("/somewhere/")

    assert authenticate(request, username="carol", password=PASSWORD) is None


def test_the_lock_ignores_case_in_the_username(client, staff):
    for n in range(5):
        log_in(client, "/accounts/login/", "CAROL" if n % 2 else "Carol", f"guess {n}")

    assert log_in(client, "/accounts/login/", "carol", PASSWORD).status_code == 429


def test_with_redis_down_log_in_still_works_unthrottled(client, staff, settings, caplog):
    settings.CACHES = UNREACHABLE_CACHES

    with caplog.at_level(logging.WARNING, logger="config.login_throttle"):
        failures = [log_in(client, "/accounts/login/", "carol", "guess") for _ in range(6)]
        response = log_in(client, "/accounts/login/", "carol", PASSWORD)

    assert [failure.status_code for failure in failures] == [200] * 6
    assert response.status_code == 302
    assert logged_in(client)
    assert any("log-in throttle cache unreachable" in r.message for r in caplog.records)
