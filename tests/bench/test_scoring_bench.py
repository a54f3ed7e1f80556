"""bench/scoring.py keeps running as the models grow: a tiny history, end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgresql_only(reason="the bench loads its history with PostgreSQL's COPY")
def test_the_scoring_bench_runs_on_a_tiny_history_and_its_scores_verify():
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/hindsight_bench_suite"
    size = ["--forecasts", "2000", "--questions", "20", "--forecasters", "50"]
    size += ["--big-question-forecasters", "20", "--reference-sample", "5"]
    run = subprocess.run(
        [sys.executable, "bench/scoring.py", *size, "--database-url", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "verify_scores differences: 0" in run.stdout
    assert "rescore --all, empty store:" in run.stdout
