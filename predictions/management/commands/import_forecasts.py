"""Import historical forecasts from a CSV file: all of its rows, or none if any is bad."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from predictions.rescoring import rescore_question
from predictions.services import ImportProblem, forecasts_import


def read_rows(path: Path) -> tuple[list[str], list[dict], list[int]]:
    """The header, the records as dicts (csv.DictReader's shape) and each record's first line.

    Blank lines, and lines whose every field is empty, are skipped. A quoted field may span
    lines, so a record's line is counted from the file, not from its position.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream)
            try:
                columns = next(reader, None) or []
                rows: list[dict] = []
                lines: list[int] = []
                previous = reader.line_num
                for record in reader:
                    start, previous = previous + 1, reader.line_num
                    if not any(field.strip() for field in record):
                        continue
                    row: dict = {
                        column: record[index] if index < len(record) else None
                        for index, column in enumerate(columns)
                    }
                    if len(record) > len(columns):
                        row[None] = record[len(columns) :]
                    rows.append(row)
                    lines.append(start)
            except csv.Error as error:
                raise CommandError(f"{path}, line {reader.line_num}: {error}") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{path} is not UTF-8 text: {error}") from error
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from error
    return columns, rows, lines


def describe(problem: ImportProblem) -> str:
    where = f"line {problem.line}"
    if problem.column:
        where += f", column {problem.column}"
    return f"{where}: {problem.message}"


class Command(BaseCommand):
    help = (
        "Import historical forecasts from a UTF-8 CSV file with the header "
        "question,forecaster,submitted_at,probability,rationale (binary questions) and/or "
        "one p:<option label> column per option (multiple choice), plus an optional kind "
        "column (pundit or bot) for forecasters to create. Nothing is imported from a file "
        "with any bad row; rows already stored are skipped."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file", type=Path, help="the CSV file")

    def handle(self, *args, file: Path, **options) -> None:  # type: ignore[no-untyped-def]
        columns, rows, lines = read_rows(file)
        report = forecasts_import(rows=rows, columns=columns, line_numbers=lines)
        if report.errors:
            for problem in report.errors:
                self.stderr.write(describe(problem))
            bad_lines = len({problem.line for problem in report.errors})
            raise CommandError(
                f"{file}: {len(report.errors)} problem(s) on {bad_lines} line(s); "
                "nothing was imported."
            )
        self.stdout.write(
            f"Imported {report.created} forecast(s) from {file}; "
            f"{report.skipped} already present were skipped."
        )
        if report.forecasters_created:
            created = ", ".join(f"{f.handle} ({f.kind})" for f in report.forecasters_created)
            self.stdout.write(f"Created forecasters: {created}")
        rescored = 0
        for question_id in report.question_ids:
            # A no-op unless the question already has a final outcome.
            if rescore_question(question_id=question_id).scores.changed:
                rescored += 1
        if rescored:
            self.stdout.write(f"Rescored {rescored} resolved question(s).")
