"""The two failures a kind reports: a config that is wrong, evidence that cannot be read.

Plain exceptions, so kinds import nothing from ``config/``; services turn ``ConfigError``
into the application error (a 400 naming each field).
"""

from __future__ import annotations


class EvaluationError(Exception):
    """The evidence cannot be interpreted; the caller records a failed check."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(Exception):
    """A source's config is wrong: ``fields`` maps ``config.<path>`` (or ``kind``) to a
    sentence saying what is wrong with it."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in fields.items()))
        self.fields = fields
