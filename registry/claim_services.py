"""Writes for the claim finder: a source imported with its proposed claims as draft questions.

`source_import_with_claims` is what `manage.py import_source` calls and what the admin and
the API can call: in one transaction it stores the source (`services.source_import`), runs
the finder (`registry.claims.find_claims`) over the stored text and keeps each proposal as
a Claim (verbatim quote, offsets into Source.text, implied probability and the phrase that
set it) linked to a new, unpublished Question for an admin to finish. It never publishes.

Running it again creates nothing new: a proposal whose offsets match a claim of the source
is already there, and one overlapping another claim of the source (a curated claim quoting
part of the sentence, say) is left alone.

Draft dates: the question opens at the start of the publication day (UTC) and closes at the
end of the last day of the claim's horizon (a relative window "3-9 months later" closes at
its far end); a claim without a stated horizon closes at the end of the year after
publication. An admin sets the real dates before publishing; resolve_by is 30 days after
closing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.utils.text import slugify

from registry import services
from registry.claims import ClaimProposal, find_claims, horizon_window
from registry.models import Claim, Question, Source

TITLE_MAX = 300
RESOLVE_GRACE = timedelta(days=30)


@dataclass
class ClaimImport:
    """What an import did."""

    source: Source
    source_created: bool
    proposals: list[ClaimProposal] = field(default_factory=list)
    created: list[Claim] = field(default_factory=list)  # new claims, each with a draft question
    existing: list[Claim] = field(default_factory=list)  # already stored at the same offsets
    overlapping: list[tuple[ClaimProposal, Claim]] = field(default_factory=list)  # left alone


@transaction.atomic
def source_import_with_claims(
    *,
    title: str,
    author_name: str,
    published_on: date,
    text: str,
    publication: str = "",
    url: str = "",
    language: str = "en",
) -> ClaimImport:
    """Store a source (or find the stored one) and propose its claims as draft questions."""
    source, created = services.source_import(
        title=title,
        author_name=author_name,
        published_on=published_on,
        text=text,
        publication=publication,
        url=url,
        language=language,
    )
    result = source_claims_propose(source=source)
    result.source_created = created
    return result


@transaction.atomic
def source_claims_propose(*, source: Source) -> ClaimImport:
    """Run the finder over a stored source; keep each new proposal as a claim and a draft."""
    source = Source.objects.select_for_update().get(pk=source.pk)  # one import at a time
    proposals = find_claims(source.text, source.published_on)
    result = ClaimImport(source=source, source_created=False, proposals=proposals)
    stored = list(source.claims.all())
    for index, proposal in enumerate(proposals):
        same = next(
            (
                claim
                for claim in stored
                if (claim.start_offset, claim.end_offset) == (proposal.start, proposal.end)
            ),
            None,
        )
        if same is not None:
            result.existing.append(same)
            continue
        overlap = next(
            (
                claim
                for claim in stored
                if claim.start_offset < proposal.end and proposal.start < claim.end_offset
            ),
            None,
        )
        if overlap is not None:
            result.overlapping.append((proposal, overlap))
            continue
        claim = _claim_create(source=source, proposals=proposals, index=index)
        stored.append(claim)
        result.created.append(claim)
    return result


def _claim_create(*, source: Source, proposals: list[ClaimProposal], index: int) -> Claim:
    proposal = proposals[index]
    if source.text[proposal.start : proposal.end] != proposal.quote:
        raise ValueError(f"offsets {proposal.start}-{proposal.end} do not hold the quote")
    horizon = horizon_text(proposals=proposals, index=index, published_on=source.published_on)
    window = horizon_window(proposals, index, source.published_on)
    opens_at = _start_of(source.published_on)
    last_day = window[1] if window else date(source.published_on.year + 1, 12, 31)
    closes_at = max(_start_of(last_day + timedelta(days=1)), opens_at + timedelta(days=1))
    question = services.question_create(
        title=draft_title(proposal.quote),
        slug=_draft_slug(source, proposal),
        body=_draft_body(source=source, proposal=proposal, horizon=horizon),
        resolution_criteria=f"Proposed from the quote: “{_one_line(proposal.quote)}”. "
        f"Horizon: {horizon}.",
        opens_at=opens_at,
        closes_at=closes_at,
        resolve_by=closes_at + RESOLVE_GRACE,
        published=False,
    )
    probability = proposal.implied_probability
    return Claim.objects.create(
        source=source,
        quote=proposal.quote,
        start_offset=proposal.start,
        end_offset=proposal.end,
        implied_probability=None if probability is None else min(max(probability, 0.001), 0.999),
        probability_phrase=proposal.probability_phrase[:120],
        question=question,
    )


def horizon_text(*, proposals: list[ClaimProposal], index: int, published_on: date) -> str:
    """The horizon in words, resolved against the publication date."""
    proposal = proposals[index]
    horizon = proposal.horizon
    if horizon is None:
        default = date(published_on.year + 1, 12, 31)
        return (
            "none stated in the quote; the draft closes on "
            f"{default.isoformat()}, the end of the year after publication"
        )
    if isinstance(horizon, date):
        return (
            f"{horizon.isoformat()} (“{proposal.horizon_phrase}”, read against the "
            f"publication date {published_on.isoformat()})"
        )
    low, high = horizon["months"]
    reference = horizon["relative_to"]
    window = horizon_window(proposals, index, published_on)
    if reference is None:
        after = f"the publication date {published_on.isoformat()}"
    else:
        after = f"the claim “{_shorten(proposals[reference].quote, 80)}”"
    text = f"{low}-{high} months after {after} (“{proposal.horizon_phrase}”)"
    if window is None:
        return text + "; that claim states no date"
    return f"{text}: from {window[0].isoformat()} to {window[1].isoformat()}"


def draft_title(quote: str) -> str:
    """A yes/no title made from the sentence."""
    frame = "Will this forecast come true: “{}”?"
    return frame.format(_shorten(quote, TITLE_MAX - len(frame) + 2))


def _draft_body(*, source: Source, proposal: ClaimProposal, horizon: str) -> str:
    author = source.author.display_name if source.author else "an unknown author"
    where = f"{source.publication}, " if source.publication else ""
    probability = (
        f"{proposal.implied_probability:g}, set by “{proposal.probability_phrase}” "
        "(registry/estimative_probability.json)"
        if proposal.implied_probability is not None
        else "none: no phrase of the estimative-probability table in the quote"
    )
    reasons = "; ".join(proposal.reasons)
    return (
        f"Proposed by the claim finder from “{source.title}” by {author} "
        f"({where}{source.published_on.isoformat()}), characters "
        f"{proposal.start}-{proposal.end} of the source text:\n\n"
        f"> {_one_line(proposal.quote)}\n\n"
        f"Horizon: {horizon}.\n"
        f"Implied probability: {probability}.\n"
        f"Why the finder proposed it: {reasons}.\n\n"
        "An unpublished draft: nobody can forecast on it until an admin publishes it."
    )


def _draft_slug(source: Source, proposal: ClaimProposal) -> str:
    words = slugify(proposal.quote)[:50].rstrip("-")
    base = f"{source.slug[:50].rstrip('-')}-{words}".strip("-")[:110]
    candidate, suffix = base, 2
    while Question.objects.filter(slug=candidate).exists():
        candidate = f"{base[:110]}-{suffix}"
        suffix += 1
    return candidate


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    text = _one_line(text)
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
