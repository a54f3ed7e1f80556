"""Public pages of the scores: the leaderboard, how scoring works, a forecaster's record."""

from __future__ import annotations

import hashlib
import math
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe

from config import page_cache
from predictions import scoring, selectors
from predictions.calibration_chart import murphy_terms, render_calibration_chart
from predictions.formatting import forecast_in_words
from predictions.models import Forecast, ForecasterTotal, QuestionScore
from predictions.score_inputs import to_us
from registry import selectors as registry_selectors
from registry.models import Claim, Forecaster, Question, Source, Tag

PAGE_SIZE = 50
CACHE_SECONDS = 60

SCOPE_GROUPS = (("tag", "Tags"), ("source", "Sources"), ("year", "Years"))
# The boards' names, in selectors.LEADERBOARD_KINDS's order.
KIND_LABELS = {"human": "People", "bot": "Bots", "pundit": "Pundits"}


# --- Small helpers


def _viewer_is_staff(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff)


# --- Leaderboard


def scope_labels(scopes: list[str]) -> dict[str, str]:
    """Readable names of the scopes: a tag's name, a source's title, the year."""
    tags = dict(
        Tag.objects.filter(
            slug__in=[s.removeprefix("tag:") for s in scopes if s.startswith("tag:")]
        ).values_list("slug", "name")
    )
    sources = dict(
        Source.objects.filter(
            slug__in=[s.removeprefix("source:") for s in scopes if s.startswith("source:")]
        ).values_list("slug", "title")
    )
    labels = {}
    for scope in scopes:
        kind, _, value = scope.partition(":")
        if kind == "tag":
            labels[scope] = tags.get(value, value)
        elif kind == "source":
            labels[scope] = sources.get(value, value)
        elif kind == "year":
            labels[scope] = f"Resolved in {value}"
        else:
            labels[scope] = "All questions"
    return labels


@dataclass(frozen=True)
class LeaderboardTabs:
    """What every leaderboard page shows or checks before its table: the scopes that have
    totals, their readable names, and how many pages each one's ranking fills."""

    scopes: list[str]
    labels: dict[str, str]
    pages: dict[str, int]


def _leaderboard_tabs(min_questions: int, kind: str) -> LeaderboardTabs:
    def compute() -> LeaderboardTabs:
        scopes = selectors.leaderboard_scopes(kind=kind)
        sizes = selectors.leaderboard_sizes(min_questions=min_questions, kind=kind)
        return LeaderboardTabs(
            scopes=scopes,
            labels=scope_labels(["all", *scopes]),
            pages={scope: max(1, math.ceil(size / PAGE_SIZE)) for scope, size in sizes.items()},
        )

    return selectors.scores_cached(
        f"leaderboard-tabs:{kind}:{min_questions}", CACHE_SECONDS, compute
    )


def _kind_query(kind: str) -> str:
    """The start of a query string that keeps a board other than the people's."""
    return "" if kind == selectors.DEFAULT_LEADERBOARD_KIND else f"kind={kind}&"


def page_number(raw: str | None, num_pages: int) -> int:
    """The page `Paginator.get_page` shows for the `page` parameter `raw`: the first when
    it is not a whole number, the last when it is out of range."""
    try:
        number = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= num_pages else num_pages


def _leaderboard_body(
    *,
    kind: str,
    scope: str,
    number: int,
    min_questions: int,
    scopes: list[str],
    labels: dict[str, str],
) -> str:
    """The page's board and scope tabs and ranking table, with the people's crowd's row,
    rendered (the same for every viewer)."""
    entries = selectors.leaderboard(scope=scope, min_questions=min_questions, kind=kind)
    page = Paginator(entries, PAGE_SIZE).get_page(number)
    groups = []
    for prefix, title in SCOPE_GROUPS:
        items = [(s, labels.get(s, s)) for s in scopes if s.startswith(f"{prefix}:")]
        if prefix == "year":  # newest first
            items.reverse()
        if items:
            groups.append((title, items))
    context = {
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "kinds": [(value, KIND_LABELS[value]) for value in selectors.LEADERBOARD_KINDS],
        "kind_query": _kind_query(kind),
        "scope": scope,
        "scope_label": labels.get(scope, scope),
        "scope_groups": groups,
        "entries": page.object_list,
        "crowd": selectors.crowd_total(scope=scope),
        "min_questions": min_questions,
    }
    return render_to_string("predictions/_leaderboard_body.html", context)


