"""Scoring benchmark: a synthetic history in PostgreSQL, then the timings of issues 3 and 16.

    .venv/bin/python bench/scoring.py                      # the reference size
    .venv/bin/python bench/scoring.py --forecasts 100000 --questions 1000 --forecasters 500
    .venv/bin/python bench/scoring.py --workers 2          # and the Celery chord's speed-up

It loads (with COPY, into its own database `hindsight_bench`, emptied first) a history of
resolved questions with windows of 30-365 days, one of them with 1,000 forecasters, and
prints:
  - read floor: a plain `COPY predictions_forecast TO STDOUT`, consumed and discarded;
  - kernel: `scoring.score_question` over every question, arrays already in memory;
  - reference loop: the plain implementation of tests/predictions/scoring_reference.py
    on a sample of questions, against the kernel on the same sample;
  - rescore --all end to end (read, score, write scores and totals), on an empty store;
    again when nothing changed (the fingerprints skip every question); with --full on a
    store that is already right; each beside a read floor measured just before it;
  - a resolution of the 1,000-forecaster question, from its commit to the leaderboard API
    showing it (the rescore a worker would run, then the API's response);
  - with --workers N: N real `celery worker` processes, and `rescore --all --workers N`
    from an empty store, against the one-process figure;
  - verify_scores over everything after the single-process figures and after the workers'.
The load average is printed beside the figures: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options; `parse_args([])` gives the reference history's sizes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forecasts", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--forecasters", type=int, default=5_000)
    parser.add_argument("--big-question-forecasters", type=int, default=1_000)
    parser.add_argument("--reference-sample", type=int, default=20, help="questions")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/hindsight_bench"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the cache and, with --workers, the broker",
    )
    parser.add_argument("--workers", type=int, default=0, help="Celery worker processes")
    parser.add_argument(
        "--reuse-history",
        action="store_true",
        help="keep the history already in the database if it has the asked-for size",
    )
    return parser.parse_args(argv)


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


BENCH_QUEUE = "bench-scoring"


def setup_django(url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = redis_url
    os.environ["CELERY_QUEUE"] = BENCH_QUEUE
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("ENV_FILE", "/nonexistent")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Timer:
    def __init__(self) -> None:
        self.figures: dict[str, float] = {}

    def __call__(self, name: str):
        timer = self

        class _Block:
            def __enter__(self):
                self.started = time.perf_counter()

            def __exit__(self, *exc):
                timer.figures[name] = time.perf_counter() - self.started
                print(f"  {name}: {timer.figures[name]:.3f} s", flush=True)

        return _Block()


def _copy_text(value) -> str:
    """A Python default as COPY's text format reads it."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        return json.dumps(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _defaults_for(table: str, columns: list[str]) -> tuple[list[str], str]:
    """The NOT NULL columns of `table` the bench does not name, with their model defaults,
    so that a field added to a model later does not break the bench's COPY."""
    from django.apps import apps

    model = next(
        (m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table),
        None,
    )
    if model is None:
        return [], ""
    extra = [
        field
        for field in model._meta.local_concrete_fields
        if field.column not in columns and not field.null and not field.primary_key
    ]
    return [field.column for field in extra], "".join(
        "\t" + _copy_text(field.get_default()) for field in extra
    )


def copy_rows(cursor, table: str, columns: list[str], lines: list[str]) -> None:
    extra_columns, extra_values = _defaults_for(table, columns)
    if extra_columns:
        columns = [*columns, *extra_columns]
        lines = [line[:-1] + extra_values + "\n" for line in lines]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        block = 200_000
        for start in range(0, len(lines), block):
            copy.write("".join(lines[start : start + block]))


