"""What is predicted: sources, their claims, the questions they became, and forecasters."""

from __future__ import annotations

import calendar
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Case, F, FilteredRelation, Q, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from registry.choices import ResolutionOutcome, ResolutionState


class Forecaster(models.Model):
    """A public profile that forecasts: a person, a pundit quoted from sources, or a bot."""

    class Kind(models.TextChoices):
        HUMAN = "human", "Human"
        PUNDIT = "pundit", "Pundit"
        BOT = "bot", "Bot"

    handle = models.SlugField(max_length=64, unique=True)
    display_name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.HUMAN)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forecaster",
    )
    bio = models.TextField(blank=True)
    links = models.JSONField(
        default=list, blank=True, help_text="Up to three http(s) addresses shown on the profile."
    )
    email_notifications = models.BooleanField(
        default=True,
        help_text="Email a reminder before a question one holds closes, and the score when it "
        "resolves.",
    )
    email_verified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the login's email address was confirmed by its link. A human with a "
        "login appears on leaderboards only once it is.",
    )
    deleted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its person deleted the account: the personal data went, the forecasts "
        "and scores stay, under a handle that names nobody.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    DELETED_DISPLAY_NAME = "Deleted forecaster"

    class Meta:
        ordering = ["handle"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["human", "pundit", "bot"]), name="forecaster_kind_known"
            )
        ]

    def __str__(self) -> str:
        return self.handle

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def shown_links(self) -> list[str]:
        """The profile's links that are http(s) web addresses (the service stores no other;
        this keeps a hand-edited row from putting a `javascript:` link on the page)."""
        links = self.links if isinstance(self.links, list) else []
        return [
            link
            for link in links
            if isinstance(link, str) and link and not source_url_problem(link)
        ]

    @property
    def awaits_email_verification(self) -> bool:
        """A person's login whose address is not confirmed yet: kept off the leaderboards."""
        return (
            self.kind == self.Kind.HUMAN
            and self.user_id is not None
            and self.email_verified_at is None
            and not self.is_deleted
        )


def forecaster_listed_on_leaderboards(prefix: str = "") -> Q:
    """The forecasters the public leaderboards rank, as a filter (`prefix` is the path to a
    Forecaster, e.g. "forecaster__").

    Pundits and bots always; a person's login once its email address is confirmed (a
    profile staff made without a login is not an account and needs none); never a deleted
    account. Their forecasts still count in every crowd, so nobody else's score changes.
    """
    return Q(**{f"{prefix}deleted_at__isnull": True}) & (
        ~Q(**{f"{prefix}kind": Forecaster.Kind.HUMAN})
        | Q(**{f"{prefix}user__isnull": True})
        | Q(**{f"{prefix}email_verified_at__isnull": False})
    )


