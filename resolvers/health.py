"""How a source is doing, in words: plain sentences for the public, detail for staff.

A failed check keeps its technical error for staff (the URL, the exception, the HTTP
status); the public reads what happened and what happens next, never a resolver's
internals ("Failed to resolve www.…").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from resolvers.models import Check, ResolutionSource

# A source whose checks failed this many times in a row is flagged to staff.
DEFAULT_FAILING_AFTER = 3


def failing_after() -> int:
    return getattr(settings, "RESOLVER_FAILING_AFTER", DEFAULT_FAILING_AFTER)


def every(interval: timedelta) -> str:
    """A schedule as words: "every 6 hours", "every day", "every 30 minutes"."""
    minutes = int(interval.total_seconds() // 60)
    for size, unit in ((7 * 24 * 60, "week"), (24 * 60, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size and minutes % size == 0:
            count = minutes // size
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    return f"every {minutes} minutes"


def _day(when: datetime) -> str:
    return f"{when.day} {when:%b %Y}"


def _failure_of(check: Check) -> str:
    """The check's kind of failure; read from its message for checks kept from before
    failures were classified."""
    if check.failure:
        return check.failure
    head = check.error.split(":", 1)[0].strip().lower()
    if head in ("timeout", "connection") or "connection refused" in check.error.lower():
        return Check.Failure.UNREACHABLE
    if head in ("blocked", "bad_url", "too_large", "too_many_redirects", "certificate"):
        return Check.Failure.REFUSED
    if head == "internal error":
        return Check.Failure.INTERNAL
    return Check.Failure.UNREADABLE


def public_failure(check: Check, source: ResolutionSource) -> str:
    """A failed check as the public reads it: what happened, on which day, what next."""
    day = _day(check.started_at)
    failure = _failure_of(check)
    retried = f"it is checked again {every(source.check_every)}"
    if not source.enabled:
        retried = "checks are paused until staff look at it"
    if failure == Check.Failure.UNREACHABLE:
        return f"The source could not be reached on {day}; {retried}."
    if failure == Check.Failure.REFUSED:
        return f"The source's address could not be used on {day}; staff need to correct it."
    if failure == Check.Failure.SETTINGS:
        return f"The source's settings were not usable on {day}; staff need to correct them."
    if failure == Check.Failure.INTERNAL:
        return f"The check on {day} failed on our side; {retried}."
    return f"The source's answer on {day} could not be read; {retried}."


@dataclass(frozen=True)
class SourceHealth:
    failing: bool  # failed `failing_after()` times or more in a row: flagged to staff
    consecutive_failures: int
    last_succeeded_at: datetime | None
    summary: str  # one sentence, fit for the public


def source_health(source: ResolutionSource) -> SourceHealth:
    failures = source.consecutive_failures
    failing = failures >= failing_after()
    if source.last_checked_at is None:
        summary = "Not checked yet."
    elif failures == 0:
        summary = "The last check succeeded."
    else:
        checks = "check" if failures == 1 else f"{failures} checks"
        since = (
            f" (last success {_day(source.last_succeeded_at)})"
            if source.last_succeeded_at
            else " (none has succeeded yet)"
        )
        summary = (
            f"The last {checks} failed{since}; it is checked again {every(source.check_every)}."
        )
        if failing:
            summary += " Staff have been alerted."
    return SourceHealth(failing, failures, source.last_succeeded_at, summary)
