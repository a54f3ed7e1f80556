"""A dry run of a source: what a check would find and conclude, with nothing recorded.

``source_dry_run(question=, kind=, config=, source=)`` validates the config, fetches through
the kind (so through the safe fetcher) and evaluates with the question's facts, as a real
check does (``services.source_check``), but writes nothing: no Check, no Resolution, no
change to the source. It works for a config typed into a form and not yet saved, and for a
saved source (pass ``source``: a kind that compares with earlier values then gets that
source's). The answer says each part (the evidence excerpt, the value, the comparison and
the outcome it would propose) or the exact reason it cannot (the config's problems by
field, the fetch error, the kind's sentence).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from config.clock import database_now
from registry.models import Question
from resolvers import kinds
from resolvers.fetcher import FetchError, FetchResult
from resolvers.health import every
from resolvers.models import Check, Resolution, ResolutionSource

# The same facts a real check is given (earlier values included), so the two agree.
from resolvers.services import _question_facts

logger = logging.getLogger(__name__)

EXCERPT_BYTES = 2048
DECISIVE = Q(verdict__in=["yes", "no", "annulled"]) | Q(verdict__startswith="option:")


@dataclass(frozen=True)
class Evidence:
    """What the source answered, as a check would keep it (the body cut to an excerpt)."""

    url: str
    status: int
    content_type: str
    sha256: str
    size: int  # bytes of the whole body
    duration_ms: int
    excerpt: str  # the first EXCERPT_BYTES of the body as text ("" for a binary body)
    binary: bool

    @property
    def cut(self) -> bool:
        return self.size > EXCERPT_BYTES


@dataclass(frozen=True)
class DryRun:
    kind: str
    config: dict
    ran_at: datetime
    problems: dict[str, str] = field(default_factory=dict)  # config.<path> -> sentence
    evidence: Evidence | None = None
    verdict: kinds.Verdict | None = None
    error: str = ""  # why no verdict: the fetch error or the kind's sentence
    proposal: str = ""  # what a real check would do with the verdict, in words

    @property
    def concluded(self) -> bool:
        return self.verdict is not None


def _excerpt(result: FetchResult) -> Evidence:
    head = result.body[:EXCERPT_BYTES]
    binary = b"\x00" in head
    text = ""
    if not binary:
        charset = "utf-8"
        if "charset=" in (result.content_type or "").lower():
            charset = result.content_type.lower().split("charset=", 1)[1].split(";")[0].strip()
        try:
            text = head.decode(charset.strip("\"'"), errors="replace")
        except LookupError:
            text = head.decode("utf-8", errors="replace")
    return Evidence(
        url=result.url,
        status=result.status,
        content_type=result.content_type,
        sha256=result.sha256,
        size=len(result.body),
        duration_ms=result.duration_ms,
        excerpt=text,
        binary=binary,
    )


def _proposal(
    verdict: kinds.Verdict, question: Question, source: ResolutionSource | None, every_text: str
) -> str:
    """What source_check would do with this verdict, read without writing."""
    if verdict.outcome == kinds.Outcome.NEEDS_REVIEW:
        return "It would propose nothing: staff review the evidence it gathered."
    if not verdict.decisive:
        return f"It would propose nothing yet; the source is checked again {every_text}."
    option = verdict.outcome == kinds.Outcome.OPTION
    shown = verdict.option if option else str(verdict.outcome).capitalize()
    if option and not question.options.filter(label=verdict.option).exists():
        return f"It cannot propose {shown!r}: the question has no such option."
    current = (
        Resolution.objects.filter(question=question, superseded_at__isnull=True)
        .select_related("evidence", "outcome_option")
        .first()
    )
    if current is not None:
        text = (
            f"It would propose nothing: the question already has an outcome "
            f"({current.outcome_label}, {current.state}); admins decide."
        )
        contradicted = (
            source is not None
            and current.state == Resolution.State.PROPOSED
            and current.evidence is not None
            and current.evidence.source_id == source.pk
            and current.evidence.verdict != verdict.recorded
        )
        if contradicted:
            text += " This result contradicts that proposal, which a real check would hold."
        return text
    text = f"It would propose “{shown}”, final after the dispute window unless disputed."
    if source is not None:
        earlier = (
            Check.objects.filter(source=source, finished_at__isnull=False)
            .filter(DECISIVE)
            .exclude(verdict=verdict.recorded)
            .order_by("-started_at")
            .first()
        )
        if earlier is not None:
            text += (
                f" It would be held for an admin: an earlier check of this source "
                f"({earlier.started_at:%d %b %Y}) said {earlier.verdict}."
            )
    return text


def source_dry_run(
    *,
    question: Question,
    kind: str,
    config: dict,
    source: ResolutionSource | None = None,
) -> DryRun:
    """Fetch and evaluate ``config`` of ``kind`` for ``question``; record nothing."""
    now = database_now()
    base = {"kind": kind, "config": config, "ran_at": now}
    try:
        kinds.validate_config(kind, config)
    except kinds.ConfigError as error:
        return DryRun(**base, problems=dict(error.fields))
    resolver = kinds.get_kind(kind)
    every_text = every(source.check_every) if source is not None else "on its schedule"
    facts = _question_facts(question, source, resolver)
    if not resolver.fetches:
        verdict = resolver.evaluate(None, config, facts, now)
        proposal = "A manual source is never checked: an admin resolves the question."
        return DryRun(**base, verdict=verdict, proposal=proposal)
    evidence = None
    try:
        result = resolver.fetch(config)
        evidence = _excerpt(result)
        if result.status >= 500:
            raise kinds.EvaluationError(f"the source answered HTTP {result.status}")
        verdict = resolver.evaluate(result, config, facts, now)
    except FetchError as error:
        return DryRun(**base, error=f"{error.reason}: {error}")
    except kinds.EvaluationError as error:
        return DryRun(**base, evidence=evidence, error=str(error))
    except kinds.ConfigError as error:
        return DryRun(**base, evidence=evidence, problems=dict(error.fields))
    except Exception as error:  # a fault in a kind: say so, as a check would record it
        logger.exception("dry run of %s failed for question %s", kind, question.pk)
        message = f"internal error: {type(error).__name__}: {error}"
        return DryRun(**base, evidence=evidence, error=message)
    proposal = _proposal(verdict, question, source, every_text)
    return DryRun(**base, evidence=evidence, verdict=verdict, proposal=proposal)
