"""What the ``openrouter`` kind measures from the combined evidence: a group's token share,
a model's rank, an app's rank. Each returns (met, value as text, what was measured)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from resolvers.kinds.base import QuestionFacts, earlier_value_between
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.openrouter.answers import (
    Model,
    Ranking,
    Window,
    base_slug,
    ranked_models,
    read_app_ranking,
    read_model_ranking,
    read_models,
)
from resolvers.kinds.values import as_number, compare, parse_when, show_number, show_when


class Answers:
    """The combined evidence ``{request url: answer}``, sorted by what each request asked."""

    def __init__(self, combined: dict[str, Any], baseline: Window | None) -> None:
        self.models: Any = None
        self.model_rankings: dict[Window, Any] = {}
        self.app_rankings: dict[str, Any] = {}  # "" for all apps, else the subcategory
        windows: set[Window] = set()
        for url, answer in combined.items():
            parts = urlsplit(url)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            if parts.path.endswith("/api/v1/models"):
                self.models = answer
                continue
            window = _window(query, url)
            if parts.path.endswith("/datasets/rankings-daily"):
                self.model_rankings[window] = answer
            elif parts.path.endswith("/datasets/app-rankings"):
                self.app_rankings[query.get("subcategory", "")] = answer
            else:
                raise EvaluationError(f"the evidence holds an answer from an unknown URL {url}")
            windows.add(window)
        if len(windows) > 1:
            windows.discard(baseline)  # the baseline's own period is not the one measured
        if len(windows) != 1:
            raise EvaluationError(
                "the evidence holds no OpenRouter ranking answer"
                if not windows
                else "the evidence holds rankings for several periods; which is current is unclear"
            )
        self.window = windows.pop()

    def model_ranking(self, window: Window) -> Ranking:
        if window not in self.model_rankings:
            raise EvaluationError(f"the evidence lacks OpenRouter's model ranking for the {window}")
        return read_model_ranking(self.model_rankings[window], window)

    def model_index(self) -> dict[str, Model]:
        if self.models is None:
            raise EvaluationError("the evidence lacks OpenRouter's models list")
        return read_models(self.models)


def _window(query: dict[str, str], url: str) -> Window:
    start, end = parse_when(query.get("start_date")), parse_when(query.get("end_date"))
    if start is None or end is None:
        raise EvaluationError(f"the evidence's request {url} names no date window")
    length = (end.date() - start.date()).days
    return Window("week" if length < 7 else "month", start.date(), end.date())


# --- token_share -------------------------------------------------------------------------


def _in_group(slug: str, group: dict, models: dict[str, Model], top: int) -> bool:
    if slug.split("/", 1)[0].casefold() in {a.casefold() for a in group.get("authors", [])}:
        return True
    names = {name.casefold() for name in group.get("models", [])}
    if slug.casefold() in names or base_slug(slug).casefold() in names:
        return True
    if not (names or group.get("hugging_face_id")):
        return False
    model = models.get(slug) or models.get(base_slug(slug))
    if model is None:
        raise EvaluationError(
            f"{slug}, one of the top {top} models, is not in OpenRouter's models list, so "
            "whether it belongs to the group cannot be said"
        )
    if model.id.casefold() in names or model.canonical_slug.casefold() in names:
        return True
    return bool(group.get("hugging_face_id") and model.hugging_face_id)


def _share(ranking: Ranking, config: dict, models: dict[str, Model]) -> tuple[Decimal, str]:
    """The group's share and a sentence saying how it was counted."""
    top = config.get("top", 20)
    ranked = ranked_models(ranking, config.get("merge_variants", True))
    if len(ranked) < top:
        raise EvaluationError(
            f"OpenRouter ranks only {len(ranked)} models for the {ranking.window}, fewer than "
            f"the top {top} the config counts"
        )
    chosen = ranked[:top]
    members = [
        (slug, tokens) for slug, tokens in chosen if _in_group(slug, config["group"], models, top)
    ]
    group_tokens = sum((tokens for _, tokens in members), Decimal(0))
    top_tokens = sum((tokens for _, tokens in chosen), Decimal(0))
    if config.get("denominator", "top") == "all":
        total = sum((tokens for _, tokens in ranking.rows), ranking.other)
        of = "all tokens"
    else:
        total, of = top_tokens, f"the tokens of the top {top} models"
    if total == 0:
        raise EvaluationError(f"OpenRouter counts no tokens for the {ranking.window}")
    share = group_tokens / total
    counted = (
        f"{len(members)} of the top {top} models, {show_number(group_tokens)} of "
        f"{show_number(total)} tokens ({of}) = {share:.1%}"
    )
    return share, counted


def _earlier_share(config: dict, question: QuestionFacts) -> tuple[Decimal, str]:
    on = parse_when(config["baseline"]["checked_on"])
    until = on + timedelta(days=7)
    earlier = earlier_value_between(question, on, until)
    if earlier is not None:
        value = as_number(earlier.value)
        if value is None:
            raise EvaluationError(
                f"the check of {show_when(earlier.checked_at)} stored {earlier.value!r}, "
                "not a share"
            )
        return value, f"the share checked {show_when(earlier.checked_at)}"
    raise EvaluationError(
        f"no earlier check of this source stored a share between {show_when(on)} and "
        f"{show_when(until)}, so there is no baseline"
    )