class Tag(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


SOURCE_URL_PROBLEM = "That is not a web address; give the full address, starting https://."
_web_address = URLValidator(schemes=["http", "https"], message=SOURCE_URL_PROBLEM)


def source_url_problem(url: str) -> str | None:
    """Why `url` cannot be a source's address, or None: only an http(s) web address can
    (a `javascript:` or `data:` one would run in the reader's browser from its link)."""
    if not url:
        return None
    try:
        _web_address(url)
    except ValidationError:
        return SOURCE_URL_PROBLEM
    return None


def validate_source_url(url: str) -> None:
    problem = source_url_problem(url)
    if problem:
        raise ValidationError(problem, code="invalid")


class Source(models.Model):
    """A published document whose forecasts are held to account."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    author = models.ForeignKey(
        Forecaster, null=True, blank=True, on_delete=models.PROTECT, related_name="sources"
    )
    publication = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True, validators=[validate_source_url])
    published_on = models.DateField()
    language = models.CharField(max_length=12, default="en")
    text = models.TextField(blank=True)
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1,
        choices=[(number, calendar.month_name[number]) for number in range(1, 13)],
        help_text="The month (1-12) the author's fiscal year starts in: how the claim finder "
        "reads “fiscal 2026” or “the June quarter”.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="source_fiscal_year_start_month_is_a_month",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def web_url(self) -> str:
        """The address, when it is one a page may link to (http or https); else ''. A row
        stored before addresses were checked is shown as text, never as a link."""
        try:
            scheme = urlsplit(self.url).scheme.lower()
        except ValueError:
            return ""
        return self.url if scheme in ("http", "https") else ""


class QuestionQuerySet(models.QuerySet):
    def with_status(self) -> QuestionQuerySet:
        """Annotate `derived_status`, computed in SQL by the database clock.

        Mirrors `derive_status`; filtering and ordering by status need it in the query.
        The current resolution (at most one per question, a constraint says) is one LEFT
        JOIN: as subqueries it was repeated in every branch of the CASE, each joined to
        the question again for the resolution's default ordering.
        """
        return (
            self.annotate(
                current_resolution=FilteredRelation(
                    "resolutions", condition=Q(resolutions__superseded_at__isnull=True)
                ),
            )
            .annotate(
                current_outcome=F("current_resolution__outcome"),
                current_state=F("current_resolution__state"),
            )
            .annotate(
                derived_status=Case(
                    When(published_at__isnull=True, then=Value(Question.Status.DRAFT)),
                    When(
                        current_state=ResolutionState.FINAL,
                        current_outcome=ResolutionOutcome.ANNULLED,
                        then=Value(Question.Status.ANNULLED),
                    ),
                    When(current_state=ResolutionState.FINAL, then=Value(Question.Status.RESOLVED)),
                    When(
                        current_state=ResolutionState.PROPOSED,
                        then=Value(Question.Status.RESOLVING),
                    ),
                    When(opens_at__gt=Now(), then=Value(Question.Status.UPCOMING)),
                    When(closes_at__gt=Now(), then=Value(Question.Status.OPEN)),
                    default=Value(Question.Status.CLOSED),
                    output_field=models.CharField(),
                ),
            )
        )

    def with_status_in(self, statuses: list[str]) -> QuestionQuerySet:
        return self.with_status().filter(derived_status__in=statuses)

    def published(self) -> QuestionQuerySet:
        return self.filter(published_at__isnull=False)


class Question(models.Model):
    """A structured prediction that a stranger could resolve from its criteria."""

    class Kind(models.TextChoices):
        BINARY = "binary", "Binary (yes / no)"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        UPCOMING = "upcoming", "Upcoming"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        RESOLVING = "resolving", "Resolving"
        RESOLVED = "resolved", "Resolved"
        ANNULLED = "annulled", "Annulled"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    resolution_criteria = models.TextField()
    fine_print = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BINARY)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(help_text="No forecasts are accepted from this instant on.")
    resolve_by = models.DateTimeField(help_text="Deadline for the outcome to be known.")
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while the question is a draft."
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    crowd_hidden_until_forecast = models.BooleanField(
        default=False,
        help_text="Hide the crowd forecast from a viewer until they have forecast (or the "
        "question closes), so early forecasts are their own.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["closes_at", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="question_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(resolve_by__gte=models.F("closes_at")),
                name="question_resolve_by_not_before_close",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["binary", "multiple_choice"]), name="question_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = "Must be after the opening time."
        if self.closes_at and self.resolve_by and self.resolve_by < self.closes_at:
            errors["resolve_by"] = "Must not be before the closing time."
        if errors:
            raise ValidationError(errors)

    @property
    def is_binary(self) -> bool:
        return self.kind == self.Kind.BINARY

    def option_labels(self) -> list[str]:
        """The labels a forecast's probabilities follow, in order (binary: Yes, No)."""
        if self.is_binary:
            return ["Yes", "No"]
        return [option.label for option in self.options.all()]

    @property
    def status(self) -> str:
        """The status now: the SQL annotation when present, else derived here."""
        annotated = getattr(self, "derived_status", None)
        if annotated is not None:
            return annotated
        return self.status_at(timezone.now())

    def status_at(self, now: datetime) -> str:
        # At most one is current; ordering by its own key keeps the question out of the
        # query (Resolution's default ordering starts with the question's).
        current = self.resolutions.filter(superseded_at__isnull=True).order_by("pk").first()
        return derive_status(
            published=self.published_at is not None,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            current_outcome=current.outcome if current else None,
            current_state=current.state if current else None,
            now=now,
        )


def derive_status(
    *,
    published: bool,
    opens_at: datetime,
    closes_at: datetime,
    current_outcome: str | None,
    current_state: str | None,
    now: datetime,
) -> str:
    """A question's status from its times and its current resolution (see with_status)."""
    if not published:
        return Question.Status.DRAFT
    if current_state == ResolutionState.FINAL:
        annulled = current_outcome == ResolutionOutcome.ANNULLED
        return Question.Status.ANNULLED if annulled else Question.Status.RESOLVED
    if current_state == ResolutionState.PROPOSED:
        return Question.Status.RESOLVING
    if now < opens_at:
        return Question.Status.UPCOMING
    if now < closes_at:
        return Question.Status.OPEN
    return Question.Status.CLOSED


class QuestionRevision(models.Model):
    """A change to what a question asks, made after forecasting began: shown on its page so
    forecasters can see what they agreed to and what changed."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="revisions")
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.question.slug}: {self.field} changed {self.changed_at:%Y-%m-%d}"


class QuestionOption(models.Model):
    """One answer of a multiple-choice question; forecasts list probabilities in this order."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="option_position_unique"),
            models.UniqueConstraint(fields=["question", "label"], name="option_label_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class ClaimQuerySet(models.QuerySet):
    def public(self) -> ClaimQuerySet:
        """Claims staff accepted or merged: the only ones public pages and the API show."""
        return self.filter(review_state__in=Claim.PUBLIC_STATES)

    def proposed(self) -> ClaimQuerySet:
        return self.filter(review_state=Claim.Review.PROPOSED)


class Claim(models.Model):
    """A verbatim quote from a source that makes a forecast, and the question it became.

    The claim finder proposes claims; staff review each: accepted (its draft question is
    published), merged into an existing question, or rejected (kept, so that importing the
    source again never proposes the same words twice). Only accepted and merged claims are
    public.
    """

    class Review(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        MERGED = "merged", "Merged into a question"

    class Strength(models.TextChoices):
        STRONG = "strong", "Strong"
        WEAK = "weak", "Weak (a bare possibility word)"

    PUBLIC_STATES = (Review.ACCEPTED, Review.MERGED)

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="claims")
    quote = models.TextField()
    start_offset = models.PositiveIntegerField(help_text="Character offset of the quote's start.")
    end_offset = models.PositiveIntegerField(help_text="Character offset just past its end.")
    implied_probability = models.FloatField(
        null=True, blank=True, help_text="Empty when the wording states no number: not scored."
    )
    probability_phrase = models.CharField(
        max_length=120, blank=True, help_text="The wording that set the implied probability."
    )
    probability_stated = models.BooleanField(
        default=False, help_text="The author wrote the number (“70%”), not a hedge word."
    )
    strength = models.CharField(max_length=10, choices=Strength.choices, default=Strength.STRONG)
    speaker = models.CharField(
        max_length=200, blank=True, help_text="Whose forecast it is when the author quotes one."
    )
    reasons = models.JSONField(
        default=list, blank=True, help_text="Why the finder proposed it, step by step."
    )
    horizon_phrase = models.CharField(
        max_length=200, blank=True, help_text="The words that set the deadline."
    )
    deadline = models.DateField(null=True, blank=True, help_text="The deadline the finder read.")
    suggested_source_kind = models.CharField(
        max_length=40, blank=True, help_text="The resolver kind its words point to."
    )
    source_hint = models.CharField(max_length=300, blank=True, help_text="Where to look, in words.")
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )
    review_state = models.CharField(
        max_length=10, choices=Review.choices, default=Review.PROPOSED, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start_offset"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_offset__gt=models.F("start_offset")), name="claim_span_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(implied_probability__isnull=True)
                | Q(implied_probability__gte=0.001, implied_probability__lte=0.999),
                name="claim_implied_probability_in_range",
            ),
            models.CheckConstraint(
                condition=Q(review_state__in=["proposed", "accepted", "rejected", "merged"]),
                name="claim_review_state_known",
            ),
            models.CheckConstraint(
                condition=Q(strength__in=["strong", "weak"]), name="claim_strength_known"
            ),
        ]

    def __str__(self) -> str:
        return self.quote[:80]

    @property
    def is_public(self) -> bool:
        return self.review_state in self.PUBLIC_STATES


