"""Importing a text (registry/imports.py) and keeping the finder's proposals as claims with
draft questions (registry/claim_services.py): what is stored, how drafts are dated, that
nothing is proposed twice, and long imports read by the Celery task with their progress."""

from __future__ import annotations

import importlib
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command

from predictions.models import OutboxTask
from registry import claim_review, claim_services, imports, tasks
from registry.claims import ClaimProposal, Draft, draft_question, find_claims
from registry.models import Claim, Question, Source, SourceImport
from tests import factories
from tests.registry.article_documents import NEWS_ARTICLE_PARAGRAPHS, NEWS_PAGE
from tests.registry.import_texts import (
    ARTICLE,
    FIRST_FORECAST,
    GERMAN,
    HTML,
    NEWS_TITLE,
    PUBLISHED,
    fetcher_settings,  # noqa: F401 (a fixture)
    pasted,
)
from tests.resolvers.http_servers import serve, text_reply

pytestmark = pytest.mark.django_db


def start(given=None, **kwargs) -> imports.ImportStarted:  # type: ignore[no-untyped-def]
    prepared = imports.import_prepare(given=given or pasted())
    return imports.source_import_start(prepared=prepared, **kwargs)


def stored_counts() -> tuple[int, int, int, int]:
    return (
        Source.objects.count(),
        Claim.objects.count(),
        Question.objects.count(),
        SourceImport.objects.count(),
    )


# --- A pasted text -----------------------------------------------------------------------------


def test_a_pasted_text_is_stored_with_each_forecast_proposed_as_a_claim_with_a_draft():
    staff = factories.StaffFactory()

    started = start(user=staff)

    record, source = started.record, started.record.source
    assert (source.title, source.author.display_name, source.author.kind) == (
        "Open models in 2027",
        "Jane Doe",
        "pundit",
    )
    assert (source.publication, source.published_on, source.language) == (
        "Example Weekly",
        PUBLISHED,
        "en",
    )
    assert source.text == ARTICLE.strip()
    assert (record.origin, record.state, record.created_by, record.source_created) == (
        "text",
        "done",
        staff,
        True,
    )
    found = find_claims(source.text, PUBLISHED, title=source.title)
    assert record.proposed == len(found) == len(started.created) >= 2
    for claim, proposal in zip(source.claims.order_by("start_offset"), found, strict=True):
        draft = draft_question(
            proposal, source_title=source.title, author="Jane Doe", published_on=PUBLISHED
        )
        assert source.text[claim.start_offset : claim.end_offset] == claim.quote == proposal.quote
        assert claim.review_state == Claim.Review.PROPOSED
        assert claim.implied_probability == proposal.implied_probability
        assert (claim.probability_phrase, claim.probability_stated, claim.strength) == (
            proposal.probability_phrase,
            proposal.probability_stated,
            proposal.strength,
        )
        assert (claim.reasons, claim.speaker) == (proposal.reasons, proposal.speaker)
        assert (claim.horizon_phrase, claim.deadline) == (
            proposal.horizon_phrase,
            proposal.deadline,
        )
        assert (claim.suggested_source_kind, claim.source_hint) == (
            draft.suggested_source_kind,
            draft.source_hint,
        )
        question = claim.question
        assert question.published_at is None
        assert (question.title, question.resolution_criteria) == (
            draft.title,
            draft.resolution_criteria,
        )
        assert question.opens_at == datetime(2026, 12, 1, tzinfo=UTC)
        assert question.closes_at == datetime.combine(
            draft.closes_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC
        )
        assert question.resolve_by == question.closes_at + timedelta(days=30)
        assert claim.quote in question.body and "Jane Doe" in question.body
    assert not Question.objects.published().exists()


def test_the_dated_forecast_closes_at_the_end_of_its_deadline():
    start()
    claim = Claim.objects.get(quote=FIRST_FORECAST)
    assert claim.deadline == date(2027, 12, 31)
    assert claim.question.closes_at == datetime(2028, 1, 1, tzinfo=UTC)
    assert claim.implied_probability == pytest.approx(0.75, abs=0.1)
    assert claim.probability_phrase == "I expect"


