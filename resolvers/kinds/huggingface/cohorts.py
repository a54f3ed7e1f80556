"""The cohort modes: a measure summed over a cohort of Hub models, or one group's share of it.

A cohort is the models that the group's (and, for a share, the others') listings give,
created in a date range (``createdAt``), with one of the ``pipeline_tags``. Every model of a
listing is placed in or out of each range it is measured over, so a model whose createdAt
is missing makes the check fail; a model counted without its measure does too. A model
listed twice (two authors' listings, the group's and the others') counts once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from resolvers.kinds.base import Outcome, QuestionFacts, Verdict, decide
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.huggingface.listing import MEASURE_FIELDS, Series, read_listing, series_of
from resolvers.kinds.values import ORDERING, aware, one_line, parse_when, show_number, show_when

# The Hub's createdAt for every repository created before it kept creation dates (the Hub
# API docs): such a model was created on or before that instant, day unknown.
LEGACY_CREATED = datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)
WHAT = {
    "downloads": "downloads (last 30 days)",
    "downloads_all_time": "downloads (all time)",
    "likes": "likes",
    "models": "model count",
}


def _models(count: int) -> str:
    return f"{count:,} model" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class Range:
    start: datetime | None
    end: datetime | None  # inclusive: a bare date takes in the whole day
    shown: str  # "created 2026-01-01 to 2026-10-31", "" when unbounded

    @classmethod
    def of(cls, start: str | None, end: str | None) -> Range:
        words = {
            (True, True): f"created {start} to {end}",
            (True, False): f"created from {start}",
            (False, True): f"created until {end}",
            (False, False): "",
        }[(start is not None, end is not None)]
        return cls(parse_when(start), parse_when(end, end_of_day=True), words)

    def holds(self, model: dict, series: Series) -> bool:
        if self.start is None and self.end is None:
            return True
        created = parse_when(model.get("createdAt"))
        if created is None:
            raise EvaluationError(
                f"the Hub's answer for {series} gives {model['id']} no valid createdAt, so "
                f"whether it was {self.shown} cannot be said"
            )
        if created == LEGACY_CREATED:  # "on or before" that instant
            if self.start is not None and self.start > LEGACY_CREATED:
                return False
            if self.start is None and (self.end is None or self.end >= LEGACY_CREATED):
                return True
            raise EvaluationError(
                f"{model['id']} has the Hub's createdAt for repositories older than its "
                f"records ({LEGACY_CREATED:%Y-%m-%d}), so whether it was {self.shown} cannot "
                "be said"
            )
        return (self.start is None or created >= self.start) and (
            self.end is None or created <= self.end
        )


@dataclass
class Tally:
    amount: int = 0
    models: int = 0
    untagged: int = 0  # models of the range without a pipeline_tag, not counted


@dataclass
class Listed:
    group: list[tuple[Series, dict]] = field(default_factory=list)
    others: list[tuple[Series, dict]] = field(default_factory=list)
    empty: list[Series] = field(default_factory=list)


def read_cohorts(evidence: dict, config: dict) -> Listed:
    """The group's and the others' models, each once (the group's first)."""
    measure, max_pages = config.get("measure", "downloads"), config.get("max_pages", 10)
    listed, seen = Listed(), set()
    roles = [("group", listed.group), ("others", listed.others)]
    for role, models in roles:
        for series in series_of(config.get(role) or {}) if role in config else []:
            page_models = read_listing(evidence, series, measure, max_pages)
            if not page_models:
                listed.empty.append(series)
            for model in page_models:
                if model["id"] not in seen:
                    seen.add(model["id"])
                    models.append((series, model))
    tags = config.get("pipeline_tags")
    everything = [model for _, model in listed.group + listed.others]
    if tags and everything and not any(isinstance(m.get("pipeline_tag"), str) for m in everything):
        raise EvaluationError(
            f"none of the {len(everything):,} models in the Hub's answers has a pipeline_tag: "
            "the Hub may no longer report them"
        )
    return listed


def tally(models: list[tuple[Series, dict]], span: Range, config: dict) -> Tally:
    measure = config.get("measure", "downloads")
    tags = config.get("pipeline_tags")
    result = Tally()
    for series, model in models:
        if not span.holds(model, series):
            continue
        if tags:
            tag = model.get("pipeline_tag")
            if tag is None:
                if config.get("untagged", "error") == "error":
                    where = f" ({span.shown})" if span.shown else ""
                    raise EvaluationError(
                        f"the Hub's answer for {series} gives {model['id']}{where} no "
                        f"pipeline_tag, so whether it is a {' or '.join(tags)} model cannot "
                        "be said"
                    )
                result.untagged += 1
                continue
            if not isinstance(tag, str):
                raise EvaluationError(f"{model['id']} has a pipeline_tag that is not a text")
            if tag not in tags:
                continue
        result.models += 1
        if measure == "models":
            result.amount += 1
            continue
        name = MEASURE_FIELDS[measure]
        count = model.get(name)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise EvaluationError(
                f"the Hub's answer for {series} gives {model['id']} no whole {name!r} count"
            )
        result.amount += count
    return result


def _name(selector: dict) -> str:
    if selector.get("label"):
        return selector["label"]
    authors = selector.get("authors", [])
    parts = [", ".join(authors) if len(authors) <= 3 else f"{len(authors)} authors"]
    parts += [f'{key} "{selector[key]}"' for key in ("search", "filter") if selector.get(key)]
    return " ".join(part for part in parts if part)


def _share(group: Tally, total: Tally) -> Decimal | None:
    return None if total.amount == 0 else Decimal(group.amount) / Decimal(total.amount)


class Reading:
    """One reading of a cohort mode: the value over the measured range, and the baseline."""

    def __init__(self, evidence: dict, config: dict, now: datetime) -> None:
        self.config, self.now = config, aware(now)
        self.share = config["mode"] == "cohort_share"
        self.what = WHAT[config.get("measure", "downloads")]
        self.listed = read_cohorts(evidence, config)
        created = config.get("created") or {}
        self.span = Range.of(created.get("from"), created.get("until"))
        self.group = _name(config["group"])
        self.others = _name(config["others"]) if self.share else ""

    def cohort(self, span: Range) -> str:
        tags = self.config.get("pipeline_tags")
        described = f"{' or '.join(tags)} models" if tags else "models"
        return f"{described} {span.shown}" if span.shown else described

    def value(self, span: Range) -> tuple[Decimal | None, str, str]:
        """The value over ``span`` (None: a share of nothing), said in full and briefly."""
        group = tally(self.listed.group, span, self.config)
        others = tally(self.listed.others, span, self.config) if self.share else Tally()
        untagged = group.untagged + others.untagged
        left = f", {untagged:,} without a pipeline_tag not counted" if untagged else ""
        if not self.share:
            amount, models = show_number(group.amount), _models(group.models)
            return Decimal(group.amount), f"{amount} ({models}{left})", f"{amount}, {models}{left}"
        total = Tally(group.amount + others.amount, group.models + others.models)
        share = _share(group, total)
        counts = f"{show_number(group.amount)} of {show_number(total.amount)}"
        models = f"{group.models:,} of {_models(total.models)}{left}"
        full = f"{counts} with {self.others} ({models})"
        if share is not None:
            full += f" = {share:.1%}"
        return share, full, f"{counts}, {models}"

    def waiting(self, span: Range) -> bool:
        """Whether a share of nothing may still fill: before decide_from, or the range's end."""
        start = parse_when(self.config.get("decide_from"))
        early = start is not None and self.now < start
        return early or (span.end is not None and self.now <= span.end)

    def verdict(self, question: QuestionFacts) -> Verdict:
        config = self.config
        value, full, _ = self.value(self.span)
        spans, tail = [(self.span, value)], ""
        baseline = config.get("baseline")
        if baseline is None:
            limit, against = Decimal(str(config["threshold"])), "threshold"
        elif "value" in baseline:
            limit, against = Decimal(str(baseline["value"])), "baseline"
        else:
            other = Range.of(baseline.get("created_from"), baseline.get("created_until"))
            limit, _, brief = self.value(other)
            spans.append((other, limit))
            against, tail = "baseline", f" for those {other.shown} ({brief})"
        for span, found in spans:
            if found is not None:
                continue
            if self.waiting(span):
                return self._undefined(span)
            raise EvaluationError(
                f"there are no {self.what} among the {self.cohort(span)} of {self.group} and "
                f"{self.others}, so the share is undefined"
            )
        comparator = config.get("comparator", ">" if baseline is not None else ">=")
        shown = f"{limit:.1%}" if self.share else show_number(limit)
        head = f"Hugging Face {self.what} of the {self.cohort(self.span)}{self._notes()}"
        measured = f"{head}: {self.group} {full}, compared {comparator} {against} {shown}{tail}"
        text = f"{value:.4f}" if self.share else str(int(value))
        met = ORDERING[comparator](value, limit)
        return _decide(met, text, measured, config, question, self.now)

    def _undefined(self, span: Range) -> Verdict:
        start = parse_when(self.config.get("decide_from"))
        when = f"; it is decided from {show_when(start)}" if start is not None else ""
        explanation = (
            f"Hugging Face {self.what}{self._notes()}: none yet among the {self.cohort(span)} "
            f"of {self.group} and {self.others}, so no share exists yet{when}"
        )
        return Verdict(Outcome.UNDETERMINED, "undefined", one_line(explanation))

    def _notes(self) -> str:
        """The listings that gave no model at all, said beside the cohort."""
        empty = [
            s.author if s.author and not (s.search or s.filter) else str(s)
            for s in self.listed.empty
        ]
        return f" (no models listed for {', '.join(empty)})" if empty else ""


def _decide(
    met: bool, value: str, measured: str, config: dict, question: QuestionFacts, now: datetime
) -> Verdict:
    """The shared rule, after ``decide_from``: before it nothing is proposed."""
    start = parse_when(config.get("decide_from"))
    if start is not None and now < start:
        state = "met" if met else "not met"
        explanation = f"{measured}: condition {state} now; it is decided from {show_when(start)}"
        return Verdict(Outcome.UNDETERMINED, value, one_line(explanation))
    return decide(met, value, measured, config, question, now)
