"""Staff pages for a question's resolution sources: set up, dry-run, watch their health.

``/staff/questions/<slug>/sources/`` lists the question's sources, each with its health and
latest checks, and a form to add one; ``…/sources/<pk>/`` edits one; ``…/<pk>/dry-run/``
dry-runs a saved source as it is. The forms are generated from the kind's schema
(resolvers/forms.py); their "Check now (dry run)" button fetches and evaluates the form's
current values and records nothing (resolvers/dry_run.py). Every refusal is a sentence next
to its field and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import ApplicationError
from registry.models import Question
from resolvers import selectors, services
from resolvers.dry_run import DryRun, source_dry_run
from resolvers.forms import SourceForm
from resolvers.health import source_health
from resolvers.models import ResolutionSource

RECENT_CHECKS = 10


def _source_url(source: ResolutionSource) -> str:
    return reverse("resolvers:source", args=[source.question.slug, source.pk])


def _place_refusal(form: SourceForm, error: ApplicationError) -> None:
    """A service's refusal, next to the fields it names."""
    config_problems = {k: v for k, v in error.fields.items() if k.startswith("config")}
    if config_problems:
        form.place_problems(config_problems, bool(form.cleaned_data.get("use_raw_json")))
    for name, message in error.fields.items():
        if not name.startswith("config"):
            form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


def _submitted(
    request: HttpRequest, question: Question, source: ResolutionSource | None
) -> tuple[SourceForm, DryRun | None, HttpResponse | None]:
    """Handle a post of the source form: show another kind's fields, dry-run the values, or
    save them (then redirect)."""
    form = SourceForm(request.POST, source=source)
    if form.switched:
        return SourceForm(source=source, carried=form.carried_values()), None, None
    if not form.is_valid():
        return form, None, None
    kind = form.cleaned_data["kind"]
    if request.POST.get("action") == "dry_run":
        same = source if source is not None and source.kind == kind else None
        return (
            form,
            source_dry_run(question=question, kind=kind, config=form.config, source=same),
            None,
        )
    try:
        if source is None:
            saved = services.source_add(
                question=question, kind=kind, config=form.config, check_every=form.interval
            )
            messages.success(request, f"Added the source #{saved.pk} ({saved.kind}).")
        else:
            saved = services.source_update(
                source=source,
                kind=kind,
                config=form.config,
                check_every=form.interval,
                enabled=form.cleaned_data["enabled"],
            )
            messages.success(request, f"Saved the source #{saved.pk} ({saved.kind}).")
    except ApplicationError as error:
        _place_refusal(form, error)
        return form, None, None
    return form, None, HttpResponseRedirect(_source_url(saved))


@staff_member_required
@require_http_methods(["GET", "POST"])
def question_sources(request: HttpRequest, slug: str) -> HttpResponse:
    """A question's sources with their health and checks, and the form to add one."""
    question = get_object_or_404(Question, slug=slug)
    form, dry_run = SourceForm(), None
    if request.method == "POST":
        form, dry_run, done = _submitted(request, question, None)
        if done is not None:
            return done
    context = {
        "question": question,
        "overviews": selectors.source_overviews(question=question, checks=RECENT_CHECKS),
        "form": form,
        "dry_run": dry_run,
    }
    return render(request, "resolvers/sources.html", context)


def _source_page(
    request: HttpRequest,
    source: ResolutionSource,
    form: SourceForm,
    dry_run: DryRun | None,
    saved_dry_run: DryRun | None = None,
) -> HttpResponse:
    context = {
        "question": source.question,
        "item": selectors.SourceOverview(
            source,
            source_health(source),
            selectors.source_recent_checks(source=source, limit=RECENT_CHECKS),
        ),
        "form": form,
        "dry_run": dry_run,
        "saved_dry_run": saved_dry_run,
    }
    return render(request, "resolvers/source.html", context)


def _source_of(slug: str, pk: int) -> ResolutionSource:
    return get_object_or_404(
        ResolutionSource.objects.select_related("question"), pk=pk, question__slug=slug
    )


@staff_member_required
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One source: its health and checks, and its settings to change or dry-run."""
    source = _source_of(slug, pk)
    form, dry_run = SourceForm(source=source), None
    if request.method == "POST":
        form, dry_run, done = _submitted(request, source.question, source)
        if done is not None:
            return done
    return _source_page(request, source, form, dry_run)


@staff_member_required
@require_POST
def source_dry_run_saved(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Dry-run the source as saved (with its earlier values); record nothing."""
    source = _source_of(slug, pk)
    result = source_dry_run(
        question=source.question, kind=source.kind, config=source.config, source=source
    )
    return _source_page(request, source, SourceForm(source=source), None, result)
