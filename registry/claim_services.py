"""Proposals: the claim finder's forecasts in a source, kept as claims with draft questions.

`source_claims_propose` runs the finder (`registry.claims.find_claims`) over a stored
source and drafts each forecast (`draft_question`) outside any transaction, since that is
the slow part; then, in one transaction with the source locked, it keeps each new proposal
as a Claim (verbatim quote, offsets into Source.text, the implied probability and the
phrase that set it, whether the author stated it, speaker, strength, reasons, the horizon
phrase and deadline read, the suggested resolver kind) linked to a new unpublished Question
holding the draft. It never publishes: staff review each claim (`claim_review`).

Nothing is proposed twice: a proposal at the offsets of a stored claim of the source, or
overlapping one, whatever that claim's review state (a curated claim, a proposal still
waiting, a rejected one), is counted as already known and left alone. The stored text never
changes, so offsets stay valid however often the source is imported again.

Draft dates: the question opens at the start of the publication day (UTC) and closes at the
end of the draft's closing day; a claim that names no date closes at the end of the year
after publication, and its criteria say so. resolve_by is `RESOLVE_GRACE` after closing.

`source_import_run` is the same work done by a Celery task for a long text, with progress
kept on its SourceImport record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from registry import services
from registry.claims import ClaimProposal, Draft, draft_question, find_claims
from registry.models import Claim, Question, Source, SourceImport

logger = logging.getLogger(__name__)

TITLE_MAX = 300
RESOLVE_GRACE = timedelta(days=30)
# The latest closing day a draft gets ("by 2300" is a real deadline; year 10000 is not).
LAST_CLOSING_DAY = date(2999, 12, 31)
# How often (in drafts) a long import writes its progress.
PROGRESS_EVERY = 10

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DraftedProposal:
    """A proposal of the finder with the draft of its question."""

    proposal: ClaimProposal
    draft: Draft


@dataclass
class Proposed:
    """What one run of the finder over a source did."""

    source: Source
    found: int = 0  # proposals the finder made
    created: list[Claim] = field(default_factory=list)  # new claims, each with a draft
    already_known: int = 0  # at or over a stored claim of the source: left alone


def start_of(day: date) -> datetime:
    """00:00 UTC on `day`."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def default_closing_day(published_on: date) -> date:
    """Where a claim that names no date closes: the end of the year after publication."""
    return date(min(published_on.year + 1, LAST_CLOSING_DAY.year), 12, 31)


def long_date(day: date) -> str:
    """ "31 Dec 2026", as the drafts write dates."""
    return f"{day.day} {day.strftime('%b')} {day.year}"


def undated_sentence(day: date) -> str:
    """What the criteria of a claim without a date say about its closing date."""
    return (
        "The claim names no date, so the question closes at the end of the year after "
        f"publication: {long_date(day)} (23:59 UTC)."
    )


def _spans(source: Source) -> list[tuple[int, int]]:
    return list(source.claims.values_list("start_offset", "end_offset"))


def _known(proposal: ClaimProposal, spans: list[tuple[int, int]]) -> bool:
    """At the offsets of a stored claim or overlapping one."""
    return any(start < proposal.end and proposal.start < end for start, end in spans)


def proposals_draft(
    *, source: Source, known_spans: list[tuple[int, int]], progress: Progress | None = None
) -> tuple[list[DraftedProposal], int]:
    """Run the finder over the source's text and draft each proposal not over a known span.

    Reads and computes only. Returns (the drafted proposals, how many were already known);
    `progress(done, total)` is told how far the drafting has got.
    """
    proposals = find_claims(
        source.text,
        source.published_on,
        title=source.title,
        fiscal_year_start_month=source.fiscal_year_start_month,
    )
    new = [proposal for proposal in proposals if not _known(proposal, known_spans)]
    author = source.author.display_name if source.author else ""
    drafted = []
    for number, proposal in enumerate(new, start=1):
        draft = draft_question(
            proposal,
            source_title=source.title,
            author=author,
            published_on=source.published_on,
            url=source.url,
        )
        drafted.append(DraftedProposal(proposal=proposal, draft=draft))
        if progress is not None and (number % PROGRESS_EVERY == 0 or number == len(new)):
            progress(number, len(new))
    return drafted, len(proposals) - len(new)


def proposals_store(*, source: Source, drafted: list[DraftedProposal]) -> Proposed:
    """Keep each drafted proposal as a claim with its draft question.

    A step of the services below and of the import, inside their transaction: the source
    is locked, and its claims read again, so that two runs at once propose nothing twice.
    """
    source = (
        Source.objects.select_for_update(of=("self",)).select_related("author").get(pk=source.pk)
    )
    spans = _spans(source)
    result = Proposed(source=source, found=len(drafted))
    for item in drafted:
        if _known(item.proposal, spans):
            result.already_known += 1
            continue
        claim = _claim_create(source=source, item=item)
        spans.append((claim.start_offset, claim.end_offset))
        result.created.append(claim)
    return result


def source_claims_propose(*, source: Source) -> Proposed:
    """Run the finder over a stored source and keep each new proposal (see the docstring)."""
    drafted, known = proposals_draft(source=source, known_spans=_spans(source))
    with transaction.atomic():
        result = proposals_store(source=source, drafted=drafted)
    result.found += known
    result.already_known += known
    return result


