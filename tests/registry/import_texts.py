"""Texts and pages for the import tests, and the fetcher settings their servers need."""

from __future__ import annotations

from datetime import date

import pytest

from registry.imports import ImportInput
from tests.registry.article_documents import NEWS_PAGE

PUBLISHED = date(2026, 12, 1)

# Two forecasts the finder proposes (a dated one by "I expect", one by "likely"), and
# sentences about the past it leaves out.
ARTICLE = (
    "Open models in 2027\n\n"
    "Open models had a strong year in 2026.\n\n"
    "I expect an open-weight model to top the LMArena text leaderboard by the end of 2027.\n\n"
    "Hugging Face downloads of open models will likely double by June 2027.\n\n"
    "Last year we wrote about the same question.\n"
)
FIRST_FORECAST = (
    "I expect an open-weight model to top the LMArena text leaderboard by the end of 2027."
)
SECOND_FORECAST = "Hugging Face downloads of open models will likely double by June 2027."

GERMAN = (
    "Die Wirtschaft wird im nächsten Jahr wachsen. Wir erwarten, dass die Inflation bis Ende "
    "2026 auf zwei Prozent sinkt, und die Zentralbank wird die Zinsen senken. Das ist unsere "
    "Prognose für die kommenden Monate, und wir sind zuversichtlich, dass sie eintrifft."
)

HTML = "text/html; charset=utf-8"
# NEWS_PAGE's article, as the fetcher's extraction reads it: by Jane Doe, 5 March 2024.
NEWS_TITLE = "Rates will fall twice by 2025, says our analysis"
NEWS_PAGE_UNDATED = NEWS_PAGE.replace(
    '<meta property="article:published_time" content="2024-03-05T10:00:00Z">', ""
).replace('<time datetime="2024-03-05T10:00:00Z">5 March 2024</time>', "")


def pasted(text: str = ARTICLE, **changes) -> ImportInput:  # type: ignore[no-untyped-def]
    """A pasted import with its metadata, as staff fill the form in."""
    values = {
        "text": text,
        "title": "Open models in 2027",
        "author": "Jane Doe",
        "published_on": PUBLISHED,
        "publication": "Example Weekly",
    }
    return ImportInput(**{**values, **changes})


@pytest.fixture
def fetcher_settings(settings):
    """Fast failures, a small body cap, and 127.0.0.1 (the test servers) allowed."""
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_CONNECT_TIMEOUT = 1.0
    settings.RESOLVER_READ_TIMEOUT = 0.5
    settings.RESOLVER_DEADLINE = 3.0
    settings.RESOLVER_MAX_BODY_BYTES = 64 * 1024
    settings.RESOLVER_MAX_REDIRECTS = 3
    return settings
