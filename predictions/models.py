"""What forecasters say (the append-only forecast log), the scores derived from it, and
the outbox of tasks that derive them."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models

# The discussion's model lives in its own module; importing it here registers it.
from predictions.comments import Comment  # noqa: F401

# Follows and notification settings live in their own module; importing it registers them.
from predictions.follow_models import Follow, NotificationSettings  # noqa: F401
from registry.models import Forecaster, Question

# Refuses, inside PostgreSQL, a probability vector that the API would refuse: wrong length
# for the question, a non-number, a value outside [0.001, 0.999], or a multiple-choice
# vector whose sum is off 1 by more than 1e-6. CHECK constraints cannot look at the
# question's options or loop over a JSON array, so a BEFORE INSERT trigger does it.
VALID_PROBABILITIES_DECLARE = [
    ("expected", "integer"),
    ("total", "double precision := 0"),
    ("item", "jsonb"),
    ("value", "double precision"),
]
VALID_PROBABILITIES_SQL = """
    IF jsonb_typeof(NEW.probabilities) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'forecast probabilities must be a JSON array'
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT CASE WHEN q.kind = 'binary' THEN 1
                ELSE (SELECT count(*) FROM registry_questionoption o WHERE o.question_id = q.id)
           END
      INTO expected
      FROM registry_question q WHERE q.id = NEW.question_id;
    IF jsonb_array_length(NEW.probabilities) <> expected THEN
        RAISE EXCEPTION 'forecast has % probabilities; its question needs %',
            jsonb_array_length(NEW.probabilities), expected USING ERRCODE = 'check_violation';
    END IF;
    FOR item IN SELECT * FROM jsonb_array_elements(NEW.probabilities) LOOP
        IF jsonb_typeof(item) <> 'number' THEN
            RAISE EXCEPTION 'forecast probability % is not a number', item
                USING ERRCODE = 'check_violation';
        END IF;
        value := (item #>> '{}')::double precision;
        IF value < 0.001 OR value > 0.999 THEN
            RAISE EXCEPTION 'forecast probability % is outside [0.001, 0.999]', value
                USING ERRCODE = 'check_violation';
        END IF;
        total := total + value;
    END LOOP;
    IF expected > 1 AND abs(total - 1) > 1e-6 THEN
        RAISE EXCEPTION 'forecast probabilities sum to %, not 1', total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
"""


class Forecast(models.Model):
    """One submission. Never updated or deleted: a newer forecast supersedes it.

    `probabilities` lists one probability per option in the question's option order; a
    binary forecast stores just P(yes), as `[p]`.
    """

    class Origin(models.TextChoices):
        API = "api", "API"
        WEB = "web", "Web page"
        IMPORT = "import", "Imported history"
        CLAIM = "claim", "Implied by a pundit's claim"

    forecaster = models.ForeignKey(Forecaster, on_delete=models.PROTECT, related_name="forecasts")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="forecasts")
    probabilities = models.JSONField()
    rationale = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.API)

    class Meta:
        ordering = ["question", "submitted_at", "id"]
        indexes = [
            models.Index(fields=["question", "submitted_at"]),
            models.Index(fields=["forecaster", "question", "submitted_at"]),
        ]
        triggers = [
            pgtrigger.Protect(
                name="forecast_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            # TRUNCATE fires no row trigger: it would empty the log in one statement
            # (`manage.py flush`, a slip in psql). Only the test harness's flush skips it.
            pgtrigger.Trigger(
                name="forecast_no_truncate",
                when=pgtrigger.Before,
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                func="RAISE EXCEPTION 'pgtrigger: Cannot truncate rows from % table', "
                "TG_TABLE_NAME;",
            ),
            pgtrigger.Trigger(
                name="forecast_valid_probabilities",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                declare=VALID_PROBABILITIES_DECLARE,
                func=VALID_PROBABILITIES_SQL,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.forecaster} on {self.question.slug} at {self.submitted_at:%Y-%m-%d %H:%M}"

    @property
    def probability_vector(self) -> list[float]:
        """Probabilities for every option in order (binary: [P(yes), P(no)])."""
        if len(self.probabilities) == 1:
            p_yes = self.probabilities[0]
            # Rounded so 0.7 shows its complement as 0.3, not 0.30000000000000004.
            return [p_yes, round(1.0 - p_yes, 12)]
        return list(self.probabilities)


class QuestionScore(models.Model):
    """A forecaster's score on one resolved question, as `rescore_question` computed it.

    Derived data: recomputable at any time from the forecast log and the resolution.
    """

    # Derived rows, rewritten in bulk by every full rescore: their foreign keys are not
    # enforced by PostgreSQL (db_constraint=False) because the deferred referential checks
    # of hundreds of thousands of rows cost seconds at commit, and every row is written
    # from the referenced rows in the same transaction (verify_scores checks the store).
    # Indexes the composite ones already cover are left out for the same reason.
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="scores",
        db_constraint=False,
        db_index=False,
    )
    forecaster = models.ForeignKey(
        Forecaster,
        on_delete=models.CASCADE,
        related_name="question_scores",
        db_constraint=False,
        db_index=False,
    )
    resolution = models.ForeignKey(
        "resolvers.Resolution",
        on_delete=models.CASCADE,
        related_name="scores",
        db_constraint=False,
    )
    brier = models.FloatField(help_text="Mean daily Brier over the days with a standing forecast.")
    relative_score = models.FloatField(help_text="Mean daily (own - crowd median) Brier.")
    log_loss = models.FloatField(help_text="-ln of the final standing forecast on the outcome.")
    spherical = models.FloatField(help_text="Spherical score of the final standing forecast.")
    days = models.PositiveIntegerField(help_text="Window days with a standing forecast.")
    window_days = models.PositiveIntegerField(help_text="Days in the question's scoring window.")

    class Meta:
        ordering = ["question", "relative_score", "forecaster"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "forecaster"], name="one_score_per_forecaster_and_question"
            ),
            models.CheckConstraint(
                condition=models.Q(brier__gte=0, brier__lte=2), name="question_score_brier_range"
            ),
        ]
        indexes = [models.Index(fields=["forecaster", "question"])]

    def __str__(self) -> str:
        return f"{self.forecaster} on {self.question.slug}: {self.brier:.3f}"


class ForecasterTotal(models.Model):
    """A forecaster's totals over one scope of resolved questions: what leaderboards show.

    Scopes: `all`, `tag:<slug>`, `source:<slug>`, `year:<YYYY>` (the year the outcome became
    known).
    """

    # Derived and rewritten in bulk, as QuestionScore: no database-enforced foreign key.
    forecaster = models.ForeignKey(
        Forecaster,
        on_delete=models.CASCADE,
        related_name="totals",
        db_constraint=False,
        db_index=False,
    )
    scope = models.CharField(max_length=140)
    questions = models.PositiveIntegerField()
    mean_brier = models.FloatField()
    mean_relative_score = models.FloatField()
    relative_score_low = models.FloatField(help_text="Bootstrap 95% interval, lower end.")
    relative_score_high = models.FloatField(help_text="Bootstrap 95% interval, upper end.")
    mean_log_loss = models.FloatField()

    class Meta:
        ordering = ["scope", "mean_relative_score", "-questions"]
        constraints = [
            models.UniqueConstraint(
                fields=["forecaster", "scope"], name="one_total_per_forecaster_and_scope"
            )
        ]
        indexes = [models.Index(fields=["scope", "mean_relative_score", "questions"])]

    def __str__(self) -> str:
        return f"{self.forecaster} [{self.scope}]"


class CrowdScore(models.Model):
    """The people's crowd scored as a forecaster on one resolved question: its forecast each
    day is the per-option median of the people's standing forecasts (scoring.score_crowd).
    Derived, as QuestionScore; a question no person forecast has none."""

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, related_name="crowd_score", db_constraint=False
    )
    resolution = models.ForeignKey(
        "resolvers.Resolution",
        on_delete=models.CASCADE,
        related_name="crowd_scores",
        db_constraint=False,
    )
    brier = models.FloatField(help_text="Mean daily Brier of the crowd's forecast.")
    relative_score = models.FloatField(
        help_text="Mean daily (crowd forecast - crowd median) Brier."
    )
    log_loss = models.FloatField(help_text="-ln of the crowd's final forecast on the outcome.")
    spherical = models.FloatField(help_text="Spherical score of the crowd's final forecast.")
    days = models.PositiveIntegerField(help_text="Window days on which a person stood.")
    window_days = models.PositiveIntegerField(help_text="Days in the question's scoring window.")

    class Meta:
        ordering = ["question"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(brier__gte=0, brier__lte=2), name="crowd_score_brier_range"
            ),
        ]

    def __str__(self) -> str:
        return f"crowd on {self.question.slug}: {self.brier:.3f}"


class CrowdTotal(models.Model):
    """The people's crowd's totals over one scope (as ForecasterTotal's, without a bootstrap
    interval: the crowd is the reference, not a contender, and its relative score is 0 or
    near it by construction): the row the leaderboards show for comparison, never ranked."""

    scope = models.CharField(max_length=140, unique=True)
    questions = models.PositiveIntegerField()
    mean_brier = models.FloatField()
    mean_relative_score = models.FloatField()
    mean_log_loss = models.FloatField()

    class Meta:
        ordering = ["scope"]

    def __str__(self) -> str:
        return f"crowd [{self.scope}]"


class Notification(models.Model):
    """A notice to a forecaster about a question; the unique constraint makes each kind go
    out at most once, however often the task runs.

    A notice sent at once is recorded with its email; one kept for the daily digest is
    `pending_digest` with its text in `summary` until the digest goes out."""

    class Kind(models.TextChoices):
        CLOSING_REMINDER = "closing_reminder", "Closes within a day"
        RESOLVED_NOTICE = "resolved_notice", "Resolved, with the score"
        OUTCOME_PROPOSED = "outcome_proposed", "An outcome is proposed"
        STALE_FORECAST = "stale_forecast", "Your forecast is stale"
        FOLLOWED_FORECASTER = (
            "followed_forecaster",
            "A forecaster you follow forecast on a new question",
        )
        FOLLOWED_SOURCE = "followed_source", "A new question from a source you follow"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    forecaster = models.ForeignKey(
        Forecaster, on_delete=models.CASCADE, related_name="notifications"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="notifications")
    sent_at = models.DateTimeField(auto_now_add=True)
    pending_digest = models.BooleanField(
        default=False, help_text="Waiting for the daily digest, which sends and clears it."
    )
    summary = models.TextField(blank=True, help_text="The notice's text, kept for the digest.")

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "forecaster", "question"], name="one_notification_of_a_kind"
            )
        ]
        indexes = [
            models.Index(
                fields=["forecaster"],
                name="notification_pending_digest",
                condition=models.Q(pending_digest=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.forecaster} on {self.question.slug}"


class OutboxTask(models.Model):
    """A Celery task to run, written in the same transaction as the change that calls for it.

    The row exists if and only if that change committed, so a task can never be lost to
    a Redis outage: whatever could not be published stays `pending` until the relay
    publishes it. Its id is the Celery task id (`outbox-<id>`); each start of the task
    counts a delivery, and a task that keeps dying before it finishes is `parked` for an
    admin instead of taking down worker after worker.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending (not yet on the broker)"
        PUBLISHED = "published", "Published"
        DONE = "done", "Done"
        PARKED = "parked", "Parked (needs an admin)"

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was done or parked."
    )
    deliveries = models.PositiveIntegerField(
        default=0, help_text="How many times a worker started it."
    )
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The relay reads pending rows oldest first; the pruner reads old done rows.
            models.Index(
                fields=["id"],
                name="outbox_pending",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["state", "finished_at"], name="outbox_state_finished"),
        ]

    def __str__(self) -> str:
        arguments = ", ".join(str(argument) for argument in self.args)
        return f"{self.task_name}({arguments}) [{self.state}]"

    @property
    def celery_task_id(self) -> str:
        return f"{celery_task_id_prefix()}{self.pk}"


def celery_task_id_prefix() -> str:
    """Task ids the outbox gives name their instance: a row number alone would mean another
    row in another instance's database."""
    return f"{settings.INSTANCE_NAME}.outbox-"


class QuestionScoreBasis(models.Model):
    """What a question's stored scores (and its crowd score) were computed from: a
    fingerprint of every input the scores depend on (the forecast log's count and last id,
    the people among its forecasters, the current resolution, the window, the scoring code's
    version) and the leaderboard scopes they count in. A full rescore skips the questions
    whose fingerprint is unchanged (`predictions/score_basis.py`)."""

    # Derived, written with the scores in the same transaction: no enforced foreign key.
    question = models.OneToOneField(
        Question,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="score_basis",
        db_constraint=False,
    )
    fingerprint = models.CharField(max_length=64)
    scopes = models.JSONField(default=list, help_text="Leaderboard scopes the scores count in.")

    def __str__(self) -> str:
        return f"score basis of question {self.question_id}"
