"""The ``tabular`` kind: an aggregate over the rows of a CSV, TSV or JSON file at a URL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import (
    Outcome,
    QuestionFacts,
    ResolverKind,
    Verdict,
    decide,
    earlier_value_between,
    require_binary,
)
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.secrets import key_headers
from resolvers.kinds.tabular import select
from resolvers.kinds.tabular.checks import check_config
from resolvers.kinds.tabular.measures import Measure, annulment, measure, show, stored
from resolvers.kinds.tabular.schema import CONFIG_SCHEMA, source_url
from resolvers.kinds.tabular.table import Table, read_table
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import (
    as_number,
    aware,
    combined_evidence,
    json_body,
    one_line,
    parse_when,
    show_number,
    show_when,
)

# Leaderboard APIs answer hundreds of records with many fields; allow room to grow.
MAX_BYTES = 8 * 1024 * 1024
ACCEPT = {"csv": "text/csv, */*;q=0.5", "tsv": "text/tab-separated-values, */*;q=0.5"}


class TabularKind(ResolverKind):
    """A number computed from a data file's rows (latest, max, min, sum, count, share, rank,
    gap or ratio of two groups' bests), compared with a threshold and/or with the same
    number at an earlier date. See docs/resolvers/tabular.md.

    With a baseline read from another file, ``fetch`` returns one combined FetchResult
    (application/json, ``{url: {"content_type", "text"}}``); a failed request is returned
    as it is, so its failure is what the check records."""

    name = "tabular"
    label = "Aggregate over a data file's rows (CSV, TSV, JSON)"
    config_schema = CONFIG_SCHEMA
    uses_earlier_values = True  # baseline {"earlier_on": ...}

    def check_config(self, config: dict, problems: Problems) -> None:
        check_config(config, problems)

    def fetch(self, config: dict) -> FetchResult:
        main = self._get(config, source_url(config))
        baseline_url = source_url(config, baseline=True)
        if baseline_url == source_url(config) or not 200 <= main.status < 300:
            return main
        earlier = self._get(config, baseline_url)
        if not 200 <= earlier.status < 300:
            return earlier
        answers = {source_url(config): _kept(main), baseline_url: _kept(earlier)}
        duration = main.duration_ms + earlier.duration_ms
        return combined_evidence(source_url(config), answers, duration)

    @staticmethod
    def _get(config: dict, url: str) -> FetchResult:
        headers = {"Accept": ACCEPT.get(config["format"], "application/json")}
        data = None
        if config.get("method") == "POST":
            headers["Content-Type"] = "application/json"
            data = json.dumps(config["body"], separators=(",", ":")).encode()
        return fetcher.fetch(
            url,
            headers=headers,
            secret_headers=key_headers(config, url),
            max_bytes=MAX_BYTES,
            method=config.get("method", "GET"),
            data=data,
        )

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        require_binary(self, question)
        main, earlier = _split(evidence, config)
        table = read_table(main, config)
        rows = _counted(table, config)
        dated = select.dated(rows, config, table) if "date_column" in config else None
        if dated is not None and "max_age_days" in config:
            _fresh(dated, config, now)
        until = parse_when(config.get("on_or_before"), end_of_day=True)
        period = "all counted rows"
        if dated is not None:
            rows, period = select.window(dated, config, until)
        found = measure(rows, config, table.where)
        checks, wanted = [], []
        if "threshold" in config:
            checks.append(Decimal(str(config["threshold"])))
            wanted.append(f"threshold {show_number(config['threshold'])}")
        if "baseline" in config:
            against, said = self._baseline(config, question, table, earlier or table)
            checks.append(against)
            wanted.append(said)
        comparator = config.get("comparator", ">=")
        met = all(_holds(found.value, comparator, limit) for limit in checks)
        measured = (
            f"{table.where} ({period}): {found.text}, compared {comparator} {' and '.join(wanted)}"
        )
        start = parse_when(config.get("decide_from"))
        if start is not None and aware(now) < start:
            state = "met" if met else "not met"
            explanation = (
                f"{measured}: condition {state} now; it is decided from {show_when(start)}"
            )
            return Verdict(Outcome.UNDETERMINED, stored(found.value), one_line(explanation))
        voided = annulment(rows, config, table.where) if config.get("annul_if") else None
        if voided is not None:
            explanation = f"{measured}; the criteria void the question: {voided}"
            return Verdict(Outcome.ANNULLED, stored(found.value), one_line(explanation))
        return decide(met, stored(found.value), measured, config, question, now)

    # --- Baselines -------------------------------------------------------------------------

    def _baseline(
        self, config: dict, question: QuestionFacts, table: Table, earlier: Table
    ) -> tuple[Decimal, str]:
        baseline = config["baseline"]
        change = Decimal(str(baseline.get("min_change", 0)))
        plus = f" + {show_number(baseline['min_change'])}" if "min_change" in baseline else ""
        if "earlier_on" in baseline:
            value, when = _earlier_value(config, question)
            return value + change, f"baseline {show(value)}{plus} ({when})"
        rows = _counted(earlier, config)
        dated = select.dated(rows, config, earlier)
        on = parse_when(baseline["as_of"], end_of_day=True)
        if config.get("dates") == "snapshots" and baseline.get("within_days") is not None:
            start = parse_when(baseline["as_of"])
            rows, period = select.nearest_snapshot(dated, config, start, baseline["within_days"])
        else:
            try:
                rows, period = select.window(dated, config, on)
            except EvaluationError as exc:
                raise EvaluationError(f"the baseline as of {baseline['as_of']}: {exc}") from None
        try:
            found: Measure = measure(rows, config, earlier.where)
        except EvaluationError as exc:
            raise EvaluationError(f"the baseline ({period}): {exc}") from None
        source = "" if earlier is table else f" in {earlier.where}"
        return (
            found.value + change,
            f"baseline {show(found.value)}{plus} ({period}{source}: {found.text})",
        )


def _holds(value: Decimal, comparator: str, limit: Decimal) -> bool:
    return {
        ">": value > limit,
        ">=": value >= limit,
        "<": value < limit,
        "<=": value <= limit,
        "==": value == limit,
        "!=": value != limit,
    }[comparator]


def _counted(table: Table, config: dict) -> list[select.Row]:
    """The rows after the config's own filters, once every column it names is known."""
    needed = [(name, "filters") for name in select.columns_named(config)]
    for key in ("column", "date_column", "label_column"):
        if key in config:
            needed.append((config[key], key))
    for name in ("selected", "row"):
        needed += [(column, name) for column in select.columns_named(config.get(name) or {})]
    for key, group in (config.get("groups") or {}).items():
        needed += [(column, f"groups.{key}") for column in select.columns_named(group)]
    if not table.rows:
        raise EvaluationError(f"{table.where} has no rows")
    for column, setting in needed:
        table.require(column, setting)
    return select.narrow(table.rows, config, table.where)


