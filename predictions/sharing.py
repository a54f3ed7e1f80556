"""Sharing: link-preview images of questions and forecasters, and an embeddable question
widget (an iframe page) with the current crowd forecast.

What they show is what an anonymous visitor may see: a crowd kept hidden until one has
forecast stays hidden here too, and drafts are not found.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt

from predictions import selectors
from predictions.formatting import percent
from predictions.models import ForecasterTotal
from predictions.share_cards import share_card
from registry import selectors as registry_selectors
from registry.models import Forecaster, Question

CARD_MAX_AGE = 600  # link previews are fetched by crawlers; ten minutes is fresh enough


def _public_question(request: HttpRequest, slug: str) -> Question:
    return registry_selectors.question_get(slug=slug, user=AnonymousUser())


def crowd_headline(question: Question) -> tuple[str, str]:
    """The big figure of a question's card and widget, and what it is."""
    status = question.status
    if status in (Question.Status.RESOLVED, Question.Status.ANNULLED):
        current = question.resolutions.filter(superseded_at__isnull=True).first()
        label = current.outcome_label if current else status
        return label, "the outcome" if status == Question.Status.RESOLVED else "annulled"
    crowd = selectors.crowd_latest(question=question, user=AnonymousUser())
    if not crowd:
        return "—", "no public crowd forecast yet"
    if question.is_binary:
        return percent(crowd["Yes"]), "crowd forecast of Yes"
    label, p = max(crowd.items(), key=lambda item: item[1])
    return percent(p), f"crowd forecast of {label[:40]}"


@cache_control(public=True, max_age=CARD_MAX_AGE)
def question_card(request: HttpRequest, slug: str) -> HttpResponse:
    question = _public_question(request, slug)
    figure, caption = crowd_headline(question)
    forecasters = question.forecasts.values("forecaster").distinct().count()
    kicker = f"Question · {Question.Status(question.status).label} · {forecasters} forecaster" + (
        "" if forecasters == 1 else "s"
    )
    body = share_card(kicker=kicker, title=question.title, figure=figure, caption=caption)
    return HttpResponse(body, content_type="image/png")


@cache_control(public=True, max_age=CARD_MAX_AGE)
def forecaster_card(request: HttpRequest, handle: str) -> HttpResponse:
    forecaster = get_object_or_404(registry_selectors.forecasters_list(), handle=handle)
    total = ForecasterTotal.objects.filter(forecaster=forecaster, scope="all").first()
    kind = Forecaster.Kind(forecaster.kind).label
    if total is None:
        figure, caption = "—", "no scored question yet"
    else:
        figure = f"{total.mean_brier:.3f}"
        caption = f"mean Brier over {total.questions} question" + (
            "" if total.questions == 1 else "s"
        )
    body = share_card(
        kicker=f"{kind} · track record",
        title=forecaster.display_name,
        figure=figure,
        caption=caption,
    )
    return HttpResponse(body, content_type="image/png")


@xframe_options_exempt
@cache_control(public=True, max_age=60)
def question_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """A small page meant for an iframe on another site."""
    question = _public_question(request, slug)
    figure, caption = crowd_headline(question)
    return render(
        request,
        "predictions/embed.html",
        {
            "question": question,
            "figure": figure,
            "caption": caption,
            "status_label": Question.Status(question.status).label,
            "page_url": request.build_absolute_uri(f"/questions/{question.slug}/"),
        },
    )
