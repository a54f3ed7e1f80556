"""Admin for forecasts (a read-only view of the append-only log) and the task outbox
(where parked tasks are seen and sent back)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from predictions import outbox
from predictions.models import Forecast, OutboxTask


@admin.register(Forecast)
class ForecastAdmin(admin.ModelAdmin):
    list_display = ["submitted_at", "forecaster", "question", "probabilities", "origin"]
    list_filter = ["origin", "forecaster__kind"]
    search_fields = ["forecaster__handle", "question__slug", "question__title", "rationale"]
    list_select_related = ["forecaster", "question"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "forecaster",
        "question",
        "probabilities",
        "rationale",
        "submitted_at",
        "origin",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Forecast | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Forecast | None = None) -> bool:
        return False


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    """Tasks kept for the broker. Parked ones (their worker died each time, or they failed
    for good) wait here for an admin to fix the cause and re-queue them."""

    list_display = [
        "id",
        "task_name",
        "args",
        "state",
        "deliveries",
        "created_at",
        "published_at",
        "finished_at",
        "last_error",
    ]
    list_filter = ["state", "task_name"]
    search_fields = ["task_name", "last_error"]
    date_hierarchy = "created_at"
    readonly_fields = list_display
    actions = ["requeue"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxTask | None = None) -> bool:
        return False

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        # The change form stays closed (rows are the workers' record), but sending a task
        # back is a change: the same model permission.
        return request.user.has_perm("predictions.change_outboxtask")

    @admin.action(description="Re-queue the selected parked tasks", permissions=["requeue"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutboxTask]) -> None:
        task_ids = list(queryset.values_list("pk", flat=True))
        requeued = outbox.outbox_requeue(task_ids=task_ids)
        skipped = len(task_ids) - requeued
        message = f"Re-queued {requeued} parked task(s)."
        if skipped:
            message += f" {skipped} not parked, left as they were."
        self.message_user(request, message)
