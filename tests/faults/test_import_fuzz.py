"""Random bytes fed to both import commands: each either imports or answers a CommandError
with a sentence, never a traceback, and an error stores nothing (issue 15, item 6)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from predictions.models import Forecast
from registry.models import Claim, Source
from tests import factories

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Bytes, and texts that look like the real thing with hostile pieces mixed in.
HOSTILE = st.sampled_from(["\x00", "\ud800", "\u202e", "=cmd|'/C calc'!A0", "9" * 400, "\r"])
CSV_LIKE = st.lists(
    st.one_of(st.text(max_size=40), HOSTILE, st.sampled_from([",", "\n", '"', "0.7", "alice"])),
    max_size=40,
).map("".join)
# A real header, so the rows themselves are what is fuzzed.
ROWS = st.lists(
    st.tuples(
        st.sampled_from(["fuzz-question", "nope", "", "\x00"]),
        st.sampled_from(["alice", "", "x" * 200, "a\ud800b"]),
        st.sampled_from(["2025-01-05T10:00:00Z", "2025-01-05", "1e1000000", ""]),
        st.one_of(st.sampled_from(["0.7", "70", "NaN", "Infinity", "1e1000000", "-0"]), HOSTILE),
        st.text(max_size=30),
    ),
    max_size=6,
).map(
    lambda rows: (
        "question,forecaster,submitted_at,probability,rationale\n"
        + "".join(",".join(f'"{cell}"' for cell in row) + "\n" for row in rows)
    )
)
PROSE_LIKE = st.lists(
    st.one_of(st.text(max_size=60), HOSTILE, st.sampled_from([" will ", " by 2027", ": 70%"])),
    max_size=30,
).map("".join)


def _written(content: str | bytes) -> Path:
    data = content if isinstance(content, bytes) else content.encode("utf-8", "replace")
    with tempfile.NamedTemporaryFile(delete=False, suffix=".txt") as handle:
        handle.write(data)
    return Path(handle.name)


def _run(command: str, *args: str) -> None:
    """Run the command; a CommandError must say something (not a bare traceback)."""
    try:
        call_command(command, *args, stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError as error:
        assert str(error).strip()
        raise


@FUZZ
@given(content=st.one_of(st.binary(max_size=600), CSV_LIKE, ROWS))
def test_import_forecasts_takes_any_file_without_a_traceback(content):
    if not factories.QuestionFactory._meta.model.objects.filter(slug="fuzz-question").exists():
        factories.QuestionFactory(slug="fuzz-question")  # the examples share one database
    before = Forecast.objects.count()
    path = _written(content)
    try:
        _run("import_forecasts", str(path))
    except CommandError:
        assert Forecast.objects.count() == before  # all rows or none
    finally:
        path.unlink()


@FUZZ
@given(content=st.one_of(st.binary(max_size=600), PROSE_LIKE))
def test_import_source_takes_any_file_without_a_traceback(content):
    before = (Source.objects.count(), Claim.objects.count())
    path = _written(content)
    try:
        _run(
            "import_source",
            str(path),
            *("--title", "Fuzzed", "--author", "Jane Doe", "--published", "2026-01-10"),
        )
    except CommandError:
        assert (Source.objects.count(), Claim.objects.count()) == before
    finally:
        path.unlink()
