"""The derived score tables as numpy columns, and writing them by changing only what
differs: a staging table filled by COPY on PostgreSQL, the ORM elsewhere (SQLite).

Each table is a `TableSpec` (its keys, its values and their PostgreSQL types); rows travel
as `Columns`, one numpy array per column: a full rescore on PostgreSQL builds no model
instance.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import connection

from predictions.models import CrowdScore, CrowdTotal, ForecasterTotal, QuestionScore


@dataclass(frozen=True)
class TableSpec:
    """The columns of a derived table: its keys, its values and their PostgreSQL types."""

    model: type
    keys: tuple[str, ...]
    values: tuple[str, ...]
    types: dict[str, str]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.keys, *self.values)


SCORES = TableSpec(
    QuestionScore,
    keys=("question_id", "forecaster_id"),
    values=(
        "resolution_id",
        "brier",
        "relative_score",
        "log_loss",
        "spherical",
        "days",
        "window_days",
    ),
    types={
        "question_id": "int8",
        "forecaster_id": "int8",
        "resolution_id": "int8",
        "brier": "float8",
        "relative_score": "float8",
        "log_loss": "float8",
        "spherical": "float8",
        "days": "int4",
        "window_days": "int4",
    },
)
TOTALS = TableSpec(
    ForecasterTotal,
    keys=("forecaster_id", "scope"),
    values=(
        "questions",
        "mean_brier",
        "mean_relative_score",
        "relative_score_low",
        "relative_score_high",
        "mean_log_loss",
    ),
    types={
        "forecaster_id": "int8",
        "scope": "varchar(140)",
        "questions": "int4",
        "mean_brier": "float8",
        "mean_relative_score": "float8",
        "relative_score_low": "float8",
        "relative_score_high": "float8",
        "mean_log_loss": "float8",
    },
)
# The people's crowd, scored as one forecaster: a row per question, a total per scope.
CROWD_SCORES = TableSpec(
    CrowdScore,
    keys=("question_id",),
    values=SCORES.values,
    types={name: SCORES.types[name] for name in ("question_id", *SCORES.values)},
)
CROWD_TOTALS = TableSpec(
    CrowdTotal,
    keys=("scope",),
    values=("questions", "mean_brier", "mean_relative_score", "mean_log_loss"),
    types={
        name: TOTALS.types[name]
        for name in ("scope", "questions", "mean_brier", "mean_relative_score", "mean_log_loss")
    },
)
NUMPY_TYPES = {"int8": np.int64, "int4": np.int64, "float8": np.float64}


Columns = dict[str, np.ndarray]


def empty_columns(spec: TableSpec) -> Columns:
    return {
        name: np.empty(0, dtype=NUMPY_TYPES.get(spec.types[name], object)) for name in spec.columns
    }


def concat_columns(spec: TableSpec, parts: list[Columns]) -> Columns:
    if not parts:
        return empty_columns(spec)
    return {name: np.concatenate([part[name] for part in parts]) for name in spec.columns}


def rows_of(spec: TableSpec, columns: Columns) -> list[tuple]:
    return list(zip(*(columns[name].tolist() for name in spec.columns), strict=True))


# --- Writing only what changed


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __add__(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(
            self.created + other.created,
            self.updated + other.updated,
            self.deleted + other.deleted,
        )

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def sync_orm(spec: TableSpec, existing_queryset, columns: Columns) -> SyncCounts:
    """Make `existing_queryset` hold exactly these rows (the portable path, for SQLite)."""
    keys, values, width = spec.keys, spec.values, len(spec.keys)
    wanted = {row[:width]: row for row in rows_of(spec, columns)}
    existing = {tuple(getattr(obj, name) for name in keys): obj for obj in existing_queryset}
    stale = [obj.pk for key, obj in existing.items() if key not in wanted]
    to_create, to_update = [], []
    for key, row in wanted.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(spec.model(**dict(zip(spec.columns, row, strict=True))))
        elif tuple(getattr(obj, name) for name in values) != row[width:]:
            for name, value in zip(values, row[width:], strict=True):
                setattr(obj, name, value)
            to_update.append(obj)
    if stale:
        spec.model.objects.filter(pk__in=stale).delete()
    if to_update:
        spec.model.objects.bulk_update(to_update, list(values), batch_size=1000)
    if to_create:
        spec.model.objects.bulk_create(to_create, batch_size=1000)
    return SyncCounts(len(to_create), len(to_update), len(stale))


_BINARY_FORMATS = {"int8": ">i8", "int4": ">i4", "float8": ">f8"}


def _binary_copy_data(spec: TableSpec, columns: Columns) -> bytes:
    """Numeric columns in PostgreSQL's binary COPY format, built by numpy in one go."""
    fields = [("field_count", ">i2")]
    for name in spec.columns:
        fields += [(f"{name}_length", ">i4"), (name, _BINARY_FORMATS[spec.types[name]])]
    records = np.empty(len(columns[spec.columns[0]]), dtype=np.dtype(fields))
    records["field_count"] = len(spec.columns)
    for name in spec.columns:
        records[f"{name}_length"] = np.dtype(_BINARY_FORMATS[spec.types[name]]).itemsize
        records[name] = columns[name]
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    return header + records.tobytes() + struct.pack(">h", -1)


