"""The page that finds questions, `/questions/`: a GET form, the matching cards, pages."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from config import page_cache
from registry import question_search as search
from registry import selectors
from registry.models import Question

PAGE_SIZE = 20


class QuestionFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=1000, strip=True)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status")] + [(k, v[0]) for k, v in search.STATUS_FILTERS.items()],
    )
    tag = forms.ChoiceField(label="Tag", required=False)
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Any kind"), *Question.Kind.choices],
    )
    mine = forms.ChoiceField(
        label="Mine",
        required=False,
        choices=[("", "All questions"), *search.MINE.items()],
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("", "Best match, then closing soonest")]
        + [(k, v[0]) for k, v in search.SORTS.items()],
    )
    source = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "Any tag")] + [
            (tag.slug, tag.name) for tag in selectors.tags_list()
        ]

    def filters(self) -> search.QuestionFilters:
        # An invalid field (an unknown status, say) is shown as an error and left out;
        # the fields that are valid still filter.
        self.is_valid()
        data = self.cleaned_data
        return search.QuestionFilters(
            text=search.clean_text(data.get("q") or ""),
            status=data.get("status") or "",
            tag=data.get("tag") or "",
            source=search.clean_text(data.get("source") or ""),
            kind=data.get("kind") or "",
            mine=data.get("mine") or "",
            sort=data.get("sort") or "",
        )


def question_list(request: HttpRequest) -> HttpResponse:
    """Kept whole for visitors without a session until the site or any question's forecasts
    change (the cards count them), or a question opens, closes or comes within a week of
    closing; an address with a query is kept from its second visit (config/page_cache.py)."""
    kept = page_cache.kept_page(
        request, "questions", page_cache.FORECASTS, seen_twice=bool(request.GET)
    )
    if kept is not None and (response := kept.hit()) is not None:
        return response
    response = _question_list(request)
    if kept is None:
        return response
    kept.until(selectors.next_status_change(now=timezone.now(), ahead=(search.CLOSING_SOON,)))
    return kept.keep(request, response)


def _question_list(request: HttpRequest) -> HttpResponse:
    form = QuestionFilterForm(request.GET or None)
    filters = form.filters() if request.GET else search.QuestionFilters()
    found = search.questions_find(user=request.user, filters=filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = search.with_forecast_counts(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    source = (
        selectors.sources_list().filter(slug=filters.source).first() if filters.source else None
    )
    return render(
        request,
        "registry/question_list.html",
        {
            "form": form if request.GET else QuestionFilterForm(),
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "source": source,
            "now": timezone.now(),
            "signed_in": request.user.is_authenticated,
        },
    )
