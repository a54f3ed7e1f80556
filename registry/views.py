"""Public pages of the registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from config import page_cache
from config.errors import ApplicationError
from config.web_throttles import web_write_wait_seconds, write_throttled_message
from predictions import comment_selectors, question_charts, web
from predictions import selectors as prediction_selectors
from predictions.formatting import forecast_in_words, percent
from predictions.models import Forecast, QuestionScore
from registry import selectors
from registry.models import Claim, Forecaster, Question
from resolvers import health
from resolvers import selectors as resolver_selectors
from resolvers.models import Check


def home(request: HttpRequest) -> HttpResponse:
    """Open questions closing soonest, and the sources they come from. Kept whole for
    visitors without a session until the site or the scores change, or a question opens or
    closes (config/page_cache.py)."""
    kept = page_cache.kept_page(request, "home", seen_twice=bool(request.GET))
    if kept is not None and (response := kept.hit()) is not None:
        return response
    questions = selectors.questions_visible_to(request.user)
    context = {
        "open_questions": questions.filter(derived_status=Question.Status.OPEN).order_by(
            "closes_at"
        )[:20],
        "sources": selectors.sources_list()[:10],
    }
    if kept is None:
        return render(request, "registry/home.html", context)
    kept.until(selectors.next_status_change(now=timezone.now()))
    return kept.keep(request, render(request, "registry/home.html", context))


# --- The question page ---------------------------------------------------------------------

# The crowd's daily values are also listed in a table, for these last days.
CROWD_TABLE_DAYS = 31

REVISED_FIELD_NAMES = {
    "title": "Title",
    "resolution_criteria": "Resolution criteria",
    "fine_print": "Fine print",
    "closes_at": "Closing time",
    "resolve_by": "Resolve-by date",
}


def time_from_now(when: datetime, now: datetime) -> str:
    """A rough distance in time, as people say it: "in 3 days", "5 hours ago"."""
    seconds = (when - now).total_seconds()
    distance = abs(seconds)

    def phrase(count: int, unit: str) -> str:
        return f"{count} {unit}" + ("" if count == 1 else "s")

    minutes, hours, days = round(distance / 60), round(distance / 3600), round(distance / 86400)
    if minutes < 1:
        text = "less than a minute"
    elif minutes < 60:
        text = phrase(minutes, "minute")
    elif hours < 24:
        text = phrase(hours, "hour")
    elif days < 60:
        text = phrase(days, "day")
    elif round(days / 30.44) < 24:
        text = phrase(round(days / 30.44), "month")
    else:
        text = phrase(round(days / 365.25), "year")
    return f"in {text}" if seconds >= 0 else f"{text} ago"


def forecast_summary(question: Question, forecast: Forecast) -> str:
    """ "Yes 70%" for a binary forecast; "A 50%, B 30%, C 20%" for multiple choice."""
    if question.is_binary:
        return f"Yes {percent(forecast.probabilities[0])}"
    return forecast_in_words(question, forecast)


def _login_url(request: HttpRequest) -> str:
    return f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}"


def _question_context(
    request: HttpRequest,
    question: Question,
    form: forms.Form | None = None,
    comment_form: forms.Form | None = None,
) -> dict[str, Any]:
    user = request.user
    is_staff = bool(user.is_authenticated and user.is_staff)
    now = timezone.now()
    status = question.status
    is_open = status == Question.Status.OPEN

    own_forecasts: list[Forecast] = []
    if user.is_authenticated:
        own_forecasts = list(
            Forecast.objects.filter(question=question, forecaster__user=user).order_by(
                "-submitted_at", "-id"
            )
        )
    if user.is_authenticated and is_open and form is None:
        form = web.forecast_form(question, latest=own_forecasts[0] if own_forecasts else None)

    crowd_hidden = prediction_selectors.crowd_hidden_from(question=question, user=user)
    drawn = None
    crowd_days: list = []
    if not crowd_hidden:
        crowd_days = prediction_selectors.crowd_series(question=question)
        if crowd_days:
            # The viewer's own forecasts only: nobody else's are drawn.
            drawn = question_charts.forecast_chart(
                question, crowd_days, own_forecasts, final=status == Question.Status.RESOLVED
            )
    own_line = drawn.own if drawn else None
    own_by_day = drawn.own_by_day if drawn else {}
    crowd_options = ["Yes"] if question.is_binary else question.option_labels()
    crowd_table = [
        {
            "day": day.day,
            "forecasters": day.forecasters,
            "values": [percent(day.probabilities[label]) for label in crowd_options],
            "own": percent(own_by_day[day.day]) if day.day in own_by_day else "—",
        }
        for day in reversed(crowd_days[-CROWD_TABLE_DAYS:])
    ]

    history = list(resolver_selectors.resolution_history(question=question))
    current = next((resolution for resolution in history if resolution.is_current), None)
    sources = []
    for source in resolver_selectors.sources_of(question=question):
        checks = list(Check.objects.filter(source=source).defer("body")[:3])
        for check in checks:
            check.public_error = health.public_failure(check, source) if check.error else ""
        sources.append(
            {
                "source": source,
                "checks": checks,
                "health": health.source_health(source),
                "every": health.every(source.check_every),
            }
        )
    scores = (
        list(prediction_selectors.question_scores(question=question))
        if status == Question.Status.RESOLVED
        else []
    )
    viewer_forecaster_id = (
        Forecaster.objects.filter(user=user).values_list("pk", flat=True).first()
        if user.is_authenticated
        else None
    )
    counted = Forecast.objects.filter(question=question).aggregate(
        every=Count("id"), people=Count("id", filter=Q(forecaster__kind=Forecaster.Kind.HUMAN))
    )
    forecast_count, people_forecast_count = counted["every"], counted["people"]
    unscored = 0
    if status == Question.Status.RESOLVED and forecast_count:
        # Forecasters with a forecast but no score: theirs came on the day the outcome
        # became known or later, and scoring stops at the start of that day.
        unscored = (
            Forecast.objects.filter(question=question)
            .exclude(forecaster_id__in=[score.forecaster_id for score in scores])
            .values("forecaster_id")
            .distinct()
            .count()
        )
    claims = selectors.public_claims_of(question=question)
    revisions = [
        {
            "field": REVISED_FIELD_NAMES.get(revision.field, revision.field),
            "old_value": revision.old_value,
            "new_value": revision.new_value,
            "changed_at": revision.changed_at,
        }
        for revision in question.revisions.all()
    ]
    dates = [
        ("Opens", question.opens_at),
        ("Closes", question.closes_at),
        ("Resolve by", question.resolve_by),
    ]
    return {
        "question": question,
        "status": status,
        "status_label": Question.Status(status).label,
        "is_open": is_open,
        "has_closed": question.closes_at <= now,
        "is_staff": is_staff,
        "refusal": "" if is_open else web.refusal_for(status, closes_at=question.closes_at),
        "dates": [
            {"label": label, "when": when, "relative": time_from_now(when, now)}
            for label, when in dates
        ],
        "time_left": time_from_now(question.closes_at, now).removeprefix("in ") if is_open else "",
        "revisions": revisions,
        "crowd_hidden": crowd_hidden,
        "crowd_chart": drawn.chart if drawn else None,
        "own_line": own_line,
        "crowd_options": crowd_options,
        "crowd_table": crowd_table,
        "crowd_table_days": CROWD_TABLE_DAYS,
        "own_forecasts": [
            {"forecast": forecast, "summary": forecast_summary(question, forecast)}
            for forecast in own_forecasts
        ],
        "form": form,
        "login_url": _login_url(request),
        "claims": claims,
        "sources": sources,
        "evidence_public": is_staff or resolver_selectors.evidence_is_public(question),
        "current_resolution": current,
        "dispute": _dispute_context(current, user, now, viewer_forecaster_id),
        "resolutions": history,
        "scores": scores,
        "score_chart": question_charts.score_distribution(
            scores, viewer_forecaster_id=viewer_forecaster_id
        ),
        "viewer_forecaster_id": viewer_forecaster_id,
        "unscored_forecasters": unscored,
        "reasoning": prediction_selectors.standing_forecasts_at_close(question=question)
        if prediction_selectors.forecasts_are_public(question)
        else [],
        "forecast_count": forecast_count,
        "people_forecast_count": people_forecast_count,
        "discussion": comment_selectors.thread_page(
            question=question, user=user, number=request.GET.get("comments")
        ),
        "comment_form": (comment_form or web.CommentForm(auto_id="comment-%s"))
        if user.is_authenticated and status != Question.Status.DRAFT
        else None,
    }


def _dispute_context(
    current: Any, user: Any, now: datetime, forecaster_id: int | None
) -> dict[str, Any] | None:
    """When a proposal becomes final, and whether the viewer (`forecaster_id`) may dispute
    it."""
    if current is None or current.state != "proposed":
        return None
    window = resolver_selectors.dispute_window(resolution=current, forecaster_id=forecaster_id)
    hours = (window.ends_at - now).total_seconds() / 3600
    # A deadline a day or two off is said in hours ("in 31 hours"): a day is too coarse.
    relative = (
        f"in {round(hours)} hours" if 1.5 <= hours < 72 else time_from_now(window.ends_at, now)
    )
    return {
        "window": window,
        "relative": relative,
        "signed_in": user.is_authenticated,
    }


def question(request: HttpRequest, slug: str) -> HttpResponse:
    """A question with everything about it; a logged-in viewer forecasts on it by POST.

    A visitor without a session gets the page kept for its address while the question's
    forecasts, comments and checks, the site and the scores are as they were when it was
    rendered, and nothing about it has changed by the clock (config/page_cache.py)."""
    kept = page_cache.kept_page(request, "question", seen_twice=bool(request.GET))
    if kept is not None and (response := kept.hit()) is not None:
        return response
    found = selectors.question_get(slug=slug, user=request.user)
    if request.method == "POST":
        return _forecast_post(request, found)
    if kept is None:
        return render(request, "registry/question.html", _question_context(request, found))
    kept.depend_on(page_cache.question_key(found.pk))
    context = _question_context(request, found)
    now = timezone.now()
    # Status, the crowd's days and the dispute window change by the clock.
    kept.until(found.opens_at, found.closes_at, found.resolve_by, page_cache.next_midnight(now))
    if context["dispute"]:
        kept.until(context["dispute"]["window"].ends_at)
    return kept.keep(request, render(request, "registry/question.html", context))


def _forecast_post(request: HttpRequest, question: Question) -> HttpResponse:
    page_url = reverse("registry:question", args=[question.slug])
    if not request.user.is_authenticated:
        return HttpResponseRedirect(_login_url(request))
    if question.status != Question.Status.OPEN:
        messages.error(request, web.refusal_for(question.status, closes_at=question.closes_at))
        return HttpResponseRedirect(page_url)
    # The API's write budget (THROTTLE_WRITE_RATE): over it, the page again with the
    # typed values and a sentence, and nothing stored.
    if wait := web_write_wait_seconds(request):
        messages.error(request, write_throttled_message(wait))
        form = web.forecast_form(question, data=request.POST)
        context = _question_context(request, question, form)
        response = render(request, "registry/question.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    if request.POST.get("action") == "reaffirm":
        try:
            forecast = web.forecast_reaffirm(question=question, user=request.user)
        except ApplicationError as error:
            reason = next(iter((error.fields or {}).values()), error.message)
            messages.error(request, f"Not reaffirmed: {reason}.")
        else:
            messages.success(
                request, f"Forecast reaffirmed: {forecast_summary(question, forecast)}."
            )
        return HttpResponseRedirect(page_url)
    form = web.forecast_form(question, data=request.POST)
    try:
        forecast = web.forecast_form_submit(form, question=question, user=request.user)
    except ApplicationError as error:  # refused for the moment (closed meanwhile): a 409
        messages.error(request, error.message)
        return HttpResponseRedirect(page_url)
    if forecast is None:
        return render(request, "registry/question.html", _question_context(request, question, form))
    messages.success(request, f"Forecast saved: {forecast_summary(question, forecast)}.")
    return HttpResponseRedirect(page_url)


# --- The source page -----------------------------------------------------------------------


def source(request: HttpRequest, slug: str) -> HttpResponse:
    """A published article and its claims, in text order, with the question each became."""
    found = get_object_or_404(selectors.sources_list(), slug=slug)
    claims = list(found.claims.all())
    visible = {
        question.pk: question
        for question in selectors.questions_visible_to(request.user).filter(
            pk__in=[claim.question_id for claim in claims if claim.question_id]
        )
    }
    # How the author's forecasts (their claims) scored on the questions that resolved.
    author_scores = (
        {
            score.question_id: score
            for score in QuestionScore.objects.filter(
                forecaster=found.author, question_id__in=list(visible)
            )
        }
        if found.author
        else {}
    )
    rows = []
    for number, claim in enumerate(claims, start=1):
        became = visible.get(claim.question_id)
        current = (getattr(became, "current_resolutions", None) or [None])[0] if became else None
        rows.append(
            {
                "number": number,
                "claim": claim,
                "question": became,
                "status": became.status if became else "",
                "status_label": Question.Status(became.status).label if became else "",
                "resolution": current,
                "author_score": author_scores.get(claim.question_id),
                "crowd": (
                    prediction_selectors.crowd_latest(question=became, user=request.user)
                    if became
                    else None
                ),
            }
        )
    context = {"source": found, "claims": rows, "segments": highlighted_segments(found.text, rows)}
    return render(request, "registry/source.html", context)


def highlighted_segments(text: str, rows: list[dict]) -> list[dict]:
    """The source text cut into plain runs and claim runs (each claim once, in order)."""
    segments, cursor = [], 0
    for row in sorted(rows, key=lambda row: row["claim"].start_offset):
        start, end = row["claim"].start_offset, row["claim"].end_offset
        if start < cursor or end > len(text):
            continue  # overlapping or stale offsets: the claim is still listed below
        segments.append({"text": text[cursor:start]})
        segments.append({"text": text[start:end], "row": row})
        cursor = end
    segments.append({"text": text[cursor:]})
    return segments


def source_index(request: HttpRequest) -> HttpResponse:
    """Every source, newest first, with how many claims were taken from it."""
    sources = selectors.sources_list().annotate(
        claim_count=Count("claims", filter=Q(claims__review_state__in=Claim.PUBLIC_STATES))
    )
    return render(request, "registry/source_index.html", {"sources": sources})
