"""Reading Similarweb's answers strictly: one domain's "Visits - Total (Desktop & Mobile)".

A successful answer is documented as ``{"meta": {"request": {...}, "status": "Success",
"last_updated": "YYYY-MM-DD"}, "visits": [{"date": "YYYY-MM-01", "visits": 1234567.89}]}``
(visits are estimates with decimals). Errors carry ``meta.error_code`` and
``meta.error_message``; the REST API's documented codes are 401 "Data not found" (a domain
Similarweb has no data for), 403 "Invalid API key / No credits", 429 "Too many requests",
101 "Dates not in range" (a month not published yet, or older than the plan's history),
102 "Granularity not supported" and 103 "Country not available".

A figure that is absent is a fact the criteria deal with (the domain is left out); an
answer whose shape is in doubt raises EvaluationError with a sentence saying what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.values import as_number, as_text, parse_when, short

DATA_NOT_FOUND = 401
DATES_NOT_IN_RANGE = 101
ERROR_NAMES = {
    101: "Dates not in range",
    102: "Granularity not supported",
    103: "Country not available",
    401: "Data not found",
    403: "Invalid API key / No credits",
    429: "Too many requests",
}
_MONTH = re.compile(r"^\d{4}-\d{2}$")


class MissingFigures(EvaluationError):
    """The figures a check needs are not there. Before ``decide_from`` that reads "not
    published yet" and the check waits; from it, the check is inconclusive."""


@dataclass(frozen=True)
class Figure:
    """One domain's total visits in the month, or None with the reason it has none."""

    domain: str
    visits: Decimal | None
    missing: str = ""  # why there is no figure, said of the domain


@dataclass(frozen=True)
class SimilarwebError:
    code: int | None
    message: str

    def __str__(self) -> str:
        name = ERROR_NAMES.get(self.code, "") if self.code is not None else ""
        said = self.message or name
        number = f"error {self.code}" if self.code is not None else "an error"
        return f"{number} ({said})" if said else number


def error_of(answer: Any) -> SimilarwebError | None:
    """The error an answer's ``meta`` reports, or None for a successful answer."""
    meta = answer.get("meta") if isinstance(answer, dict) else None
    if not isinstance(meta, dict):
        return None
    code, message, status = meta.get("error_code"), meta.get("error_message"), meta.get("status")
    if code is None and message is None and (status is None or as_text(status) == "Success"):
        return None
    number = as_number(code)
    code = int(number) if number is not None and number == number.to_integral_value() else None
    return SimilarwebError(code, short(as_text(message)) if message is not None else "")


def month_of(text: Any) -> str | None:
    """``2027-12`` from ``2027-12-01`` (or ``2027-12``), None for anything else."""
    if isinstance(text, str) and _MONTH.match(text.strip()):
        return text.strip()
    when = parse_when(text)
    return None if when is None else f"{when.year:04d}-{when.month:02d}"


def read_figure(domain: str, status: int, answer: Any, month: str) -> Figure:
    """The domain's figure for ``month`` from its answer (HTTP ``status``)."""
    where = f"Similarweb's answer for {domain}"
    if status == DATA_NOT_FOUND:
        error = error_of(answer)
        extra = error.message if error is not None else ""
        said = f": {extra}" if extra and extra.casefold() != "data not found" else ""
        return Figure(domain, None, f"Similarweb answered 401 'Data not found'{said}")
    if not isinstance(answer, dict):
        raise EvaluationError(f"{where} is not a JSON object")
    error = error_of(answer)
    if error is not None:
        raise EvaluationError(f"{where} reports {error}")
    visits = answer.get("visits")
    if not isinstance(visits, list):
        raise EvaluationError(f"{where} has no 'visits' list")
    found = []
    for position, item in enumerate(visits):
        if not isinstance(item, dict) or month_of(item.get("date")) is None:
            raise EvaluationError(f"entry {position} of {where} has no 'date' of a month")
        if month_of(item["date"]) != month:
            raise EvaluationError(
                f"{where} has a figure dated {short(as_text(item['date']), 40)}, not for the "
                f"month {month} that was asked for"
            )
        found.append(item)
    if len(found) > 1:
        raise EvaluationError(f"{where} has {len(found)} figures for {month}, not one")
    if not found or found[0].get("visits") is None:
        return Figure(domain, None, f"Similarweb's answer has no figure for {month}")
    value = found[0]["visits"]
    number = as_number(value) if not isinstance(value, str) else None
    if number is None or number < 0:
        raise EvaluationError(
            f"{where} gives {short(as_text(value), 40)} visits for {month}, not a number of visits"
        )
    if number == 0:  # what Similarweb answers, uncharged, when it has no estimate
        return Figure(domain, None, f"Similarweb gives 0 visits for {month}")
    return Figure(domain, number)
