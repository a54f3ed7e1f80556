"""Listing models on the Hub: the paginated requests a cohort needs, and reading them back.

``GET /api/models`` (the Hub API docs, "Repo listing API") takes ``author``, ``search``,
``filter``, ``sort``, ``direction``, ``limit`` and ``expand[]`` (only the properties listed
are returned, with ``id``); its answer is a JSON list of models, paginated through the
``Link`` header (``<url>; rel="next"``, as GitHub does). Every page is kept in the evidence
with its Link header, so a reading can be checked page by page afterwards.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from requests.utils import parse_header_links

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.values import api_base, combined_evidence, short

PAGE_SIZE = 1000  # the most the Hub gives in one page
# Authors listed at once: a check of dozens of organisations must fit the check task's time
# limit; a few requests at a time stay far below the Hub's rate limits.
PARALLEL = 4
# The property each measure reads ("models" reads none: it counts).
MEASURE_FIELDS = {
    "downloads": "downloads",
    "downloads_all_time": "downloadsAllTime",
    "likes": "likes",
}


@dataclass(frozen=True)
class Series:
    """One paginated listing: an author (or the whole Hub) with a search and a tag filter."""

    author: str | None
    search: str | None
    filter: str | None

    def __str__(self) -> str:
        parts = [f"author {self.author}"] if self.author else []
        if self.search:
            parts.append(f'search "{self.search}"')
        if self.filter:
            parts.append(f'filter "{self.filter}"')
        return ", ".join(parts)


def series_of(selector: dict) -> list[Series]:
    search, tag = selector.get("search"), selector.get("filter")
    authors = selector.get("authors") or [None]
    return [Series(author, search, tag) for author in authors]


def expand_fields(measure: str) -> list[str]:
    """The properties asked for: the three a cohort reads, and the measure's own."""
    fields = ["downloads", "createdAt", "pipeline_tag"]
    extra = MEASURE_FIELDS.get(measure)
    return fields if extra is None or extra in fields else [*fields, extra]


def first_url(series: Series, measure: str) -> str:
    query = [
        (name, value)
        for name, value in (
            ("author", series.author),
            ("search", series.search),
            ("filter", series.filter),
        )
        if value
    ]
    query += [("sort", "downloads"), ("direction", "-1"), ("limit", str(PAGE_SIZE))]
    query += [("expand[]", field) for field in expand_fields(measure)]
    return f"{api_base('huggingface')}/api/models?{urlencode(query)}"


def next_page(url: str, link: str) -> str | None:
    """The absolute URL that a page's Link header names as rel="next", if any."""
    for item in parse_header_links(link) if link else []:
        if "next" in item.get("rel", "").split() and item.get("url"):
            return urljoin(url, item["url"])
    return None


def on_the_models_api(url: str) -> bool:
    base, parts = urlsplit(api_base("huggingface")), urlsplit(url)
    same = (parts.scheme, parts.netloc) == (base.scheme, base.netloc)
    return same and parts.path == "/api/models"


# --- Fetching ------------------------------------------------------------------------------


@dataclass
class _Listed:
    answers: dict[str, Any]
    links: dict[str, str]
    duration_ms: int = 0
    failure: FetchResult | None = None


def _list(series: Series, measure: str, max_pages: int) -> _Listed:
    listed = _Listed({}, {})
    url: str | None = first_url(series, measure)
    while url is not None and len(listed.answers) < max_pages:
        result = fetcher.fetch(url, headers={"Accept": "application/json"})
        listed.duration_ms += result.duration_ms
        try:
            if not 200 <= result.status < 300:
                raise ValueError(result.status)
            answer = json.loads(result.body)
        except (ValueError, UnicodeDecodeError):
            listed.failure = result
            return listed
        listed.answers[url] = answer
        if result.link:
            listed.links[url] = result.link
        following = next_page(url, result.link)
        # A link off the models API or back to a page read is not followed; reading the
        # evidence says so.
        if following is None or not on_the_models_api(following) or following in listed.answers:
            return listed
        url = following
    return listed


def fetch_listings(series: list[Series], measure: str, max_pages: int) -> FetchResult:
    """Every page of every series as one evidence ``{"answers": {url: page}, "links": {url:
    Link header}}``; a page answering a non-2xx status or non-JSON is returned instead (the
    first such, in the config's order), so that failure is what the check records."""
    pool = ThreadPoolExecutor(max_workers=PARALLEL)
    try:  # a FetchError (a timeout, say) propagates, and the listings not begun are dropped
        results = list(pool.map(lambda one: _list(one, measure, max_pages), series))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    answers: dict[str, Any] = {}
    links: dict[str, str] = {}
    for listed in results:
        if listed.failure is not None:
            return listed.failure
        answers.update(listed.answers)
        links.update(listed.links)
    duration = sum(listed.duration_ms for listed in results)
    body = {"answers": answers, "links": links}
    return combined_evidence(f"{api_base('huggingface')}/api/models", body, duration)


# --- Reading the evidence ---------------------------------------------------------------------


def read_listing(evidence: dict, series: Series, measure: str, max_pages: int) -> list[dict]:
    """Every model the Hub listed for ``series``, page after page, each with an ``id``."""
    answers, links = evidence.get("answers"), evidence.get("links")
    if not isinstance(answers, dict) or not isinstance(links, dict):
        raise EvaluationError("the Hub evidence has no 'answers' and 'links' by request URL")
    url, models, read = first_url(series, measure), [], set()
    while True:
        if url not in answers:
            if len(read) >= max_pages:
                raise EvaluationError(
                    f"the Hub lists more than {max_pages} pages of {PAGE_SIZE:,} models for "
                    f"{series} (max_pages); its models cannot all be counted"
                )
            raise EvaluationError(f"the evidence lacks the Hub's page for {series} ({url})")
        read.add(url)
        page = answers[url]
        if not isinstance(page, list):
            raise EvaluationError(f"the Hub's answer for {series} is not a list of models ({url})")
        for position, model in enumerate(page):
            if not isinstance(model, dict) or not isinstance(model.get("id"), str):
                raise EvaluationError(
                    f"entry {position} of the Hub's page for {series} is not a model with an id"
                )
            models.append(model)
        link = links.get(url, "")
        if not isinstance(link, str):
            raise EvaluationError(f"the evidence's Link header for {series} is not a text")
        following = next_page(url, link)
        if following is None:
            return models
        if not on_the_models_api(following):
            raise EvaluationError(
                f"the Hub's next page for {series} is off its models API: {short(following)}"
            )
        if following in read:
            raise EvaluationError(f"the Hub's pages for {series} loop back to {short(following)}")
        url = following
