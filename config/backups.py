"""Backups of the whole database, and restoring one, on either engine.

PostgreSQL goes through `pg_dump --format=custom` and `pg_restore` (triggers, functions and
constraints included, so a restored log is as protected as the original). SQLite goes
through its online backup API, which copies a consistent snapshot while the site runs.

A restore refuses a database that already holds forecasts unless it is told to replace
them: restoring over a live record by mistake would lose whatever came after the backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

# A custom-format pg_dump file starts with these bytes; an SQLite file with the others.
PG_DUMP_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot be done, with a sentence saying why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    bytes: int


def _settings(alias: str) -> dict:
    return connections[alias].settings_dict


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


def _pg_command(program: str, settings: dict) -> tuple[list[str], dict]:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (the PostgreSQL client tools)")
    args = [executable, "--no-password"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            args += [flag, str(settings[key])]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _run(args: list[str], env: dict) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{Path(args[0]).name} failed: {detail[-1] if detail else 'no output'}")


def backup(path: Path, *, alias: str = "default") -> BackupResult:
    """Write a backup of the database to ``path`` (which must not exist yet)."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists already; name a new file")
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(alias)
    settings = _settings(alias)
    if engine == "postgresql":
        args, env = _pg_command("pg_dump", settings)
        _run([*args, "--format=custom", "--no-owner", f"--file={path}", settings["NAME"]], env)
    else:
        source = sqlite3.connect(str(settings["NAME"]))
        target = sqlite3.connect(str(path))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    return BackupResult(path=path, engine=engine, bytes=path.stat().st_size)


def _holds_forecasts(alias: str) -> bool:
    connection = connections[alias]
    if "predictions_forecast" not in connection.introspection.table_names():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM predictions_forecast LIMIT 1")
        return cursor.fetchone() is not None


def restore(path: Path, *, alias: str = "default", replace: bool = False) -> str:
    """Restore the backup at ``path`` into the configured database; the engine's name."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    engine = _engine(alias)
    head = path.read_bytes()[:16]
    expected = PG_DUMP_MAGIC if engine == "postgresql" else SQLITE_MAGIC
    if not head.startswith(expected):
        kind = "a pg_dump custom-format file" if engine == "postgresql" else "an SQLite file"
        raise BackupError(f"{path} is not {kind}, so it cannot be restored into {engine}")
    if _holds_forecasts(alias) and not replace:
        raise BackupError(
            "the database already holds forecasts; restoring would replace them. Restore "
            "into an empty database, or pass --replace if that is what you mean"
        )
    settings = _settings(alias)
    connections[alias].close()
    if engine == "postgresql":
        args, env = _pg_command("pg_restore", settings)
        _run(
            [
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={settings['NAME']}",
                str(path),
            ],
            env,
        )
    else:
        source = sqlite3.connect(str(path))
        target = sqlite3.connect(str(settings["NAME"]))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    return engine