def _text_copy_data(spec: TableSpec, columns: Columns) -> str:
    """Rows in COPY's text format; floats by repr, which round-trips exactly."""
    buffer = io.StringIO()
    for row in rows_of(spec, columns):
        buffer.write("\t".join(repr(v) if isinstance(v, float) else str(v) for v in row))
        buffer.write("\n")
    return buffer.getvalue()


def sync_postgres(
    spec: TableSpec, columns: Columns, where: str = "TRUE", params: Iterable = ()
) -> SyncCounts:
    """Make the rows matching `where` equal to `columns`: COPY into a staging table, then
    one DELETE, UPDATE and INSERT, each touching only rows that differ."""
    table, names = spec.model._meta.db_table, spec.columns
    staging = f"staging_{table}"
    key_match = " AND ".join(f"s.{k} = t.{k}" for k in spec.keys)
    differs = (
        f"({', '.join(f't.{v}' for v in spec.values)}) IS DISTINCT FROM "
        f"({', '.join(f's.{v}' for v in spec.values)})"
    )
    numeric = all(spec.types[name] in _BINARY_FORMATS for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {staging} ("
            + ", ".join(f"{name} {spec.types[name]}" for name in names)
            + ") ON COMMIT DROP"
        )
        copy_sql = f"COPY {staging} ({', '.join(names)}) FROM STDIN"
        if numeric:
            with cursor.cursor.copy(copy_sql + " (FORMAT BINARY)") as copy:
                copy.write(_binary_copy_data(spec, columns))
        else:
            with cursor.cursor.copy(copy_sql) as copy:
                copy.write(_text_copy_data(spec, columns))
        cursor.execute(f"CREATE INDEX ON {staging} ({', '.join(spec.keys)})")
        cursor.execute(f"ANALYZE {staging}")
        cursor.execute(
            f"DELETE FROM {table} t WHERE ({where}) AND NOT EXISTS "
            f"(SELECT 1 FROM {staging} s WHERE {key_match})",
            list(params),
        )
        deleted = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} t SET {', '.join(f'{v} = s.{v}' for v in spec.values)} "
            f"FROM {staging} s WHERE {key_match} AND {differs}"
        )
        updated = cursor.rowcount
        # ON CONFLICT, not NOT EXISTS: an anti-join against the table this statement is
        # filling can be planned as a rescan per inserted row (quadratic).
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"SELECT {', '.join(f's.{name}' for name in names)} FROM {staging} s "
            f"ON CONFLICT ({', '.join(spec.keys)}) DO NOTHING"
        )
        created = cursor.rowcount
        cursor.execute(f"DROP TABLE {staging}")
    return SyncCounts(created, updated, deleted)


def sync(spec: TableSpec, columns: Columns, filters: dict[str, list]) -> SyncCounts:
    """Make the stored rows whose fields are in the given lists equal to `columns`."""
    if connection.vendor == "postgresql":
        where = " AND ".join(f"t.{field} = ANY(%s)" for field in filters)
        return sync_postgres(spec, columns, where, list(filters.values()))
    existing = spec.model.objects.filter(
        **{f"{field}__in": values for field, values in filters.items()}
    )
    return sync_orm(spec, existing, columns)
