"""How outcomes are recorded: resolutions, proposed then final, with their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.models import Question, QuestionOption


class Resolution(models.Model):
    """An outcome for a question. A newer one supersedes it; the old row stays as history."""

    class Outcome(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        OPTION = "option", "An option (multiple choice)"
        ANNULLED = "annulled", "Annulled"

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        FINAL = "final", "Final"

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="resolutions")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    outcome_option = models.ForeignKey(
        QuestionOption,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
        help_text="The option that happened, for a multiple-choice question.",
    )
    known_on = models.DateField(help_text="The UTC day the outcome became known.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    rationale = models.TextField(help_text="Why: what was seen, and where.")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resolutions",
        help_text="The admin who recorded or confirmed it; empty when a resolver proposed it.",
    )
    resolver = models.CharField(
        max_length=60, blank=True, help_text="The resolver kind that proposed it, if any."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    scored_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When scores were last brought in line with this resolution.",
    )
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )

    class Meta:
        ordering = ["question", "-created_at"]
        constraints = [
            # At most one current resolution, hence at most one current final outcome.
            models.UniqueConstraint(
                fields=["question"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_resolution_per_question",
            ),
            models.CheckConstraint(
                condition=Q(outcome="option", outcome_option__isnull=False)
                | (~Q(outcome="option") & Q(outcome_option__isnull=True)),
                name="resolution_option_iff_option_outcome",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["yes", "no", "option", "annulled"]),
                name="resolution_outcome_known",
            ),
            models.CheckConstraint(
                condition=Q(state="proposed", finalized_at__isnull=True)
                | Q(state="final", finalized_at__isnull=False),
                name="resolution_final_has_time",
            ),
            models.CheckConstraint(
                condition=Q(superseded_at__isnull=True, superseded_by__isnull=True)
                | Q(superseded_at__isnull=False),
                name="resolution_superseded_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.question.slug}: {self.outcome_label} ({self.state})"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def outcome_label(self) -> str:
        if self.outcome == self.Outcome.OPTION and self.outcome_option_id:
            return self.outcome_option.label
        return self.get_outcome_display()
