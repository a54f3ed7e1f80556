"""The derived score tables as numpy columns, and writing them by changing only what
differs: rows compared in numpy and written by binary COPY on PostgreSQL, the ORM
elsewhere (SQLite).

Each table is a `TableSpec` (its keys, its values and their PostgreSQL types); rows travel
as `Columns`, one numpy array per column: a full rescore on PostgreSQL builds no model
instance.
"""

from __future__ import annotations

import struct
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


def _binary_records(spec: TableSpec, columns: Columns, text: dict[str, bytes]) -> bytes:
    """Rows in PostgreSQL's binary COPY format (without header and trailer), built by
    numpy in one go; each text column holds the one value `text` gives for it."""
    fields = [("field_count", ">i2")]
    for name in spec.columns:
        kind = f"S{len(text[name])}" if name in text else _BINARY_FORMATS[spec.types[name]]
        fields += [(f"{name}_length", ">i4"), (name, kind)]
    records = np.empty(len(columns[spec.columns[0]]), dtype=np.dtype(fields))
    records["field_count"] = len(spec.columns)
    for name in spec.columns:
        if name in text:
            records[f"{name}_length"] = len(text[name])
            records[name] = text[name]
        else:
            records[f"{name}_length"] = np.dtype(_BINARY_FORMATS[spec.types[name]]).itemsize
            records[name] = columns[name]
    return records.tobytes()


def _binary_copy_data(spec: TableSpec, columns: Columns) -> bytes:
    """Rows in PostgreSQL's binary COPY format. A text column (a scope) is written a value
    at a time: the rows sharing a value have one fixed width, so each group is one numpy
    record array (a few dozen scopes, not a Python loop per row)."""
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    text_columns = [name for name in spec.columns if spec.types[name] not in _BINARY_FORMATS]
    if not text_columns:
        body = _binary_records(spec, columns, {})
    else:
        (name,) = text_columns  # the derived tables have one text column at most
        values, which = np.unique(columns[name].astype(str), return_inverse=True)
        which = which.ravel()
        parts = []
        for index, value in enumerate(values.tolist()):
            rows = np.flatnonzero(which == index)
            part = {column: columns[column][rows] for column in spec.columns}
            parts.append(_binary_records(spec, part, {name: value.encode()}))
        body = b"".join(parts)
    return header + body + struct.pack(">h", -1)


# --- Comparing in numpy, writing only the rows that differ


def _where(filters: dict[str, list], exclude: dict[str, list]) -> tuple[str, list]:
    clauses = [f"{name} = ANY(%s)" for name in filters]
    clauses += [f"NOT ({name} = ANY(%s))" for name in exclude]
    return " AND ".join(clauses) or "TRUE", [*filters.values(), *exclude.values()]


def read_columns(
    spec: TableSpec,
    filters: dict[str, list] | None = None,
    exclude: dict[str, list] | None = None,
    names: tuple[str, ...] | None = None,
) -> Columns:
    """The stored rows whose fields are in the `filters` lists (and not in `exclude`'s):
    every column, or only those `names`."""
    filters, exclude = filters or {}, exclude or {}
    if names is not None:
        spec = TableSpec(spec.model, (), names, spec.types)
    if connection.vendor != "postgresql":
        queryset = spec.model.objects.filter(**{f"{k}__in": v for k, v in filters.items()})
        queryset = queryset.exclude(**{f"{k}__in": v for k, v in exclude.items()})
        rows = list(queryset.order_by().values_list(*spec.columns))
    else:
        where, params = _where(filters, exclude)
        sql = f"SELECT {', '.join(spec.columns)} FROM {spec.model._meta.db_table} WHERE {where}"
        if all(spec.types[name] in _BINARY_FORMATS for name in spec.columns):
            from predictions.score_inputs import copy_numbers

            # ids and day counts are exact in a double; floats print exactly.
            flat = copy_numbers(sql, np.float64, params).reshape(-1, len(spec.columns))
            return {
                name: flat[:, index].astype(NUMPY_TYPES[spec.types[name]])
                for index, name in enumerate(spec.columns)
            }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    if not rows:
        return empty_columns(spec)
    return {
        name: np.array(values, dtype=NUMPY_TYPES.get(spec.types[name], object))
        for name, values in zip(spec.columns, zip(*rows, strict=True), strict=True)
    }


