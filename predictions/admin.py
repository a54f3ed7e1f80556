"""Admin for forecasts (a read-only view of the append-only log), the task outbox
(where parked tasks are seen and sent back) and the discussion's comments (hidden or shown
again by staff)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest

from config.errors import ApplicationError
from predictions import comment_services, outbox
from predictions.comments import Comment
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


class CommentActionForm(ActionForm):
    """The action bar, with the reason the hide action records."""

    reason = forms.CharField(
        required=False,
        max_length=comment_services.MAX_HIDE_REASON_CHARS,
        label="Reason (to hide)",
    )


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The discussion's comments. Staff hide or show them again through the services
    (a reason is required to hide); the text and its history are not edited here."""

    list_display = ["created_at", "author", "question", "excerpt", "edited_at", "hidden_at"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["author__handle", "question__slug", "question__title", "body"]
    list_select_related = ["author", "question"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "question",
        "author",
        "body",
        "created_at",
        "edited_at",
        "standing_forecast",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    ]
    exclude = ["body_html"]
    action_form = CommentActionForm
    actions = ["hide", "unhide"]

    @admin.display(description="Comment")
    def excerpt(self, comment: Comment) -> str:
        return comment.body if len(comment.body) <= 80 else comment.body[:79] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Comment | None = None) -> bool:
        return False  # moderation hides; the thread keeps its record

    @admin.action(
        description="Hide the selected comments (give the reason)", permissions=["change"]
    )
    def hide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        reason = request.POST.get("reason", "")
        hidden = 0
        for comment in queryset:
            try:
                comment_services.comment_hide(comment=comment, user=request.user, reason=reason)
            except ApplicationError as error:
                self.message_user(request, f"Nothing hidden: {error.message}", messages.ERROR)
                return
            hidden += 1
        self.message_user(request, f"Hid {hidden} comment(s).")

    @admin.action(description="Show the selected comments again", permissions=["change"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        for comment in queryset:
            comment_services.comment_unhide(comment=comment, user=request.user)
        self.message_user(request, f"Showed {queryset.count()} comment(s) again.")
