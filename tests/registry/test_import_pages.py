"""The staff import pages (/staff/imports/): importing from a paste, a file or an address,
the review page with each proposal marked in the text and its draft to edit, accepting,
rejecting and merging from it, refusals as sentences on the page; and public pages that
show accepted and merged claims only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from predictions.models import Forecast
from registry.models import Claim, Question, Source, SourceImport
from tests import factories
from tests.registry.article_documents import make_pdf
from tests.registry.import_texts import (
    ARTICLE,
    FIRST_FORECAST,
    GERMAN,
    HTML,
    NEWS_PAGE_UNDATED,
    NEWS_TITLE,
    fetcher_settings,  # noqa: F401 (a fixture)
)
from tests.resolvers.http_servers import serve, text_reply

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Open models in 2027",
    "author": "Jane Doe",
    "published_on": "2026-12-01",
    "fiscal_year_start_month": "1",
}


@pytest.fixture
def staff_user():
    return factories.StaffFactory(username="admin")


@pytest.fixture
def staff(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def imported(staff: Client, **form) -> Source:  # type: ignore[no-untyped-def]
    response = staff.post("/staff/imports/", {**FORM, "text": ARTICLE, **form})
    assert response.status_code == 302, text_of(response)
    source = Source.objects.get()
    assert response["Location"] == f"/staff/imports/{source.slug}/"
    return source


def act(staff: Client, claim: Claim, action: str, **fields):  # type: ignore[no-untyped-def]
    prefix = f"claim-{claim.pk}-"
    data = {"action": action, **{prefix + name: value for name, value in fields.items()}}
    return staff.post(f"/staff/imports/{claim.source.slug}/claims/{claim.pk}/", data)


def accept_form(claim: Claim, **changes) -> dict:  # type: ignore[no-untyped-def]
    """The draft as the page shows it, with `changes`."""
    question = claim.question
    fields = {
        "title": question.title,
        "resolution_criteria": question.resolution_criteria,
        "closes_on": "2027-12-31",
        "implied_probability": "75",
        "source_kind": "manual",
        "source_config": "",
    }
    return {**fields, **changes}


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/staff/imports/"),
        ("post", "/staff/imports/"),
        ("get", "/staff/imports/{source}/"),
        ("get", "/staff/imports/{source}/progress/"),
        ("post", "/staff/imports/{source}/claims/{claim}/"),
    ],
)
def test_staff_only(method, path):
    claim = factories.ProposedClaimFactory()
    path = path.format(source=claim.source.slug, claim=claim.pk)
    forecaster = Client()
    forecaster.force_login(factories.UserFactory())

    anonymous = getattr(Client(), method)(path, {"action": "reject"})
    refused = getattr(forecaster, method)(path, {"action": "reject"})

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/?next=")
    assert refused.status_code == 403 and "Only staff import sources." in text_of(refused)
    assert Claim.objects.get().review_state == "proposed"


def test_staff_find_the_imports_in_the_navigation(staff):
    assert '<a href="/staff/imports/">Imports</a>' in text_of(staff.get("/"))
    assert "/staff/imports/" not in text_of(Client().get("/"))


# --- Importing ----------------------------------------------------------------------------------


def test_a_pasted_text_is_imported_and_listed_among_recent_imports(staff):
    source = imported(staff)

    record = SourceImport.objects.get()
    followed = text_of(staff.get(f"/staff/imports/{source.slug}/"))
    assert f"Imported “Open models in 2027”: {record.stage}." in followed
    page = text_of(staff.get("/staff/imports/"))
    assert f'<a href="/staff/imports/{source.slug}/">Open models in 2027</a>' in page
    assert "Pasted text" in page and "Done" in page
    assert record.proposed == source.claims.count() >= 2


def test_an_uploaded_pdf_is_imported(staff):
    pdf = make_pdf([["We expect rates to fall twice by the end of 2027."]], title="Outlook")
    upload = SimpleUploadedFile("outlook.pdf", pdf, content_type="application/pdf")
    response = staff.post("/staff/imports/", {**FORM, "title": "", "file": upload})
    assert response.status_code == 302
    assert Source.objects.get().title == "Outlook"


@pytest.mark.parametrize(
    ("form", "sentence"),
    [
        (
            {"text": ""},
            "Give the article&#x27;s web address, paste its text or upload it as a file.",
        ),
        ({"text": "\x00\x01\x02\x03" * 30}, "The pasted text looks like binary data"),
        ({"text": GERMAN}, "The claim finder reads English only, and this text reads as German."),
        ({"text": ARTICLE, "author": ""}, "The text names no author; enter the author"),
        ({"text": ARTICLE, "published_on": "2999-01-01"}, "The publication date is in the future."),
        ({"text": ARTICLE, "published_on": "someday"}, "Enter a valid date."),
        ({"text": ARTICLE, "title": "T\x00"}, "Null characters are not allowed."),
        ({"url": "ftp://example.com"}, "That is not a web address"),
    ],
    ids=["nothing", "binary", "German", "no author", "future", "not a date", "NUL", "not a URL"],
)
def test_a_refused_import_is_a_sentence_on_the_page_and_stores_nothing(staff, form, sentence):
    response = staff.post("/staff/imports/", {**FORM, **form})

    assert response.status_code == 200
    assert sentence in text_of(response)
    assert not Source.objects.exists() and not SourceImport.objects.exists()


def test_a_text_in_another_language_can_be_stored_without_proposals(staff):
    response = staff.post(
        "/staff/imports/", {**FORM, "text": GERMAN, "store_without_proposals": "on"}
    )
    assert response.status_code == 302
    assert (SourceImport.objects.get().state, Claim.objects.count()) == ("stored", 0)


@pytest.mark.usefixtures("fetcher_settings")
def test_what_a_page_gives_is_filled_in_and_what_it_lacks_is_asked_for(staff):
    with serve({"/story": text_reply(NEWS_PAGE_UNDATED, content_type=HTML)}) as server:
        response = staff.post(
            "/staff/imports/", {"url": server.url("/story"), "fiscal_year_start_month": "1"}
        )

    page = text_of(response)
    assert "The page gives no publication date; enter it." in page
    assert f'value="{NEWS_TITLE}"' in page and 'value="Jane Doe"' in page
    assert not Source.objects.exists()


@pytest.mark.usefixtures("fetcher_settings")
def test_an_address_that_fails_is_a_sentence_next_to_it(staff):
    with serve({}) as server:
        response = staff.post("/staff/imports/", {**FORM, "url": server.url("/gone")})
    assert "There is no page at that address (HTTP 404); check the address." in text_of(response)
    assert not Source.objects.exists()


# --- The review page ----------------------------------------------------------------------------


def test_the_review_page_marks_each_proposal_and_shows_its_draft_to_edit(staff):
    source = imported(staff)
    claim = source.claims.get(quote=FIRST_FORECAST)

    page = text_of(staff.get(f"/staff/imports/{source.slug}/"))

    assert (
        f'<mark id="text-claim-{claim.pk}" class="proposed"><a href="#claim-{claim.pk}">'
        f"{FIRST_FORECAST}</a></mark>" in page
    )
    assert page.count('<mark id="text-claim-') == source.claims.count()
    form = page[page.index(f'id="claim-{claim.pk}"') :]
    assert f'name="claim-{claim.pk}-title"' in form and claim.question.title in form
    assert f'name="claim-{claim.pk}-closes_on" value="2027-12-31"' in form
    assert (
        f'name="claim-{claim.pk}-implied_probability" value="{claim.implied_probability * 100:g}"'
        in form
    )
    assert "set by “I expect”" in form
    assert '<option value="huggingface" selected>' in form
    for reason in claim.reasons:
        assert f"<li>{escape(reason)}</li>" in form
    assert '<button type="submit" name="action" value="accept">Accept and publish</button>' in form
    assert re.search(r'value="reject" class="danger"', form)
    assert 'value="merge" class="secondary"' in form


def test_accepting_with_edits_publishes_the_question_with_the_authors_forecast(staff):
    source = imported(staff)
    claim = source.claims.get(quote=FIRST_FORECAST)

    response = act(
        staff,
        claim,
        "accept",
        **accept_form(
            claim,
            title="Will an open model lead LMArena by 30 Jun 2027?",
            closes_on="2027-06-30",
            implied_probability="60",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/staff/imports/{source.slug}/#claim-{claim.pk}"
    question = Question.objects.get(pk=claim.question_id)
    assert question.published_at is not None
    assert (question.title, question.closes_at) == (
        "Will an open model lead LMArena by 30 Jun 2027?",
        datetime(2027, 7, 1, tzinfo=UTC),
    )
    forecast = Forecast.objects.get()
    assert (forecast.forecaster, forecast.probabilities) == (source.author, [0.6])
    page = text_of(staff.get(response["Location"]))
    assert "Accepted and published: “Will an open model lead LMArena by 30 Jun 2027?”." in page
    assert "Accepted by admin" in page
    assert question.title in text_of(Client().get(f"/questions/{question.slug}/"))


def test_a_bad_edit_is_a_sentence_on_its_proposal_and_changes_nothing(staff):
    source = imported(staff)
    claim = source.claims.get(quote=FIRST_FORECAST)

    response = act(
        staff, claim, "accept", **accept_form(claim, closes_on="2020-01-01", title="Kept as typed")
    )

    assert response.status_code == 200
    page = text_of(response)
    assert "The closing date must not be before the publication date, 1 Dec 2026." in page
    assert "Correct the fields marked." in page
    assert 'value="Kept as typed"' in page
    claim.refresh_from_db()
    assert claim.review_state == "proposed" and claim.question.published_at is None


def test_rejecting_from_the_page(staff):
    source = imported(staff)
    claim = source.claims.get(quote=FIRST_FORECAST)

    response = act(staff, claim, "reject")

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.review_state, claim.question) == ("rejected", None)
    page = text_of(staff.get(response["Location"]))
    assert "Rejected: these words will not be proposed again." in page
    assert f'<mark id="text-claim-{claim.pk}" class="rejected">' in page


def test_merging_from_the_page_into_an_open_question(staff):
    target = factories.QuestionFactory(title="Will an open model top LMArena?")
    source = imported(staff)
    claim = source.claims.get(quote=FIRST_FORECAST)
    page = text_of(staff.get(f"/staff/imports/{source.slug}/"))
    assert f'<option value="{target.slug}">Will an open model top LMArena?</option>' in page

    response = act(staff, claim, "merge", question=target.slug)

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.review_state, claim.question) == ("merged", target)
    assert Forecast.objects.get().question == target


def test_merging_without_a_question_chosen_asks_for_one(staff):
    source = imported(staff)
    claim = source.claims.get(quote=FIRST_FORECAST)
    response = act(staff, claim, "merge", question="")
    assert "Choose the question to merge it into." in text_of(response)
    assert Claim.objects.get(pk=claim.pk).review_state == "proposed"


def test_a_claim_reviewed_already_says_so(staff):
    source = imported(staff)
    claim = source.claims.get(quote=FIRST_FORECAST)
    form = accept_form(claim)
    act(staff, claim, "reject")

    response = act(staff, claim, "accept", **form)

    assert response.status_code == 302
    assert "This claim was rejected by admin on " in text_of(staff.get(response["Location"]))


def test_a_claim_is_reviewed_at_its_own_sources_address_only(staff):
    claim = factories.ProposedClaimFactory()
    other = factories.SourceFactory()
    response = staff.post(f"/staff/imports/{other.slug}/claims/{claim.pk}/", {"action": "reject"})
    assert response.status_code == 404
    assert Claim.objects.get(pk=claim.pk).review_state == "proposed"


# --- Progress -----------------------------------------------------------------------------------


def test_a_long_import_shows_its_progress_until_it_is_done(staff, settings):
    settings.IMPORT_INLINE_MAX_CHARS = 50
    source = imported(staff)

    page = text_of(staff.get(f"/staff/imports/{source.slug}/"))
    progress = staff.get(f"/staff/imports/{source.slug}/progress/").json()

    assert '<progress id="import-progress"' in page and 'data-finished="false"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert progress["state"] == "queued" and progress["finished"] is False
    assert progress["stage"].startswith("Waiting for a worker")

    from registry import tasks

    tasks.propose_claims(SourceImport.objects.get().pk)
    done = staff.get(f"/staff/imports/{source.slug}/progress/").json()
    assert (done["state"], done["finished"]) == ("done", True)
    assert done["proposed"] == source.claims.count() >= 2


# --- Public pages show accepted and merged claims only -----------------------------------------


def test_public_pages_show_accepted_and_merged_claims_only(staff):
    source = imported(staff)
    accepted = source.claims.get(quote=FIRST_FORECAST)
    act(staff, accepted, "accept", **accept_form(accepted))
    waiting = source.claims.exclude(pk=accepted.pk).first()
    public = Client()

    source_page = text_of(public.get(f"/sources/{source.slug}/"))
    marked = f'<mark id="text-claim-1"><a href="#claim-1">{FIRST_FORECAST}</a></mark>'
    assert marked in source_page
    assert source_page.count("<mark ") == 1  # the other forecast is plain text, unmarked
    api = public.get(f"/api/v1/sources/{source.slug}/").json()
    assert [claim["quote"] for claim in api["claims"]] == [FIRST_FORECAST]
    listing = public.get("/api/v1/sources/").json()["results"][0]
    assert [claim["quote"] for claim in listing["claims"]] == [FIRST_FORECAST]
    forecaster = text_of(public.get(f"/forecasters/{source.author.handle}/"))
    assert FIRST_FORECAST in forecaster and waiting.quote not in forecaster
    assert text_of(staff.get(f"/sources/{source.slug}/")).count("<mark ") == 1
    index = text_of(public.get("/sources/"))
    assert re.search(r"Open models in 2027</a>.*?\b1 claim\b", index, re.S)


def test_a_paste_larger_than_a_form_takes_is_a_sentence_too(staff, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

    response = staff.post("/staff/imports/", {**FORM, "text": "Prices will fall. " * 80_000})

    assert response.status_code == 400
    assert "What was sent is larger than the 1 MB a form takes; paste a shorter text" in (
        text_of(response)
    )
    assert not Source.objects.exists()
