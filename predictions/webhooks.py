"""Slack and Discord incoming webhooks: which addresses an account may give, and posting a
notice to one.

Posts go through the resolvers' safe fetcher, so a webhook address can never reach a
private, loopback or link-local address (checked after DNS), and a POST follows no
redirect. Only the two services' own hosts are accepted; hosts in RESOLVER_ALLOWED_HOSTS
(tests and local demos) are the one exception, as they are for the fetcher.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings

from config.text import unstorable
from resolvers.fetcher import FetchError, fetch

MAX_URL_CHARS = 500
SLACK = ("hooks.slack.com", "/services/")
DISCORD = ("discord.com", "/api/webhooks/")
# Discord refuses a message over 2000 characters; Slack cuts its own at 40000.
MAX_TEXT_CHARS = {"discord": 2000, "slack": 3500}
# A webhook answers with a few bytes; it need not be waited for long.
MAX_ANSWER_BYTES = 64 * 1024
DEADLINE_SECONDS = 10.0

EXPECTED = (
    "must be a Slack (https://hooks.slack.com/services/…) or Discord "
    "(https://discord.com/api/webhooks/…) incoming webhook address"
)


class WebhookError(Exception):
    """A post to a webhook that did not go through, with why."""


def _allowed_test_hosts() -> set[str]:
    return {host.strip().lower() for host in getattr(settings, "RESOLVER_ALLOWED_HOSTS", [])}


def webhook_url_problem(url: str) -> str | None:
    """Why `url` cannot be an account's webhook, in words that follow the field's name; or
    None when it can."""
    if problem := unstorable(url):
        return problem
    if len(url) > MAX_URL_CHARS:
        return f"must be at most {MAX_URL_CHARS} characters"
    if any(character.isspace() or ord(character) < 32 for character in url):
        return "must not contain spaces or control characters"
    if not url.isascii():  # Slack and Discord give plain ASCII addresses
        return "must be the address exactly as Slack or Discord gave it (plain ASCII)"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return EXPECTED
    if parts.username is not None or parts.password is not None:
        return "must not hold a user name or password"
    if host in _allowed_test_hosts() and parts.scheme in ("http", "https"):
        return None
    if parts.scheme != "https":
        return "must start with https://"
    if port not in (None, 443):
        return EXPECTED
    for service_host, path in (SLACK, DISCORD):
        if host == service_host and parts.path.startswith(path) and len(parts.path) > len(path):
            return None
    return EXPECTED


def webhook_flavour(url: str) -> str:
    """ "discord" or "slack": the two take their text under different names."""
    return "discord" if urlsplit(url).path.startswith(DISCORD[1]) else "slack"


def webhook_post(*, url: str, text: str) -> None:
    """Post `text` to the webhook, or raise WebhookError saying why it did not go."""
    problem = webhook_url_problem(url)
    if problem:
        raise WebhookError(f"the address {problem}")
    flavour = webhook_flavour(url)
    limit = MAX_TEXT_CHARS[flavour]
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    payload = {"content": text} if flavour == "discord" else {"text": text}
    try:
        answer = fetch(
            url,
            method="POST",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            max_bytes=MAX_ANSWER_BYTES,
            deadline=DEADLINE_SECONDS,
        )
    except FetchError as error:
        raise WebhookError(f"{error.reason}: {error.message}") from None
    if not 200 <= answer.status < 300:
        raise WebhookError(f"the webhook answered HTTP {answer.status}")
