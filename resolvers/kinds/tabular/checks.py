"""The ``tabular`` kind's config checks beyond its JSON Schema, each problem named by field."""

from __future__ import annotations

import re
from typing import Any

import jmespath
import jmespath.exceptions

from resolvers.kinds.tabular.schema import (
    LIST_OPS,
    ONLY_FOR,
    ORDER_OPS,
    REGEX_OPS,
    SELECTION_KEYS,
    source_url,
)
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import as_number, parse_when


def check_config(config: dict, problems: Problems) -> None:
    if ("url" in config) == ("provider" in config):
        problems.add("url", "give either url or provider with path (exactly one)")
    elif "provider" in config and "path" not in config:
        problems.add("path", "is required with provider")
    if "path" in config and "provider" not in config:
        problems.add("path", "is only read with provider")
    if not str(config.get("path", "/")).startswith("/"):
        problems.add("path", "must start with /")
    problems.url(config)
    _check_request(config, problems)
    problems.when(config, "on_or_after", "on_or_before", "decide_from", "decide_no_after")
    problems.ordered(config, "on_or_after", "on_or_before")
    problems.ordered(config, "decide_from", "decide_no_after")
    for field in ("dates", "on_or_after", "on_or_before", "max_age_days"):
        if field in config and "date_column" not in config:
            problems.add(field, "needs a date_column")
    aggregate = config["aggregate"]
    for field, aggregates in ONLY_FOR.items():
        if field in config and aggregate not in aggregates:
            problems.add(field, f"is not a setting of aggregate {aggregate}")
    if aggregate == "count" and "column" in config:
        problems.add("column", "count counts rows; it reads no value column")
    _check_selection(config, "", problems)
    for name in ("selected", "row"):
        if name in config:
            _check_selection(config[name], f"{name}.", problems)
    for name, group in (config.get("groups") or {}).items():
        if name not in ("a", "b"):
            problems.add(f"groups.{name}", "is not a group: give a and b")
        elif isinstance(group, dict):
            _check_selection(group, f"groups.{name}.", problems)
    if "threshold" not in config and "baseline" not in config:
        problems.add("threshold", "give a threshold, a baseline or both")
    _check_baseline(config, problems)
    for index, item in enumerate(config.get("annul_if", [])):
        _check_selection(item, f"annul_if.{index}.", problems)
        if item["aggregate"] != "count" and "column" not in item:
            problems.add(f"annul_if.{index}.column", f"is required with {item['aggregate']}")


def _check_request(config: dict, problems: Problems) -> None:
    if config.get("format") != "json":
        for field in ("records", "records_total"):
            if field in config:
                problems.add(field, "is only read for format json")
    for field in ("records", "records_total"):
        if field in config:
            try:
                jmespath.compile(config[field])
            except jmespath.exceptions.JMESPathError as exc:
                problems.add(field, f"is not a valid JMESPath expression: {exc}")
    if config.get("method") == "POST" and "body" not in config:
        problems.add("body", "is required with method POST")
    if "body" in config and config.get("method") != "POST":
        problems.add("body", "is only sent with method POST")
    if "url" in config or ("provider" in config and "path" in config):
        problems.secret(config, "api_key", source_url(config))


def _check_selection(selection: dict, prefix: str, problems: Problems) -> None:
    if prefix and not prefix.startswith("annul_if."):
        for key in selection:
            if key not in SELECTION_KEYS:
                problems.add(f"{prefix}{key}", "is not a setting of a row selection")
    for index, rule in enumerate(selection.get("filters", [])):
        _check_filter(rule, f"{prefix}filters.{index}", problems)
    for alternative, rules in enumerate(selection.get("any_of", [])):
        for index, rule in enumerate(rules):
            _check_filter(rule, f"{prefix}any_of.{alternative}.{index}", problems)


def _check_filter(rule: dict, where: str, problems: Problems) -> None:
    op, value = rule["op"], rule["value"]
    if op in LIST_OPS:
        if not isinstance(value, list):
            problems.add(f"{where}.value", f"must be a list with {op}")
        return
    if isinstance(value, list):
        problems.add(f"{where}.value", f"a list goes only with in / not_in, not {op}")
    elif op in REGEX_OPS:
        try:
            re.compile(str(value))
        except re.error as exc:
            problems.add(f"{where}.value", f"is not a valid regular expression: {exc}")
    elif op in ORDER_OPS and (isinstance(value, bool) or not _orderable(value)):
        problems.add(f"{where}.value", f"{op} needs a number or an ISO date")


def _orderable(value: Any) -> bool:
    return as_number(value) is not None or parse_when(value) is not None


def _check_baseline(config: dict, problems: Problems) -> None:
    baseline = config.get("baseline")
    if baseline is None:
        return
    if ("as_of" in baseline) == ("earlier_on" in baseline):
        problems.add("baseline", "give exactly one of as_of or earlier_on")
        return
    for field in ("as_of", "earlier_on"):
        if field in baseline and parse_when(baseline[field]) is None:
            problems.add(f"baseline.{field}", "must be an ISO 8601 date, e.g. 2026-04-15")
    if "as_of" in baseline and "date_column" not in config:
        problems.add("baseline.as_of", "needs a date_column to tell the earlier rows")
    if "earlier_on" in baseline and ({"url", "path"} & set(baseline)):
        problems.add("baseline.url", "an earlier check's value is read from no file")
    if "url" in baseline and "path" in baseline:
        problems.add("baseline.url", "give either url or path, not both")
    if "path" in baseline and "provider" not in config:
        problems.add("baseline.path", "needs the config's provider")
    if "url" in baseline:
        found = Problems()
        found.url(baseline)
        for message in found.fields.values():
            problems.add("baseline.url", message)
        if "url" not in config:
            problems.add("baseline.url", "give the baseline as a path at the same provider")
        elif not found.fields:
            problems.secret(config, "api_key", baseline["url"])
    if not str(baseline.get("path", "/")).startswith("/"):
        problems.add("baseline.path", "must start with /")
    within = baseline.get("within_days") is not None and "as_of" in baseline
    if within and config.get("dates") != "snapshots":
        problems.add("baseline.within_days", "with as_of, only for dates: snapshots")