class SourceImport(models.Model):
    """One import of a source by staff: where it came from, and how far the finder got.

    Short texts are read within the request and arrive here done; a long one is read by a
    Celery task (`registry.propose_claims`), which keeps `stage`, `units_done` and
    `units_total` up to date for the review page to show.
    """

    class Origin(models.TextChoices):
        URL = "url", "Web address"
        TEXT = "text", "Pasted text"
        FILE = "file", "Uploaded file"
        COMMAND = "command", "Command line"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Finding forecasts"
        DONE = "done", "Done"
        STORED = "stored", "Stored without proposals"
        FAILED = "failed", "Failed"

    FINISHED_STATES = (State.DONE, State.STORED, State.FAILED)

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin = models.CharField(max_length=10, choices=Origin.choices)
    url = models.URLField(max_length=500, blank=True)
    source_created = models.BooleanField(
        default=True, help_text="False when the source was stored already (imported again)."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=200, blank=True, help_text="What is being done now.")
    units_done = models.PositiveIntegerField(default=0)
    units_total = models.PositiveIntegerField(default=0)
    proposed = models.PositiveIntegerField(default=0, help_text="New proposals.")
    already_known = models.PositiveIntegerField(
        default=0, help_text="Found again over words already proposed, reviewed or curated."
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(units_done__lte=models.F("units_total")),
                name="source_import_progress_within_total",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "done", "stored", "failed"]),
                name="source_import_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.slug} ({self.state}, {self.created_at:%Y-%m-%d %H:%M})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED_STATES


# Module-level names for two choice sets that share the field name `kind`; the API schema
# (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]) names its enums from them.
QuestionKind = Question.Kind
ForecasterKind = Forecaster.Kind
