"""Probabilities and forecasts in words, the same on every page and in every email."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no Django import at run time: the SVG charts use this module too
    from predictions.models import Forecast
    from registry.models import Question


def percent(probability: float) -> str:
    """0.7 -> "70%", 0.705 -> "70.5%", 0.001 -> "0.1%"."""
    value = probability * 100
    if abs(value - round(value)) < 0.05:
        return f"{round(value)}%"
    return f"{value:.1f}%"


def forecast_in_words(question: Question, forecast: Forecast) -> str:
    """ "70% Yes" for a binary forecast; "US 50%, China 30%, EU 20%" for multiple choice."""
    if question.is_binary:
        return f"{percent(forecast.probabilities[0])} Yes"
    return ", ".join(
        f"{label} {percent(p)}"
        for label, p in zip(question.option_labels(), forecast.probabilities, strict=True)
    )
