"""Staff review of the claims the finder proposed: accept, reject or merge each.

One transaction each, with the claim's row locked; only a proposed claim can be reviewed,
so a claim accepted, rejected or merged already (by someone else meanwhile, say) is refused
with a 409 and nothing changes.

* **Accept** (`claim_accept`, with `AcceptEdits` to the title, criteria, closing date,
  implied probability and resolver kind): publishes the draft question and records the
  author's pundit forecast at the publication date (noon UTC that day, origin ``claim``),
  as the curated catalogue does. No forecast when the implied probability is None (the
  wording states no number): the claim is tracked but not scored; nor when the forecast is
  someone else's, quoted by the author. The resolver kind is attached as a resolution
  source when its config can be valid: `manual` always (its instructions say where to
  look), another kind with a config staff give or one its schema accepts empty; otherwise
  the suggestion stays on the claim for staff to act on.
* **Reject** (`claim_reject`): the claim is kept, rejected, so that importing the source
  again never proposes its words again; its draft question is deleted.
* **Merge** (`claim_merge`) into an existing published question: the claim points at it,
  its draft is deleted, and the author's forecast goes on that question unless the author
  has one there already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError
from predictions.models import Forecast
from predictions.services import probabilities_from_input
from predictions.tasks import enqueue_rescore
from registry import services
from registry.claim_services import LAST_CLOSING_DAY, RESOLVE_GRACE, long_date, start_of
from registry.models import Claim, Question
from resolvers import kinds
from resolvers import services as resolver_services
from resolvers.models import Resolution, ResolutionSource

PROBABILITY_MIN, PROBABILITY_MAX = 0.001, 0.999
TITLE_MAX = 300
FORECAST_HOUR = time(12, 0)  # the author's forecast counts from noon UTC on publication day


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()  # an edit that leaves the draft's value as it is


@dataclass(frozen=True)
class AcceptEdits:
    """Staff's changes to a draft before it is published; KEEP (or None) keeps a value.

    `implied_probability` None means "the wording states no number": tracked, not scored.
    """

    title: str | None = None
    resolution_criteria: str | None = None
    closes_on: date | None = None
    implied_probability: float | None = KEEP
    source_kind: str | None = None
    source_config: dict | None = None


@dataclass
class ReviewOutcome:
    """What a review did, with sentences for staff about what it did not do and why."""

    claim: Claim
    forecast: Forecast | None = None
    resolution_source: ResolutionSource | None = None
    notes: list[str] = field(default_factory=list)


@transaction.atomic
def claim_accept(
    *, claim: Claim, user: AbstractBaseUser | None, edits: AcceptEdits = AcceptEdits()
) -> ReviewOutcome:
    """Publish the claim's draft, as edited, with the author's forecast (see the docstring)."""
    claim = _locked_proposal(claim)
    question = claim.question
    if question is None:
        raise ApplicationError(
            "This proposal's draft question is gone (deleted in the admin?); merge the claim "
            "into a question or reject it.",
            code="conflict",
            fields={"question": "missing"},
        )
    changes, probability, kind = _accepted_values(claim, question, edits)
    question = services.question_update(question=question, changes=changes, user=user)
    claim.question = question
    if probability != claim.implied_probability:
        claim.probability_phrase = _reviewed_phrase(claim.probability_phrase)
        claim.probability_stated = False
    claim.implied_probability = probability
    claim.suggested_source_kind = kind
    _mark(claim, Claim.Review.ACCEPTED, user)
    outcome = ReviewOutcome(claim=claim)
    outcome.forecast = _author_forecast(claim, question, outcome.notes)
    outcome.resolution_source = _resolution_source(claim, question, edits, outcome.notes)
    return outcome


@transaction.atomic
def claim_reject(*, claim: Claim, user: AbstractBaseUser | None) -> ReviewOutcome:
    """Reject the proposal: kept as rejected (never proposed again), its draft deleted."""
    claim = _locked_proposal(claim)
    _draft_discard(claim)
    claim.question = None
    _mark(claim, Claim.Review.REJECTED, user)
    return ReviewOutcome(claim=claim)


@transaction.atomic
def claim_merge(
    *, claim: Claim, user: AbstractBaseUser | None, question: Question
) -> ReviewOutcome:
    """Merge the proposal into an existing published question (see the docstring)."""
    claim = _locked_proposal(claim)
    if question.published_at is None or question.pk == claim.question_id:
        raise ApplicationError.invalid_fields(
            {"question": "Merge into a published question; that one is a draft."}
        )
    _draft_discard(claim)
    claim.question = question
    _mark(claim, Claim.Review.MERGED, user)
    outcome = ReviewOutcome(claim=claim)
    outcome.forecast = _author_forecast(claim, question, outcome.notes)
    return outcome


# --- Checks ---------------------------------------------------------------------------------


def _locked_proposal(claim: Claim) -> Claim:
    """The claim, its row locked, if it is still a proposal; a 409 otherwise."""
    locked = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("source__author", "question", "reviewed_by")
        .get(pk=claim.pk)
    )
    if locked.review_state != Claim.Review.PROPOSED:
        raise ApplicationError(
            reviewed_already(locked), code="conflict", fields={"review_state": locked.review_state}
        )
    return locked


def reviewed_already(claim: Claim) -> str:
    """Why a claim cannot be reviewed: who reviewed it, when, and how."""
    who = f" by {claim.reviewed_by.get_username()}" if claim.reviewed_by else ""
    when = f" on {claim.reviewed_at:%d %b %Y %H:%M} UTC" if claim.reviewed_at else ""
    state = claim.get_review_state_display().lower()
    return f"This claim was {state}{who}{when}; a claim is reviewed once."


def _accepted_values(
    claim: Claim, question: Question, edits: AcceptEdits
) -> tuple[dict[str, Any], float | None, str]:
    """(the question's changes, the implied probability, the resolver kind), or a 400
    naming every field staff have to correct."""
    problems: dict[str, str] = {}
    title = _one_line(edits.title if edits.title is not None else question.title)
    if not title:
        problems["title"] = "Give the question a title."
    elif len(title) > TITLE_MAX:
        problems["title"] = f"The title is longer than {TITLE_MAX} characters; shorten it."
    criteria = (
        edits.resolution_criteria
        if edits.resolution_criteria is not None
        else question.resolution_criteria
    ).strip()
    if not criteria:
        problems["resolution_criteria"] = "Say how the question resolves."
    changes: dict[str, Any] = {"title": title, "resolution_criteria": criteria, "published": True}
    published_on = claim.source.published_on
    if edits.closes_on is not None:
        if edits.closes_on < published_on:
            problems["closes_on"] = (
                f"The closing date must not be before the publication date, "
                f"{long_date(published_on)}."
            )
        elif edits.closes_on > LAST_CLOSING_DAY:
            problems["closes_on"] = f"The closing date must be by {long_date(LAST_CLOSING_DAY)}."
        else:
            closes_at = max(start_of(edits.closes_on) + timedelta(days=1), question.opens_at)
            changes["closes_at"] = closes_at
            changes["resolve_by"] = closes_at + RESOLVE_GRACE
    probability = (
        claim.implied_probability
        if edits.implied_probability is KEEP
        else edits.implied_probability
    )
    if probability is not None and not PROBABILITY_MIN <= probability <= PROBABILITY_MAX:
        problems["implied_probability"] = (
            f"Give a probability from {PROBABILITY_MIN:g} to {PROBABILITY_MAX:g}, or none."
        )
    kind = edits.source_kind or claim.suggested_source_kind or "manual"
    if kind not in kinds.REGISTRY:
        problems["source_kind"] = f"Not a resolver kind; one of {', '.join(kinds.REGISTRY)}."
    elif edits.source_config is not None:
        try:
            kinds.validate_config(kind, edits.source_config)
        except kinds.ConfigError as error:
            problems.update({f"source_{name}": message for name, message in error.fields.items()})
    if problems:
        raise ApplicationError.invalid_fields(problems)
    return changes, probability, kind


# --- Writes -----------------------------------------------------------------------------------


def _mark(claim: Claim, state: str, user: AbstractBaseUser | None) -> None:
    claim.review_state = state
    claim.reviewed_by = user if user is not None and user.is_authenticated else None
    claim.reviewed_at = timezone.now()
    claim.save()


def _draft_discard(claim: Claim) -> None:
    """Delete the claim's draft question, unless something else holds on to it (it was
    published from the admin, has forecasts or other claims): then only let go of it."""
    question = claim.question
    if question is None or question.published_at is not None:
        if question is not None:
            raise ApplicationError(
                "This proposal's question was published meanwhile (from the admin?); accept "
                "the claim instead.",
                code="conflict",
                fields={"question": "published"},
            )
        return
    held = question.forecasts.exists() or question.claims.exclude(pk=claim.pk).exists()
    if not held:
        question.delete()


def _reviewed_phrase(phrase: str) -> str:
    return (f"set on review (the wording: “{phrase}”)" if phrase else "set on review")[:120]


def _forecast_time(published_on: date, question: Question) -> datetime | None:
    """When the author's forecast counts from: noon UTC on publication day, or the opening
    of a question that opened later; None when the question had closed by then."""
    at = max(datetime.combine(published_on, FORECAST_HOUR, tzinfo=UTC), question.opens_at)
    return at if at < question.closes_at else None


def _author_forecast(claim: Claim, question: Question, notes: list[str]) -> Forecast | None:
    """The author's pundit forecast at the publication date, if the claim makes one."""
    author = claim.source.author
    probability = claim.implied_probability
    refusal = None
    if probability is None:
        refusal = (
            "the wording states no number, so the claim is tracked but not scored; give it an "
            "implied probability to score the author"
        )
    elif claim.speaker:
        refusal = f"the forecast is {claim.speaker}'s, quoted by the author"
    elif author is None:
        refusal = "the source has no author"
    elif not question.is_binary:
        refusal = "the question is multiple choice; add the author's forecast from the admin"
    elif Forecast.objects.filter(forecaster=author, question=question).exists():
        refusal = "the author has a forecast on that question already"
    submitted_at = _forecast_time(claim.source.published_on, question)
    if refusal is None and submitted_at is None:
        refusal = "the question had closed by the publication date"
    if refusal is not None:
        notes.append(f"No forecast was recorded for the author: {refusal}.")
        return None
    # A historical forecast: created directly, as the submission service takes forecasts
    # only at the present instant. The vector is checked as the API checks one, and again
    # by the database trigger.
    forecast = Forecast.objects.create(
        forecaster=author,
        question=question,
        probabilities=probabilities_from_input(question=question, probability=probability),
        rationale=_rationale(claim),
        submitted_at=submitted_at,
        origin=Forecast.Origin.CLAIM,
    )
    if question.resolutions.filter(
        superseded_at__isnull=True, state=Resolution.State.FINAL
    ).exists():
        enqueue_rescore(question.pk)
    return forecast


