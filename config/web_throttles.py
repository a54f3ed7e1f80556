"""Rate limits of the site's own forms, kept in the shared cache like the API's throttles.

- A forecast posted from the web form counts against the same budget as a write through
  the API (WriteRateThrottle, THROTTLE_WRITE_RATE per user): a script driving the form
  gets no more than one using the API.
- Sign-ups: SIGNUP_LIMIT_PER_ADDRESS accounts from one address within SIGNUP_WINDOW.

Both fail open: with Redis unreachable the form works as usual and nothing is counted.
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from config.api import WriteRateThrottle

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
