"""Recompute every score in memory and report stored rows that differ (exit status 1)."""

import sys

from django.core.management.base import BaseCommand

from predictions import rescoring


class Command(BaseCommand):
    help = (
        "Recompute every question score and leaderboard total from the forecast log, in "
        "memory, and list each stored row that differs. Exit status 1 on any difference."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--tolerance", type=float, default=1e-9)
        parser.add_argument("--limit", type=int, default=50, help="differences to print")

    def handle(self, *args, tolerance: float, limit: int, **options) -> None:  # type: ignore[no-untyped-def]
        differences = rescoring.verify_scores(tolerance=tolerance)
        for difference in differences[:limit]:
            self.stdout.write(
                f"{difference.table} {difference.key}: stored {difference.stored}, "
                f"computed {difference.computed}"
            )
        if differences:
            self.stderr.write(
                f"{len(differences)} stored row(s) differ from the log; "
                "`manage.py rescore --all --full` recomputes every question."
            )
            sys.exit(1)
        self.stdout.write("Every stored score matches the forecast log.")