def source_import_run(*, import_id: int) -> SourceImport:
    """A long import's finding, as its Celery task runs it: progress on the record, then the
    proposals stored in one transaction. A record already finished is left as it is (a
    duplicate delivery); a failure is kept on it, in words, and raised again."""
    record = SourceImport.objects.select_related("source__author").get(pk=import_id)
    if record.finished:
        return record
    source = record.source
    _record_progress(
        record,
        state=SourceImport.State.RUNNING,
        stage=f"Reading {len(source.text):,} characters for forecasts",
    )

    def progress(done: int, total: int) -> None:
        _record_progress(
            record, stage=f"Drafting questions: {done} of {total}", done=done, total=total
        )

    try:
        drafted, known = proposals_draft(
            source=source, known_spans=_spans(source), progress=progress
        )
        with transaction.atomic():
            result = proposals_store(source=source, drafted=drafted)
            record.state = SourceImport.State.DONE
            record.proposed = len(result.created)
            record.already_known = known + result.already_known
            record.stage = proposed_summary(record.proposed, record.already_known)
            record.finished_at = timezone.now()
            record.save()
    except Exception as error:
        logger.exception("import %s failed", import_id)
        _record_progress(
            record,
            state=SourceImport.State.FAILED,
            stage="Failed",
            error=(
                f"The claim finder stopped on this text ({type(error).__name__}); the source is "
                "stored, and importing it again retries."
            ),
            finished=True,
        )
        raise
    return record


def proposed_summary(proposed: int, already_known: int) -> str:
    """ "12 new proposals; 3 found again over claims already stored"."""
    text = f"{proposed} new proposal{'' if proposed == 1 else 's'}"
    if already_known:
        text += f"; {already_known} found again over claims already stored"
    return text


def _record_progress(
    record: SourceImport,
    *,
    stage: str,
    state: str | None = None,
    done: int | None = None,
    total: int | None = None,
    error: str = "",
    finished: bool = False,
) -> None:
    """Write where a long import stands, at once (its own small transaction)."""
    changes: dict = {"stage": stage[:200]}
    if state is not None:
        changes["state"] = state
    if total is not None:
        changes["units_total"], changes["units_done"] = total, min(done or 0, total)
    if error:
        changes["error"] = error
    if finished:
        changes["finished_at"] = timezone.now()
    SourceImport.objects.filter(pk=record.pk).update(**changes)
    for name, value in changes.items():
        setattr(record, name, value)


# --- One claim and its draft --------------------------------------------------------------


def _claim_create(*, source: Source, item: DraftedProposal) -> Claim:
    proposal, draft = item.proposal, item.draft
    if source.text[proposal.start : proposal.end] != proposal.quote:
        raise ValueError(f"offsets {proposal.start}-{proposal.end} do not hold the quote")
    question = services.question_create(
        slug=_draft_slug(source, proposal),
        published=False,
        **draft_question_fields(source=source, proposal=proposal, draft=draft),
    )
    return Claim.objects.create(
        source=source,
        quote=proposal.quote,
        start_offset=proposal.start,
        end_offset=proposal.end,
        implied_probability=_in_range(proposal.implied_probability),
        probability_phrase=proposal.probability_phrase[:120],
        probability_stated=proposal.probability_stated,
        strength=proposal.strength if proposal.strength in Claim.Strength.values else "strong",
        speaker=proposal.speaker[:200],
        reasons=[str(reason)[:500] for reason in proposal.reasons[:50]],
        horizon_phrase=proposal.horizon_phrase[:200],
        deadline=proposal.deadline,
        suggested_source_kind=draft.suggested_source_kind[:40],
        source_hint=draft.source_hint[:300],
        question=question,
    )


def draft_question_fields(*, source: Source, proposal: ClaimProposal, draft: Draft) -> dict:
    """Title, body, criteria and times of the draft question of a proposal."""
    closing_day = min(draft.closes_on or default_closing_day(source.published_on), LAST_CLOSING_DAY)
    criteria = draft.resolution_criteria.strip()
    if draft.closes_on is None:
        criteria += "\n" + undated_sentence(closing_day)
    opens_at = start_of(source.published_on)
    closes_at = max(start_of(closing_day) + timedelta(days=1), opens_at + timedelta(days=1))
    return {
        "title": _shorten(draft.title, TITLE_MAX) or _fallback_title(proposal.quote),
        "body": _draft_body(source=source, proposal=proposal),
        "resolution_criteria": criteria,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "resolve_by": closes_at + RESOLVE_GRACE,
    }


def _draft_body(*, source: Source, proposal: ClaimProposal) -> str:
    author = source.author.display_name if source.author else "an unknown author"
    where = f"{source.publication}, " if source.publication else ""
    lines = [
        f"From “{source.title}” by {author} ({where}{long_date(source.published_on)}):",
        "",
        f"> {_one_line(proposal.quote)}",
    ]
    if proposal.speaker:
        lines += ["", f"A forecast by {proposal.speaker}, quoted by the author."]
    return "\n".join(lines)


def _fallback_title(quote: str) -> str:
    frame = "Will this forecast come true: “{}”?"
    return frame.format(_shorten(quote, TITLE_MAX - len(frame) + 2))


def _draft_slug(source: Source, proposal: ClaimProposal) -> str:
    words = slugify(proposal.quote)[:50].rstrip("-")
    base = f"{source.slug[:50].rstrip('-')}-{words}".strip("-")[:110] or "proposal"
    candidate, suffix = base, 2
    while Question.objects.filter(slug=candidate).exists():
        candidate = f"{base[:110]}-{suffix}"
        suffix += 1
    return candidate


def _in_range(probability: float | None) -> float | None:
    return None if probability is None else min(max(float(probability), 0.001), 0.999)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    text = _one_line(text)
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