def generate(args: argparse.Namespace) -> int:
    """Write the synthetic history; the id of the question with many forecasters."""
    from django.db import connection

    rng = np.random.default_rng(args.seed)
    n_questions, n_forecasters = args.questions, args.forecasters
    base = datetime(2024, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC).isoformat()
    us_per_day = 86_400_000_000
    base_us = int(base.timestamp()) * 1_000_000

    window_days = rng.integers(30, 366, n_questions)
    opens_us = base_us + rng.integers(0, 500, n_questions) * us_per_day
    opens_us += rng.integers(0, us_per_day, n_questions)
    closes_us = opens_us + window_days * us_per_day
    multiple_choice = rng.random(n_questions) < 0.1
    multiple_choice[0] = False
    early = rng.random(n_questions) < 0.15
    known_us = np.where(
        early,
        opens_us + rng.integers(1, np.maximum(window_days, 2)) * us_per_day,
        closes_us + rng.integers(1, 20, n_questions) * us_per_day,
    )

    # Forecast counts: question 1 holds the big one, the rest share what is left.
    big = args.big_question_forecasters
    big_forecasts = min(big * 3, args.forecasts // 2)
    rest = rng.multinomial(
        args.forecasts - big_forecasts, np.full(n_questions - 1, 1 / (n_questions - 1))
    )
    per_question = np.concatenate([[big_forecasts], rest])
    question_of = np.repeat(np.arange(n_questions), per_question)
    n = len(question_of)
    pool = np.maximum(per_question // 2, 1)
    pool[0] = big
    pool_of = pool[question_of]
    # Each question's forecasters: a random offset into the forecaster list, wrapping.
    offsets = rng.integers(0, n_forecasters, n_questions)
    forecaster_of = (offsets[question_of] + rng.integers(0, 1 << 30, n) % pool_of) % n_forecasters
    if big <= n_forecasters:
        forecaster_of[:big_forecasts] = (
            np.arange(big_forecasts) % big + offsets[0]
        ) % n_forecasters
    span = closes_us[question_of] - opens_us[question_of]
    submitted_us = opens_us[question_of] + (rng.random(n) * span).astype(np.int64)
    order = np.lexsort((submitted_us, question_of))
    question_of, forecaster_of, submitted_us = (
        question_of[order],
        forecaster_of[order],
        submitted_us[order],
    )
    yes = rng.integers(1, 1000, n)
    second = rng.integers(1, 1000, n)
    mc_rows = multiple_choice[question_of]

    def iso(us: np.ndarray) -> np.ndarray:
        return np.datetime_as_string(us.astype("datetime64[us]"), unit="us")

    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("SET session_replication_role = replica")  # bulk load: skip triggers
        cursor.execute(
            "TRUNCATE predictions_forecastertotal, predictions_questionscore, "
            "predictions_crowdscore, predictions_crowdtotal, predictions_questionscorebasis, "
            "predictions_forecast, resolvers_resolution, registry_claim, registry_source, "
            "registry_question_tags, registry_tag, registry_questionoption, registry_question, "
            "registry_forecaster RESTART IDENTITY CASCADE"
        )
        copy_rows(
            cursor,
            "registry_forecaster",
            ["id", "handle", "display_name", "kind", "bio", "email_notifications", "created_at"],
            [
                f"{i + 1}\tf-{i + 1:05d}\tForecaster {i + 1}\thuman\t\tf\t{now}\n"
                for i in range(n_forecasters)
            ],
        )
        opens, closes = iso(opens_us), iso(closes_us)
        resolve_by = iso(closes_us + 30 * us_per_day)
        kinds = np.where(multiple_choice, "multiple_choice", "binary")
        copy_rows(
            cursor,
            "registry_question",
            [
                "id",
                "slug",
                "title",
                "body",
                "resolution_criteria",
                "fine_print",
                "kind",
                "opens_at",
                "closes_at",
                "resolve_by",
                "published_at",
                "crowd_hidden_until_forecast",
                "created_at",
                "updated_at",
            ],
            [
                f"{q + 1}\tq-{q + 1:06d}\tQuestion {q + 1}\t\tcriteria\t\t{kinds[q]}\t{opens[q]}Z"
                f"\t{closes[q]}Z\t{resolve_by[q]}Z\t{now}\tf\t{now}\t{now}\n"
                for q in range(n_questions)
            ],
        )
        mc_ids = np.flatnonzero(multiple_choice) + 1
        copy_rows(
            cursor,
            "registry_questionoption",
            ["question_id", "label", "position"],
            [f"{q}\tOption {k}\t{k}\n" for q in mc_ids.tolist() for k in range(3)],
        )
        copy_rows(
            cursor,
            "registry_tag",
            ["id", "slug", "name"],
            [f"{t + 1}\ttag-{t + 1}\tTag {t + 1}\n" for t in range(20)],
        )
        tag_of = rng.integers(1, 21, n_questions)
        copy_rows(
            cursor,
            "registry_question_tags",
            ["question_id", "tag_id"],
            [f"{q + 1}\t{tag_of[q]}\n" for q in range(n_questions)],
        )
        copy_rows(
            cursor,
            "registry_source",
            [
                "id",
                "slug",
                "title",
                "publication",
                "url",
                "published_on",
                "language",
                "text",
                "created_at",
            ],
            [
                f"{s + 1}\tsource-{s + 1}\tSource {s + 1}\t\t\t2024-01-01\ten\t\t{now}\n"
                for s in range(50)
            ],
        )
        claimed = np.flatnonzero(rng.random(n_questions) < 0.2)
        copy_rows(
            cursor,
            "registry_claim",
            [
                "source_id",
                "quote",
                "start_offset",
                "end_offset",
                "probability_phrase",
                "question_id",
                "created_at",
            ],
            [f"{1 + q % 50}\tquote\t0\t5\t\t{q + 1}\t{now}\n" for q in claimed.tolist()],
        )
        outcome = np.where(rng.random(n_questions) < 0.4, "yes", "no")
        option_ids = {}
        cursor.execute("SELECT question_id, id FROM registry_questionoption WHERE position = 1")
        option_ids = dict(cursor.fetchall())
        known = np.datetime_as_string(known_us.astype("datetime64[us]"), unit="D")
        resolution_lines = []
        for q in range(n_questions):
            if multiple_choice[q]:
                what, option = "option", str(option_ids[q + 1])
            else:
                what, option = outcome[q], "\\N"
            resolution_lines.append(
                f"{q + 1}\t{what}\t{option}\t{known[q]}\tfinal\twhy\tbench\t{now}\t{now}\n"
            )
        copy_rows(
            cursor,
            "resolvers_resolution",
            [
                "question_id",
                "outcome",
                "outcome_option_id",
                "known_on",
                "state",
                "rationale",
                "resolver",
                "created_at",
                "finalized_at",
            ],
            resolution_lines,
        )
        submitted = iso(submitted_us)
        lines = []
        for i in range(n):
            if mc_rows[i]:
                a = int(yes[i]) % 700 + 1
                b = int(second[i]) % (998 - a) + 1
                c = 1000 - a - b
                vector = f"[{a / 1000}, {b / 1000}, {c / 1000}]"
            else:
                vector = f"[{yes[i] / 1000}]"
            who, what = forecaster_of[i] + 1, question_of[i] + 1
            lines.append(f"{who}\t{what}\t{vector}\t\t{submitted[i]}Z\timport\n")
        copy_rows(
            cursor,
            "predictions_forecast",
            [
                "forecaster_id",
                "question_id",
                "probabilities",
                "rationale",
                "submitted_at",
                "origin",
            ],
            lines,
        )
        for table in (
            "registry_forecaster",
            "registry_question",
            "registry_tag",
            "registry_source",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE")
    return 1


def read_floor() -> float:
    from django.db import connection

    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY predictions_forecast TO STDOUT") as copy,
    ):
        for _ in copy:
            pass
    return time.perf_counter() - started


def kernel(inputs: list) -> None:
    """The pure scoring kernel over questions already in memory."""
    from predictions import scoring

    for data in inputs:
        forecasts = data.forecasts
        scoring.score_question(
            forecasts.forecaster_index,
            forecasts.submitted_at_us,
            forecasts.probabilities,
            len(forecasts.forecaster_ids),
            data.question.window,
            data.question.outcome,
        )


def reference_forecasts(data) -> list:
    """One question's log in the reference implementation's plain shape."""
    from tests.predictions import scoring_reference as ref

    forecasts = data.forecasts
    return [
        ref.Forecast(int(who), ref.to_datetime(int(us)), tuple(float(p) for p in vector))
        for who, us, vector in zip(
            forecasts.forecaster_index,
            forecasts.submitted_at_us,
            forecasts.probabilities,
            strict=True,
        )
    ]


def load_average() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def floor_now(timer: Timer, label: str) -> float:
    """The read floor, best of 3, measured just before a figure."""
    floor = min(read_floor() for _ in range(3))
    timer.figures[f"read floor before {label}"] = floor
    print(f"  read floor (best of 3) before {label}: {floor:.3f} s; {load_average()}")
    return floor


def empty_the_store() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE predictions_forecastertotal, predictions_questionscore, "
            "predictions_crowdscore, predictions_crowdtotal, predictions_questionscorebasis"
        )
        cursor.execute("UPDATE resolvers_resolution SET scored_at = NULL")
        cursor.execute("ANALYZE")


def history_matches(args: argparse.Namespace) -> bool:
    from predictions.models import Forecast
    from registry.models import Forecaster, Question

    return (
        Forecast.objects.count() == args.forecasts
        and Question.objects.count() == args.questions
        and Forecaster.objects.count() == args.forecasters
    )


def start_workers(args: argparse.Namespace, log_dir: Path) -> list:
    """`celery worker` processes on the bench's database and Redis, one task at a time."""
    import subprocess

    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_QUEUE": BENCH_QUEUE,
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]
    command += ["--loglevel", "INFO", "--without-mingle", "--without-gossip"]
    workers = []
    for index in range(args.workers):
        log = (log_dir / f"bench-worker-{index}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [*command, "-n", f"bench{index}@%h"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def wait_for_workers(count: int, timeout: float = 60) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise SystemExit(f"only {len(replies)} of {count} workers answered")


def resolution_to_leaderboard(timer: Timer, big_question_id: int) -> None:
    """An override of the big question's outcome, from its commit to the leaderboard API
    showing it: the rescore a worker runs on the outbox's message, then the API."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from predictions import rescoring
    from registry.models import Question
    from resolvers import services

    question = Question.objects.get(pk=big_question_id)
    forecasters = question.forecasts.values("forecaster").distinct().count()
    staff, _ = get_user_model().objects.get_or_create(username="bench-admin", is_staff=True)
    client = Client(HTTP_HOST="127.0.0.1")
    url = "/api/v1/leaderboard/?scope=all"
    before = client.get(url).content  # cached for the current scores version
    assert client.get(url).content == before
    current = question.resolutions.get(superseded_at__isnull=True)
    services.resolution_record(
        question=question,
        outcome="no" if current.outcome == "yes" else "yes",
        rationale="bench override",
        user=staff,
        known_on=current.known_on,
    )
    committed = time.perf_counter()
    rescoring.rescore_question(question_id=question.pk)
    rescored = time.perf_counter()
    after = client.get(url)
    shown = time.perf_counter()
    assert after.status_code == 200 and after.content != before, "the board did not move"
    name = f"resolution commit -> leaderboard API shows it, {forecasters} forecasters"
    timer.figures[name] = shown - committed
    timer.figures["  of which rescore_question"] = rescored - committed
    print(
        f"  {name}: {shown - committed:.3f} s (rescore_question {rescored - committed:.3f} s, "
        f"API {shown - rescored:.3f} s); {load_average()}"
    )


def print_task_times(log_dir: Path) -> None:
    """Each shard's and the callback's run time, as the workers logged them."""
    import re

    for log in sorted(log_dir.glob("*.log")):
        for name, seconds in re.findall(
            r"Task predictions\.(rescore_shard|rescore_totals)\[[^]]+\] succeeded in ([0-9.]+)s",
            log.read_text(errors="replace"),
        ):
            print(f"  {log.stem}: {name} ran {float(seconds):.3f} s")


def verify(timer: Timer, label: str) -> int:
    from predictions import rescoring

    with timer(f"verify_scores over everything ({label})"):
        differences = rescoring.verify_scores()
    print(f"  verify_scores differences: {len(differences)}")
    return len(differences)


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url, args.redis_url)
    from django.core.management import call_command

    from predictions import scoring
    from predictions.models import Forecast
    from predictions.score_inputs import all_scoring_inputs
    from tests.predictions import scoring_reference as ref

    timer = Timer()
    print(f"Machine: {os.cpu_count()} cores; {load_average()}")
    if args.reuse_history and history_matches(args):
        print("Reusing the history already stored (same size).")
        big_question_id = 1
    else:
        print(
            f"Generating {args.forecasts:,} forecasts on {args.questions:,} resolved questions "
            f"by {args.forecasters:,} forecasters (seed {args.seed})...",
            flush=True,
        )
        with timer("generate (COPY, not a figure)"):
            big_question_id = generate(args)
    print(f"  forecasts stored: {Forecast.objects.count():,}")
    empty_the_store()

    print("Figures:")
    floor = floor_now(timer, "the kernel figures")
    timer.figures["read floor (COPY forecasts to nowhere)"] = floor

    with timer("load every scoring input (a COPY per vector width, parsed)"):
        inputs = list(all_scoring_inputs())
    with timer("kernel: score every question in memory"):
        kernel(inputs)

    sample = [data for data in inputs[1:] if len(data.forecasts.forecast_ids) > 0]
    sample = sample[: args.reference_sample]
    reference_rows = [reference_forecasts(data) for data in sample]
    started = time.perf_counter()
    for data, rows in zip(sample, reference_rows, strict=True):
        # The window's first day and E stand for opens_at and closes_at: the same window.
        window = data.question.window
        ref.score_question(
            rows,
            len(data.forecasts.forecaster_ids),
            ref.to_datetime(window.first_day * scoring.US_PER_DAY),
            ref.to_datetime(window.end_us),
            None,
            data.question.outcome,
        )
    reference_seconds = time.perf_counter() - started
    started = time.perf_counter()
    repeats = 20
    for _ in range(repeats):
        kernel(sample)
    kernel_seconds = (time.perf_counter() - started) / repeats
    print(
        f"  reference loop on {len(sample)} questions: {reference_seconds:.3f} s; kernel on "
        f"the same: {kernel_seconds * 1000:.2f} ms"
    )
    del inputs

    ratios = {}
    for label, options in (
        ("rescore --all, empty store", ["--all"]),
        ("rescore --all, nothing changed", ["--all"]),
        ("rescore --all --full, store already right", ["--all", "--full"]),
    ):
        floor = floor_now(timer, label)
        with timer(label):
            call_command("rescore", *options)
        ratios[label] = timer.figures[label] / floor

    resolution_to_leaderboard(timer, big_question_id)
    differences = verify(timer, "one process")

    if args.workers:
        import tempfile

        print(f"With {args.workers} Celery worker processes:")
        log_dir = Path(tempfile.mkdtemp(prefix="bench-workers-"))
        workers = start_workers(args, log_dir)
        try:
            wait_for_workers(args.workers)
            empty_the_store()
            floor = floor_now(timer, "the workers")
            label = f"rescore --all --workers {args.workers}, empty store"
            with timer(label):
                call_command("rescore", "--all", "--workers", str(args.workers))
            ratios[label] = timer.figures[label] / floor
            one = timer.figures["rescore --all, empty store"]
            print(
                f"  speed-up over one process: {one / timer.figures[label]:.2f}x "
                f"(floors {timer.figures['read floor before rescore --all, empty store']:.3f} s "
                f"and {floor:.3f} s)"
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
        print_task_times(log_dir)
        differences += verify(timer, "after the workers")

    print("Ratios:")
    print(f"  kernel vs reference loop: {reference_seconds / kernel_seconds:,.0f}x faster")
    for label, ratio in ratios.items():
        print(f"  {label} / read floor: {ratio:.1f}x")
    print(f"  verify_scores differences: {differences}")
    print(f"Done; {load_average()}")


if __name__ == "__main__":
    main()
