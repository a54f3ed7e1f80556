"""The admins' resolution queue page: the same services as the API, from a browser."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from registry import selectors as registry_selectors
from registry.models import Question
from registry.services import forecaster_for_user
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
    # isdigit() alone takes '²' and thousands of digits, which int() refuses; no id is
    # longer than a bigint's 19 digits.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 19 else None


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


class DisputeForm(forms.Form):
    resolution = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=4000,
        error_messages={"required": "Say what is wrong with the proposed outcome."},
    )


@login_required
@require_POST
def dispute_submit(request: HttpRequest, slug: str) -> HttpResponse:
    """A forecaster disputes the proposed outcome from the question page."""
    question = registry_selectors.question_get(slug=slug, user=request.user)
    page = reverse("registry:question", args=[question.slug]) + "#outcome-heading"
    form = DisputeForm(request.POST)
    if not form.is_valid():
        problems = " ".join(" ".join(errors) for errors in form.errors.values())
        messages.error(request, f"Your dispute was not recorded: {problems}")
        return HttpResponseRedirect(page)
    resolution = get_object_or_404(
        Resolution, pk=form.cleaned_data["resolution"], question=question
    )
    try:
        services.resolution_dispute(
            resolution=resolution,
            forecaster=forecaster_for_user(user=request.user),
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as error:
        messages.error(request, f"Your dispute was not recorded: {error.message}")
    else:
        messages.success(
            request, "Your dispute is recorded. The outcome now waits for an admin to decide."
        )
    return HttpResponseRedirect(page)
