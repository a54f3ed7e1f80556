"""Form fields the apps' admin pages share."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_non_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(_non_finite(item) for item in value)
    return False


class FiniteJSONField(forms.JSONField):
    """Django's JSON form field, refusing what JSON itself has no number for.

    Python's json reads `NaN`, `Infinity` and `1e1000000` (as infinity), and writes them
    back as `NaN` / `Infinity`, which neither SQLite's JSON_VALID check nor PostgreSQL's
    jsonb accepts: saving such a value was an IntegrityError, a 500. Here it is a
    sentence beside the field."""

    default_error_messages = {
        "non_finite": "Enter numbers JSON can hold: NaN, Infinity and numbers beyond "
        "±1.8e308 are not.",
    }

    def to_python(self, value: Any) -> Any:
        converted = super().to_python(value)
        if _non_finite(converted):
            raise ValidationError(self.error_messages["non_finite"], code="non_finite")
        return converted