def proposal_without_date(quote: str = "Open models will win.") -> ClaimProposal:
    return ClaimProposal(
        quote=quote,
        start=0,
        end=len(quote),
        horizon=None,
        implied_probability=0.9,
        probability_phrase="will",
    )


def test_a_claim_without_a_date_closes_at_the_end_of_the_year_after_publication_and_says_so():
    source = factories.SourceFactory(text="Open models will win.", published_on=date(2026, 4, 15))
    proposal = proposal_without_date()
    draft = draft_question(
        proposal, source_title=source.title, author="A", published_on=source.published_on
    )
    assert draft.closes_on is None

    claim_services.proposals_store(
        source=source, drafted=[claim_services.DraftedProposal(proposal=proposal, draft=draft)]
    )

    question = Claim.objects.get().question
    assert question.closes_at == datetime(2028, 1, 1, tzinfo=UTC)
    assert question.resolution_criteria.endswith(
        "The claim names no date, so the question closes at the end of the year after "
        "publication: 31 Dec 2027 (23:59 UTC)."
    )


def test_a_deadline_before_publication_still_closes_a_day_after_opening():
    source = factories.SourceFactory(text="Open models will win.", published_on=date(2026, 4, 15))
    proposal = proposal_without_date()
    draft = Draft(
        "Will open models win?", "Resolves Yes if…", date(2019, 1, 1), "manual", "", 0.9, ""
    )

    fields = claim_services.draft_question_fields(source=source, proposal=proposal, draft=draft)

    assert fields["closes_at"] == fields["opens_at"] + timedelta(days=1)


def test_the_source_fiscal_year_start_month_is_read_by_the_finder(monkeypatch):
    seen = {}

    def finder(text, published, *, title="", fiscal_year_start_month=1):  # type: ignore[no-untyped-def]
        seen.update(title=title, fiscal_year_start_month=fiscal_year_start_month)
        return []

    monkeypatch.setattr(claim_services, "find_claims", finder)
    record = start(pasted(fiscal_year_start_month=7)).record

    assert record.source.fiscal_year_start_month == 7
    assert seen == {"title": "Open models in 2027", "fiscal_year_start_month": 7}


def test_titles_fit_and_slugs_are_unique():
    long_quote = "Prices will fall " + "and fall " * 60 + "next year."
    source = factories.SourceFactory(text=f"{long_quote} {long_quote}")
    proposals = [
        ClaimProposal(long_quote, start, start + len(long_quote), None, 0.9, "will")
        for start in (0, len(long_quote) + 1)
    ]
    long_draft = Draft(
        "Will " + "prices fall " * 40 + "?", "Criteria.", None, "manual", "", 0.9, ""
    )
    drafted = [claim_services.DraftedProposal(p, long_draft) for p in proposals]

    result = claim_services.proposals_store(source=source, drafted=drafted)

    questions = [claim.question for claim in result.created]
    assert len(questions) == 2
    assert all(len(q.title) <= 300 and q.title.endswith("…") for q in questions)
    assert len({q.slug for q in questions}) == 2


