"""CSV cells a spreadsheet shows as text and never runs as a formula (CSV injection).

A text cell starting with =, +, -, @, a tab or a carriage return gets a leading
apostrophe (OWASP's advice), as does one whose apostrophes are followed by such a
character, so that `cell_restored` gives every cell back exactly: an export read by
import_forecasts stores the rationale as written. Numbers are not text cells: a negative
score stays a number.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutralised_already(text: str) -> bool:
    return text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs (non-text values unchanged)."""
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or _neutralised_already(value)):
        return "'" + value
    return value


def cell_restored(text: str) -> str:
    """The text safe_cell was given, from what it wrote."""
    return text[1:] if _neutralised_already(text) else text