def _key_codes(spec: TableSpec, stored: Columns, computed: Columns) -> tuple[np.ndarray, ...]:
    """One int64 per row naming its key, comparable between the two sets of rows."""
    codes_stored = np.zeros(len(stored[spec.keys[0]]), dtype=np.int64)
    codes_computed = np.zeros(len(computed[spec.keys[0]]), dtype=np.int64)
    for name in spec.keys:
        both = np.concatenate([stored[name], computed[name]])
        vocabulary, codes = np.unique(both, return_inverse=True)
        codes = codes.ravel().astype(np.int64)
        radix = max(len(vocabulary), 1)
        codes_stored = codes_stored * radix + codes[: len(codes_stored)]
        codes_computed = codes_computed * radix + codes[len(codes_stored) :]
    return codes_stored, codes_computed


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return (a == b) | (np.isnan(a) & np.isnan(b))
    return a == b


def _take(columns: Columns, index: np.ndarray) -> Columns:
    return {name: column[index] for name, column in columns.items()}


def write_differences(spec: TableSpec, stored: Columns, computed: Columns) -> SyncCounts:
    """Make the stored rows `stored` (as `read_columns` read them) equal to `computed`
    (PostgreSQL): rows compared in numpy, then only the new ones inserted (COPY straight
    into the table), the changed ones updated and the gone ones deleted."""
    codes_stored, codes_computed = _key_codes(spec, stored, computed)
    _, in_stored, in_computed = np.intersect1d(
        codes_stored, codes_computed, assume_unique=True, return_indices=True
    )
    same = np.ones(len(in_stored), dtype=bool)
    for name in spec.values:
        same &= _same(stored[name][in_stored], computed[name][in_computed])
    changed = _take(computed, in_computed[~same])
    new = _take(computed, np.flatnonzero(~np.isin(codes_computed, codes_stored)))
    gone = _take(stored, np.flatnonzero(~np.isin(codes_stored, codes_computed)))
    table = spec.model._meta.db_table
    with connection.cursor() as cursor:
        if len(gone[spec.keys[0]]):
            staging = _staging(cursor, spec, gone, spec.keys)
            key_match = " AND ".join(f"s.{k} = t.{k}" for k in spec.keys)
            cursor.execute(f"DELETE FROM {table} t USING {staging} s WHERE {key_match}")
            cursor.execute(f"DROP TABLE {staging}")
        if len(changed[spec.keys[0]]):
            staging = _staging(cursor, spec, changed, spec.columns)
            key_match = " AND ".join(f"s.{k} = t.{k}" for k in spec.keys)
            cursor.execute(
                f"UPDATE {table} t SET {', '.join(f'{v} = s.{v}' for v in spec.values)} "
                f"FROM {staging} s WHERE {key_match}"
            )
            cursor.execute(f"DROP TABLE {staging}")
        if len(new[spec.keys[0]]):
            _copy_into(cursor, spec, table, new, spec.columns)
    return SyncCounts(len(new[spec.keys[0]]), int((~same).sum()), len(gone[spec.keys[0]]))


def _copy_into(cursor, spec: TableSpec, table: str, columns: Columns, names: tuple) -> None:
    part = TableSpec(spec.model, (), names, {name: spec.types[name] for name in names})
    copy_sql = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    with cursor.cursor.copy(copy_sql) as copy:
        copy.write(_binary_copy_data(part, columns))


def _staging(cursor, spec: TableSpec, columns: Columns, names: tuple) -> str:
    staging = f"staging_{spec.model._meta.db_table}"
    cursor.execute(
        f"CREATE TEMP TABLE {staging} ("
        + ", ".join(f"{name} {spec.types[name]}" for name in names)
        + ") ON COMMIT DROP"
    )
    _copy_into(cursor, spec, staging, columns, names)
    cursor.execute(f"ANALYZE {staging}")
    return staging


def sync_region(spec: TableSpec, computed: Columns, filters: dict[str, list] | None) -> SyncCounts:
    """Make the stored rows whose fields are in the `filters` lists (None: every row) equal
    to `computed`, writing only the rows that differ."""
    if connection.vendor == "postgresql":
        return write_differences(spec, read_columns(spec, filters), computed)
    existing = spec.model.objects.filter(
        **{f"{field}__in": values for field, values in (filters or {}).items()}
    )
    return sync_orm(spec, existing, computed)