def _fresh(dated: select.Dated, config: dict, now: datetime) -> None:
    if not dated.rows:
        return
    newest = select.newest(dated)
    if aware(now) - newest > timedelta(days=config["max_age_days"]):
        raise EvaluationError(
            f"the newest row is dated {show_when(newest)}, more than {config['max_age_days']} "
            f"days before this check ({show_when(aware(now))}): the source looks stale"
        )


def _earlier_value(config: dict, question: QuestionFacts) -> tuple[Decimal, str]:
    baseline = config["baseline"]
    on = parse_when(baseline["earlier_on"])
    until = on + timedelta(days=baseline.get("within_days") or 7)
    earlier = earlier_value_between(question, on, until)
    if earlier is not None:
        value = as_number(earlier.value)
        if value is None:
            raise EvaluationError(
                f"the check of {show_when(earlier.checked_at)} kept {earlier.value!r}, not a number"
            )
        return value, f"kept by the check of {show_when(earlier.checked_at)}"
    raise EvaluationError(
        f"no earlier check of this source kept a value between {show_when(on)} and "
        f"{show_when(until)}, so there is no baseline"
    )


def _kept(result: FetchResult) -> dict:
    return {"content_type": result.content_type, "text": result.body.decode("utf-8", "replace")}


def _split(evidence: FetchResult, config: dict) -> tuple[FetchResult, Table | None]:
    """The main file and, when the baseline has its own file, that file read as a table."""
    baseline_url = source_url(config, baseline=True)
    if baseline_url == source_url(config) or not 200 <= evidence.status < 300:
        return evidence, None
    combined = json_body(evidence, "the combined evidence")
    if not isinstance(combined, dict) or set(combined) != {source_url(config), baseline_url}:
        raise EvaluationError("the evidence lacks the main file or the baseline's file")
    main_url = source_url(config)
    main, earlier = (_part(url, combined[url]) for url in (main_url, baseline_url))
    return main, read_table(earlier, config)


def _part(url: str, kept: dict) -> FetchResult:
    body = str(kept.get("text", "")).encode()
    return FetchResult(url, 200, str(kept.get("content_type", "")), body, "", 0)
