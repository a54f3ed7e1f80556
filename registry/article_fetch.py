"""Fetching a published forecast's page to import it: the URL a staff user gave, fetched
through the resolvers' safe fetcher, made an ``Article`` by ``article_text``.

Every way the fetch can fail (a bad address, a name that does not resolve, a private or
local address or a redirect to one, a timeout, a body over the cap, a log-in, a paywall,
a missing page, a server error) becomes an ``ArticleError`` with a sentence saying what
happened and what to do instead, usually: paste the text.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.models import PreparedRequest

from registry.article_text import Article, ArticleError, extract_article
from resolvers.fetcher import DEFAULT_MAX_BODY_BYTES, FetchError, fetch

# What a browser asks for, HTML first; PDFs and plain text are articles too.
REQUEST_HEADERS = {
    "Accept": ("text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"),
    "Accept-Language": "en;q=1.0,*;q=0.5",
}

BAD_ADDRESS = "That is not a web address; give the full address, starting with https://."
PRIVATE_ADDRESS = "That address is on a private or local network, which Hindsight does not fetch."
PRIVATE_REDIRECT = (
    "The address redirects to a private or local network, which Hindsight does not fetch."
)
UNKNOWN_HOST = "The site's name could not be found; check the address."
UNREACHABLE = "The site could not be reached; try again later or paste the text instead."
TIMED_OUT = "The site took too long to answer; try again later or paste the text instead."
BAD_CERTIFICATE = (
    "The site's security certificate is not valid, so Hindsight did not read it; "
    "paste the text instead."
)
TOO_MANY_REDIRECTS = "The address redirects too many times; give the article's own address."
LOGGED_IN_ONLY = "The page is behind a log-in (HTTP {status}); paste the text instead."
PAYWALLED = "The page is behind a paywall (HTTP 402); paste the text instead."
NOT_FOUND = "There is no page at that address (HTTP {status}); check the address."
RATE_LIMITED = "The site is refusing requests for now (HTTP 429); try again later."
CLIENT_ERROR = "The site refused the request (HTTP {status}); check the address."
SERVER_ERROR = "The site failed to answer (HTTP {status}); try again later."
UNEXPECTED_STATUS = "The site gave an unexpected answer (HTTP {status}); paste the text instead."

# How a failed name lookup reads in the fetcher's connection errors (ours, urllib3's, libc's).
NAME_NOT_RESOLVED = re.compile(
    r"failed to resolve|name or service not known|nodename nor servname|getaddrinfo failed"
    r"|name resolution|no address associated",
    re.IGNORECASE,
)


def fetch_article(url: str) -> Article:
    """The article at ``url``, fetched safely. Raises ArticleError."""
    address = url.strip()
    if not _is_web_address(address):
        raise ArticleError(BAD_ADDRESS)
    try:
        result = fetch(address, headers=REQUEST_HEADERS)
    except FetchError as error:
        raise ArticleError(fetch_error_sentence(error, requested=address)) from error
    refusal = status_sentence(result.status)
    if refusal is not None:
        raise ArticleError(refusal)
    return extract_article(result.body, content_type=result.content_type, url=result.url)


def fetch_error_sentence(error: FetchError, *, requested: str) -> str:
    """What a staff user is told when the fetch produced no response."""
    if error.reason == FetchError.BAD_URL:
        return BAD_ADDRESS
    if error.reason == FetchError.BLOCKED:
        redirected = _as_sent(error.url) != _as_sent(requested)
        return PRIVATE_REDIRECT if redirected else PRIVATE_ADDRESS
    if error.reason == FetchError.CONNECTION:
        return UNKNOWN_HOST if NAME_NOT_RESOLVED.search(error.message) else UNREACHABLE
    if error.reason == FetchError.TOO_LARGE:
        limit = getattr(settings, "RESOLVER_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
        return f"The page is over the {_size(limit)} limit; paste the text instead."
    fixed = {
        FetchError.TIMEOUT: TIMED_OUT,
        FetchError.CERTIFICATE: BAD_CERTIFICATE,
        FetchError.TOO_MANY_REDIRECTS: TOO_MANY_REDIRECTS,
    }
    return fixed.get(error.reason, UNREACHABLE)


def status_sentence(status: int) -> str | None:
    """What a staff user is told for an HTTP status that carries no article; None for 2xx."""
    if 200 <= status < 300:
        return None
    if status in (401, 403):
        return LOGGED_IN_ONLY.format(status=status)
    if status == 402:
        return PAYWALLED
    if status in (404, 410):
        return NOT_FOUND.format(status=status)
    if status == 429:
        return RATE_LIMITED
    if 400 <= status < 500:
        return CLIENT_ERROR.format(status=status)
    if 500 <= status < 600:
        return SERVER_ERROR.format(status=status)
    return UNEXPECTED_STATUS.format(status=status)  # a redirect without a Location, say


def _is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # an unclosed "[" of an IPv6 host, say
        return False


def _as_sent(url: str) -> str:
    """``url`` as requests sends it (the form the fetcher reports), to compare two URLs."""
    prepared = PreparedRequest()
    try:
        prepared.prepare_url(url, None)
    except (requests.RequestException, ValueError):
        return url
    return prepared.url or url


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB"
