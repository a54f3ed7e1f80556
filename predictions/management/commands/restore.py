"""`manage.py restore FILE`: a backup back into the configured database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database. Refuses "
        "a database that already holds forecasts unless --replace is given. Stop the web, "
        "worker and beat processes first; run `manage.py verify_scores` after."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file", type=Path, help="a file written by `manage.py backup`")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a database that already holds forecasts",
        )

    def handle(self, *args, file: Path, replace: bool, **options) -> None:  # type: ignore[no-untyped-def]
        try:
            engine = restore(file, replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {file} into the {engine} database. Check it with `manage.py verify_scores`."
        )
