"""`manage.py backup FILE`: the whole database to a file (see config/backups.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the whole database to FILE: pg_dump's custom format on PostgreSQL, a copy "
        "taken with the online backup API on SQLite. The site may keep running."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file", type=Path, help="a new file to write")

    def handle(self, *args, file: Path, **options) -> None:  # type: ignore[no-untyped-def]
        try:
            result = backup(file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backed up the {result.engine} database to {result.path} ({result.bytes:,} bytes)."
        )
