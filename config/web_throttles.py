"""Rate limits of the site's own forms, kept in the shared cache like the API's throttles.

- A forecast posted from the web form counts against the same budget as a write through
  the API (WriteRateThrottle, THROTTLE_WRITE_RATE per user): a script driving the form
  gets no more than one using the API.
- A comment posted from the question page counts against the API's comment throttles
  (the write budget, THROTTLE_COMMENT_BURST_RATE and THROTTLE_COMMENT_DAILY_RATE).
- Sign-ups: SIGNUP_LIMIT_PER_ADDRESS accounts from one address within SIGNUP_WINDOW.
- Verification emails: one per EMAIL_VERIFICATION_RESEND_INTERVAL to an account, and at
  most EMAIL_VERIFICATION_SENDS_PER_DAY a day.

All fail open: with Redis unreachable the form works as usual and nothing is counted.
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from config.api import COMMENT_THROTTLES, WriteRateThrottle

logger = logging.getLogger(__name__)


def web_write_wait_seconds(request: HttpRequest) -> int:
    """Seconds before this user may write again; 0: now (and this write is counted)."""
    throttle = WriteRateThrottle()
    try:
        if throttle.allow_request(request, None):
            return 0
        return max(1, math.ceil(throttle.wait() or 1))
    except Exception:  # redis-py raises its own ConnectionError/TimeoutError types
        logger.warning("web write throttle cache unreachable; allowing", exc_info=True)
        return 0


def write_throttled_message(seconds: int) -> str:
    return (
        "Too many forecasts in a short time: nothing was saved. "
        f"Try again in {seconds} second{'s' if seconds != 1 else ''}."
    )


def web_comment_wait_seconds(request: HttpRequest) -> int:
    """Seconds before this user may post a comment again; 0: now (and it is counted).

    Every throttle of the API's comment endpoint counts, so the page allows no more."""
    waits = []
    for throttle_class in COMMENT_THROTTLES:
        throttle = throttle_class()
        try:
            if not throttle.allow_request(request, None):
                waits.append(throttle.wait() or 1)
        except Exception:  # redis-py raises its own ConnectionError/TimeoutError types
            logger.warning("web comment throttle cache unreachable; allowing", exc_info=True)
    return max(1, math.ceil(max(waits))) if waits else 0


def comment_throttled_message(seconds: int, *, refused: str = "nothing was posted") -> str:
    if seconds < 120:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    elif seconds < 2 * 3600:
        wait = f"{math.ceil(seconds / 60)} minutes"
    else:
        wait = f"{math.ceil(seconds / 3600)} hours"
    return f"Too many comments in a short time: {refused}. Try again in {wait}."


def _signup_key(request: HttpRequest) -> str:
    return f"signups:addr:{BaseThrottle().get_ident(request) or 'unknown'}"


def signup_wait_seconds(request: HttpRequest) -> int:
    """Seconds before this address may sign up again; 0: now (this sign-up is counted).

    Counted when a sign-up is about to be stored (atomically, so parallel ones are all
    counted): typing mistakes corrected on the form cost nothing.
    """
    window = max(1, int(settings.SIGNUP_WINDOW.total_seconds()))
    key = _signup_key(request)
    try:
        if cache.add(f"{key}:count", 1, timeout=window):
            cache.set(f"{key}:until", time.time() + window, timeout=window)
            return 0
        try:
            count = cache.incr(f"{key}:count")
        except ValueError:  # the window ended between add() and incr()
            cache.set(f"{key}:count", 1, timeout=window)
            cache.set(f"{key}:until", time.time() + window, timeout=window)
            return 0
        if count <= settings.SIGNUP_LIMIT_PER_ADDRESS:
            return 0
        until = cache.get(f"{key}:until") or time.time() + window
        return max(1, math.ceil(until - time.time()))
    except Exception:  # redis-py raises its own ConnectionError/TimeoutError types
        logger.warning("sign-up throttle cache unreachable; allowing", exc_info=True)
        return 0


def signup_throttled_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "Too many accounts were made from this address recently: no account was made. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


DAY_SECONDS = 24 * 3600


def verification_email_wait_seconds(user_id: int) -> int:
    """Seconds before another verification email may go to this account; 0: now (and this
    one is counted). Counted per account, so an address typed at sign-up by someone else
    gets a handful of links at most."""
    interval = max(1, int(settings.EMAIL_VERIFICATION_RESEND_INTERVAL.total_seconds()))
    key = f"verification-emails:user:{int(user_id)}"
    now = time.time()
    try:
        # The value is when the interval ends: the cache tells no key's time to live.
        if not cache.add(f"{key}:recent", now + interval, timeout=interval):
            until = cache.get(f"{key}:recent") or now + interval
            return max(1, math.ceil(until - now))
        if cache.add(f"{key}:day", 1, timeout=DAY_SECONDS):
            cache.set(f"{key}:day-until", now + DAY_SECONDS, timeout=DAY_SECONDS)
            return 0
        try:
            count = cache.incr(f"{key}:day")
        except ValueError:  # the day ended between add() and incr()
            cache.set(f"{key}:day", 1, timeout=DAY_SECONDS)
            cache.set(f"{key}:day-until", now + DAY_SECONDS, timeout=DAY_SECONDS)
            return 0
        if count <= settings.EMAIL_VERIFICATION_SENDS_PER_DAY:
            return 0
        until = cache.get(f"{key}:day-until") or now + DAY_SECONDS
        return max(1, math.ceil(until - now))
    except Exception:  # redis-py raises its own ConnectionError/TimeoutError types
        logger.warning("verification email throttle cache unreachable; allowing", exc_info=True)
        return 0


def verification_email_not_sent(user_id: int) -> None:
    """Free the interval a send that failed took: the person may try again at once (the
    day's count keeps it, so a failing mail server is not asked without end)."""
    try:
        cache.delete(f"verification-emails:user:{int(user_id)}:recent")
    except Exception:
        logger.warning("verification email throttle cache unreachable", exc_info=True)


def verification_email_throttled_message(seconds: int) -> str:
    if seconds < 90:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return (
        "A confirmation link was sent to this account a short while ago, so no other was "
        f"sent now: look for it in your inbox (and spam folder), or ask again in {wait}."
    )
