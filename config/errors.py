"""The one error type the business layer raises; the API and pages turn it into responses."""

from __future__ import annotations

from collections.abc import Mapping


class ApplicationError(Exception):
    """A use case refused its input or its moment.

    `code` chooses the HTTP status (`invalid` 400, `forbidden` 403, `not_found` 404,
    `conflict` 409); `fields` maps each offending input field to a message.
    """

    STATUS_BY_CODE = {"invalid": 400, "forbidden": 403, "not_found": 404, "conflict": 409}

    def __init__(
        self, message: str, *, code: str = "invalid", fields: Mapping[str, str] | None = None
    ) -> None:
        if code not in self.STATUS_BY_CODE:
            raise ValueError(f"unknown application error code {code!r}")
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = dict(fields or {})

    @property
    def status(self) -> int:
        return self.STATUS_BY_CODE[self.code]

    @classmethod
    def invalid_fields(cls, fields: Mapping[str, str]) -> ApplicationError:
        """A 400 whose message names every offending field."""
        summary = "; ".join(f"{name}: {message}" for name, message in fields.items())
        return cls(summary, code="invalid", fields=fields)
