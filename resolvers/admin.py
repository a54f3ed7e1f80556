"""Admin for outcomes: record, confirm and annul through the services; never edit history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from config.errors import ApplicationError
from resolvers import kinds, services
from resolvers.models import Check, Dispute, Resolution, ResolutionSource


class ResolutionRecordForm(forms.ModelForm):
    """An admin's final outcome. Saving supersedes the question's current resolution."""

    class Meta:
        model = Resolution
        fields = ["question", "outcome", "outcome_option", "known_on", "rationale"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The view-only page of a stored resolution builds this form without fields.
        known_on = self.fields.get("known_on")
        if known_on is not None:
            known_on.required = False
            known_on.help_text = "The UTC day the outcome became known; empty: today."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        question = data.get("question")
        if question is not None and data.get("outcome") and data.get("rationale"):
            try:
                services.resolution_check(
                    question=question,
                    outcome=data["outcome"],
                    option=data.get("outcome_option"),
                    known_on=data.get("known_on"),
                    rationale=data["rationale"],
                )
            except ApplicationError as error:
                for name, message in error.fields.items():
                    field = name if name in self.fields else None
                    self.add_error(field, message if field else error.message)
        return data

    def _post_clean(self) -> None:
        # Model validation would hold this unsaved row against the question's current
        # resolution (one current per question), which the service is about to supersede;
        # so only copy the values over and let the service (and the database) decide.
        self.instance = construct_instance(self, self.instance, self._meta.fields)


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    form = ResolutionRecordForm
    list_display = [
        "question",
        "outcome_label",
        "state",
        "known_on",
        "is_current",
        "resolved_by",
        "resolver",
        "created_at",
    ]
    list_filter = ["state", "outcome", ("superseded_at", admin.EmptyFieldListFilter)]
    search_fields = ["question__slug", "question__title", "rationale"]
    list_select_related = ["question", "outcome_option", "resolved_by"]
    autocomplete_fields = ["question"]
    actions = ["confirm"]

    def get_readonly_fields(self, request: HttpRequest, obj: Resolution | None = None):  # type: ignore[no-untyped-def]
        if obj is None:
            return []
        return [field.name for field in Resolution._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Resolution | None = None) -> bool:
        # Resolutions are history: a correction is a new resolution that supersedes.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Resolution | None = None) -> bool:
        return False

    @admin.display(boolean=True, description="current")
    def is_current(self, resolution: Resolution) -> bool:
        return resolution.is_current

    def save_model(
        self, request: HttpRequest, obj: Resolution, form: forms.ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        try:
            created = services.resolution_record(
                question=data["question"],
                outcome=data["outcome"],
                option=data.get("outcome_option"),
                known_on=data.get("known_on"),
                rationale=data["rationale"],
                user=request.user,
            )
        except ApplicationError as error:
            # Left unsaved (obj.pk stays None): log_addition and response_add see it.
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.state, obj.known_on = created.pk, created.state, created.known_on

    def log_addition(self, request: HttpRequest, obj: Resolution, message: Any) -> Any:
        if obj.pk is None:  # the service refused it: nothing was added
            return None
        return super().log_addition(request, obj, message)

    def response_add(self, request: HttpRequest, obj: Resolution, *args: Any) -> HttpResponse:
        if obj.pk is None:  # the service refused it; its message says why
            return HttpResponseRedirect(request.get_full_path())
        return super().response_add(request, obj, *args)

    @admin.action(description="Confirm the selected proposed resolutions (make final now)")
    def confirm(self, request: HttpRequest, queryset: QuerySet[Resolution]) -> None:
        for resolution in queryset:
            try:
                services.resolution_confirm(resolution=resolution, user=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{resolution}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"Confirmed {resolution}.")


class ResolutionSourceForm(forms.ModelForm):
    """Validates the config against the kind's schema on save, as the API does."""

    class Meta:
        model = ResolutionSource
        fields = ["kind", "config", "check_every", "enabled", "next_check_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind"):
            try:
                data["config"] = kinds.validate_config(data["kind"], data.get("config") or {})
            except kinds.ConfigError as error:
                for name, message in error.fields.items():
                    field = name.split(".")[0]
                    self.add_error(field if field in self.fields else None, f"{name}: {message}")
        return data


class ResolutionSourceInline(admin.StackedInline):
    model = ResolutionSource
    form = ResolutionSourceForm
    extra = 0
    readonly_fields = ["last_checked_at", "last_verdict", "last_error"]


@admin.register(ResolutionSource)
class ResolutionSourceAdmin(admin.ModelAdmin):
    form = ResolutionSourceForm
    list_display = [
        "question",
        "kind",
        "enabled",
        "next_check_at",
        "last_checked_at",
        "last_verdict",
    ]
    list_filter = ["kind", "enabled"]
    search_fields = ["question__slug", "question__title"]
    list_select_related = ["question"]
    readonly_fields = ["last_checked_at", "last_verdict", "last_error", "claimed_at"]
    actions = ["check_now"]

    def get_fields(self, request: HttpRequest, obj: ResolutionSource | None = None):  # type: ignore[no-untyped-def]
        return ["question", *ResolutionSourceForm.Meta.fields, *self.readonly_fields]

    @admin.action(description="Check the selected sources now")
    def check_now(self, request: HttpRequest, queryset: QuerySet[ResolutionSource]) -> None:
        queued = services.sources_check_now(source_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Enqueued {queued} check(s).")


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    """Checks are evidence: read-only."""

    list_display = ["source", "started_at", "http_status", "verdict", "value", "error"]
    list_filter = ["verdict", "source__kind"]
    search_fields = ["source__question__slug", "url", "value", "explanation", "error"]
    list_select_related = ["source__question"]
    exclude = ["body"]
    readonly_fields = ["source", *Check.RECORD_FIELDS, "task_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Check | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Check | None = None) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["resolution", "forecaster", "created_at"]
    search_fields = ["forecaster__handle", "reason", "resolution__question__slug"]
    readonly_fields = ["resolution", "forecaster", "reason", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Dispute | None = None) -> bool:
        return False
