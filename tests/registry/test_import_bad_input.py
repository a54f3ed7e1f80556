"""What cannot be imported is refused with a sentence naming the field, and nothing is
stored: every way a web address fails (against servers on 127.0.0.1), a paste or a file
that is empty or binary, a text too long or not in English, metadata missing or wrong."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from registry import imports
from registry.models import Claim, Question, Source, SourceImport
from tests.registry.article_documents import LOGIN_PAGE, PAYWALL_PAGE, SHELL_PAGE, make_pdf
from tests.registry.import_texts import (
    ARTICLE,
    GERMAN,
    HTML,
    NEWS_PAGE_UNDATED,
    NEWS_TITLE,
    fetcher_settings,  # noqa: F401 (a fixture)
    pasted,
)
from tests.resolvers.http_servers import Reply, redirect, repeated, serve, text_reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fetcher_settings")]


def nothing_stored() -> bool:
    return not (
        Source.objects.exists()
        or Claim.objects.exists()
        or Question.objects.exists()
        or SourceImport.objects.exists()
    )


def refusal(given: imports.ImportInput) -> dict[str, str]:
    """The fields and sentences of the refusal; the import is tried through to the end."""
    with pytest.raises(ApplicationError) as caught:
        prepared = imports.import_prepare(given=given)
        imports.source_import_start(prepared=prepared)
    assert caught.value.status == 400
    assert nothing_stored()
    return caught.value.fields


@pytest.fixture
def server():
    with serve() as running:
        yield running


# --- Web addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "sentence"),
    [
        (text_reply("gone", status=404), "There is no page at that address (HTTP 404)"),
        (text_reply("boom", status=500), "The site failed to answer (HTTP 500)"),
        (text_reply("who?", status=401), "The page is behind a log-in (HTTP 401)"),
        (text_reply(LOGIN_PAGE, content_type=HTML), "behind a log-in or paywall"),
        (text_reply(PAYWALL_PAGE, content_type=HTML), "behind a log-in or paywall"),
        (text_reply("pay", status=402), "behind a paywall (HTTP 402)"),
        (
            Reply(200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
            "The address returned an image (image/png), not an article.",
        ),
        (text_reply(SHELL_PAGE, content_type=HTML), "No article text could be found"),
        (
            Reply(200, {"Content-Type": "text/plain"}, repeated(b"x" * 1024, 100)),
            "The page is over the 64 KB limit; paste the text instead.",
        ),
        (Reply(200, {"Content-Type": HTML}, "<p>late</p>", delay=2.0), "took too long"),
    ],
    ids=[
        "missing",
        "server error",
        "log-in status",
        "log-in page",
        "paywall page",
        "paywall status",
        "not text",
        "no article",
        "too large",
        "times out",
    ],
)
def test_a_web_address_that_gives_no_article_is_refused(server, reply, sentence):
    server.routes["/story"] = reply
    fields = refusal(imports.ImportInput(url=server.url("/story")))
    assert list(fields) == ["url"]
    assert sentence in fields["url"]


def test_a_private_address_is_refused(settings):
    settings.RESOLVER_ALLOWED_HOSTS = []
    fields = refusal(imports.ImportInput(url="http://10.0.0.1/story"))
    assert fields == {
        "url": "That address is on a private or local network, which Hindsight does not fetch."
    }


def test_a_redirect_to_a_private_address_is_refused(server, settings, monkeypatch):
    settings.RESOLVER_ALLOWED_HOSTS = ["localhost"]
    server.routes["/story"] = redirect("http://169.254.169.254/latest/meta-data/")
    fields = refusal(imports.ImportInput(url=f"http://localhost:{server.port}/story"))
    assert fields == {
        "url": "The address redirects to a private or local network, which Hindsight does "
        "not fetch."
    }


@pytest.mark.parametrize("url", ["example.com/story", "ftp://example.com/a", "javascript:x"])
def test_something_that_is_not_a_web_address_is_refused(url):
    fields = refusal(imports.ImportInput(url=url))
    assert fields["url"].startswith("That is not a web address")


def test_a_page_without_a_date_asks_for_it_and_keeps_what_it_found(server):
    server.routes["/story"] = text_reply(NEWS_PAGE_UNDATED, content_type=HTML)

    prepared = imports.import_prepare(given=imports.ImportInput(url=server.url("/story")))

    assert prepared.problems == {"published_on": "The page gives no publication date; enter it."}
    assert (prepared.title, prepared.author) == (NEWS_TITLE, "Jane Doe")
    with pytest.raises(ApplicationError):
        imports.source_import_start(prepared=prepared)
    assert nothing_stored()


# --- Pastes and files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("", "Give the article's web address, paste its text or upload it as a file."),
        ("   \n\t  ", "Nothing was pasted; paste the article's text."),
        ("\x00" * 40, "The pasted text looks like binary data"),
        ("\x89PNG\r\n\x1a\n" + "\x00\x01\x02\x03" * 50, "The pasted text looks like binary data"),
    ],
    ids=["empty", "blank", "NUL bytes", "binary"],
)
def test_an_empty_or_binary_paste_is_refused(text, sentence):
    fields = refusal(pasted(text=text))
    assert sentence in fields["text"]


def test_a_few_nul_bytes_and_lone_surrogates_in_a_paste_are_cleaned_away():
    record = imports.source_import_start(
        prepared=imports.import_prepare(
            given=pasted(text=ARTICLE.replace(" ", " \x00", 2) + "\ud800")
        )
    ).record
    assert "\x00" not in record.source.text
    record.source.text.encode("utf-8")  # no lone surrogate left: it was stored


@pytest.mark.parametrize(
    ("body", "content_type", "sentence"),
    [
        (b"", "text/plain", "The uploaded file is empty."),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png", "The uploaded file is an image"),
        (b"%PDF-1.4 broken", "application/pdf", "The PDF could not be read"),
    ],
    ids=["empty", "image", "broken PDF"],
)
def test_a_file_that_holds_no_article_is_refused(body, content_type, sentence):
    fields = refusal(pasted(text="", file_body=body, file_content_type=content_type))
    assert sentence in fields["file"]


def test_a_pdf_file_is_read():
    pdf = make_pdf([["We expect rates to fall twice by the end of 2027."]], title="Outlook")
    given = pasted(text="", title="", file_body=pdf, file_content_type="application/pdf")
    record = imports.source_import_start(prepared=imports.import_prepare(given=given)).record
    assert (record.origin, record.source.title) == ("file", "Outlook")


def test_a_paste_and_a_file_together_are_refused():
    fields = refusal(pasted(file_body=b"text", file_content_type="text/plain"))
    assert fields == {
        "text": "Paste the text or upload a file, not both.",
        "file": "Paste the text or upload a file, not both.",
    }


def test_a_text_longer_than_the_finder_reads_is_refused(settings):
    settings.IMPORT_MAX_TEXT_CHARS = 100
    fields = refusal(pasted())
    assert fields["text"] == (
        f"The text is {len(ARTICLE.strip()):,} characters long; the claim finder reads at most "
        "100 in one import. Import it in parts."
    )


def test_a_huge_paste_is_refused_before_the_finder_sees_it():
    fields = refusal(pasted(text="Prices will fall. " * 40_000))
    assert "characters long; the claim finder reads at most 500,000" in fields["text"]


# --- Language ---------------------------------------------------------------------------------


def test_a_text_in_another_language_is_refused_unless_stored_without_proposals():
    fields = refusal(pasted(text=GERMAN))
    assert fields == {
        "text": "The claim finder reads English only, and this text reads as German. To keep "
        "the source anyway, import it again with “store without proposals”."
    }


def test_a_page_in_another_language_is_refused_on_its_address(server):
    page = f'<html lang="de"><body><article><p>{GERMAN}</p><p>{GERMAN}</p></article></body></html>'
    server.routes["/artikel"] = text_reply(page, content_type=HTML)
    fields = refusal(imports.ImportInput(url=server.url("/artikel"), author="A", title="T"))
    assert "reads English only, and this text reads as German" in fields["url"]


def test_a_text_in_another_script_is_refused():
    fields = refusal(pasted(text="我们预计明年经济将增长。到2026年底通货膨胀将降至百分之二。" * 5))
    assert "reads as Chinese" in fields["text"]


# --- Metadata ---------------------------------------------------------------------------------


def test_a_paste_without_title_author_or_date_asks_for_each():
    fields = refusal(pasted(title="", author="", published_on=None))
    assert fields == {
        "title": "The text gives no title; enter the title.",
        "author": "The text names no author; enter the author (a person or a body).",
        "published_on": "The text gives no publication date; enter it.",
    }


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        (
            {"published_on": timezone.now().date() + timedelta(days=3)},
            "published_on",
            "The publication date is in the future.",
        ),
        ({"published_on": date(1850, 1, 1)}, "published_on", "must be in 1900 or later"),
        ({"title": "T" * 301}, "title", "longer than 300 characters"),
        ({"author": "A" * 121}, "author", "longer than 120 characters"),
        ({"fiscal_year_start_month": 13}, "fiscal_year_start_month", "from 1 to 12"),
        ({"url": "not an address"}, "url", "That is not a web address"),
    ],
)
def test_wrong_metadata_is_refused(changes, field, sentence):
    fields = refusal(pasted(**changes))
    assert list(fields) == [field]
    assert sentence in fields[field]