@dataclass(frozen=True)
class LeaderboardPage:
    """One board's scope's page of the ranking, rendered: the same for every viewer."""

    scope: str
    scope_label: str
    number: int
    num_pages: int
    html: str
    kind: str


def _page_key(kind: str, scope: str, min_questions: int, number: int) -> str:
    return f"leaderboard-page:{kind}:{scope}:{min_questions}:{number}"


def _leaderboard_kind(request: HttpRequest) -> str:
    """The board asked for, or the people's with a message saying so."""
    kind = request.GET.get("kind", "") or selectors.DEFAULT_LEADERBOARD_KIND
    if kind in selectors.LEADERBOARD_KINDS:
        return kind
    shown = kind if len(kind) <= 60 else kind[:60] + "…"
    messages.warning(
        request,
        f"There is no leaderboard of “{shown}”; there are those of people, bots and pundits. "
        "Showing the people's.",
    )
    return selectors.DEFAULT_LEADERBOARD_KIND


def _leaderboard_page(request: HttpRequest, min_questions: int) -> LeaderboardPage:
    kind = _leaderboard_kind(request)
    tabs = _leaderboard_tabs(min_questions, kind)
    scope = request.GET.get("scope", "all") or "all"
    if not selectors.SCOPE_PATTERN.match(scope) or (scope != "all" and scope not in tabs.scopes):
        shown = scope if len(scope) <= 60 else scope[:60] + "…"
        messages.warning(
            request, f"There is no leaderboard “{shown}”; showing the one of all questions."
        )
        scope = "all"
    num_pages = tabs.pages.get(scope, 1)
    number = page_number(request.GET.get("page"), num_pages)

    def render_page() -> LeaderboardPage:
        html = _leaderboard_body(
            kind=kind,
            scope=scope,
            number=number,
            min_questions=min_questions,
            scopes=tabs.scopes,
            labels=tabs.labels,
        )
        return LeaderboardPage(scope, tabs.labels.get(scope, scope), number, num_pages, html, kind)

    return selectors.scores_cached(
        _page_key(kind, scope, min_questions, number), CACHE_SECONDS, render_page
    )


def _own_addresses(kind: str, scope: str, number: int) -> set[str]:
    """The query strings that reach this leaderboard page through its own links: the board
    tabs say `kind=`, the "All questions" tab says `scope=all` and the page links add
    `page=`; typed by hand, each is left out for its default."""
    default_kind = kind == selectors.DEFAULT_LEADERBOARD_KIND
    kind_parts = [[("kind", kind)]] + ([[]] if default_kind else [])
    scope_parts = [[("scope", scope)]] + ([[]] if scope == "all" else [])
    page_parts = [[("page", str(number))]] + ([[]] if number == 1 else [])
    return {urlencode(k + s + p) for k in kind_parts for s in scope_parts for p in page_parts}


