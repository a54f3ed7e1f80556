"""The ``feed`` kind: RSS or Atom entries matching terms in a date range."""

from __future__ import annotations

import calendar
import html
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import feedparser

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import QuestionFacts, ResolverKind, Verdict, decide, require_binary
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.schemas import DATE, DECIDE_NO_AFTER, HTTP_URL, TERMS, config_object
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import parse_when, short, show_when, status_ok


def _entry_when(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text or ""))


class FeedKind(ResolverKind):
    """RSS or Atom entries, dated within [since, until], whose title or summary holds every
    term (case-insensitive); at least ``min_entries`` of them."""

    name = "feed"
    label = "RSS/Atom entries matching terms in a date range"
    config_schema = config_object(
        {
            "url": HTTP_URL,
            "terms": TERMS,
            "since": DATE,
            "until": DATE,
            "min_entries": {"type": "integer", "minimum": 1, "default": 1},
            "decide_no_after": DECIDE_NO_AFTER,
        },
        ["url", "terms", "since"],
    )

    def check_config(self, config: dict, problems: Problems) -> None:
        problems.url(config)
        problems.when(config, "since", "until", "decide_no_after")
        problems.ordered(config, "since", "until")

    def fetch(self, config: dict) -> FetchResult:
        accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
        return fetcher.fetch(config["url"], headers={"Accept": accept})

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        require_binary(self, question)
        status_ok(evidence, "the feed")
        # A stream, never the bytes: feedparser opens a bytes argument as a local file name
        # when one exists.
        parsed = feedparser.parse(
            io.BytesIO(evidence.body),
            response_headers={"content-type": evidence.content_type or "application/xml"},
        )
        if not parsed.get("version") and not parsed.entries:
            reason = parsed.get("bozo_exception") or "no RSS or Atom document"
            raise EvaluationError(f"the feed at {evidence.url} is not RSS or Atom: {reason}")
        since = parse_when(config["since"])
        until = parse_when(config.get("until"), end_of_day=True)
        terms = [term.casefold() for term in config["terms"]]
        matching = []
        for entry in parsed.entries:
            when = _entry_when(entry)
            if when is None or when < since or (until is not None and when > until):
                continue
            text = f"{_plain(entry.get('title', ''))} {_plain(entry.get('summary', ''))}"
            text = text.casefold()
            if all(term in text for term in terms):
                matching.append((when, short(_plain(entry.get("title", "")) or "(untitled)", 80)))
        matching.sort()
        minimum = config.get("min_entries", 1)
        count = len(matching)
        value = f"{count} matching {'entry' if count == 1 else 'entries'}"
        window = f"from {show_when(since)}" + (f" to {show_when(until)}" if until else "")
        titles = "; ".join(f'"{title}"' for _, title in matching[:3])
        if count > 3:
            titles += f"; and {count - 3} more"
        shown_terms = ", ".join(json.dumps(term, ensure_ascii=False) for term in config["terms"])
        measured = (
            f"{count} of the {len(parsed.entries)} entries in the feed {evidence.url} contain "
            f"all of {shown_terms} and are dated {window}, needed {minimum}"
            + (f" ({titles})" if titles else "")
        )
        return decide(count >= minimum, value, measured, config, question, now)
