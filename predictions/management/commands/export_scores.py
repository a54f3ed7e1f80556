"""Export stored question scores as CSV (text cells neutralised against formula injection;
scores, negative ones included, stay numbers)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

from predictions.csv_cells import safe_cell
from predictions.management.commands.export_forecasts import PassThrough
from predictions.models import QuestionScore
from registry.models import Source, Tag

COLUMNS = (
    "question",
    "forecaster",
    "brier",
    "relative_score",
    "log_loss",
    "spherical",
    "days",
    "window_days",
)


def scores_in_scope(scope: str) -> QuerySet[QuestionScore]:
    """The stored scores of the questions a leaderboard scope counts.

    `all`; `tag:<slug>`; `source:<slug>` (questions a claim of that source became);
    `year:<YYYY>` (the year the scored outcome became known).
    """
    scores = QuestionScore.objects.all()
    kind, _, value = scope.partition(":")
    if scope == "all":
        return scores
    if kind == "tag" and value:
        if not Tag.objects.filter(slug=value).exists():
            raise CommandError(f"no tag has the slug {value!r}")
        return scores.filter(question__tags__slug=value)
    if kind == "source" and value:
        if not Source.objects.filter(slug=value).exists():
            raise CommandError(f"no source has the slug {value!r}")
        return scores.filter(question__claims__source__slug=value).distinct()
    if kind == "year" and value.isascii() and value.isdigit() and len(value) == 4:
        return scores.filter(resolution__known_on__year=int(value))
    raise CommandError(f"unknown scope {scope!r}; use all, tag:SLUG, source:SLUG or year:YYYY")


def number(value: float) -> str:
    return repr(float(value))


class Command(BaseCommand):
    help = (
        "Write stored question scores as CSV: "
        + ",".join(COLUMNS)
        + ", ordered by question slug then relative score."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--scope",
            default="all",
            help="all (default), tag:SLUG, source:SLUG or year:YYYY",
        )
        parser.add_argument("--output", type=Path, help="the file to write (default: stdout)")

    def handle(self, *args, scope: str, output: Path | None, **options) -> None:  # type: ignore[no-untyped-def]
        scores = (
            scores_in_scope(scope)
            .order_by("question__slug", "relative_score", "forecaster__handle")
            .values_list(
                "question__slug",
                "forecaster__handle",
                "brier",
                "relative_score",
                "log_loss",
                "spherical",
                "days",
                "window_days",
            )
        )
        if output is None:
            self._write(self.stdout, scores)
            return
        try:
            with output.open("w", encoding="utf-8", newline="") as stream:
                count = self._write(stream, scores)
        except OSError as error:
            raise CommandError(f"cannot write {output}: {error.strerror or error}") from error
        self.stdout.write(f"Wrote {count} score(s) to {output}.")

    def _write(self, stream, scores) -> int:  # type: ignore[no-untyped-def]
        writer = csv.writer(PassThrough(stream))
        writer.writerow(COLUMNS)
        count = 0
        for slug, handle, *values, days, window_days in scores.iterator(chunk_size=2000):
            row = [safe_cell(slug), safe_cell(handle), *map(number, values), days, window_days]
            writer.writerow(row)
            count += 1
        return count
