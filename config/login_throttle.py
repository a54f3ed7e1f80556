"""Failed log-ins counted in the shared cache (Redis): per (username, address), per
address, and per username across every address.

After LOGIN_FAILURE_LIMIT_PER_USERNAME failures for one username from one address, or
LOGIN_FAILURE_LIMIT_PER_ADDRESS from one address, within LOGIN_FAILURE_WINDOW of the first
of them, no password is checked for that pair or from that address until the window ends.
A username failing from many addresses is not locked (that would let anyone lock its owner
out, the admin's included): after LOGIN_SLOWDOWN_AFTER failures across all addresses its
passwords are checked at most once every LOGIN_SLOWDOWN_SECONDS, a wait that never grows.
A browser that logged in to the username before (a signed cookie says so) is not slowed.

The count and the refusal live in the authentication backend, so guessing stops
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


def _name(username: str) -> str:
    # Hashed: a username may hold any character, and case variants share one count.
    return hashlib.sha256(username.casefold().encode()).hexdigest()[:32]


def _locks(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    """(cache key, failure limit) of the counts that lock: the pair and the address."""
    name, address = _name(username), _client_address(request)
    pair = hashlib.sha256(f"{name}|{address}".encode()).hexdigest()[:32]
    return [
        (f"login-failures:pair:{pair}", settings.LOGIN_FAILURE_LIMIT_PER_USERNAME),
        (f"login-failures:addr:{address}", settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS),
    ]


def _username_key(username: str) -> str:
    """The count across every address, which only slows the username down."""
    return f"login-failures:user:{_name(username)}"


def _window_seconds() -> int:
    return max(1, int(settings.LOGIN_FAILURE_WINDOW.total_seconds()))


# A browser that logged in to a username carries this signed cookie naming it (hashed), so
# a slowdown caused by others' guesses does not make its owner wait.
DEVICE_COOKIE = "hs_login_device"
DEVICE_COOKIE_SALT = "config.login_throttle.device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600


def _known_device(request: HttpRequest, username: str) -> bool:
    cookies = getattr(request, "COOKIES", None) or {}
    if DEVICE_COOKIE not in cookies:
        return False
    known = request.get_signed_cookie(
        DEVICE_COOKIE, default="", salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE
    )
    return _name(username) in known.split(",")


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


def _slowdown_seconds(request: HttpRequest, username: str) -> int:
    """Seconds to wait under the username-wide slowdown; 0: this attempt may go ahead.

    The first caller within a slot takes it (cache.add is atomic), so one password is
    checked per slot whichever addresses ask. One request asks once: the middleware and
    then the backend both call here for one log-in.
    """
    marker = f"_login_slot_{_name(username)}"
    if getattr(request, marker, False):
        return 0
    key = _username_key(username)
    if cache.get(f"{key}:count", 0) < settings.LOGIN_SLOWDOWN_AFTER:
        return 0
    if _known_device(request, username):
        return 0
    seconds = max(1, settings.LOGIN_SLOWDOWN_SECONDS)
    if not cache.add(f"{key}:slot", time.time() + seconds, timeout=seconds):
        until = cache.get(f"{key}:slot") or time.time() + seconds
        return max(1, min(seconds, math.ceil(until - time.time())))
    setattr(request, marker, True)
    return 0


@_failing_open(default=0)
def login_lockout_seconds(*, request: HttpRequest, username: str) -> int:
    """Seconds before a password may be tried for this username from this client; 0: now
    (and then, under a slowdown, this request holds the slot for its one check)."""
    locks = _locks(request, username)
    keys = [key for key, _ in locks]
    stored = cache.get_many([*(f"{key}:count" for key in keys), *(f"{key}:until" for key in keys)])
    now = time.time()
    wait = 0
    for key, limit in locks:
        if stored.get(f"{key}:count", 0) >= limit:
            until = stored.get(f"{key}:until", now + _window_seconds())
            wait = max(wait, math.ceil(until - now), 1)
    return wait or _slowdown_seconds(request, username)


def _count(key: str, window: int) -> None:
    # The first failure opens the window; later ones count within it (INCR is atomic, so
    # parallel guesses are all counted, and it keeps the key's expiry).
    if cache.add(f"{key}:count", 1, timeout=window):
        cache.set(f"{key}:until", time.time() + window, timeout=window)
        return
    try:
        cache.incr(f"{key}:count")
    except ValueError:  # the window ended between add() and incr()
        cache.set(f"{key}:count", 1, timeout=window)
        cache.set(f"{key}:until", time.time() + window, timeout=window)


@_failing_open(default=None)
def login_failure_record(*, request: HttpRequest, username: str) -> None:
    """Count one failed log-in against the pair, the address and the username."""
    window = _window_seconds()
    for key, _ in _locks(request, username):
        _count(key, window)
    _count(_username_key(username), window)


@_failing_open(default=None)
def login_failures_forget(*, request: HttpRequest, username: str) -> None:
    """After a successful log-in, this pair's failures no longer count.

    The address's do: a guesser holding one real account must not be able to reset its
    address's count by logging in to it between guesses; and the username's, since the
    guessing elsewhere goes on whoever logs in.
    """
    key, _ = _locks(request, username)[0]
    cache.delete_many([f"{key}:count", f"{key}:until"])


def lockout_message(seconds: int) -> str:
    if seconds < 60:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return (
        "Too many failed log-in attempts for this username or from this address. "
        f"Try again in {wait}."
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
            # LoginThrottleMiddleware remembers this browser for the username.
            request._login_device_name = _name(username)  # type: ignore[union-attr]
        return user


class LoginThrottleMiddleware:
    """Answers a log-in POST with 429, a message and Retry-After while it is locked out or
    slowed down, and gives a browser that logged in the cookie that exempts it from the
    slowdown of that username.

    The backend would refuse it anyway, but the log-in form could only say "wrong username
    or password", which would send the person guessing at their own password.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        name = getattr(request, "_login_device_name", None)
        if name and response.status_code < 400:
            known = ""
            if DEVICE_COOKIE in request.COOKIES:
                known = request.get_signed_cookie(
                    DEVICE_COOKIE, default="", salt=DEVICE_COOKIE_SALT
                )
            # The last few usernames this browser logged in to (a shared machine has several).
            names = [name, *(n for n in known.split(",") if n and n != name)][:5]
            response.set_signed_cookie(
                DEVICE_COOKIE,
                ",".join(names),
                salt=DEVICE_COOKIE_SALT,
                max_age=DEVICE_COOKIE_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

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
