"""Admin for the registry, for the admins who write questions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from config.errors import ApplicationError
from config.forms import FiniteJSONField
from predictions.models import Forecast
from registry import services
from registry.models import (
    Claim,
    Forecaster,
    Question,
    QuestionOption,
    Source,
    SourceImport,
    Tag,
)
from resolvers.admin import ResolutionSourceInline


@admin.register(Forecaster)
class ForecasterAdmin(admin.ModelAdmin):
    list_display = ["handle", "display_name", "kind", "user", "created_at"]
    list_filter = ["kind"]
    search_fields = ["handle", "display_name", "user__username"]
    autocomplete_fields = ["user"]
    formfield_overrides = {models.JSONField: {"form_class": FiniteJSONField}}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


class SourceClaimInline(admin.StackedInline):
    model = Claim
    extra = 0
    fields = [
        "quote",
        ("start_offset", "end_offset"),
        ("implied_probability", "probability_phrase"),
        ("review_state", "question"),
    ]
    autocomplete_fields = ["question"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "publication", "published_on"]
    list_filter = ["publication", "language"]
    search_fields = ["title", "slug", "author__handle", "text"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    inlines = [SourceClaimInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(SourceImport)
class SourceImportAdmin(admin.ModelAdmin):
    """Imports, read-only: the staff import pages (/staff/imports/) make them."""

    list_display = ["source", "origin", "state", "proposed", "created_by", "created_at"]
    list_filter = ["state", "origin"]
    readonly_fields = [field.name for field in SourceImport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "source",
        "review_state",
        "implied_probability",
        "probability_phrase",
        "question",
    ]
    list_filter = ["review_state", "source"]
    readonly_fields = ["reviewed_by", "reviewed_at"]
    search_fields = ["quote", "source__title", "question__title"]
    autocomplete_fields = ["source", "question"]
    formfield_overrides = {models.JSONField: {"form_class": FiniteJSONField}}


class QuestionOptionFormSet(BaseInlineFormSet):
    """The option rules of question_create: none for binary, two or more distinct labels
    for multiple choice."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        labels = [
            form.cleaned_data["label"].strip()
            for form in self.forms
            if form.cleaned_data.get("label") and not form.cleaned_data.get("DELETE")
        ]
        kind = self.instance.kind
        if kind == Question.Kind.BINARY and labels:
            raise ValidationError("A binary question has no options (it is Yes / No).")
        if kind == Question.Kind.MULTIPLE_CHOICE and len(labels) < 2:
            raise ValidationError("A multiple-choice question needs at least two options.")
        if len(set(labels)) != len(labels):
            raise ValidationError("Option labels must be distinct.")


class QuestionOptionInline(admin.TabularInline):
    """Options in order; frozen once anyone has forecast, since forecasts follow them."""

    model = QuestionOption
    formset = QuestionOptionFormSet
    extra = 0
    fields = ["position", "label"]

    def _frozen(self, obj: Question | None) -> bool:
        return obj is not None and obj.forecasts.exists()

    def has_add_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class QuestionClaimInline(admin.TabularInline):
    model = Claim
    extra = 0
    fields = ["source", "quote", "review_state", "implied_probability", "probability_phrase"]
    autocomplete_fields = ["source"]


class QuestionForecastInline(admin.TabularInline):
    """The question's forecast history, read-only: forecasts are never edited."""

    model = Forecast
    extra = 0
    fields = ["submitted_at", "forecaster", "probabilities", "origin", "rationale"]
    readonly_fields = fields
    ordering = ["-submitted_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        return False


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):  # type: ignore[no-untyped-def]
        return Question.Status.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Question]) -> QuerySet[Question]:
        if self.value():
            return queryset.filter(derived_status=self.value())
        return queryset


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "kind", "status_display", "opens_at", "closes_at"]
    list_filter = [StatusFilter, "kind", "tags"]
    search_fields = ["title", "slug", "body", "resolution_criteria"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["tags"]
    date_hierarchy = "closes_at"
    readonly_fields = ["status_display", "published_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status_display", "tags"]}),
        ("What is asked", {"fields": ["body", "resolution_criteria", "fine_print"]}),
        ("Dates (UTC)", {"fields": ["opens_at", "closes_at", "resolve_by"]}),
        ("Record", {"fields": ["published_at", "created_at", "updated_at"]}),
    ]
    inlines = [
        QuestionOptionInline,
        QuestionClaimInline,
        ResolutionSourceInline,
        QuestionForecastInline,
    ]
    actions = ["publish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return super().get_queryset(request).with_status()

    def get_readonly_fields(self, request: HttpRequest, obj: Question | None = None):  # type: ignore[no-untyped-def]
        # Like the options inline: forecasts follow the kind, so it is frozen by them.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.forecasts.exists():
            fields.append("kind")
        return fields

    def save_model(self, request: HttpRequest, obj: Question, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        before = Question.objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:
            services.question_record_revisions(before=before, after=obj, user=request.user)

    @admin.display(description="status", ordering="derived_status")
    def status_display(self, question: Question) -> str:
        return question.status if question.pk else Question.Status.DRAFT

    @admin.action(description="Publish the selected drafts")
    def publish(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        published = 0
        for question in queryset.filter(published_at__isnull=True):
            try:
                services.question_publish(question=question)
                published += 1
            except ApplicationError as error:
                self.message_user(request, f"{question.slug}: {error.message}", messages.ERROR)
        self.message_user(request, f"Published {published} question(s).")
