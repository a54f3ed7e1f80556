"""Export the forecast log as CSV, in the shape import_forecasts reads.

Text cells that a spreadsheet would run as a formula are neutralised
(predictions/csv_cells.py), and import_forecasts reads them back as written.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from predictions.csv_cells import safe_cell
from predictions.models import Forecast
from predictions.services import OPTION_COLUMN_PREFIX
from registry.models import Forecaster, Question, QuestionOption


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the microsecond when there is one."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Command(BaseCommand):
    help = (
        "Write forecasts as CSV (the shape import_forecasts reads), ordered by question slug, "
        "submitted_at and id: a probability column for binary questions, a p:<option label> "
        "column for every multiple-choice option in the export, kind for pundits and bots."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--question",
            dest="questions",
            metavar="SLUG",
            action="extend",
            nargs="+",
            default=[],
            help="only these questions (repeatable; default: all)",
        )
        parser.add_argument("--output", type=Path, help="the file to write (default: stdout)")

    def handle(self, *args, questions: list[str], output: Path | None, **options) -> None:  # type: ignore[no-untyped-def]
        selected = Question.objects.all()
        if questions:
            selected = selected.filter(slug__in=questions)
            unknown = sorted(set(questions) - set(selected.values_list("slug", flat=True)))
            if unknown:
                raise CommandError("no question has the slug " + ", ".join(map(repr, unknown)))
        forecasts = (
            Forecast.objects.filter(question__in=selected)
            .select_related("question", "forecaster")
            .order_by("question__slug", "submitted_at", "id")
        )
        # Options of the multiple-choice questions in the export, in order; the columns are
        # their labels, each once, as they first appear.
        options_of: dict[int, list[str]] = {}
        for question_id, label in (
            QuestionOption.objects.filter(
                question__in=selected.filter(
                    kind=Question.Kind.MULTIPLE_CHOICE, forecasts__isnull=False
                ).distinct()
            )
            .order_by("question__slug", "position")
            .values_list("question_id", "label")
        ):
            options_of.setdefault(question_id, []).append(label)
        labels = list(dict.fromkeys(label for names in options_of.values() for label in names))
        header = ["question", "forecaster", "kind", "submitted_at", "probability"]
        header += [OPTION_COLUMN_PREFIX + label for label in labels]
        header.append("rationale")

        if output is None:
            count = self._write(self.stdout, header, options_of, forecasts)
        else:
            try:
                with output.open("w", encoding="utf-8", newline="") as stream:
                    count = self._write(stream, header, options_of, forecasts)
            except OSError as error:
                raise CommandError(f"cannot write {output}: {error.strerror or error}") from error
            self.stdout.write(f"Wrote {count} forecast(s) to {output}.")

    def _write(self, stream, header, options_of, forecasts) -> int:  # type: ignore[no-untyped-def]
        writer = csv.writer(PassThrough(stream))
        writer.writerow(header)
        count = 0
        for forecast in forecasts.iterator(chunk_size=2000):
            question, forecaster = forecast.question, forecast.forecaster
            # Text cells neutralised; the probabilities are numbers and stay numbers.
            row = {
                "question": safe_cell(question.slug),
                "forecaster": safe_cell(forecaster.handle),
                "kind": forecaster.kind if forecaster.kind != Forecaster.Kind.HUMAN else "",
                "submitted_at": format_time(forecast.submitted_at),
                "rationale": safe_cell(forecast.rationale),
            }
            if question.is_binary:
                row["probability"] = repr(float(forecast.probabilities[0]))
            else:
                for label, probability in zip(
                    options_of[question.pk], forecast.probabilities, strict=True
                ):
                    row[OPTION_COLUMN_PREFIX + label] = repr(float(probability))
            writer.writerow([row.get(column, "") for column in header])
            count += 1
        return count


class PassThrough:
    """Passes text through unchanged (a management command's stdout adds line endings)."""

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self.stream = stream

    def write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
