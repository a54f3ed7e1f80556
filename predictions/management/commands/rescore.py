"""Recompute stored scores and leaderboard totals from the forecast log."""

from django.core.management.base import BaseCommand, CommandError

from predictions import rescoring
from registry.models import Question


class Command(BaseCommand):
    help = (
        "Recompute scores: the questions named by slug, or with --all every question whose "
        "inputs changed since its scores were stored (--full: every question, whatever its "
        "fingerprint says; --workers N: as Celery tasks over N shards of questions)."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("questions", nargs="*", metavar="QUESTION", help="question slugs")
        parser.add_argument("--all", action="store_true", help="every question")
        parser.add_argument(
            "--full",
            action="store_true",
            help="with --all: recompute every question, changed or not (repairs a store "
            "edited by hand, which verify_scores reports)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="with --all: fan the questions out over this many Celery tasks (shards) "
            "and wait for the chord that writes the totals once they are done",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=3600,
            help="seconds to wait for --workers (the shards wait for a worker to take them)",
        )

    def handle(
        self,
        *args,
        questions: list[str],
        all: bool,
        full: bool,
        workers: int,
        timeout: float,
        **options,
    ) -> None:  # type: ignore[no-untyped-def]
        if (full or workers) and not all:
            raise CommandError("--full and --workers go with --all.")
        if all == bool(questions):
            raise CommandError("Name questions by slug, or pass --all (not both).")
        if workers < 0:
            raise CommandError("--workers must be 1 or more.")
        if all and workers:
            from predictions import rescore_shards

            try:
                report = rescore_shards.rescore_all_on_workers(
                    workers=workers, full=full, timeout=timeout
                )
            except Exception as error:  # a shard that failed, a timeout, Redis gone
                raise CommandError(
                    f"The rescore on the workers did not finish ({type(error).__name__}: "
                    f"{str(error).strip()}). Shards that finished stay done; run the command "
                    "again to do the rest."
                ) from error
        elif all:
            report = rescoring.rescore_all(full=full)
        else:
            found = dict(Question.objects.filter(slug__in=questions).values_list("slug", "pk"))
            missing = sorted(set(questions) - found.keys())
            if missing:
                raise CommandError(f"Unknown question(s): {', '.join(missing)}")
            report = rescoring.RescoreReport(0, rescoring.SyncCounts(), rescoring.SyncCounts())
            for slug in questions:
                report = report + rescoring.rescore_question(question_id=found[slug])
        unchanged = f" ({report.unchanged} unchanged, skipped)" if report.unchanged else ""
        self.stdout.write(
            f"Rescored {report.questions} question(s){unchanged}: scores "
            f"{_counts(report.scores)}; totals {_counts(report.totals)}; the crowd's "
            f"{_counts(report.crowd)}."
        )


def _counts(counts: rescoring.SyncCounts) -> str:
    return f"{counts.created} created, {counts.updated} updated, {counts.deleted} deleted"
