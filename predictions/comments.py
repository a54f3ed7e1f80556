"""The discussion under a question: comments by forecasters, moderated by staff.

A comment keeps its Markdown source, that source rendered safely when it was written
(predictions.markup), and its author's forecast that stood when it was posted, so a
reader can weigh what someone argues against what they said the chances were. Writes go
through predictions.comment_services; models.py imports this module so Django finds it.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from registry.models import Forecaster, Question


class Comment(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Forecaster, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(help_text="Markdown source, as the author wrote it.")
    # Rendered and sanitized once, when written: a page shows many comments, and rendering
    # pathological Markdown (thousands of brackets) costs a noticeable fraction of a second.
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    # The author's latest forecast on the question when the comment was posted, if any.
    # Forecasts are never deleted, so PROTECT never fires in practice.
    standing_forecast = models.ForeignKey(
        "predictions.Forecast",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hidden_comments",
    )
    hidden_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["question", "created_at", "id"]
        indexes = [models.Index(fields=["question", "created_at", "id"], name="comment_thread")]
        constraints = [
            # A hidden comment says why; a visible one carries no leftover reason.
            models.CheckConstraint(
                condition=(
                    models.Q(hidden_at__isnull=True, hidden_reason="")
                    | (models.Q(hidden_at__isnull=False) & ~models.Q(hidden_reason=""))
                ),
                name="comment_hidden_with_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(edited_at__isnull=True)
                | models.Q(edited_at__gte=models.F("created_at")),
                name="comment_edited_after_posting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.question.slug} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def editable_until(self) -> datetime:
        """The instant after which its author can no longer edit it."""
        return self.created_at + settings.COMMENT_EDIT_WINDOW
