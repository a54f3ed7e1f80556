"""Choosing rows: row conditions, selections (all of ``filters`` and one of ``any_of``), the
date window or snapshot, and the numbers in the value column."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.tabular.schema import ORDER_OPS
from resolvers.kinds.tabular.table import Table
from resolvers.kinds.values import (
    as_number,
    as_text,
    compare,
    parse_when,
    short,
    show_when,
)

Row = dict[str, Any]


def rows_text(count: int, word: str = "rows") -> str:
    """``1 row``, ``3 rows`` (``word`` is the plural, e.g. "counted rows")."""
    return f"{count} {word[:-1] if count == 1 and word.endswith('s') else word}"


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def holds(value: Any, op: str, wanted: Any) -> bool:
    """Whether a row's ``value`` meets ``op wanted``. An empty value meets no ordering."""
    if op in ("in", "not_in"):
        found = any(compare(value, "==", item) for item in wanted) if not blank(value) else False
        return found if op == "in" else not found
    if op in ("matches", "not_matches"):
        found = not blank(value) and re.search(str(wanted), as_text(value)) is not None
        return found if op == "matches" else not found
    if op in ("contains", "not_contains"):
        found = not blank(value) and compare(value, "contains", wanted)
        return found if op == "contains" else not found
    if blank(value):
        return op == "!=" if not blank(wanted) else op == "=="
    if op in ORDER_OPS:
        try:
            return compare(value, op, wanted)
        except EvaluationError:
            return False  # a text where a number or a date is compared: not that row
    return compare(value, op, wanted)


def describe(rule: dict) -> str:
    value = rule["value"]
    shown = "[" + ", ".join(map(as_text, value)) + "]" if isinstance(value, list) else value
    return f"{rule['column']} {rule['op']} {short(as_text(shown), 80)}"


def meets(row: Row, rules: Iterable[dict]) -> bool:
    return all(holds(row.get(rule["column"]), rule["op"], rule["value"]) for rule in rules)


def selected(row: Row, selection: dict) -> bool:
    alternatives = selection.get("any_of") or []
    return meets(row, selection.get("filters", [])) and (
        not alternatives or any(meets(row, rules) for rules in alternatives)
    )


def columns_named(selection: dict) -> list[str]:
    rules = [*selection.get("filters", [])]
    for alternative in selection.get("any_of", []):
        rules += alternative
    return [rule["column"] for rule in rules]


def narrow(rows: list[Row], selection: dict, what: str) -> list[Row]:
    """The rows meeting ``selection``, one condition at a time, so that the sentence for
    zero rows names the condition that left none."""
    for rule in selection.get("filters", []):
        kept = [row for row in rows if holds(row.get(rule["column"]), rule["op"], rule["value"])]
        if rows and not kept:
            raise EvaluationError(
                f"no row of {what} has {describe(rule)} ({rows_text(len(rows))} before that "
                "condition)"
            )
        rows = kept
    alternatives = selection.get("any_of") or []
    if alternatives:
        kept = [row for row in rows if any(meets(row, rules) for rules in alternatives)]
        if rows and not kept:
            raise EvaluationError(
                f"no row of {what} meets any of the any_of alternatives ({rows_text(len(rows))} "
                "before them)"
            )
        rows = kept
    if not rows:
        raise EvaluationError(f"{what} has no rows")
    return rows


# --- Dates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dated:
    rows: list[tuple[datetime, Row]]
    skipped: int  # rows without a date, left out with skip_blank


def dated(rows: list[Row], config: dict, table: Table) -> Dated:
    column = config["date_column"]
    found, skipped = [], 0
    for row in rows:
        value = row.get(column)
        when = parse_when(value) if isinstance(value, str) else None
        if when is None:
            if blank(value) and config.get("skip_blank"):
                skipped += 1
                continue
            raise EvaluationError(
                f"{label(row, config)} in {table.where} has {short(as_text(value))!r} in "
                f"{column}, not an ISO date"
            )
        found.append((when, row))
    return Dated(found, skipped)


def window(rows: Dated, config: dict, until: datetime | None) -> tuple[list[Row], str]:
    """The rows of the measured period: events dated on_or_after..``until``, or the one
    snapshot (the newest dated on or before ``until``)."""
    start = parse_when(config.get("on_or_after"))
    kept = [
        (when, row)
        for when, row in rows.rows
        if (start is None or when >= start) and (until is None or when <= until)
    ]
    span = _span(start, until)
    if not kept:
        raise EvaluationError(f"no row is dated {span} ({rows_text(len(rows.rows), 'dated rows')})")
    if config.get("dates") != "snapshots":
        return [row for _, row in kept], f"{rows_text(len(kept))} dated {span}"
    newest = max(when for when, _ in kept)
    return [row for when, row in kept if when == newest], f"the snapshot of {show_when(newest)}"


def nearest_snapshot(rows: Dated, config: dict, on: datetime, days: int) -> tuple[list[Row], str]:
    """The snapshot nearest ``on`` within ``days`` either side (the earlier on a tie)."""
    dates = sorted({when for when, _ in rows.rows})
    close = [when for when in dates if abs(when - on) <= timedelta(days=days, hours=23, minutes=59)]
    if not close:
        raise EvaluationError(
            f"no snapshot is dated within {days} days of {show_when(on)} (the file's snapshots "
            f"run {_range(dates)})"
        )
    best = min(close, key=lambda when: (abs(when - on), when))
    return [row for when, row in rows.rows if when == best], f"the snapshot of {show_when(best)}"


def newest(rows: Dated) -> datetime:
    return max(when for when, _ in rows.rows)


def _day(when: datetime) -> str:
    """An end-of-day bound (a date given as on_or_before) shown as that date."""
    return when.date().isoformat() if when.time() == time.max else show_when(when)


def _span(start: datetime | None, until: datetime | None) -> str:
    if start and until:
        return f"from {show_when(start)} to {_day(until)}"
    if until:
        return f"on or before {_day(until)}"
    return f"on or after {show_when(start)}" if start else "at any date"


def _range(dates: list[datetime]) -> str:
    return f"{show_when(dates[0])} to {show_when(dates[-1])}" if dates else "nowhere"


# --- Values -------------------------------------------------------------------------------


def label(row: Row, config: dict) -> str:
    column = config.get("label_column")
    if column and not blank(row.get(column)):
        return short(as_text(row[column]), 80)
    return "a row"


def numbers(rows: list[Row], config: dict, where: str) -> tuple[list[tuple[Decimal, Row]], int]:
    """(value, row) for each row; empty values left out with skip_blank (their count is the
    second item), else inconclusive, as is any value that is not a number."""
    column, found, skipped = config["column"], [], 0
    for row in rows:
        value = row.get(column)
        if blank(value):
            if config.get("skip_blank"):
                skipped += 1
                continue
            raise EvaluationError(f"{label(row, config)} in {where} has no value in {column}")
        number = as_number(value)
        if number is None:
            raise EvaluationError(
                f"{label(row, config)} in {where} has {short(as_text(value))!r} in {column}, "
                "not a number"
            )
        found.append((number, row))
    return found, skipped
