"""Writes of forecasts. The only code path that creates a Forecast from user input."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from config.clock import database_now
from config.errors import ApplicationError
from config.text import unstorable
from predictions.csv_cells import cell_restored
from predictions.models import Forecast
from registry.models import Forecaster, Question
from resolvers.models import Resolution

MIN_PROBABILITY = 0.001
MAX_PROBABILITY = 0.999
SUM_TOLERANCE = 1e-6
MAX_RATIONALE_CHARS = 10_000

_MISSING: Any = object()


def _number_problem(value: Any) -> str | None:
    """Why `value` is not an acceptable probability, or None if it is."""
    if value is None:
        return "is required and may not be null"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, not {type(value).__name__}"
    # Only floats can be NaN or infinite; math.isfinite() on an int too large for a float
    # (valid JSON, e.g. 1 followed by 400 zeros) raises OverflowError. Such an int is
    # refused by the range check below.
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    if not MIN_PROBABILITY <= value <= MAX_PROBABILITY:
        if 1 < value <= 100:  # a percentage: say how the API writes it
            return (
                f"must be between {MIN_PROBABILITY} and {MAX_PROBABILITY}, a probability, not "
                f"a percentage: {value:g}% is written {value / 100:g}"
            )
        return f"must be between {MIN_PROBABILITY} and {MAX_PROBABILITY}"
    return None


def probabilities_from_input(
    *, question: Question, probability: Any = _MISSING, probabilities: Any = _MISSING
) -> list[float]:
    """The stored vector for a submission: `[p]` for binary, options in order otherwise.

    Binary questions take `probability` (P(yes)); multiple-choice ones take `probabilities`
    keyed by option label, every option present, summing to 1.
    """
    if question.is_binary:
        if probabilities is not _MISSING:
            raise ApplicationError.invalid_fields(
                {"probabilities": "a binary question takes 'probability' (the chance of Yes)"}
            )
        if probability is _MISSING:
            raise ApplicationError.invalid_fields({"probability": "is required"})
        problem = _number_problem(probability)
        if problem:
            raise ApplicationError.invalid_fields({"probability": problem})
        return [float(probability)]

    if probability is not _MISSING:
        raise ApplicationError.invalid_fields(
            {"probability": "a multiple-choice question takes 'probabilities' by option"}
        )
    if probabilities is _MISSING:
        raise ApplicationError.invalid_fields({"probabilities": "is required"})
    if not isinstance(probabilities, Mapping):
        raise ApplicationError.invalid_fields(
            {"probabilities": "must be an object mapping each option label to a probability"}
        )
    labels = question.option_labels()
    errors: dict[str, str] = {}
    unknown = [str(key) for key in probabilities if key not in labels]
    if unknown:
        errors["probabilities"] = "unknown options: " + ", ".join(repr(k) for k in unknown)
    for label in labels:
        if label not in probabilities:
            errors[f"probabilities.{label}"] = "is missing"
            continue
        problem = _number_problem(probabilities[label])
        if problem:
            errors[f"probabilities.{label}"] = problem
    if errors:
        raise ApplicationError.invalid_fields(errors)
    vector = [float(probabilities[label]) for label in labels]
    total = math.fsum(vector)
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ApplicationError.invalid_fields(
            {"probabilities": f"must sum to 1 (they sum to {total:.6g})"}
        )
    return vector


def forecast_submit(
    *,
    forecaster: Forecaster,
    question: Question,
    probability: Any = _MISSING,
    probabilities: Any = _MISSING,
    rationale: str = "",
    origin: str = Forecast.Origin.API,
) -> Forecast:
    """Record a forecast if the question is open now, by the database clock.

    The question row is locked first, so a forecast racing the close (or a resolution)
    is decided against the state that close leaves: it lands before, or is refused.
    """
    if not isinstance(rationale, str):
        raise ApplicationError.invalid_fields({"rationale": "must be text"})
    if len(rationale) > MAX_RATIONALE_CHARS:
        raise ApplicationError.invalid_fields(
            {"rationale": f"must be at most {MAX_RATIONALE_CHARS} characters"}
        )
    if unstorable(rationale):
        raise ApplicationError.invalid_fields({"rationale": unstorable(rationale)})
    vector = probabilities_from_input(
        question=question, probability=probability, probabilities=probabilities
    )
    # No savepoint when a caller's transaction holds this one (the API, the form): a refusal
    # raised here leaves it through the caller's block, which rolls everything back.
    with transaction.atomic(savepoint=False):
        locked = Question.objects.select_for_update().get(pk=question.pk)
        now = database_now()
        status = locked.status_at(now)
        if status != Question.Status.OPEN:
            raise ApplicationError(
                _REFUSAL_BY_STATUS.get(status, f"The question is {status}."),
                code="conflict",
                fields={"question": f"is {status}"},
            )
        return Forecast.objects.create(
            forecaster=forecaster,
            question=locked,
            probabilities=vector,
            rationale=rationale,
            submitted_at=now,
            origin=origin,
        )


_REFUSAL_BY_STATUS = {
    Question.Status.DRAFT: "The question is a draft and takes no forecasts yet.",
    Question.Status.UPCOMING: "The question has not opened yet.",
    Question.Status.CLOSED: "The question has closed; no more forecasts are accepted.",
    Question.Status.RESOLVING: "The question's outcome is being resolved.",
    Question.Status.RESOLVED: "The question has resolved.",
    Question.Status.ANNULLED: "The question was annulled.",
}


# --- Historical forecasts: a track record brought from elsewhere, as CSV rows -------------

OPTION_COLUMN_PREFIX = "p:"
IMPORT_REQUIRED_COLUMNS = ("question", "forecaster", "submitted_at")
IMPORT_OPTIONAL_COLUMNS = ("probability", "rationale", "kind")
IMPORTABLE_FORECASTER_KINDS = (Forecaster.Kind.PUNDIT, Forecaster.Kind.BOT)
_HANDLE_MAX_LENGTH = Forecaster._meta.get_field("handle").max_length


class ImportProblem(NamedTuple):
    """One problem in an import file: its CSV line (the header is line 1), column, message.

    `column` is empty when the problem is the line as a whole (e.g. a wrong field count).
    """

    line: int
    column: str
    message: str


@dataclasses.dataclass
class ImportReport:
    """What `forecasts_import` did, or, when `errors` is not empty, why it did nothing."""

    created: int = 0
    skipped: int = 0
    forecasters_created: list[Forecaster] = dataclasses.field(default_factory=list)
    question_ids: list[int] = dataclasses.field(default_factory=list)
    errors: list[ImportProblem] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclasses.dataclass(frozen=True)
class _ImportRow:
    line: int
    question: Question
    handle: str
    submitted_at: datetime
    vector: tuple[float, ...]
    rationale: str


def forecasts_import(
    *,
    rows: Sequence[Mapping[Any, Any]],
    columns: Sequence[str] | None = None,
    line_numbers: Sequence[int] | None = None,
) -> ImportReport:
    """Add historical forecasts (origin `import`) from CSV rows, all of them or none.

    `rows` map the header's column names to the cells of one record, as csv.DictReader
    gives them (a missing field as None, surplus fields under the key None). `columns` is
    the header (default: the first row's keys); `line_numbers` the CSV line each row starts
    on (default: 2, 3, ...). Every problem of every row is reported; if there is any,
    nothing is written. A row identical to a stored forecast, or to an earlier row (same
    question, forecaster, submitted_at and probabilities), is skipped.

    The touched questions are locked for the whole import, so two imports of the same file
    cannot both add its forecasts, and the questions' options cannot change meanwhile.
    """
    if columns is None:
        columns = [key for key in rows[0] if key is not None] if rows else []
    columns = list(columns)
    if line_numbers is None:
        line_numbers = range(2, len(rows) + 2)
    if len(line_numbers) != len(rows):
        raise ValueError("line_numbers must give one line per row")

    report = ImportReport(errors=_import_header_problems(columns))
    if report.errors:
        return report

    def cell(row: Mapping[Any, Any], column: str) -> str:
        value = row.get(column)
        # As written before export_forecasts neutralised it against formula injection.
        return cell_restored(value) if isinstance(value, str) else ""

    # Only what a query can hold is looked up; the rest is refused by line below.
    slugs = {s for row in rows if not unstorable(s := cell(row, "question").strip())} - {""}
    handles = {h for row in rows if not unstorable(h := cell(row, "forecaster").strip())} - {""}
    with transaction.atomic():
        questions = {
            question.slug: question
            for question in Question.objects.select_for_update()
            .filter(slug__in=slugs)
            .order_by("pk")
            .prefetch_related("options")
        }
        known = {f.handle: f for f in Forecaster.objects.filter(handle__in=handles)}
        new_kinds = _new_forecaster_kinds(rows, line_numbers, known, cell)
        now = database_now()

        parsed: list[_ImportRow] = []
        for row, line in zip(rows, line_numbers, strict=True):
            problems, result = _import_row(
                row,
                line,
                columns=columns,
                cell=cell,
                questions=questions,
                known=known,
                new_kinds=new_kinds,
                now=now,
            )
            report.errors.extend(problems)
            if result is not None:
                parsed.append(result)
        if report.errors:
            report.errors.sort(key=lambda problem: problem.line)
            return report

        present = {
            (question_id, handle, submitted_at, tuple(float(p) for p in probabilities))
            for question_id, handle, submitted_at, probabilities in Forecast.objects.filter(
                question__in=questions.values(), forecaster__in=known.values()
            ).values_list("question_id", "forecaster__handle", "submitted_at", "probabilities")
        }
        to_create: list[_ImportRow] = []
        for item in parsed:
            key = (item.question.pk, item.handle, item.submitted_at, item.vector)
            if key in present:
                report.skipped += 1
                continue
            present.add(key)
            to_create.append(item)

        needed = {item.handle for item in to_create} - known.keys()
        created = Forecaster.objects.bulk_create(
            Forecaster(handle=handle, display_name=handle, kind=new_kinds[handle][0])
            for handle in sorted(needed)
        )
        report.forecasters_created = created
        by_handle = {**known, **{forecaster.handle: forecaster for forecaster in created}}
        Forecast.objects.bulk_create(
            (
                Forecast(
                    forecaster=by_handle[item.handle],
                    question=item.question,
                    probabilities=list(item.vector),
                    rationale=item.rationale,
                    submitted_at=item.submitted_at,
                    origin=Forecast.Origin.IMPORT,
                )
                for item in to_create
            ),
            batch_size=1000,
        )
        report.created = len(to_create)
        report.question_ids = sorted({item.question.pk for item in to_create})
        # Scores of an already resolved question now lag its log: mark it for the sweep.
        Resolution.objects.filter(
            question_id__in=report.question_ids, superseded_at__isnull=True
        ).update(scored_at=None)
    return report


def _import_header_problems(columns: list[str]) -> list[ImportProblem]:
    expected = (
        "question, forecaster, submitted_at, probability, rationale, kind or p:<option label>"
    )
    if not columns:
        return [ImportProblem(1, "", f"the file is empty; its first line must name {expected}")]
    problems = []
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            problems.append(ImportProblem(1, column, "appears more than once in the header"))
        seen.add(column)
        if column.startswith(OPTION_COLUMN_PREFIX):
            if not column[len(OPTION_COLUMN_PREFIX) :]:
                problems.append(ImportProblem(1, column, "names no option after 'p:'"))
        elif column not in IMPORT_REQUIRED_COLUMNS + IMPORT_OPTIONAL_COLUMNS:
            problems.append(ImportProblem(1, column, f"unknown column; expected {expected}"))
    for column in IMPORT_REQUIRED_COLUMNS:
        if column not in seen:
            problems.append(ImportProblem(1, column, "is missing from the header"))
    if "probability" not in seen and not any(
        column.startswith(OPTION_COLUMN_PREFIX) for column in seen
    ):
        problems.append(
            ImportProblem(
                1,
                "probability",
                "the header needs a probability column (binary questions) or "
                "p:<option label> columns (multiple choice)",
            )
        )
    return problems


def _new_forecaster_kinds(rows, line_numbers, known, cell) -> dict[str, tuple[str, int]]:
    """For each unknown handle, the first valid kind a row gives it, and that row's line."""
    kinds: dict[str, tuple[str, int]] = {}
    for row, line in zip(rows, line_numbers, strict=True):
        handle = cell(row, "forecaster").strip()
        kind = cell(row, "kind").strip().lower()
        if handle and handle not in known and kind in IMPORTABLE_FORECASTER_KINDS:
            kinds.setdefault(handle, (kind, line))
    return kinds


def _import_row(
    row: Mapping[Any, Any],
    line: int,
    *,
    columns: list[str],
    cell,
    questions: dict[str, Question],
    known: dict[str, Forecaster],
    new_kinds: dict[str, tuple[str, int]],
    now: datetime,
) -> tuple[list[ImportProblem], _ImportRow | None]:
    """The problems of one row, or none and the forecast it describes."""
    problems: list[ImportProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(ImportProblem(line, column, message))

    surplus = row.get(None) or []
    missing = sum(1 for column in columns if row.get(column) is None)
    if surplus or missing:
        fields = len(columns) + len(surplus) - missing
        problem("", f"has {fields} fields; the header has {len(columns)}")
        return problems, None
    for column in columns:
        reason = unstorable(cell(row, column))
        if reason:
            problem(column, reason)
    if problems:
        return problems, None

    # The question.
    slug = cell(row, "question").strip()
    question = questions.get(slug)
    if not slug:
        problem("question", "is required")
    elif question is None:
        problem("question", f"no question has the slug {slug!r}")
    elif question.published_at is None:
        problem("question", f"{slug!r} is a draft; forecasts go only on published questions")

    # The forecaster, and the kind to create it with if it is new.
    handle = cell(row, "forecaster").strip()
    kind = cell(row, "kind").strip().lower()
    if kind and kind not in IMPORTABLE_FORECASTER_KINDS:
        problem("kind", f"must be 'pundit' or 'bot' (or empty), not {kind!r}")
        kind = ""
    forecaster = known.get(handle)
    if not handle:
        problem("forecaster", "is required")
    elif forecaster is not None:
        if kind and kind != forecaster.kind:
            problem("kind", f"forecaster {handle!r} exists as a {forecaster.kind}, not a {kind}")
    elif not _is_valid_handle(handle):
        problem(
            "forecaster",
            f"{handle!r} is not a valid handle (letters, digits, hyphens and underscores, "
            f"at most {_HANDLE_MAX_LENGTH} characters)",
        )
    elif handle not in new_kinds:
        problem(
            "forecaster",
            f"unknown forecaster {handle!r}; give a kind (pundit or bot) to create it",
        )
    elif kind and kind != new_kinds[handle][0]:
        first_kind, first_line = new_kinds[handle]
        problem("kind", f"{kind!r} conflicts with {first_kind!r} given on line {first_line}")

    # When.
    raw_time = cell(row, "submitted_at").strip()
    submitted_at = None
    if not raw_time:
        problem("submitted_at", "is required")
    else:
        try:
            submitted_at = datetime.fromisoformat(raw_time)
        except ValueError:
            problem("submitted_at", f"{raw_time!r} is not an ISO 8601 date and time")
        else:
            if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
                problem(
                    "submitted_at",
                    f"{raw_time!r} has no UTC offset; write the time with Z or an offset, "
                    "e.g. 2026-05-01T12:00:00Z or 2026-05-01T14:00:00+02:00",
                )
                submitted_at = None
            elif submitted_at > now:
                problem("submitted_at", f"{raw_time!r} is in the future")
                submitted_at = None
            elif question is not None and submitted_at >= question.closes_at:
                problem(
                    "submitted_at",
                    f"{raw_time!r} is not before the question closed "
                    f"({question.closes_at.isoformat()}); no forecasts count after that",
                )
                submitted_at = None

    # Why.
    rationale = cell(row, "rationale")
    if len(rationale) > MAX_RATIONALE_CHARS:
        problem(
            "rationale",
            f"must be at most {MAX_RATIONALE_CHARS} characters (it has {len(rationale)})",
        )

    # How likely: the API's rules and messages, with the API's field names mapped to columns.
    vector = None
    if question is not None:
        vector, vector_problems = _import_vector(row, columns, cell, question)
        for column, message in vector_problems:
            problem(column, message)

    if problems:
        return problems, None
    assert question is not None and submitted_at is not None and vector is not None
    return [], _ImportRow(line, question, handle, submitted_at, tuple(vector), rationale)


def _is_valid_handle(handle: str) -> bool:
    if len(handle) > _HANDLE_MAX_LENGTH:
        return False
    try:
        validate_slug(handle)
    except ValidationError:
        return False
    return True


def _cell_number(raw: str) -> Any:
    """A cell as a float if it reads as one, else the text (which the rules then refuse)."""
    try:
        return float(raw)
    except ValueError:
        return raw


def _import_vector(
    row: Mapping[Any, Any], columns: list[str], cell, question: Question
) -> tuple[list[float] | None, list[tuple[str, str]]]:
    """The row's probability vector via `probabilities_from_input`, or (column, message)s."""
    given: dict[str, Any] = {}
    raw_probability = cell(row, "probability").strip()
    if raw_probability:
        given["probability"] = _cell_number(raw_probability)
    raw_options = {
        column[len(OPTION_COLUMN_PREFIX) :]: cell(row, column).strip()
        for column in columns
        if column.startswith(OPTION_COLUMN_PREFIX) and cell(row, column).strip()
    }
    if raw_options or not question.is_binary:
        given["probabilities"] = {label: _cell_number(raw) for label, raw in raw_options.items()}
    try:
        return probabilities_from_input(question=question, **given), []
    except ApplicationError as error:
        fields = error.fields
    labels = question.option_labels()
    problems = []
    for field_name, message in fields.items():
        if field_name == "probability":
            column, raw = "probability", raw_probability
        elif field_name.startswith("probabilities."):
            label = field_name.removeprefix("probabilities.")
            column, raw = OPTION_COLUMN_PREFIX + label, raw_options.get(label, "")
        else:  # the options as a whole: unknown labels, a binary question, or the sum
            unknown = [label for label in raw_options if label not in labels]
            named = unknown or (list(raw_options) if question.is_binary else labels)
            column, raw = ", ".join(OPTION_COLUMN_PREFIX + label for label in named), ""
        if raw and _number_problem(_cell_number(raw)):
            message = f"{message} (got {raw!r})"
        problems.append((column, message))
    return None, problems
