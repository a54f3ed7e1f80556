"""Whole public pages kept for visitors without a session, retired by versioned keys.

A visitor without a session cookie or a pending message sees what every such visitor sees
at the same address, so the page's bytes can be kept and served again. What a page was
rendered from is named by version keys (`site`, one question's, one forecaster's, every
forecast's, the scores'); each holds a random token, and a write replaces the tokens of what
it changed (`bump`), both at once and after its transaction commits. An entry keeps the
tokens it was rendered under, read *before* the page read the database, and is served only
while every one of them is still current: a page rendered from a snapshot older than a
commit can be stored, but never under the tokens that commit left. Entries also end at the
next instant the page would read differently by the clock alone (a question opening or
closing, a new UTC day) and after PAGE_CACHE_SECONDS at most, which bounds how far the
relative times ("in 3 days") drift.

A token that is missing (evicted, or Redis restarted) is created anew, so no older entry
matches it. With Redis unreachable nothing is kept and every page is rendered.

Viewers with a session (signed in, or holding a message) always get the page rendered for
them: their forecasts, forms and CSRF tokens are never in an entry, and a render that
asked for a CSRF token or set a cookie is never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)

PAGE_CACHE_SECONDS = 60
# predictions.rescoring.SCORES_VERSION_KEY: a rescore replaces it (config cannot import it).
SCORES_VERSION_KEY = "scores-version"

# Version keys. `site` covers what editors and resolvers change (questions, tags, sources,
# claims, forecasters' names, resolutions, resolution sources): rare writes, read everywhere.
SITE = "page-version:site"
FORECASTS = "page-version:forecasts"  # any forecast: the counts on the question index


def question_key(question_id: int) -> str:
    """A question's forecasts, comments, checks and disputes."""
    return f"page-version:question:{question_id}"


def forecaster_key(forecaster_id: int) -> str:
    """A forecaster's forecasts."""
    return f"page-version:forecaster:{forecaster_id}"


# After a bump fails (Redis unreachable), further bumps in this process are skipped for
# this long: a write saves several models, and each would wait the full Redis timeout.
# Pages kept before the outage still end within PAGE_CACHE_SECONDS.
UNREACHABLE_SECONDS = 5.0
_unreachable_until = 0.0


def _new_tokens(keys: list[str]) -> None:
    global _unreachable_until
    if time.monotonic() < _unreachable_until:
        return
    try:
        cache.set_many({key: secrets.token_hex(8) for key in keys}, None)
    except Exception:  # Redis down: nothing is cached either
        _unreachable_until = time.monotonic() + UNREACHABLE_SECONDS


def bump(*keys: str) -> None:
    """Retire every kept page rendered from what these keys name: now, so that the writer's
    own requests in this transaction (and tests, which never commit) see the change, and
    again once the transaction commits, retiring pages rendered meanwhile from the
    snapshot before it."""
    wanted = list(dict.fromkeys(keys))
    _new_tokens(wanted)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _new_tokens(wanted))


def same_for_every_visitor(request: HttpRequest) -> bool:
    """A GET without a session and without a pending message."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def next_midnight(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


class KeptPage:
    """One address's kept page for visitors without a session.

    `hit()` returns the kept response if it is current. Otherwise the view calls
    `depend_on(...)` for every version key the page reads (before reading what the key
    covers), `until(...)` for instants at which the page changes by the clock, renders,
    and passes its response through `keep()`.
    """

    def __init__(self, request: HttpRequest, name: str, *keys: str, seen_twice: bool = False):
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        digest = hashlib.sha256(address.encode()).hexdigest()
        self.key = f"page:{name}:{digest}"
        self.seen_twice = seen_twice
        self.tokens: dict[str, str] = {}
        self.expires = time.time() + PAGE_CACHE_SECONDS
        self.usable = True
        self.entry = None
        self._start([SITE, SCORES_VERSION_KEY, *keys])

    def _start(self, keys: list[str]) -> None:
        try:
            stored = cache.get_many([self.key, *keys])
        except Exception:
            logger.warning("page cache unreachable; rendering", exc_info=True)
            self.usable = False
            return
        self.entry = stored.pop(self.key, None)
        self._take(keys, stored)

    def _take(self, keys: list[str], stored: dict) -> None:
        missing = [key for key in keys if key not in stored]
        for key in missing:  # a new token: no kept entry can match it
            with contextlib.suppress(Exception):
                cache.add(key, secrets.token_hex(8), None)
        if missing:
            try:
                stored.update(cache.get_many(missing))
            except Exception:
                self.usable = False
                return
        for key in keys:
            if key not in stored:
                self.usable = False
                return
            self.tokens[key] = stored[key]

    def hit(self) -> HttpResponse | None:
        entry = self.entry
        if not self.usable or not isinstance(entry, dict) or entry.get("expires", 0) <= time.time():
            return None
        tokens = entry["tokens"]
        unread = [key for key in tokens if key not in self.tokens]
        if unread:
            try:
                current = cache.get_many(unread)
            except Exception:
                return None
            if any(current.get(key) != tokens[key] for key in unread):
                return None
        if any(self.tokens[key] != token for key, token in tokens.items() if key in self.tokens):
            return None
        if "body" not in entry:  # seen once: the next render is kept
            return None
        response = HttpResponse(entry["body"], content_type=entry["content_type"])
        patch_vary_headers(response, ("Cookie",))
        return response

    def depend_on(self, *keys: str) -> None:
        """Read these keys' tokens now: call before reading what they cover."""
        wanted = [key for key in keys if key not in self.tokens]
        if not wanted or not self.usable:
            return
        try:
            stored = cache.get_many(wanted)
        except Exception:
            self.usable = False
            return
        self._take(wanted, stored)

    def until(self, *instants: datetime | None) -> None:
        """The page reads differently by the clock at these instants (past ones ignored)."""
        now = time.time()
        for instant in instants:
            if instant is not None and now < instant.timestamp() < self.expires:
                self.expires = instant.timestamp()

    def keep(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        patch_vary_headers(response, ("Cookie",))
        if not self.usable or response.status_code != 200 or response.cookies:
            return response
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or b"csrfmiddlewaretoken" in (
            response.content
        ):
            return response  # a form for this visitor: never shared
        entry = {"tokens": self.tokens, "expires": self.expires}
        if not self.seen_twice or isinstance(self.entry, dict):
            entry["body"] = response.content
            entry["content_type"] = response["Content-Type"]
        seconds = max(1, int(self.expires - time.time()) + 1)
        with contextlib.suppress(Exception):
            cache.set(self.key, entry, seconds)
        return response


def kept_page(request: HttpRequest, name: str, *keys: str, seen_twice: bool = False):
    """A KeptPage for this request if it is one every visitor without a session shares."""
    if not same_for_every_visitor(request):
        return None
    return KeptPage(request, name, *keys, seen_twice=seen_twice)
