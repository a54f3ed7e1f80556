"""The ``news_search`` kind: news articles that GDELT DOC 2.0 finds for the question's
terms in a date range, gathered for staff to review.

It never proposes yes, no or an option: a headline cannot say whether the resolution
criteria are met. Candidates make the verdict ``needs_review`` (services propose nothing for
it; staff read the evidence), no candidates ``undetermined``, even after the question's
close, because no articles found is not evidence that nothing happened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from resolvers import fetcher
from resolvers.fetcher import FetchError, FetchResult
from resolvers.kinds.base import Outcome, QuestionFacts, ResolverKind, Verdict
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.news_search.gdelt import (
    STAMP,
    Article,
    Window,
    read_articles,
    search_window,
    take_turn,
    window_asked,
)
from resolvers.kinds.news_search.schema import (
    CONFIG_SCHEMA,
    MAX_RECORDS,
    build_query,
    check_config,
)
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import api_base, aware, one_line, short, show_when

SHOWN = 3  # candidates named in the explanation


def _now() -> datetime:
    """The time the search window is counted back from (a seam for tests)."""
    return datetime.now(UTC)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class NewsSearchKind(ResolverKind):
    """Candidate news articles from GDELT DOC 2.0 (one keyless ArtList request) for staff
    to review: ``needs_review`` with candidates, ``undetermined`` without; never an outcome.
    See docs/resolvers/news_search.md."""

    name = "news_search"
    label = "News articles for staff to review (GDELT)"
    config_schema = CONFIG_SCHEMA
    supports_multiple_choice = True  # it proposes nothing, so any question can use it

    def check_config(self, config: dict, problems: Problems) -> None:
        check_config(config, problems)

    def search_url(self, config: dict, window: Window) -> str:
        query = {
            "query": build_query(config),
            "mode": "ArtList",
            "format": "json",
            "maxrecords": str(config.get("max_records", MAX_RECORDS)),
            "startdatetime": window.start.strftime(STAMP),
            "enddatetime": window.end.strftime(STAMP),
            "sort": "DateDesc",
        }
        return f"{api_base('gdelt')}/api/v2/doc/doc?{urlencode(query)}"

    def fetch(self, config: dict) -> FetchResult:
        url = self.search_url(config, search_window(config, _now()))
        take_turn(url)
        result = fetcher.fetch(url, headers={"Accept": "application/json"})
        if result.status == 429:  # transient: the check task retries it later, with jitter
            raise FetchError(
                "GDELT answered HTTP 429: it takes one request every 5 seconds from an address",
                reason="rate_limited",
                url=url,
                transient=True,
            )
        return result

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        if not 200 <= evidence.status < 300:
            raise EvaluationError(f"GDELT answered HTTP {evidence.status} ({evidence.url})")
        window = window_asked(evidence, config)
        articles = read_articles(evidence)
        if window.not_begun:
            explanation = (
                f"GDELT news: the search window opens on {show_when(window.since)}; nothing "
                "seen before then counts, and the source is checked again on its schedule"
            )
            return Verdict(Outcome.UNDETERMINED, "0 candidate articles", explanation)
        candidates, left_out = self._candidates(articles, config, window)
        start, end = window.counted
        measured = (
            f"GDELT news seen {show_when(start)} to {show_when(end)} matching "
            f"{short(build_query(config), 120)}"
        )
        notes = self._notes(config, window, articles, left_out)
        value = _plural(len(candidates), "candidate article")
        minimum = config.get("min_articles", 1)
        if len(candidates) >= minimum:
            shown = "; ".join(
                f"“{short(a.title or '(untitled)', 80)}” ({a.domain or '?'}, "
                f"{a.seen.date().isoformat()})"
                for a in candidates[:SHOWN]
            )
            explanation = (
                f"{measured}: {value} for staff to review against the criteria (a news "
                f"search never decides the question); newest: {shown}{notes}"
            )
            return Verdict(Outcome.NEEDS_REVIEW, value, one_line(explanation))
        found = (
            f"{value}, fewer than the {minimum} it takes to ask staff"
            if candidates
            else "no articles"
        )
        if aware(now) >= aware(question.closes_at):
            why = (
                "a news search never resolves it"
                if candidates
                else "finding nothing is not evidence that nothing happened"
            )
            wait = (
                f"the question has closed, and {why}: staff must decide from the criteria's "
                "sources and the candidates of earlier checks"
            )
        else:
            wait = "checked again on its schedule; a news search never resolves the question"
        return Verdict(Outcome.UNDETERMINED, value, one_line(f"{measured}: {found}; {wait}{notes}"))

    @staticmethod
    def _candidates(
        articles: list[Article], config: dict, window: Window
    ) -> tuple[list[Article], int]:
        """The articles that count, newest first and one per URL, and how many GDELT gave
        outside the dates or domains asked for (left out, not guessed at)."""
        start, end = window.counted
        domains = set(config.get("domains", []))
        kept: dict[str, Article] = {}
        left_out = 0
        for article in articles:
            domain = article.domain.removeprefix("www.")
            if not start <= article.seen <= end or (domains and domain not in domains):
                left_out += 1
            elif article.url not in kept:
                kept[article.url] = article
        ordered = sorted(kept.values(), key=lambda a: a.seen, reverse=True)
        return ordered, left_out

    @staticmethod
    def _notes(config: dict, window: Window, articles: list[Article], left_out: int) -> str:
        notes = []
        if window.left_out:
            notes.append(
                f"GDELT searches only the last 3 months, so {window.left_out} of the window "
                "was not searched by this check"
            )
        maximum = config.get("max_records", MAX_RECORDS)
        if len(articles) >= maximum:
            notes.append(
                f"GDELT's answer holds the {maximum} articles asked for, so older matches "
                "may be missing"
            )
        if left_out:
            notes.append(
                f"{_plural(left_out, 'answered article')} outside the dates or domains asked "
                "for left out"
            )
        return "".join(f"; {note}" for note in notes)
