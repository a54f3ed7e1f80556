"""Which writes retire which kept pages (config/page_cache.py).

Every save or delete of a model public pages are rendered from bumps the version keys
that name it: a forecast its question's, its forecaster's and the question index's; a
comment, a check or a dispute its question's; anything else in the registry, predictions
and resolvers apps the whole site's, except the stored scores (a rescore replaces the
scores version itself) and what no public page shows. Writes that bypass model signals
(`QuerySet.update`, `bulk_create`) bump by hand where they change a page.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from config import page_cache

APPS = frozenset({"registry", "predictions", "resolvers"})
# Not on any public page, or versioned otherwise (the scores).
UNSHOWN = frozenset(
    {
        "Follow",
        "NotificationSettings",
        "Notification",
        "OutboxTask",
        "SourceImport",
        "QuestionScore",
        "ForecasterTotal",
        "CrowdScore",
        "CrowdTotal",
    }
)


def _question_of_check(check: Any) -> int | None:
    from resolvers.models import ResolutionSource

    source = check._state.fields_cache.get("source")
    if source is not None:
        return source.question_id
    return (
        ResolutionSource.objects.filter(pk=check.source_id)
        .values_list("question_id", flat=True)
        .first()
    )


def keys_for(instance: Any) -> list[str]:
    """The version keys a write of this instance retires."""
    model = type(instance)
    if model._meta.app_label not in APPS or model.__name__ in UNSHOWN:
        return []
    name = model.__name__
    if name == "Forecast":
        return [
            page_cache.question_key(instance.question_id),
            page_cache.forecaster_key(instance.forecaster_id),
            page_cache.FORECASTS,
        ]
    if name == "Comment":
        return [page_cache.question_key(instance.question_id)]
    if name == "Dispute":
        from resolvers.models import Resolution

        question_id = (
            Resolution.objects.filter(pk=instance.resolution_id)
            .values_list("question_id", flat=True)
            .first()
        )
        return [page_cache.question_key(question_id)] if question_id else [page_cache.SITE]
    if name == "Check":
        question_id = _question_of_check(instance)
        return [page_cache.question_key(question_id)] if question_id else [page_cache.SITE]
    return [page_cache.SITE]


def _written(sender: Any, instance: Any, **kwargs: Any) -> None:
    keys = keys_for(instance)
    if keys:
        page_cache.bump(*keys)


def _m2m_written(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        _written(sender, instance)


def connect() -> None:
    post_save.connect(_written, dispatch_uid="page-versions-save")
    post_delete.connect(_written, dispatch_uid="page-versions-delete")
    m2m_changed.connect(_m2m_written, dispatch_uid="page-versions-m2m")