def _same_for_every_visitor(request: HttpRequest) -> bool:
    """No session and no pending message: the whole page is what any visitor without an
    account sees for this address."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def _whole_page_key(min_questions: int, query: str) -> str:
    # Hashed: a visitor's query string can be kilobytes long.
    return f"leaderboard-whole:{min_questions}:{hashlib.sha256(query.encode()).hexdigest()}"


def leaderboard(request: HttpRequest) -> HttpResponse:
    """Stored totals of one board (`?kind=human|bot|pundit`, people by default) and scope,
    ranked, 50 a page, with the people's crowd's row below (never recomputed here).

    The tabs and the table are rendered once per board, scope, page and scores version and kept
    in the cache; only the page around them (who is logged in, messages, the page links
    that keep the query string) is rendered per request. A request for a page that is in
    the cache costs one round trip to it: pages are only stored under a scope that exists
    and a number in range, so finding one proves the request valid. A visitor without a
    session, at a page's own address, gets the whole page's bytes from the cache: the
    public's view of the leaderboard is the most read page of the site."""
    min_questions = settings.LEADERBOARD_MIN_QUESTIONS
    query = request.META.get("QUERY_STRING", "")
    anonymous = _same_for_every_visitor(request)
    if anonymous:
        body = selectors.scores_cached_if_present(_whole_page_key(min_questions, query))
        if body is not None:
            response = HttpResponse(body)
            patch_vary_headers(response, ("Cookie",))
            return response
    kind = request.GET.get("kind", "") or selectors.DEFAULT_LEADERBOARD_KIND
    scope = request.GET.get("scope", "all") or "all"
    raw_number = request.GET.get("page")
    number = page_number(raw_number, sys.maxsize) if raw_number else 1
    page = None
    if kind in selectors.LEADERBOARD_KINDS and selectors.SCOPE_PATTERN.match(scope):
        page = selectors.scores_cached_if_present(_page_key(kind, scope, min_questions, number))
    if page is None:
        page = _leaderboard_page(request, min_questions)
    context = {
        "kind": page.kind,
        "kind_label": KIND_LABELS[page.kind],
        "scope": page.scope,
        "scope_label": page.scope_label,
        "body": mark_safe(page.html),  # rendered by _leaderboard_body's template, escaped there
        "number": page.number,
        "num_pages": page.num_pages,
        "previous_number": page.number - 1,
        "next_number": page.number + 1,
    }
    # Only a page's own address is kept whole, so the entries are bounded by the pages
    # that exist, whatever query strings visitors send.
    if anonymous and query in _own_addresses(page.kind, page.scope, page.number):
        body = selectors.scores_cached(
            _whole_page_key(min_questions, query),
            CACHE_SECONDS,
            lambda: render(request, "predictions/leaderboard.html", context).content,
        )
        response = HttpResponse(body)
        patch_vary_headers(response, ("Cookie",))
        return response
    return render(request, "predictions/leaderboard.html", context)


# --- How scoring works


def _day_label(day_number: int) -> str:
    day = datetime.fromtimestamp(day_number * 86_400, tz=UTC)
    return f"{day.day} {day:%B %Y}"


