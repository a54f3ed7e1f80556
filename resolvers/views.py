"""The admins' resolution queue page: the same services as the API, from a browser."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from registry.models import Question
from resolvers import selectors, services
from resolvers.models import Resolution


@staff_member_required
def resolution_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "resolvers/queue.html",
        {"entries": selectors.resolution_queue(), "outcomes": Resolution.Outcome.choices},
    )


def _supersedes(request: HttpRequest) -> int | None:
    raw = request.POST.get("supersedes", "")
    return int(raw) if raw.isdigit() else None


def _supersedes_state(request: HttpRequest) -> str | None:
    """The state the page showed the superseded resolution in (proposed), if any."""
    return request.POST.get("supersedes_state") or None


@staff_member_required
@require_POST
def resolution_act(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirm, override or annul, as the form's `action` says."""
    question = get_object_or_404(Question, slug=slug)
    action = request.POST.get("action")
    rationale = request.POST.get("rationale", "")
    try:
        if action == "confirm":
            # The proposal must be this question's: the page names what it confirms.
            resolution = get_object_or_404(
                Resolution, pk=_supersedes(request) or 0, question=question
            )
            services.resolution_confirm(resolution=resolution, user=request.user)
        elif action == "annul":
            services.resolution_annul(
                question=question,
                rationale=rationale,
                user=request.user,
                supersedes=_supersedes(request),
                supersedes_state=_supersedes_state(request),
            )
        elif action == "override":
            outcome = request.POST.get("outcome", "")
            option = None
            if outcome.startswith("option:"):
                option = question.options.filter(label=outcome.removeprefix("option:")).first()
                outcome = Resolution.Outcome.OPTION
            services.resolution_record(
                question=question,
                outcome=outcome,
                option=option,
                rationale=rationale,
                user=request.user,
                supersedes=_supersedes(request),
                supersedes_state=_supersedes_state(request),
            )
        else:
            messages.error(request, "Unknown action.")
            return HttpResponseRedirect(reverse("resolvers:queue"))
    except ApplicationError as error:
        messages.error(request, f"{question.title}: {error.message}")
    else:
        messages.success(request, f"{question.title}: {action} done.")
    return HttpResponseRedirect(reverse("resolvers:queue"))