def _rationale(claim: Claim) -> str:
    source = claim.source
    where = f"“{source.title}” ({long_date(source.published_on)})"
    quote = _one_line(claim.quote)
    number = f"{claim.implied_probability:g}"
    if claim.probability_stated:
        return f"Stated in {where}: “{claim.probability_phrase}” in “{quote}”"
    if claim.probability_phrase.startswith("set on review"):
        return f"Read on review from the wording of {where} as {number}: “{quote}”"
    phrase = claim.probability_phrase or "the wording"
    return f"Implied by the wording of {where}: “{phrase}” → {number} in “{quote}”"


def _resolution_source(
    claim: Claim, question: Question, edits: AcceptEdits, notes: list[str]
) -> ResolutionSource | None:
    """Attach the claim's resolver kind when its config can be valid (see the docstring)."""
    kind = claim.suggested_source_kind
    config = edits.source_config
    if config is None and kind == "manual":
        config = {"instructions": f"Look at {claim.source_hint}."} if claim.source_hint else {}
    if config is None:
        try:
            config = kinds.validate_config(kind, {})
        except kinds.ConfigError:
            notes.append(
                f"No resolution source was attached: a {kind} source needs settings (what to "
                "look up, and the threshold); add it on the question, or accept with its "
                "config."
            )
            return None
    return resolver_services.source_add(question=question, kind=kind, config=config)


def _one_line(text: str) -> str:
    return " ".join((text or "").split())