def worked_example() -> dict[str, Any]:
    """Every number of the scoring page, computed by the scoring kernel itself."""
    seventy = np.array([[0.7, 0.3]])
    half = np.array([[0.5, 0.5]])
    sure = np.array([[0.999, 0.001]])

    # A question open for three days (1-3 March 2026), resolved Yes: Alice says 70% on the
    # first morning, Bob says 40% on the second day.
    opens = datetime(2026, 3, 1, tzinfo=UTC)
    closes = datetime(2026, 3, 4, tzinfo=UTC)
    window = scoring.scoring_window(to_us(opens), to_us(closes), None)
    submitted = np.array(
        [to_us(datetime(2026, 3, 1, 10, tzinfo=UTC)), to_us(datetime(2026, 3, 2, 12, tzinfo=UTC))]
    )
    probabilities = np.array([[0.7, 0.3], [0.4, 0.6]])
    result = scoring.score_question(np.array([0, 1]), submitted, probabilities, 2, window, 0)
    crowd = scoring.crowd_forecast(probabilities, result.standing)
    days = []
    for d in range(window.n_days):
        alice, bob = result.daily_brier[0, d], result.daily_brier[1, d]
        median = result.crowd_median[d]
        days.append(
            {
                "label": _day_label(window.first_day + d),
                "alice": float(alice),
                "bob": None if np.isnan(bob) else float(bob),
                "median": float(median),
                "alice_relative": float(alice - median),
                "bob_relative": 0.0 if np.isnan(bob) else float(bob - median),
                "crowd_yes": float(crowd[d, 0]),
            }
        )

    # A bot says 90% on the first morning too: scored against the people's crowd, which it
    # does not move; had it counted in the crowd, Alice's relative score would have moved.
    with_bot = (np.array([0, 1, 2]), np.append(submitted, submitted[0]))
    with_bot_p = np.vstack([probabilities, [[0.9, 0.1]]])
    people = np.array([True, True, False])
    bot = scoring.score_question(*with_bot, with_bot_p, 3, window, 0, reference=people)
    bot_counted = scoring.score_question(*with_bot, with_bot_p, 3, window, 0)
    crowd_record = scoring.score_crowd(probabilities, result, 0)

    # Calibration: ten forecasts of 70% of which 7 happened, ten of 20% of which 3 did.
    cal_p = np.array([0.7] * 10 + [0.2] * 10)
    cal_o = np.array([1.0] * 7 + [0.0] * 3 + [1.0] * 3 + [0.0] * 7)
    cal = scoring.calibration(cal_p, cal_o, np.ones(len(cal_p)))
    low, high = scoring.wilson_interval(np.array([7.0]), np.array([10.0]))
    binary_brier = float(np.mean((cal_p - cal_o) ** 2))

    # The bootstrap: a forecaster's relative scores on six questions.
    relatives = np.array([-0.18, 0.05, -0.10, 0.02, -0.06, -0.12])
    boot_low, boot_high = scoring.bootstrap_mean_interval(relatives)

    return {
        "brier_yes": float(scoring.brier_scores(seventy, 0)[0]),
        "brier_no": float(scoring.brier_scores(seventy, 1)[0]),
        "brier_half": float(scoring.brier_scores(half, 0)[0]),
        "brier_sure_wrong": float(scoring.brier_scores(sure, 1)[0]),
        "log_yes": float(scoring.log_scores(seventy, 0)[0]),
        "log_no": float(scoring.log_scores(seventy, 1)[0]),
        "log_half": float(scoring.log_scores(half, 0)[0]),
        "spherical_yes": float(scoring.spherical_scores(seventy, 0)[0]),
        "days": days,
        "alice_brier": float(result.brier[0]),
        "bob_brier": float(result.brier[1]),
        "alice_relative": float(result.relative[0]),
        "bob_relative": float(result.relative[1]),
        "bob_days": int(result.days[1]),
        "bot_relative": float(bot.relative[2]),
        "alice_relative_with_bot": float(bot.relative[0]),
        "alice_relative_if_bot_counted": float(bot_counted.relative[0]),
        "crowd_brier": crowd_record.brier,
        "crowd_relative": crowd_record.relative,
        "window_days": int(window.n_days),
        "wilson_low": float(low[0]),
        "wilson_high": float(high[0]),
        "reliability": cal.reliability,
        "resolution": cal.resolution,
        "uncertainty": cal.uncertainty,
        "binary_brier": binary_brier,
        "relatives": [float(v) for v in relatives],
        "relatives_mean": float(relatives.mean()),
        "boot_low": boot_low,
        "boot_high": boot_high,
    }


def scoring_page(request: HttpRequest) -> HttpResponse:
    context = {
        "example": worked_example(),
        "min_questions": settings.LEADERBOARD_MIN_QUESTIONS,
    }
    return render(request, "predictions/scoring.html", context)


# --- A forecaster's record


def _latest_forecasts(forecaster: Forecaster, statuses: list[str]) -> list[dict[str, Any]]:
    """The forecaster's latest forecast on each question with one of `statuses`."""
    latest = (
        Forecast.objects.filter(forecaster=forecaster, question=OuterRef("question"))
        .order_by("-submitted_at", "-id")
        .values("id")[:1]
    )
    forecasts = (
        Forecast.objects.filter(
            forecaster=forecaster,
            question__in=Question.objects.with_status_in(statuses).values("pk"),
        )
        .filter(id=Subquery(latest))
        .select_related("question")
        .prefetch_related("question__options")
        .order_by("question__closes_at", "question__slug")
    )
    return [
        {
            "question": forecast.question,
            "submitted_at": forecast.submitted_at,
            "text": forecast_in_words(forecast.question, forecast),
        }
        for forecast in forecasts
    ]


def _calibration(forecaster: Forecaster, tag: str | None = None) -> scoring.Calibration:
    return selectors.calibration_cached(forecaster=forecaster, tag=tag)


@dataclass(frozen=True)
class ScopeRow:
    """One line of a forecaster's scores by tag or by year."""

    scope: str
    label: str
    total: ForecasterTotal


