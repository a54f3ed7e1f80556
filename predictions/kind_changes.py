"""A forecaster whose kind changes moves in or out of the people's crowd, which every
relative score on their questions is measured against: their resolved questions are marked
for the rescore sweep (`predictions.rescore_stale`), as an import into them is.

Registry, the floor below, knows nothing of scores; these receivers are connected by
PredictionsConfig.ready. The kind a row was loaded with is kept on the instance (no query).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_init, post_save

from predictions.models import Forecast
from registry.models import Forecaster
from resolvers.models import Resolution


def _remember_kind(sender: type, instance: Forecaster, **kwargs: Any) -> None:
    # From __dict__: reading a deferred field here would cost a query per instance.
    instance._loaded_kind = instance.__dict__.get("kind")


def _mark_questions_for_rescore(
    sender: type, instance: Forecaster, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    loaded = getattr(instance, "_loaded_kind", None)
    if created or raw or loaded is None or loaded == instance.kind:
        return
    Resolution.objects.filter(
        question__in=Forecast.objects.filter(forecaster=instance).values("question_id"),
        superseded_at__isnull=True,
    ).update(scored_at=None)
    instance._loaded_kind = instance.kind


def connect() -> None:
    post_init.connect(_remember_kind, sender=Forecaster, dispatch_uid="forecaster-kind-loaded")
    post_save.connect(
        _mark_questions_for_rescore, sender=Forecaster, dispatch_uid="forecaster-kind-rescore"
    )
