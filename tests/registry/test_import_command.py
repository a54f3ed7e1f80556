"""`manage.py import_source`: a seed file, a plain text file, a PDF, standard input or a web
address becomes a source with its forecasts proposed as draft questions, printed."""

from __future__ import annotations

import io
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from registry.claims import find_claims
from registry.management.commands.load_seed import SEED_DIR, parse_seed
from registry.models import Claim, Question, Source
from tests.registry.article_documents import NEWS_PAGE, make_pdf
from tests.registry.import_texts import (
    GERMAN,
    HTML,
    NEWS_TITLE,
    fetcher_settings,  # noqa: F401 (a fixture)
)
from tests.resolvers.http_servers import serve, text_reply

pytestmark = pytest.mark.django_db

SEED_PATH = SEED_DIR / "open-models-mid-2026.txt"
SEED = parse_seed(SEED_PATH)
TEXT = SEED["text"]
PUBLISHED = SEED["published_on"]  # 2026-04-15


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_source", *args, stdout=out)
    return out.getvalue()


def test_the_seed_is_imported_from_its_header_with_a_draft_for_each_forecast():
    output = run(str(SEED_PATH))

    source = Source.objects.get()
    assert (source.title, source.author.display_name, source.published_on) == (
        "My bets on open models, mid-2026",
        "Nathan Lambert",
        date(2026, 4, 15),
    )
    assert source.text == TEXT.strip()
    claims = list(Claim.objects.filter(source=source))
    assert len(claims) == len(find_claims(source.text, PUBLISHED, title=source.title)) >= 20
    for claim in claims:
        assert source.text[claim.start_offset : claim.end_offset] == claim.quote
        assert claim.review_state == "proposed"
        assert claim.question.status == Question.Status.DRAFT
        assert f"proposed {claim.start_offset}-{claim.end_offset} " in output
        assert claim.question.title in output
    assert not Question.objects.published().exists()
    assert output.startswith("Imported 'My bets on open models, mid-2026'")
    assert "Nothing was published; review them at /staff/imports/" in output


def test_draft_dates_follow_the_deadline_the_finder_read():
    run(str(SEED_PATH))
    claims = Claim.objects.select_related("question")
    assert any(claim.deadline for claim in claims) and any(not claim.deadline for claim in claims)
    for claim in claims:
        question = claim.question
        assert question.opens_at == datetime(2026, 4, 15, tzinfo=UTC)
        if claim.deadline:
            day_after = claim.deadline + timedelta(days=1)
            assert question.closes_at == datetime.combine(day_after, datetime.min.time(), UTC)
        else:
            assert question.closes_at == datetime(2028, 1, 1, tzinfo=UTC)
            assert "closes at the end of the year after publication: 31 Dec 2027" in (
                question.resolution_criteria
            )
        assert question.resolve_by == question.closes_at + timedelta(days=30)


def test_running_twice_creates_nothing_new():
    run(str(SEED_PATH))
    counts = (Source.objects.count(), Claim.objects.count(), Question.objects.count())

    output = run(str(SEED_PATH))

    assert (Source.objects.count(), Claim.objects.count(), Question.objects.count()) == counts
    assert output.startswith("Already present:")
    assert f"{counts[1]} proposals: 0 new, {counts[1]} already present." in output


def test_after_load_seed_it_reuses_the_source():
    call_command("load_seed", stdout=io.StringIO())
    run(str(SEED_PATH))
    assert Source.objects.count() == 1
    assert Source.objects.get().text == TEXT  # as load_seed stored it
    assert Claim.objects.count() >= 20


def test_flags_for_a_plain_text_file(tmp_path: Path):
    path = tmp_path / "post.txt"
    path.write_text(
        "Open models are good today.\n\nI expect prices to fall by 2028. Will they? Nobody "
        "knows.\n",
        encoding="utf-8",
    )
    run(
        str(path),
        *("--title", "A post", "--author", "Jane Doe", "--published", "2026-01-10"),
        *("--url", "https://example.com/post", "--publication", "Example"),
    )
    source = Source.objects.get(title="A post")
    assert (source.url, source.publication) == ("https://example.com/post", "Example")
    claim = Claim.objects.get(source=source)
    assert claim.quote == "I expect prices to fall by 2028."
    assert claim.deadline == date(2028, 12, 31)


def test_flags_override_the_header():
    run(str(SEED_PATH), "--title", "Another title", "--fiscal-year-start-month", "4")
    source = Source.objects.get()
    assert (source.title, source.fiscal_year_start_month) == ("Another title", 4)


def test_missing_or_wrong_metadata_is_an_error(tmp_path: Path):
    path = tmp_path / "post.txt"
    path.write_text("It will rain tomorrow in the whole country.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--author: The text names no author"):
        run(str(path), "--title", "T", "--published", "2026-01-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run(str(path), "--title", "T", "--author", "A", "--published", "soon")
    assert not Source.objects.exists()


def test_a_dry_run_prints_the_proposals_and_stores_nothing():
    output = run(str(SEED_PATH), "--dry-run")
    assert "[0] " in output and "-> Will " in output
    assert "nothing was stored (--dry-run)" in output
    assert not Source.objects.exists()


def test_standard_input_is_read(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(SEED_PATH.read_text(encoding="utf-8")))
    output = run("-")
    assert output.startswith("Imported 'My bets on open models, mid-2026'")
    assert Claim.objects.count() >= 20


def test_a_pdf_file_is_read(tmp_path: Path):
    path = tmp_path / "outlook.pdf"
    path.write_bytes(
        make_pdf([["We expect rates to fall twice by the end of 2027."]], title="Outlook")
    )
    run(str(path), "--author", "The Bank", "--published", "2026-11-01")
    assert Source.objects.get().title == "Outlook"


@pytest.mark.usefixtures("fetcher_settings")
def test_a_web_address_is_fetched():
    with serve({"/rates": text_reply(NEWS_PAGE, content_type=HTML)}) as server:
        url = server.url("/rates")
        output = run(url)
    source = Source.objects.get()
    assert (source.title, source.url) == (NEWS_TITLE, url)
    assert output.startswith(f"Imported {NEWS_TITLE!r}")


@pytest.mark.usefixtures("fetcher_settings")
def test_a_web_address_that_fails_is_an_error_with_its_sentence():
    with serve({}) as server, pytest.raises(CommandError) as caught:
        run(server.url("/missing"))
    assert str(caught.value) == (
        "url: There is no page at that address (HTTP 404); check the address."
    )
    assert not Source.objects.exists()


def test_a_text_in_another_language_is_stored_only_when_asked(tmp_path: Path):
    path = tmp_path / "artikel.txt"
    path.write_text(GERMAN, encoding="utf-8")
    flags = ("--title", "Prognose", "--author", "Die Bank", "--published", "2026-01-01")
    with pytest.raises(CommandError, match="reads English only, and this text reads as German"):
        run(str(path), *flags)

    output = run(str(path), *flags, "--store-without-proposals")

    assert "Stored without proposals" in output
    assert Source.objects.get().language == "de" and not Claim.objects.exists()
