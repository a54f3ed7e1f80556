"""Follows (a question, a forecaster or a source) and each account's notification choices.

predictions/models.py imports this module, so Django registers its models with the app.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from registry.models import Forecaster, Question, Source

FOLLOW_TARGETS = ("question", "forecaster", "source")
Target = Question | Forecaster | Source


def follow_target_type(target: Target) -> str:
    """The Follow field that holds a target of this type."""
    if isinstance(target, Question):
        return "question"
    if isinstance(target, Forecaster):
        return "forecaster"
    if isinstance(target, Source):
        return "source"
    raise TypeError(f"cannot follow {type(target).__name__}")


def _only(target: str) -> Q:
    """The condition "this target is set and the others are not"."""
    return Q(**{f"{name}__isnull": name != target for name in FOLLOW_TARGETS})


class Follow(models.Model):
    """A forecaster following one question, one other forecaster or one source.

    Exactly one target is set (a check constraint), and a follower follows a target once
    (a unique constraint per target column)."""

    follower = models.ForeignKey(Forecaster, on_delete=models.CASCADE, related_name="follows")
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="followers"
    )
    forecaster = models.ForeignKey(
        Forecaster, null=True, blank=True, on_delete=models.CASCADE, related_name="followers"
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="followers"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_only("question") | _only("forecaster") | _only("source"),
                name="follow_has_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(forecaster=F("follower")), name="follow_not_oneself"
            ),
            *(
                models.UniqueConstraint(
                    fields=["follower", target],
                    condition=Q(**{f"{target}__isnull": False}),
                    name=f"one_follow_per_{target}",
                )
                for target in FOLLOW_TARGETS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.target_type} {self.target_name}"

    @property
    def target_type(self) -> str:
        return next(name for name in FOLLOW_TARGETS if getattr(self, f"{name}_id") is not None)

    @property
    def target(self) -> Question | Forecaster | Source:
        return getattr(self, self.target_type)

    @property
    def target_name(self) -> str:
        """The slug or handle that names the target in addresses and the API."""
        target = self.target
        return target.handle if isinstance(target, Forecaster) else target.slug

    @property
    def target_url(self) -> str:
        prefix = {"question": "questions", "forecaster": "forecasters", "source": "sources"}
        return f"/{prefix[self.target_type]}/{self.target_name}/"


class NotificationSettings(models.Model):
    """Which notices an account receives, and how. A forecaster without a row has the
    defaults: every kind, each notice at once, no webhook.

    The kind fields are named as `Notification.Kind`'s values, so a kind's switch is
    `getattr(settings, kind)` and a query can filter on it by name."""

    forecaster = models.OneToOneField(
        Forecaster, on_delete=models.CASCADE, related_name="notification_settings"
    )
    closing_reminder = models.BooleanField(default=True)
    resolved_notice = models.BooleanField(default=True)
    outcome_proposed = models.BooleanField(default=True)
    stale_forecast = models.BooleanField(default=True)
    followed_forecaster = models.BooleanField(default=True)
    followed_source = models.BooleanField(default=True)
    daily_digest = models.BooleanField(
        default=False, help_text="One email a day collecting the day's notices."
    )
    webhook_url = models.CharField(
        max_length=500, blank=True, help_text="A Slack or Discord incoming webhook."
    )
    webhook_error = models.CharField(
        max_length=500, blank=True, help_text="Why the last post to the webhook failed."
    )
    last_digest_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"notification settings of {self.forecaster}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind, False))
