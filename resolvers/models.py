"""How outcomes are recorded: resolutions, proposed then final, with their history."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.choices import ResolutionOutcome, ResolutionState
from registry.models import Question, QuestionOption


class Resolution(models.Model):
    """An outcome for a question. A newer one supersedes it; the old row stays as history."""

    Outcome = ResolutionOutcome
    State = ResolutionState

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
    evidence = models.ForeignKey(
        "Check",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resolutions",
        help_text="The check whose evidence proposed it.",
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
    held_reason = models.TextField(
        blank=True,
        help_text="Why this proposal waits for an admin instead of becoming final by itself "
        "(its source has contradicted it).",
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


class ResolutionSource(models.Model):
    """Where a question's outcome is looked up: a resolver kind, its validated config, and
    its schedule."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="resolution_sources"
    )
    kind = models.CharField(max_length=60)
    config = models.JSONField(default=dict, blank=True)
    check_every = models.DurationField(default=timedelta(hours=6))
    next_check_at = models.DateTimeField(
        null=True, blank=True, help_text="Due from this instant; empty: never checked by itself."
    )
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the dispatcher last enqueued a check."
    )
    enabled = models.BooleanField(default=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_verdict = models.CharField(max_length=220, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Failed checks since the last one that succeeded."
    )
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "pk"]
        indexes = [models.Index(fields=["enabled", "next_check_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.question.slug}"


class Check(models.Model):
    """One attempt at a source, kept as evidence whether it succeeded or failed."""

    class Failure(models.TextChoices):
        UNREACHABLE = "unreachable", "The source could not be reached"
        REFUSED = "refused", "The address was refused (blocked, bad URL, too large)"
        UNREADABLE = "unreadable", "The answer could not be read or decided"
        SETTINGS = "settings", "The source's settings are not valid"
        INTERNAL = "internal", "An internal error"

    # What a check records, in reading order (the admin and the API show these).
    RECORD_FIELDS = (
        "started_at",
        "finished_at",
        "url",
        "http_status",
        "duration_ms",
        "content_type",
        "sha256",
        "value",
        "verdict",
        "explanation",
        "error",
        "failure",
    )

    source = models.ForeignKey(ResolutionSource, on_delete=models.CASCADE, related_name="checks")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    url = models.TextField(blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(blank=True, default=b"", help_text="The response, capped.")
    sha256 = models.CharField(max_length=64, blank=True)
    value = models.TextField(blank=True, help_text="What was extracted from the response.")
    verdict = models.CharField(
        max_length=220,
        blank=True,
        help_text="yes, no, option:<label>, annulled, undetermined, needs_review; empty on error.",
    )
    explanation = models.TextField(blank=True)
    error = models.TextField(blank=True)
    failure = models.CharField(
        max_length=20, blank=True, choices=Failure.choices, help_text="What kind of failure."
    )
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["source", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.source} at {self.started_at:%Y-%m-%d %H:%M}: {self.verdict or 'error'}"

    @property
    def succeeded(self) -> bool:
        return not self.error and self.finished_at is not None


class Dispute(models.Model):
    """A forecaster's objection to a proposed outcome, which stops it becoming final by
    itself: an admin decides."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="disputes")
    forecaster = models.ForeignKey(
        "registry.Forecaster", on_delete=models.CASCADE, related_name="disputes"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "forecaster"], name="one_dispute_per_forecaster"
            )
        ]

    def __str__(self) -> str:
        return f"{self.forecaster} disputes {self.resolution}"
