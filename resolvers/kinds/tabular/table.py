"""Reading a fetched data file into rows: CSV, TSV, or a JSON list of records.

Every reader is strict: a file that is not shaped as its format says (a ragged CSV row, a
JSON answer whose records are not a list of objects, a page of a paginated answer missing)
raises EvaluationError with the sentence that says so; nothing is computed from it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import jmespath
import jmespath.exceptions

from resolvers.fetcher import FetchResult
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.values import decode_text, json_body, short

MAX_ROWS = 200_000
SHOWN_COLUMNS = 40  # how many column names an explanation lists


@dataclass(frozen=True)
class Table:
    columns: list[str]  # in the file's order (JSON: nested keys as dotted paths)
    rows: list[dict[str, Any]]
    where: str  # "the file at <url>", for sentences

    def columns_text(self) -> str:
        shown = ", ".join(self.columns[:SHOWN_COLUMNS])
        more = len(self.columns) - SHOWN_COLUMNS
        return shown + (f" and {more} more" if more > 0 else "")

    def require(self, column: str, setting: str) -> None:
        if column not in self.columns:
            raise EvaluationError(
                f"{self.where} has no column {column!r} (named in {setting}); its columns "
                f"are {self.columns_text() or 'none'}"
            )


def read_table(evidence: FetchResult, config: dict) -> Table:
    where = f"the file at {evidence.url}"
    if not 200 <= evidence.status < 300:
        hint = " (the API key was refused)" if evidence.status in (401, 403) else ""
        raise EvaluationError(f"{where} answered HTTP {evidence.status}{hint}")
    if config["format"] == "json":
        return _json_table(evidence, config, where)
    return _delimited_table(evidence, "\t" if config["format"] == "tsv" else ",", where)


def _delimited_table(evidence: FetchResult, delimiter: str, where: str) -> Table:
    text = decode_text(evidence).lstrip("\ufeff")
    try:
        lines = [line for line in csv.reader(io.StringIO(text), delimiter=delimiter) if line]
    except csv.Error as exc:
        raise EvaluationError(f"{where} is not valid {_kind(delimiter)}: {exc}") from exc
    if not lines:
        raise EvaluationError(f"{where} is empty: it has no header row")
    header = [name.strip() for name in lines[0]]
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise EvaluationError(f"{where} names the column {name!r} twice in its header")
        seen.add(name)
    if len(lines) - 1 > MAX_ROWS:
        raise EvaluationError(f"{where} has more than {MAX_ROWS:,} rows")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if len(line) != len(header):
            raise EvaluationError(
                f"line {number} of {where} has {len(line)} fields where the header has "
                f"{len(header)}"
            )
        rows.append(dict(zip(header, line, strict=True)))
    return Table([name for name in header if name], rows, where)


def _kind(delimiter: str) -> str:
    return "TSV" if delimiter == "\t" else "CSV"


def _json_table(evidence: FetchResult, config: dict, where: str) -> Table:
    document = json_body(evidence, where[0].upper() + where[1:])
    expression = config.get("records")
    records = _search(expression, document, where) if expression else document
    shown = f"`{expression}`" if expression else "the document"
    if not isinstance(records, list):
        raise EvaluationError(f"{shown} in {where} is not a list of records")
    if len(records) > MAX_ROWS:
        raise EvaluationError(f"{where} has more than {MAX_ROWS:,} records")
    total_expression = config.get("records_total")
    if total_expression:
        total = _search(total_expression, document, where)
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise EvaluationError(
                f"`{total_expression}` in {where} is {short(str(total))}, not a count"
            )
        if len(records) < total:
            raise EvaluationError(
                f"{where} holds {len(records)} of the {total} records it counts "
                f"(`{total_expression}`): a page is missing, so no aggregate is taken"
            )
    columns: dict[str, None] = {}
    rows = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise EvaluationError(f"record {index} of {shown} in {where} is not an object")
        row: dict[str, Any] = {}
        _flatten(record, "", row)
        columns.update(dict.fromkeys(row))
        rows.append(row)
    return Table(list(columns), rows, where)


def _search(expression: str, document: Any, where: str) -> Any:
    try:
        return jmespath.search(expression, document)
    except jmespath.exceptions.JMESPathError as exc:
        raise EvaluationError(f"`{expression}` failed on {where}: {exc}") from exc


def _flatten(record: dict, prefix: str, into: dict[str, Any], depth: int = 0) -> None:
    """Nested objects as dotted columns (``model_creator.slug``); lists stay values."""
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < 8:
            _flatten(value, f"{name}.", into, depth + 1)
        else:
            into[name] = value
