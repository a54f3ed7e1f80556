"""Public pages of the registry."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry import selectors
from registry.models import Question


def home(request: HttpRequest) -> HttpResponse:
    """Open questions closing soonest, and the sources they come from."""
    questions = selectors.questions_visible_to(request.user)
    context = {
        "open_questions": questions.filter(derived_status=Question.Status.OPEN).order_by(
            "closes_at"
        )[:20],
        "sources": selectors.sources_list()[:10],
    }
    return render(request, "registry/home.html", context)