def token_share(answers: Answers, config: dict, question: QuestionFacts) -> tuple[bool, str, str]:
    models = answers.model_index()
    ranking = answers.model_ranking(answers.window)
    share, counted = _share(ranking, config, models)
    baseline = config.get("baseline")
    if baseline is None:
        comparator, against = config.get("comparator", ">="), Decimal(str(config["threshold"]))
        wanted = f"threshold {against:.1%}"
    else:
        comparator = config.get("comparator", ">")
        if "value" in baseline:
            against = Decimal(str(baseline["value"]))
            wanted = f"baseline {against:.1%}"
        elif "on" in baseline:
            window = _baseline_window(answers, config)
            against, then = _share(answers.model_ranking(window), config, models)
            wanted = f"baseline {against:.1%} in the {window} ({then})"
        else:
            against, when = _earlier_share(config, question)
            wanted = f"baseline {against:.1%} ({when})"
    met = compare(share, comparator, against)
    measured = (
        f"OpenRouter, {ranking.window} (as of {ranking.as_of}): the group holds {counted}, "
        f"compared {comparator} {wanted}"
    )
    return met, f"{share:.4f}", measured


def _baseline_window(answers: Answers, config: dict) -> Window:
    on = parse_when(config["baseline"]["on"]).date()
    window = next((w for w in answers.model_rankings if w.start <= on <= w.end), None)
    if window is None or window == answers.window:
        raise EvaluationError(
            "the baseline date falls in the period measured, so there is nothing to compare"
            if window is not None
            else f"the evidence lacks OpenRouter's ranking for the period containing {on}"
        )
    if window.end >= answers.window.start:
        raise EvaluationError(f"the baseline {window} does not end before the {answers.window}")
    return window


# --- model_rank / app_rank ---------------------------------------------------------------


def model_rank(answers: Answers, config: dict) -> tuple[bool, str, str]:
    models = answers.model_index()
    ranking = answers.model_ranking(answers.window)
    merge = config.get("merge_variants", True)
    wanted = config["model"]
    model = models.get(wanted)
    key = model.canonical_slug if model is not None else wanted
    key = base_slug(key) if merge else key
    ranked = ranked_models(ranking, merge)
    slugs = [slug for slug, _ in ranked]
    if model is None and key not in slugs:
        raise EvaluationError(
            f"{wanted} is neither in OpenRouter's models list nor in its ranking; check the slug"
        )
    name = model.name if model is not None else wanted
    head = f"OpenRouter model ranking, {ranking.window} (as of {ranking.as_of}): {name}"
    if key not in slugs:
        measured = (
            f"{head} is not among the {len(slugs)} models ranked, wanted top {config['rank']}"
        )
        return False, "unranked", measured
    rank = slugs.index(key) + 1
    tokens = show_number(ranked[rank - 1][1])
    measured = f"{head} ({key}) is #{rank} with {tokens} tokens, wanted top {config['rank']}"
    return rank <= config["rank"], str(rank), measured


def app_rank(answers: Answers, config: dict) -> tuple[bool, str, str]:
    window = answers.window
    if "" not in answers.app_rankings:
        raise EvaluationError(f"the evidence lacks OpenRouter's app ranking for the {window}")
    apps, as_of = read_app_ranking(answers.app_rankings[""], window, f"app ranking ({window})")
    wanted: set[int] = set(config.get("app_ids", []))
    described = [
        *config.get("apps", []),
        *(f"app {app_id}" for app_id in config.get("app_ids", [])),
    ]
    for name in config.get("apps", []):
        ids = {app.app_id for app in apps if app.name.casefold() == name.casefold()}
        if len(ids) > 1:
            raise EvaluationError(
                f"{len(ids)} apps in OpenRouter's ranking are named {name!r} (ids "
                f"{', '.join(map(str, sorted(ids)))}); name the one meant in app_ids"
            )
        wanted |= ids
    subcategory = config.get("subcategory")
    if subcategory:
        what = f"{subcategory} app ranking ({window})"
        if subcategory not in answers.app_rankings:
            raise EvaluationError(f"the evidence lacks OpenRouter's {what}")
        members, _ = read_app_ranking(answers.app_rankings[subcategory], window, what)
        wanted |= {app.app_id for app in members}
        described.append(f"any {subcategory} app")
    found = sorted((app for app in apps if app.app_id in wanted), key=lambda app: app.rank)
    head = f"OpenRouter app ranking, {window} (as of {as_of}): {' or '.join(described)}"
    limit = config["rank"]
    if not found:
        measured = f"{head}: not among the {len(apps)} apps ranked, wanted top {limit}"
        return False, "unranked", measured
    best = found[0]
    measured = (
        f"{head}: best is {best.name} (app {best.app_id}) at #{best.rank} with "
        f"{show_number(best.tokens)} tokens, wanted top {limit}"
    )
    return best.rank <= limit, str(best.rank), measured