def test_nothing_is_stored_when_any_draft_fails(monkeypatch):
    calls = []
    real = claim_services.services.question_create

    def fail_second(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return real(**kwargs)

    monkeypatch.setattr(claim_services.services, "question_create", fail_second)
    with pytest.raises(RuntimeError):
        start()
    assert stored_counts() == (0, 0, 0, 0)


# --- Nothing proposed twice -----------------------------------------------------------------


def test_importing_the_same_source_again_proposes_nothing_new():
    first = start().record
    counts = stored_counts()

    again = start(pasted(text=ARTICLE + "\nA line added since.\n")).record

    assert (again.source, again.source_created, again.proposed) == (first.source, False, 0)
    assert again.already_known == first.proposed
    assert again.source.text == ARTICLE.strip()  # the stored text is the one read again
    assert stored_counts()[:3] == counts[:3]


def test_a_rejected_proposal_is_never_proposed_again():
    record = start().record
    rejected = Claim.objects.get(quote=FIRST_FORECAST)
    claim_review.claim_reject(claim=rejected, user=None)

    again = start().record

    assert again.proposed == 0
    assert Claim.objects.filter(source=record.source).count() == record.proposed
    rejected.refresh_from_db()
    assert (rejected.review_state, rejected.question) == (Claim.Review.REJECTED, None)
    assert not Claim.objects.filter(quote=FIRST_FORECAST).exclude(pk=rejected.pk).exists()


def test_the_seed_proposals_leave_the_curated_catalogue_exactly_as_it_is():
    call_command("load_seed", stdout=io.StringIO())
    call_command("load_catalogue", stdout=io.StringIO())
    source = Source.objects.get()
    curated = {
        claim.pk: (claim.quote, claim.start_offset, claim.question_id, claim.review_state)
        for claim in source.claims.all()
    }
    curated_questions = list(Question.objects.order_by("pk").values())

    result = claim_services.source_claims_propose(source=source)

    assert all(state == "accepted" for *_, state in curated.values())
    assert {
        claim.pk: (claim.quote, claim.start_offset, claim.question_id, claim.review_state)
        for claim in source.claims.filter(pk__in=curated)
    } == curated
    assert (
        list(
            Question.objects.filter(pk__in=[q["id"] for q in curated_questions])
            .order_by("pk")
            .values()
        )
        == curated_questions
    )
    spans = [(c.start_offset, c.end_offset) for c in Claim.objects.filter(pk__in=curated)]
    for claim in result.created:
        assert not any(s < claim.end_offset and claim.start_offset < e for s, e in spans)
        assert claim.review_state == "proposed"
    assert result.found == len(result.created) + result.already_known


# --- Long imports: the Celery task and its progress -------------------------------------------


def test_a_long_text_is_read_by_the_celery_task_through_the_outbox(settings):
    settings.IMPORT_INLINE_MAX_CHARS = 50

    record = start().record

    assert (record.state, record.proposed) == ("queued", 0)
    assert not Claim.objects.exists()  # the source is stored; the finding is the task's
    (queued,) = OutboxTask.objects.all()
    assert (queued.task_name, queued.args) == (tasks.PROPOSE_CLAIMS, [record.pk])

    proposed = tasks.propose_claims(record.pk)

    record.refresh_from_db()
    assert (record.state, record.proposed) == ("done", proposed)
    assert proposed == Claim.objects.count() >= 2
    assert record.units_done == record.units_total == record.proposed
    assert record.finished_at is not None and "new proposals" in record.stage


def test_the_task_writes_its_progress_as_it_drafts(settings, monkeypatch):
    settings.IMPORT_INLINE_MAX_CHARS = 50
    monkeypatch.setattr(claim_services, "PROGRESS_EVERY", 1)
    record = start().record
    stages = []
    real = claim_services._record_progress

    def watch(record, **kwargs):  # type: ignore[no-untyped-def]
        real(record, **kwargs)
        stored = SourceImport.objects.get(pk=record.pk)
        stages.append((stored.state, stored.stage, stored.units_done, stored.units_total))

    monkeypatch.setattr(claim_services, "_record_progress", watch)
    claim_services.source_import_run(import_id=record.pk)

    assert stages[0][0] == "running" and stages[0][1].startswith("Reading ")
    assert stages[1:] == [
        ("running", f"Drafting questions: {n} of {len(stages) - 1}", n, len(stages) - 1)
        for n in range(1, len(stages))
    ]


def test_a_second_delivery_of_the_task_does_nothing(settings):
    settings.IMPORT_INLINE_MAX_CHARS = 50
    record = start().record
    tasks.propose_claims(record.pk)
    counts = stored_counts()

    assert tasks.propose_claims(record.pk) == record.source.claims.count()
    assert stored_counts() == counts


def test_a_task_that_fails_says_so_on_the_import(settings, monkeypatch):
    settings.IMPORT_INLINE_MAX_CHARS = 50
    record = start().record

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("the parser fell over")

    monkeypatch.setattr(claim_services, "find_claims", broken)
    with pytest.raises(ValueError):
        claim_services.source_import_run(import_id=record.pk)

    record.refresh_from_db()
    assert record.state == "failed" and record.finished
    assert record.error.startswith("The claim finder stopped on this text (ValueError)")
    assert not Claim.objects.exists()


# --- From a web address ------------------------------------------------------------------------


@pytest.mark.usefixtures("fetcher_settings")
def test_a_web_address_is_fetched_and_its_title_author_and_date_read():
    with serve({"/markets/rates": text_reply(NEWS_PAGE, content_type=HTML)}) as server:
        url = server.url("/markets/rates")
        record = start(imports.ImportInput(url=url)).record

    source = record.source
    assert (record.origin, record.url, source.url) == ("url", url, url)
    assert (source.title, source.author.display_name, source.published_on) == (
        NEWS_TITLE,
        "Jane Doe",
        date(2024, 3, 5),
    )
    assert NEWS_ARTICLE_PARAGRAPHS[0] in source.text
    assert record.proposed == len(find_claims(source.text, source.published_on, title=NEWS_TITLE))


@pytest.mark.usefixtures("fetcher_settings")
def test_what_staff_give_wins_over_what_the_page_says():
    with serve({"/p": text_reply(NEWS_PAGE, content_type=HTML)}) as server:
        given = imports.ImportInput(url=server.url("/p"), title="Our title", author="The Ledger")
        source = start(given).record.source
    assert (source.title, source.author.display_name) == ("Our title", "The Ledger")


@pytest.mark.usefixtures("fetcher_settings")
def test_the_same_address_imported_again_is_the_same_source():
    with serve({"/p": text_reply(NEWS_PAGE, content_type=HTML)}) as server:
        first = start(imports.ImportInput(url=server.url("/p"))).record
        again = start(imports.ImportInput(url=server.url("/p"), title="Renamed")).record
    assert again.source == first.source and not again.source_created
    assert Source.objects.count() == 1


def test_a_pasted_text_keeps_the_address_it_came_from_without_fetching_it():
    record = start(pasted(url="https://example.com/paywalled")).record
    assert (record.origin, record.url, record.source.url) == (
        "text",
        "",
        "https://example.com/paywalled",
    )


# --- Stored without proposals, and the review states of older claims ---------------------------


def test_a_text_in_another_language_may_be_stored_without_proposals():
    record = start(pasted(text=GERMAN, store_without_proposals=True)).record

    assert (record.state, record.proposed, record.source.language) == ("stored", 0, "de")
    assert not Claim.objects.exists()


def test_older_claims_become_accepted_when_their_question_is_published():
    migration = importlib.import_module("registry.migrations.0004_claim_review")
    published = factories.ClaimFactory(review_state="proposed")
    draft = factories.ClaimFactory(
        question=factories.DraftQuestionFactory(), review_state="proposed"
    )
    orphan = factories.ClaimFactory(question=None, review_state="proposed")

    migration.review_states_from_questions(apps, None)

    states = dict(Claim.objects.values_list("pk", "review_state"))
    assert states == {published.pk: "accepted", draft.pk: "proposed", orphan.pk: "proposed"}


def test_public_claims_are_the_accepted_and_merged_ones():
    source = factories.SourceFactory()
    kept = {
        state: factories.ClaimFactory(source=source, review_state=state)
        for state in ("accepted", "merged", "proposed", "rejected")
    }
    assert set(Claim.objects.public()) == {kept["accepted"], kept["merged"]}
