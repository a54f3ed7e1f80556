"""Sessions as OWASP ASVS level 2 asks: a log-in lasts at most 12 hours, and over HTTPS
the cookies carry the __Host- prefix (secure, host-only, path /)."""

from __future__ import annotations

import json

import pytest

from tests.config.test_settings import STRONG_KEY, _manage

CODE = (
    "import json; from django.conf import settings; print(json.dumps({'age': "
    "settings.SESSION_COOKIE_AGE, 'session': settings.SESSION_COOKIE_NAME, 'csrf': "
    "settings.CSRF_COOKIE_NAME, 'secure': settings.SESSION_COOKIE_SECURE and "
    "settings.CSRF_COOKIE_SECURE, 'httponly': settings.SESSION_COOKIE_HTTPONLY}))"
)


def _session_settings(**env: str) -> dict:
    result = _manage("shell", "-c", CODE, SECRET_KEY=STRONG_KEY, DEBUG="false", **env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("https", "session", "csrf"),
    [("true", "__Host-sessionid", "__Host-csrftoken"), ("false", "sessionid", "csrftoken")],
)
def test_a_log_in_lasts_twelve_hours_and_https_cookies_are_host_only(https, session, csrf):
    found = _session_settings(HTTPS=https)

    assert found["age"] == 12 * 3600
    assert (found["session"], found["csrf"]) == (session, csrf)
    assert found["secure"] is (https == "true")
    assert found["httponly"] is True
