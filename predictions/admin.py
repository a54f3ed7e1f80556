"""Admin for forecasts: a read-only view of the append-only log."""

from django.contrib import admin
from django.http import HttpRequest

from predictions.models import Forecast


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
