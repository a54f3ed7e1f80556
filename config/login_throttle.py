"""Failed log-ins counted per username and per address in the shared cache (Redis).

After LOGIN_FAILURE_LIMIT_PER_USERNAME failures for one username, or
LOGIN_FAILURE_LIMIT_PER_ADDRESS from one address, within LOGIN_FAILURE_WINDOW of the first
of them, no password is checked for that username or from that address until the window
ends. The count and the refusal live in the authentication backend, so guessing stops
whichever door it knocks on: the log-in page, the admin's, the browsable API's, or the
API's token exchange. The pages answer such a POST with 429 and how long to wait
(LoginThrottleMiddleware); the token exchange does the same in JSON (registry/api.py).

Every web process shares the counts through the cache. Like the API throttles this fails
open: with Redis unreachable, passwords are checked as usual and nothing is counted.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

# The views whose POST is a log-in; the middleware answers them 429 while locked out.
LOGIN_VIEW_NAMES = frozenset({"accounts:login", "admin:login", "rest_framework:login"})


def _client_address(request: HttpRequest) -> str:
    # DRF's reading of the address, which trusts X-Forwarded-For only from NUM_PROXIES
    # proxies: the same identity the API throttles use.
    return BaseThrottle().get_ident(request) or "unknown"


def _subjects(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    """(cache key, failure limit) for the username and for the client's address."""
    # Hashed: a username may hold any character, and case variants share one count.
    name = hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
    address = _client_address(request)
    return [
        (f"login-failures:user:{name}", settings.LOGIN_FAILURE_LIMIT_PER_USERNAME),
        (f"login-failures:addr:{address}", settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS),
    ]


def _window_seconds() -> int:
    return max(1, int(settings.LOGIN_FAILURE_WINDOW.total_seconds()))


def _failing_open(default: Any) -> Callable:
    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except Exception:  # redis-py raises its own ConnectionError/TimeoutError types
                logger.warning("log-in throttle cache unreachable; not throttling", exc_info=True)
                return default

        return wrapper

    return decorate


@_failing_open(default=0)
def login_lockout_seconds(*, request: HttpRequest, username: str) -> int:
    """Seconds before a password may be tried for this username from this client; 0: now."""
    subjects = _subjects(request, username)
    keys = [key for key, _ in subjects]
    stored = cache.get_many([*(f"{key}:count" for key in keys), *(f"{key}:until" for key in keys)])
    now = time.time()
    wait = 0
    for key, limit in subjects:
        if stored.get(f"{key}:count", 0) >= limit:
            until = stored.get(f"{key}:until", now + _window_seconds())
            wait = max(wait, math.ceil(until - now), 1)
    return wait


@_failing_open(default=None)
def login_failure_record(*, request: HttpRequest, username: str) -> None:
    """Count one failed log-in against the username and against the client's address."""
    window = _window_seconds()
    for key, _ in _subjects(request, username):
        # The first failure opens the window; later ones count within it (INCR is atomic,
        # so parallel guesses are all counted, and it keeps the key's expiry).
        if cache.add(f"{key}:count", 1, timeout=window):
            cache.set(f"{key}:until", time.time() + window, timeout=window)
            continue
        try:
            cache.incr(f"{key}:count")
        except ValueError:  # the window ended between add() and incr()
            cache.set(f"{key}:count", 1, timeout=window)
            cache.set(f"{key}:until", time.time() + window, timeout=window)


@_failing_open(default=None)
def login_failures_forget(*, request: HttpRequest, username: str) -> None:
    """After a successful log-in, the username's failures no longer count.

    The address's do: a guesser holding one real account must not be able to reset its
    address's count by logging in to it between guesses.
    """
    key, _ = _subjects(request, username)[0]
    cache.delete_many([f"{key}:count", f"{key}:until"])


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "Too many failed log-in attempts for this username or from this address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend that counts failed log-ins and stops checking passwords for a
    username or an address that has failed too often (see the module's docstring)."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None or username is None:
            # Not a client's log-in (a shell, a management command): nothing to count by.
            return super().authenticate(request, username, password, **kwargs)
        if login_lockout_seconds(request=request, username=username):
            # Django's authenticate() stops at PermissionDenied and reports a failed log-in.
            raise PermissionDenied
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            login_failure_record(request=request, username=username)
        else:
            login_failures_forget(request=request, username=username)
        return user


class LoginThrottleMiddleware:
    """Answers a log-in POST with 429, a message and Retry-After while it is locked out.

    The backend would refuse it anyway, but the log-in form could only say "wrong username
    or password", which would send the person guessing at their own password.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in LOGIN_VIEW_NAMES:
            return None
        username = request.POST.get(get_user_model().USERNAME_FIELD, "")
        wait = login_lockout_seconds(request=request, username=username)
        if not wait:
            return None
        response = render(
            request,
            "registration/login_locked.html",
            {"message": lockout_message(wait), "login_url": request.path},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
