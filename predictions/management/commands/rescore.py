"""Recompute stored scores and leaderboard totals from the forecast log."""

from django.core.management.base import BaseCommand, CommandError

from predictions import rescoring
from registry.models import Question


class Command(BaseCommand):
    help = "Recompute scores: every question with --all, or the questions named by slug."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("questions", nargs="*", metavar="QUESTION", help="question slugs")
        parser.add_argument("--all", action="store_true", help="every question")

    def handle(self, *args, questions: list[str], all: bool, **options) -> None:  # type: ignore[no-untyped-def]
        if all == bool(questions):
            raise CommandError("Name questions by slug, or pass --all (not both).")
        if all:
            report = rescoring.rescore_all()
        else:
            found = dict(Question.objects.filter(slug__in=questions).values_list("slug", "pk"))
            missing = sorted(set(questions) - found.keys())
            if missing:
                raise CommandError(f"Unknown question(s): {', '.join(missing)}")
            report = rescoring.RescoreReport(0, rescoring.SyncCounts(), rescoring.SyncCounts())
            for slug in questions:
                report = report + rescoring.rescore_question(question_id=found[slug])
        self.stdout.write(
            f"Rescored {report.questions} question(s): scores {_counts(report.scores)}; "
            f"totals {_counts(report.totals)}; the crowd's {_counts(report.crowd)}."
        )


def _counts(counts: rescoring.SyncCounts) -> str:
    return f"{counts.created} created, {counts.updated} updated, {counts.deleted} deleted"
