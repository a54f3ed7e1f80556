"""Finding questions: full-text search, filters, sorting and counts for `/questions/`.

PostgreSQL ranks matches with its full-text search (`contrib.postgres`: English stemming,
web-search syntax: quoted phrases, `or`, `-word`); SQLite falls back to the same syntax
without stemming: every word or quoted phrase appears in the title, criteria or background
(either one of two joined by `or`), and no `-word` or `-"phrase"` does. Filters and sorting
are the same on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from registry.models import Question
from registry.selectors import questions_visible_to

MAX_QUERY_CHARS = 200
CLOSING_SOON = timedelta(days=7)

# Status filter -> the derived statuses it takes in (see QuestionQuerySet.with_status).
STATUS_FILTERS = {
    "open": ("Open", [Question.Status.OPEN]),
    "closing-soon": ("Closing within a week", [Question.Status.OPEN]),
    "awaiting": ("Awaiting resolution", [Question.Status.CLOSED, Question.Status.RESOLVING]),
    "resolved": ("Resolved", [Question.Status.RESOLVED]),
    "annulled": ("Annulled", [Question.Status.ANNULLED]),
    "upcoming": ("Upcoming", [Question.Status.UPCOMING]),
}
SORTS = {
    "closing": ("Closing soonest", ["closes_at", "pk"]),
    "newest": ("Newest", ["-published_at", "-pk"]),
    "forecasters": ("Most forecasters", ["-forecaster_count", "closes_at", "pk"]),
}
MINE = {"forecast": "I forecast", "not-forecast": "I haven't forecast"}
# A term of the search box for the fallback: -"a phrase" / "a phrase" (an unclosed quote
# runs to the end), or a word, with a leading - to exclude it.
_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class QuestionFilters:
    text: str = ""
    status: str = ""
    tag: str = ""
    source: str = ""
    kind: str = ""
    mine: str = ""
    sort: str = ""


def clean_text(raw: str) -> str:
    """What a search box held, fit for a query: no NULs or control characters, no lone
    surrogates, at most MAX_QUERY_CHARS."""
    text = raw.encode("utf-8", "replace").decode("utf-8")
    text = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def postgres_search() -> bool:
    """Whether the database ranks with PostgreSQL's full-text search."""
    return connection.vendor == "postgresql"


def _text_filter(queryset: QuerySet[Question], text: str) -> QuerySet[Question]:
    if postgres_search():
        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("resolution_criteria", weight="B", config="english")
            + SearchVector("body", weight="C", config="english")
        )
        query = SearchQuery(text, search_type="websearch", config="english")
        # `@@` decides what matches; ts_rank only orders (it is never 0, even for none).
        return queryset.annotate(document=vector, rank=SearchRank(vector, query)).filter(
            document=query
        )
    wanted, unwanted = _fallback_terms(text)
    for alternatives in wanted:
        either = Q()
        for phrase in alternatives:
            either |= _contains(phrase)
        queryset = queryset.filter(either)
    for phrase in unwanted:
        queryset = queryset.exclude(_contains(phrase))
    return queryset


def _contains(phrase: str) -> Q:
    return (
        Q(title__icontains=phrase)
        | Q(resolution_criteria__icontains=phrase)
        | Q(body__icontains=phrase)
    )


def _fallback_terms(text: str) -> tuple[list[list[str]], list[str]]:
    """What the fallback reads of websearch syntax: the groups of which one phrase each must
    appear (``a or b`` is one group), and the phrases that must not (``-a``, ``-"a b"``)."""
    wanted: list[list[str]] = []
    unwanted: list[str] = []
    join = False
    for match in _TERM.finditer(text):
        excluded, phrase, word = match.group(1) == "-", match.group(2), match.group(3)
        if word is not None:
            if word.lower() == "or":
                join = bool(wanted)
                continue
            excluded, phrase = word.startswith("-") and len(word) > 1, word
            phrase = phrase.removeprefix("-") if excluded else phrase
            phrase = phrase.strip("\"'")
        phrase = " ".join(phrase.split())
        if not phrase:
            continue
        if excluded:
            unwanted.append(phrase)
        elif join:
            wanted[-1].append(phrase)
        else:
            wanted.append([phrase])
        join = False
    return wanted, unwanted


def questions_find(*, user: User | AnonymousUser, filters: QuestionFilters) -> QuerySet[Question]:
    """The questions the user may see that match ``filters``, sorted (by relevance first
    when searching, unless a sort is chosen). Sorted by forecasters, they carry their
    counts; otherwise `with_forecast_counts` adds them to the page shown (counting the
    forecasts of every match only to show twenty made a search take a second)."""
    queryset = questions_visible_to(user)
    if filters.sort == "forecasters":
        queryset = queryset.annotate(
            forecaster_count=Count("forecasts__forecaster", distinct=True),
            forecast_count=Count("forecasts", distinct=True),
        )
    if filters.status in STATUS_FILTERS:
        queryset = queryset.filter(derived_status__in=STATUS_FILTERS[filters.status][1])
        if filters.status == "closing-soon":
            queryset = queryset.filter(closes_at__lte=timezone.now() + CLOSING_SOON)
    if filters.tag:
        queryset = queryset.filter(tags__slug=filters.tag)
    if filters.source:
        queryset = queryset.filter(claims__source__slug=filters.source).distinct()
    if filters.kind in Question.Kind.values:
        queryset = queryset.filter(kind=filters.kind)
    if filters.mine in MINE and user.is_authenticated:
        forecast = Exists(
            Question.forecasts.rel.related_model.objects.filter(
                question=OuterRef("pk"), forecaster__user=user
            )
        )
        queryset = queryset.filter(forecast if filters.mine == "forecast" else ~forecast)
    ordering = SORTS.get(filters.sort, SORTS["closing"])[1]
    if filters.text:
        queryset = _text_filter(queryset, filters.text)
        if not filters.sort and postgres_search():
            ordering = ["-rank", *SORTS["closing"][1]]
    return queryset.order_by(*ordering)


def with_forecast_counts(questions: list[Question]) -> list[Question]:
    """The questions, each with `forecaster_count` and `forecast_count` (one query for those
    that lack them)."""
    missing = [question.pk for question in questions if not hasattr(question, "forecast_count")]
    if missing:
        forecasts = Question.forecasts.rel.related_model.objects  # predictions' Forecast
        counts = {
            row["question_id"]: row
            for row in forecasts.filter(question_id__in=missing)
            .order_by()
            .values("question_id")
            .annotate(forecasters=Count("forecaster", distinct=True), forecasts=Count("id"))
        }
        for question in questions:
            if question.pk in counts or not hasattr(question, "forecast_count"):
                row = counts.get(question.pk, {"forecasters": 0, "forecasts": 0})
                question.forecaster_count = row["forecasters"]
                question.forecast_count = row["forecasts"]
    return questions
