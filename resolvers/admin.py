"""Admin for outcomes: record, confirm and annul through the services; never edit history.

Resolution sources are set up with a form generated from their kind's schema
(resolvers/forms.py), and their change page has a "Check now (dry run)" button that fetches
and evaluates the form's values without saving or recording anything."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import csrf_protect_m
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import PeriodicTask, SolarSchedule

from config.errors import ApplicationError
from resolvers import services
from resolvers.dry_run import source_dry_run
from resolvers.forms import (
    SHOWN_SUFFIX,
    SWITCH_SUFFIX,
    KindSelect,
    RawConfigField,
    SourceConfigForm,
)
from resolvers.models import Check, Dispute, Resolution, ResolutionSource

# Sunrise/sunset schedules (django-celery-beat's) are not used by any job here, and their
# admin list answers 500 to an out-of-range latitude in its filters: not offered.
if admin.site.is_registered(SolarSchedule):
    admin.site.unregister(SolarSchedule)


class PeriodicTaskForm(beat_admin.PeriodicTaskForm):
    """django-celery-beat's form, whose clean() reads the custom task name even when that
    field was refused (a NUL byte, over 200 characters): a KeyError, a 500. The field's
    own error says what is wrong."""

    def clean(self) -> dict[str, Any]:
        if self.has_error("task"):
            return self.cleaned_data
        return super().clean()


if admin.site.is_registered(PeriodicTask):
    admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    form = PeriodicTaskForm


DRY_RUN_BUTTON = "_dry_run"


class UnparsedLookupsRefused:
    """Refuses changelist lookups on fields whose value reaches the database as typed.

    The admin takes `?<field>=<value>` for any field of the model, and a DurationField or a
    BinaryField passes the value on unparsed, so `?check_every=x` was a DataError (500).
    No filter the page offers uses them; such an address is a 400 instead.
    """

    unparsed_fields: tuple[str, ...] = ()

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if lookup.split("__", 1)[0] in self.unparsed_fields:
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc]


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


class ResolutionSourceForm(SourceConfigForm, forms.ModelForm):
    """The kind from a choice list and its config as fields generated from its schema (or
    raw JSON), validated on save as the API does; each problem sits next to its field."""

    kind = forms.ChoiceField(label="Kind", widget=KindSelect)
    use_raw_json = forms.BooleanField(
        required=False, label="Use the raw JSON below instead of the settings fields"
    )
    config = RawConfigField()

    class Meta:
        model = ResolutionSource
        fields = ["kind", "config", "use_raw_json", "check_every", "enabled", "next_check_at"]

    def __init__(self, *args: Any, carried: dict | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = self.instance.pk is not None
        self.setup_config(
            config=self.instance.config if saved else None,
            kind=self.instance.kind or self.initial.get("kind"),
            carried=carried,
        )

    def clean(self) -> dict[str, Any]:
        return self.clean_source_config(super().clean())


SOURCE_FIELDSETS = [
    (None, {"fields": ["kind"]}),
    (
        "Raw JSON (for experts)",
        {"fields": ["use_raw_json", "config"], "classes": ["collapse"]},
    ),
    ("Schedule", {"fields": ["check_every", "enabled", "next_check_at"]}),
]
SOURCE_STATE = ["last_checked_at", "last_verdict", "last_error", "consecutive_failures"]


class ResolutionSourceInline(admin.StackedInline):
    """A question's sources, each with its kind's settings as fields (a kind switched here
    shows its fields when the question is saved); dry runs and checks are on each source's
    own page, linked from here."""

    model = ResolutionSource
    form = ResolutionSourceForm
    extra = 0
    template = "resolvers/admin/source_inline.html"
    show_change_link = True
    readonly_fields = SOURCE_STATE
    fieldsets = [*SOURCE_FIELDSETS, ("State", {"fields": SOURCE_STATE})]


@admin.register(ResolutionSource)
class ResolutionSourceAdmin(UnparsedLookupsRefused, admin.ModelAdmin):
    unparsed_fields = ("check_every",)
    form = ResolutionSourceForm
    change_form_template = "resolvers/admin/source_change_form.html"
    list_display = [
        "question",
        "kind",
        "enabled",
        "next_check_at",
        "last_checked_at",
        "last_verdict",
        "consecutive_failures",
    ]
    list_filter = ["kind", "enabled"]
    search_fields = ["question__slug", "question__title"]
    list_select_related = ["question"]
    readonly_fields = [*SOURCE_STATE, "last_succeeded_at", "claimed_at"]
    autocomplete_fields = ["question"]
    actions = ["check_now"]

    def get_fieldsets(self, request: HttpRequest, obj: ResolutionSource | None = None):  # type: ignore[no-untyped-def]
        first = ["question", "kind"] if obj is None else ["kind"]
        return [
            (None, {"fields": first}),
            *SOURCE_FIELDSETS[1:],
            ("State", {"fields": self.readonly_fields}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: ResolutionSource | None = None):  # type: ignore[no-untyped-def]
        # The question of a saved source is shown, not changed.
        return [*self.readonly_fields, "question"] if obj is not None else self.readonly_fields

    @csrf_protect_m
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        posted = request.POST
        switching = "kind" + SWITCH_SUFFIX in posted or posted.get(
            "kind" + SHOWN_SUFFIX, posted.get("kind")
        ) != posted.get("kind")
        if request.method == "POST" and (switching or DRY_RUN_BUTTON in posted):
            return self._unsaved_view(request, object_id, form_url)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _unsaved_view(self, request: HttpRequest, object_id: str | None, form_url: str):  # type: ignore[no-untyped-def]
        """The form as posted, with another kind's fields or a dry run of its values;
        nothing is saved."""
        obj = self.get_object(request, object_id) if object_id else None
        if object_id and obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not (
            self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        ):
            raise PermissionDenied
        form_class = self.get_form(request, obj, change=obj is not None)
        form = form_class(request.POST, instance=obj)
        dry_run = None
        if form.switched:
            form = form_class(instance=obj, carried=form.carried_values())
        elif form.is_valid():
            question = obj.question if obj is not None else form.cleaned_data["question"]
            kind = form.cleaned_data["kind"]
            same = obj if obj is not None and obj.kind == kind else None
            dry_run = source_dry_run(question=question, kind=kind, config=form.config, source=same)
        fieldsets = self.get_fieldsets(request, obj)
        admin_form = helpers.AdminForm(
            form, list(fieldsets), {}, self.get_readonly_fields(request, obj), model_admin=self
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{'Change' if obj else 'Add'} resolution source",
            "subtitle": str(obj) if obj else None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []) if form.is_bound else [],
            "preserved_filters": self.get_preserved_filters(request),
            "dry_run": dry_run,
            "dry_run_tried": DRY_RUN_BUTTON in request.POST,
        }
        return self.render_change_form(
            request, context, add=obj is None, change=obj is not None, obj=obj, form_url=form_url
        )

    @admin.action(description="Check the selected sources now")
    def check_now(self, request: HttpRequest, queryset: QuerySet[ResolutionSource]) -> None:
        queued = services.sources_check_now(source_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Enqueued {queued} check(s).")


@admin.register(Check)
class CheckAdmin(UnparsedLookupsRefused, admin.ModelAdmin):
    """Checks are evidence: read-only."""

    unparsed_fields = ("body",)
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
