"""Staff pages for importing a published text and reviewing what the finder proposed.

`/staff/imports/` takes a web address, a pasted text or a file and lists recent imports;
`/staff/imports/<source>/` shows the source's text with each claim marked in place and, for
each proposal, its draft to edit, with Accept, Reject and Merge; a long import's progress
is polled from `/staff/imports/<source>/progress/`. The same services as the staff API;
every refusal is a sentence on the page, and nothing is stored by one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError
from registry import claim_review, imports, selectors
from registry.import_forms import AcceptForm, ImportForm
from registry.models import Claim, Question, Source, SourceImport
from registry.views import highlighted_segments

FOUND_FIELDS = ("title", "author", "published_on")


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors are sent to log in; a logged-in non-staff user gets a 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied("Only staff import sources.")
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_http_methods(["GET", "POST"])
def import_index(request: HttpRequest) -> HttpResponse:
    """The import form and the latest imports; a valid import goes on to its review page."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            prepared = imports.import_prepare(given=form.import_input())
            if prepared.problems:
                form = _with_found_values(request, prepared)
            else:
                started = imports.source_import_start(prepared=prepared, user=request.user)
                messages.success(request, _started_message(started.record))
                return HttpResponseRedirect(_review_url(started.record.source))
        except ApplicationError as error:
            form.add_errors(error.fields or {"url": error.message})
    context = {"form": form, "imports": selectors.imports_recent()}
    return render(request, "registry/imports.html", context)


def _with_found_values(request: HttpRequest, prepared: imports.PreparedImport) -> ImportForm:
    """The form again, with what the article gave filled in and what it lacks asked for."""
    data = request.POST.copy()
    for name in FOUND_FIELDS:
        value = getattr(prepared, name)
        if value and not data.get(name):
            data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    form = ImportForm(data, request.FILES)
    form.is_valid()
    form.add_errors(prepared.problems)
    if request.FILES:
        form.add_error("file", "Upload the file again with the details asked for.")
    return form


def _started_message(record: SourceImport) -> str:
    again = "" if record.source_created else " It was stored already: its stored text was read."
    if record.state == SourceImport.State.QUEUED:
        return f"Imported “{record.source.title}”; the finder is reading it.{again}"
    return f"Imported “{record.source.title}”: {record.stage}.{again}"


def _review_url(source: Source, claim: Claim | None = None) -> str:
    url = reverse("registry:import-review", args=[source.slug])
    return f"{url}#claim-{claim.pk}" if claim is not None else url


@staff_required
@require_GET
def import_review(request: HttpRequest, slug: str) -> HttpResponse:
    source = selectors.source_for_review(slug=slug)
    return render(request, "registry/import_review.html", _review_context(source))


@staff_required
@require_GET
def import_progress(request: HttpRequest, slug: str) -> JsonResponse:
    """Where the source's latest import stands, for the review page to poll."""
    source = selectors.source_for_review(slug=slug)
    record = selectors.import_latest(source=source)
    if record is None:
        return JsonResponse({"state": None, "finished": True})
    return JsonResponse(import_progress_data(record))


def import_progress_data(record: SourceImport) -> dict[str, Any]:
    return {
        "state": record.state,
        "state_label": record.get_state_display(),
        "stage": record.stage,
        "units_done": record.units_done,
        "units_total": record.units_total,
        "finished": record.finished,
        "proposed": record.proposed,
        "error": record.error,
    }


@staff_required
@require_POST
def claim_act(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Accept, reject or merge one proposal, as the button pressed says."""
    source = selectors.source_for_review(slug=slug)
    claim = get_object_or_404(source.claims.select_related("question"), pk=pk)
    action = request.POST.get("action", "")
    if claim.review_state != Claim.Review.PROPOSED:
        messages.error(request, claim_review.reviewed_already(claim))
        return HttpResponseRedirect(_review_url(source, claim))
    form = AcceptForm.for_claim(claim, data=request.POST) if action == "accept" else None
    try:
        if action == "accept":
            if not form.is_valid():
                return _review_again(request, source, claim, form=form)
            outcome = claim_review.claim_accept(
                claim=claim, user=request.user, edits=form.edits(claim=claim)
            )
            done = f"Accepted and published: “{outcome.claim.question.title}”."
        elif action == "reject":
            outcome = claim_review.claim_reject(claim=claim, user=request.user)
            done = "Rejected: these words will not be proposed again."
        elif action == "merge":
            target = _merge_target(request, claim)
            if target is None:
                return _review_again(
                    request, source, claim, problem="Choose the question to merge it into."
                )
            outcome = claim_review.claim_merge(claim=claim, user=request.user, question=target)
            done = f"Merged into “{target.title}”."
        else:
            messages.error(request, "Unknown action.")
            return HttpResponseRedirect(_review_url(source, claim))
    except ApplicationError as error:
        if error.code == "conflict":
            messages.error(request, error.message)
            return HttpResponseRedirect(_review_url(source, claim))
        if form is not None and error.fields:
            form.add_errors(error.fields)
            return _review_again(request, source, claim, form=form)
        return _review_again(request, source, claim, form=form, problem=error.message)
    messages.success(request, " ".join([done, *outcome.notes]))
    return HttpResponseRedirect(_review_url(source, claim))


def _merge_target(request: HttpRequest, claim: Claim) -> Question | None:
    slug = request.POST.get(f"claim-{claim.pk}-question", "")
    return selectors.merge_targets().filter(slug=slug).first() if slug else None


def _review_again(
    request: HttpRequest,
    source: Source,
    claim: Claim,
    *,
    form: AcceptForm | None = None,
    problem: str = "",
) -> HttpResponse:
    """The review page with one proposal's refusal on it; nothing was stored."""
    context = _review_context(source, bound={claim.pk: form} if form else {})
    context["problem"] = {"claim": claim.pk, "message": problem or "Correct the fields marked."}
    return render(request, "registry/import_review.html", context)


def _review_context(source: Source, *, bound: dict[int, AcceptForm] | None = None) -> dict:
    bound = bound or {}
    rows = []
    for number, claim in enumerate(selectors.claims_for_review(source=source), start=1):
        proposed = claim.review_state == Claim.Review.PROPOSED
        form = bound.get(claim.pk) or (AcceptForm.for_claim(claim) if proposed else None)
        rows.append({"number": number, "claim": claim, "form": form, "proposed": proposed})
    record = selectors.import_latest(source=source)
    return {
        "source": source,
        "record": record,
        "rows": rows,
        "waiting": sum(row["proposed"] for row in rows),
        "segments": highlighted_segments(source.text, rows),
        "merge_targets": list(selectors.merge_targets())
        if any(r["proposed"] for r in rows)
        else [],
    }