def _scope_rows(forecaster: Forecaster) -> tuple[list[ScopeRow], list[ScopeRow]]:
    """The forecaster's stored totals per tag (by name) and per year (newest first)."""
    tags = selectors.forecaster_totals_by(forecaster=forecaster, prefix="tag")
    years = selectors.forecaster_totals_by(forecaster=forecaster, prefix="year")
    names = scope_labels([total.scope for total in tags])
    tag_rows = sorted(
        (ScopeRow(t.scope, names[t.scope], t) for t in tags), key=lambda row: row.label.lower()
    )
    year_rows = [ScopeRow(t.scope, t.scope.removeprefix("year:"), t) for t in years]
    return tag_rows, year_rows


def _calibration_tag(request: HttpRequest, tag_rows: list[ScopeRow]) -> ScopeRow | None:
    """The tag the calibration is narrowed to (`?calibration=<tag slug>`): one the
    forecaster has scored questions in, or none, with a message saying so."""
    wanted = request.GET.get("calibration", "")
    if not wanted or wanted == "all":
        return None
    for row in tag_rows:
        if row.scope == f"tag:{wanted}":
            return row
    shown = wanted if len(wanted) <= 60 else wanted[:60] + "…"
    messages.warning(
        request,
        f"No scored question of this forecaster has the tag “{shown}”; the calibration "
        "shows all of them.",
    )
    return None


def _scores(forecaster: Forecaster, staff: bool) -> QuerySet[QuestionScore]:
    scores = QuestionScore.objects.filter(forecaster=forecaster).select_related(
        "question", "resolution", "resolution__outcome_option"
    )
    if not staff:
        scores = scores.filter(question__published_at__isnull=False)
    return scores.order_by("-resolution__known_on", "question__title", "pk")


def _claims(forecaster: Forecaster) -> QuerySet[Claim]:
    return (
        Claim.objects.public()
        .filter(source__author=forecaster)
        .select_related("source", "question")
        .order_by("-source__published_on", "source__slug", "start_offset")
    )


def forecaster_page(request: HttpRequest, handle: str) -> HttpResponse:
    """A forecaster's record. Kept whole for visitors without a session until the site, the
    scores or the forecaster's forecasts change, or a question opens or closes (which
    makes forecasts on it public); config/page_cache.py."""
    kept = page_cache.kept_page(request, "forecaster", seen_twice=bool(request.GET))
    if kept is not None and (response := kept.hit()) is not None:
        return response
    forecaster = get_object_or_404(Forecaster, handle=handle)
    if kept is None:
        return _forecaster_page(request, forecaster)
    kept.depend_on(page_cache.forecaster_key(forecaster.pk))
    response = _forecaster_page(request, forecaster)
    kept.until(registry_selectors.next_status_change(now=timezone.now()))
    return kept.keep(request, response)


def _forecaster_page(request: HttpRequest, forecaster: Forecaster) -> HttpResponse:
    user = request.user
    is_owner = bool(user.is_authenticated and forecaster.user_id == user.pk)
    staff = _viewer_is_staff(request)

    tag_rows, year_rows = _scope_rows(forecaster)
    tag = _calibration_tag(request, tag_rows)
    calibration = _calibration(forecaster, None if tag is None else tag.scope.removeprefix("tag:"))
    charted = forecaster.display_name
    if tag is not None:
        charted += f" on questions tagged {tag.label}"
    chart = render_calibration_chart(calibration, name=charted)
    scores_page = Paginator(_scores(forecaster, staff), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "forecaster": forecaster,
        "is_owner": is_owner,
        "total": ForecasterTotal.objects.filter(forecaster=forecaster, scope="all").first(),
        "min_questions": settings.LEADERBOARD_MIN_QUESTIONS,
        "tag_rows": tag_rows,
        "year_rows": year_rows,
        "calibration_tag": tag,
        "kind_query": _kind_query(forecaster.kind),
        "chart": chart,
        "chart_svg": mark_safe(chart.svg),  # built from escaped text only
        "murphy": murphy_terms(calibration, owner=is_owner, name=forecaster.display_name),
        "scores_page": scores_page,
        "open_forecasts": (
            _latest_forecasts(forecaster, [Question.Status.OPEN]) if is_owner else None
        ),
        "closed_forecasts": _latest_forecasts(
            forecaster, [Question.Status.CLOSED, Question.Status.RESOLVING]
        ),
        "claims": list(_claims(forecaster)),
        "viewer_is_staff": staff,
    }
    return render(request, "predictions/forecaster.html", context)
