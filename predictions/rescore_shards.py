"""`rescore --all --workers N`: the questions to rescore split into N shards, each rescored
by a Celery task on whichever worker takes it, and a chord whose callback writes the totals
once every shard is done (Celery does the scheduling; nothing here waits on a worker but
the chord's result).

A shard writes its questions' scores, crowd scores, bases and `scored_at` in one
transaction, holding its questions' rows (a rescore of one of them waits, as it waits for
any rescore of that question); shards of different questions do not wait for one another.
The callback, like every writer of totals, holds the derived tables' share lock while it
computes the totals of the forecasters and scopes the shards touched from the scores they
committed.
"""

from __future__ import annotations

from django.db import transaction

from predictions import rescoring
from predictions.models import CrowdScore, QuestionScore
from predictions.score_tables import SyncCounts
from registry.models import Question

# Questions per shard at most: at the reference history's density (100 forecasts a
# question) 10,000 take ~6 s of a loaded core to score and write (docs/PERFORMANCE.md).
SHARD_QUESTIONS = 10_000


def _questions_listed(full: bool) -> tuple[list[int], int, bool]:
    """The questions to rescore, listed (for shards), how many were looked at, and whether
    that is every question (then the callback rewrites every total)."""
    question_ids, looked_at, survey = rescoring._questions_to_rescore(full)
    if question_ids is not None:
        return question_ids, looked_at, False
    listed = survey.current.keys() | survey.stored.keys()
    listed |= set(QuestionScore.objects.values_list("question_id", flat=True).distinct())
    listed |= set(CrowdScore.objects.values_list("question_id", flat=True))
    return sorted(listed), looked_at, True


@transaction.atomic
def rescore_shard(*, question_ids: list[int]) -> dict:
    """One shard's scores (not the totals): what the callback needs to know, as JSON."""
    list(Question.objects.select_for_update().filter(pk__in=question_ids).order_by("pk"))
    written = rescoring.write_question_scores(question_ids)
    return {
        "questions": written.questions,
        "forecasters": written.forecasters,
        "scopes": sorted(written.scopes),
        "scores": vars(written.score_changes),
        "crowd": vars(written.crowd_changes),
    }


@transaction.atomic
def rescore_totals(*, shards: list[dict], everything: bool) -> dict:
    """The chord's callback: the totals the shards touched (every total if `everything`),
    and the report of the whole rescore."""
    rescoring._lock_derived_tables()
    forecasters = sorted({f for shard in shards for f in shard["forecasters"]})
    scopes = {s for shard in shards for s in shard["scopes"]}
    total_changes, crowd_totals = rescoring.write_totals(
        forecasters=None if everything else forecasters, scopes=None if everything else scopes
    )
    scores, crowd = SyncCounts(), SyncCounts()
    for shard in shards:
        scores += SyncCounts(**shard["scores"])
        crowd += SyncCounts(**shard["crowd"])
    report = rescoring.RescoreReport(
        sum(shard["questions"] for shard in shards), scores, total_changes, crowd + crowd_totals
    )
    if report.changed:
        transaction.on_commit(rescoring._bump_scores_version)
    return report.as_dict()


def rescore_all_on_workers(*, workers: int, full: bool, timeout: float) -> rescoring.RescoreReport:
    """`rescore_all` as a chord of `workers` shard tasks and the totals callback; waits for
    the callback's result (at most `timeout` seconds)."""
    from celery import chord, group

    from predictions import tasks

    with transaction.atomic():
        question_ids, looked_at, everything = _questions_listed(full)
    if not question_ids:
        return rescoring.RescoreReport(looked_at, SyncCounts(), SyncCounts(), unchanged=looked_at)
    # At least one shard a worker, and small enough to run well within the tasks' time
    # limit; round-robin, so that shards get a like mix of old and new questions.
    count = max(workers, -(-len(question_ids) // SHARD_QUESTIONS))
    shards = [question_ids[index::count] for index in range(count)]
    header = group(tasks.rescore_shard.s(shard) for shard in shards if shard)
    result = chord(header)(tasks.rescore_totals.s(everything=everything))
    report = rescoring.RescoreReport.from_dict(result.get(timeout=timeout))
    report.questions, report.unchanged = looked_at, looked_at - len(question_ids)
    return report
