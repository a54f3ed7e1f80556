"""Article text (registry/article_text.py): what is kept of a page, a PDF or a text, what
is read about it, and every refusal with the sentence a staff user sees."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.article_text import Article, ArticleError, clean_pasted_text, extract_article
from tests.registry.article_documents import (
    BLOG_PAGE,
    BLOG_POST_TEXT,
    LOGIN_PAGE,
    NEWS_ARTICLE_ITEMS,
    NEWS_ARTICLE_PARAGRAPHS,
    NEWS_PAGE,
    PAYWALL_MARKERS,
    PAYWALL_PAGE,
    SHELL_PAGE,
    encrypted,
    long_article_page,
    make_pdf,
    teaser_page,
)

GATED = "The page seems to be behind a log-in or paywall; paste the text instead."
NO_ARTICLE = "No article text could be found on that page."
NEWS_URL = "https://ledger.example/markets/rates-will-fall"

REPORT_PAGES = [
    [
        "Forecasts for 2025",
        "We expect the index to close the year above 5,000 points, and we put the",
        "chance of a recession starting before the end of 2025 at about one in four.",
    ],
    ["Oil will probably stay under $100 a barrel while supply discipline holds."],
]


def refusal(body: bytes, content_type: str, url: str = "") -> str:
    with pytest.raises(ArticleError) as caught:
        extract_article(body, content_type=content_type, url=url)
    return caught.value.message


def page(paragraphs: str, head: str = "", lang: str = "") -> bytes:
    """A bare page around ``paragraphs`` (HTML)."""
    html_lang = f' lang="{lang}"' if lang else ""
    return (
        f"<!DOCTYPE html><html{html_lang}><head><title>A story</title>{head}</head>"
        f"<body><article>{paragraphs}</article></body></html>"
    ).encode()


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


# --- HTML -------------------------------------------------------------------------------------


def test_a_news_page_keeps_the_article_with_each_paragraph_and_item_on_its_own_line():
    article = extract_article(NEWS_PAGE.encode(), content_type="text/html", url=NEWS_URL)

    assert article.text.split("\n") == [
        "Rates will fall twice by 2025, says our analysis",
        NEWS_ARTICLE_PARAGRAPHS[0],
        NEWS_ARTICLE_PARAGRAPHS[1],
        f"- {NEWS_ARTICLE_ITEMS[0]}",
        f"- {NEWS_ARTICLE_ITEMS[1]}",
        NEWS_ARTICLE_PARAGRAPHS[2],
    ]


@pytest.mark.parametrize(
    "boilerplate",
    [
        "cookies",  # the cookie banner
        "Markets",  # the navigation
        "Share on",  # the share buttons
        "Related stories",
        "Nonsense",  # a comment
        "bondvigilante",  # a commenter
        "Copyright",  # the footer
        "dataLayer",  # a script
    ],
)
def test_a_news_page_drops_its_boilerplate(boilerplate):
    article = extract_article(NEWS_PAGE.encode(), content_type="text/html", url=NEWS_URL)
    assert boilerplate not in article.text


def test_a_news_page_is_read_for_its_title_author_date_and_language():
    article = extract_article(NEWS_PAGE.encode(), content_type="text/html", url=NEWS_URL)

    assert dataclasses.replace(article, text="") == Article(
        text="",
        title="Rates will fall twice by 2025, says our analysis",
        author="Jane Doe",
        published_on=date(2024, 3, 5),
        language="en",
        kind="html",
    )


def test_a_blog_page_is_decoded_in_the_charset_its_meta_declares():
    article = extract_article(BLOG_PAGE.encode("cp1252"), content_type="text/html")

    assert article.text.split("\n") == [
        "What I expect in 2026",
        BLOG_POST_TEXT[0],
        f"{BLOG_POST_TEXT[1]} Café talk aside, here is why.",
        BLOG_POST_TEXT[2],
    ]
    assert (article.title, article.author, article.published_on) == (
        "What I expect in 2026",
        "Sam Rivera",
        date(2025, 1, 2),  # from its structured data
    )


def test_the_charset_of_the_content_type_wins_over_the_meta():
    article = extract_article(BLOG_PAGE.encode("utf-8"), content_type="text/html; charset=UTF-8")
    assert "Café talk aside" in article.text


def test_a_page_without_dated_markup_is_dated_by_its_url():
    body = page(paragraphs(*NEWS_ARTICLE_PARAGRAPHS))
    url = "https://blog.example/2023/05/06/rates"
    assert extract_article(body, content_type="text/html", url=url).published_on == date(2023, 5, 6)


def test_a_date_in_the_prose_is_not_taken_for_the_publication_date():
    body = page(
        paragraphs("Back in March 2019 we said rates would fall.", *NEWS_ARTICLE_PARAGRAPHS)
    )
    assert extract_article(body, content_type="text/html").published_on is None


FRENCH = (
    "La banque centrale devrait baisser ses taux directeurs au moins deux fois avant la fin "
    "de l'année prochaine, selon les économistes interrogés par notre rédaction cette semaine, "
    "qui jugent probable un ralentissement marqué de l'inflation dans toute la zone euro."
)
GERMAN = (
    "Die Zentralbank wird die Leitzinsen nach Einschätzung der meisten Volkswirte bis zum Ende "
    "des kommenden Jahres mindestens zweimal senken, weil die Inflation im gesamten Euroraum "
    "deutlich schneller zurückgeht als noch im Frühjahr erwartet wurde."
)


@pytest.mark.parametrize(
    ("text", "lang", "language"),
    [
        (NEWS_ARTICLE_PARAGRAPHS, "", "en"),
        (NEWS_ARTICLE_PARAGRAPHS, "fr", "en"),  # the text says otherwise
        ((FRENCH,) * 2, "fr-FR", "fr"),
        ((FRENCH,) * 2, "en", None),  # a template's default, contradicted by the text
        ((GERMAN,) * 2, "", None),  # not English, and nothing says what it is
    ],
)
def test_the_language_is_english_by_its_words_or_else_the_declared_one(text, lang, language):
    body = page(paragraphs(*text), lang=lang)
    assert extract_article(body, content_type="text/html").language == language


@pytest.mark.parametrize("body", [LOGIN_PAGE, PAYWALL_PAGE], ids=["log-in", "paywall"])
def test_a_log_in_or_paywall_page_is_refused(body):
    assert refusal(body.encode(), "text/html", url=NEWS_URL) == GATED


@pytest.mark.parametrize("marker", PAYWALL_MARKERS.values(), ids=PAYWALL_MARKERS.keys())
def test_a_short_teaser_with_a_paywall_marker_is_refused(marker):
    assert refusal(teaser_page(marker).encode(), "text/html") == GATED


@pytest.mark.parametrize("marker", PAYWALL_MARKERS.values(), ids=PAYWALL_MARKERS.keys())
def test_a_full_article_with_a_paywall_marker_is_kept(marker):
    article = extract_article(long_article_page(marker).encode(), content_type="text/html")
    assert NEWS_ARTICLE_PARAGRAPHS[0] in article.text


@pytest.mark.parametrize(
    "body",
    [
        SHELL_PAGE.encode(),  # a script-rendered page
        teaser_page("").encode(),  # too little text, and nothing withholds it
        b"<html><body><p>Hello</p></body></html>",
        b"<html",
        b"\x89PNG\r\n\x1a\n labelled as a page",
    ],
    ids=["app shell", "teaser", "a word", "broken", "binary"],
)
def test_a_page_without_article_text_is_refused(body):
    assert refusal(body, "text/html") == NO_ARTICLE


# --- PDF --------------------------------------------------------------------------------------


def test_a_pdf_gives_the_text_of_its_pages_and_its_title_and_author():
    pdf = make_pdf(REPORT_PAGES, title="Forecasts 2025", author="Research Desk")

    article = extract_article(pdf, content_type="application/pdf")

    assert article == Article(
        text=(
            "Forecasts for 2025\n"
            # the line the layout broke mid-sentence is joined again
            "We expect the index to close the year above 5,000 points, and we put the chance "
            "of a recession starting before the end of 2025 at about one in four.\n"
            "\n"
            "Oil will probably stay under $100 a barrel while supply discipline holds."
        ),
        title="Forecasts 2025",
        author="Research Desk",
        published_on=None,
        language="en",
        kind="pdf",
    )


@pytest.mark.parametrize("content_type", ["application/octet-stream", "text/html", ""])
def test_a_pdf_is_read_whatever_its_label(content_type):
    article = extract_article(make_pdf(REPORT_PAGES), content_type=content_type)
    assert (article.kind, article.title, article.author) == ("pdf", "", "")


def test_a_pdf_encrypted_without_a_password_is_read():
    pdf = encrypted(make_pdf(REPORT_PAGES), password="")
    assert extract_article(pdf, content_type="application/pdf").text.startswith("Forecasts")


@pytest.mark.parametrize(
    ("pdf", "sentence"),
    [
        (
            make_pdf([[], []]),
            "The PDF has no text layer (it may be a scanned image); paste its text instead.",
        ),
        (
            encrypted(make_pdf(REPORT_PAGES), password="secret"),
            "The PDF is encrypted or password-protected; paste its text instead.",
        ),
        (b"%PDF-1.4\nnot really a PDF", "The PDF could not be read; it may be damaged."),
        (make_pdf(REPORT_PAGES)[:200], "The PDF could not be read; it may be damaged."),
        (b"no signature at all", "The PDF could not be read; it may be damaged."),
    ],
    ids=["scan", "password", "garbage", "truncated", "mislabelled"],
)
def test_a_pdf_without_readable_text_is_refused(pdf, sentence):
    assert refusal(pdf, "application/pdf") == sentence


# --- Plain text -------------------------------------------------------------------------------

FORECAST = "We expect the index to close the year above 5,000 points.\nOil will stay under $100."


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [
        (FORECAST.encode(), "text/plain", FORECAST),
        (FORECAST.replace("\n", "\r\n").encode(), "text/plain; charset=utf-8", FORECAST),
        ("Café au lait".encode("latin-1"), "text/plain; charset=ISO-8859-1", "Café au lait"),
        ("Café au lait".encode(), "text/plain; charset=no-such-charset", "Café au lait"),
        ("Café au lait".encode("utf-16"), "text/plain", "Café au lait"),
        ("\ufeffCafé".encode(), "text/markdown", "Café"),  # the BOM goes
        (b"  one  \n\n\n\ntwo\t\n", "text/plain", "one\n\ntwo"),
        (FORECAST.encode(), "application/octet-stream", FORECAST),  # sniffed as text
    ],
    ids=["utf-8", "crlf", "declared", "unknown charset", "utf-16", "bom", "spacing", "untyped"],
)
def test_a_text_is_decoded_and_tidied(body, content_type, text):
    article = extract_article(body, content_type=content_type)
    assert (article.text, article.kind, article.title, article.published_on) == (
        text,
        "text",
        "",
        None,
    )


def test_a_text_that_is_not_utf_8_nor_its_declared_charset_is_refused():
    body = "Très cher été à Noël".encode("cp1252")
    assert refusal(body, "text/plain") == (
        "The text could not be decoded as UTF-8 or its declared character set; paste it instead."
    )


def test_a_text_of_control_characters_only_is_refused():
    assert refusal(b"\x01\x02\x03\x04", "text/plain").startswith("The text could not be decoded")


# --- What is not an article -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "url", "sentence"),
    [
        (b"", "text/html", NEWS_URL, "The address returned an empty page."),
        (b" \r\n\x00\x00 ", "text/plain", NEWS_URL, "The address returned an empty page."),
        (b"", "application/pdf", "", "The uploaded file is empty."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "image/png",
            NEWS_URL,
            "The address returned an image (image/png), not an article.",
        ),
        (
            b"ID3\x04\x00",
            "audio/mpeg",
            NEWS_URL,
            "The address returned an audio file (audio/mpeg), not an article.",
        ),
        (
            b"\x00\x00\x00\x18ftypmp42",
            "video/mp4",
            "",
            "The uploaded file is a video (video/mp4), not an article.",
        ),
        (
            b"PK\x03\x04\x14\x00",
            "application/zip",
            NEWS_URL,
            "The address returned a file (application/zip), not an article.",
        ),
        (
            b"PK\x03\x04\x14\x00",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "",
            "The uploaded file (application/vnd.openxmlformats-officedocument"
            ".wordprocessingml.document) is not an article.",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "application/octet-stream",  # named by its signature
            "",
            "The uploaded file is an image (image/png), not an article.",
        ),
        (
            bytes(range(256)),
            "",
            NEWS_URL,
            "The address returned a file (unknown type), not an article.",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "empty upload",
        "image",
        "audio",
        "video upload",
        "zip",
        "word upload",
        "untyped image",
        "untyped binary",
    ],
)
def test_what_is_not_an_article_is_refused(body, content_type, url, sentence):
    assert refusal(body, content_type, url) == sentence


def test_an_untyped_page_is_sniffed_as_html():
    article = extract_article(NEWS_PAGE.encode(), content_type="")
    assert (article.kind, article.author) == ("html", "Jane Doe")


# --- NULs, surrogates and other debris ---------------------------------------------------------


def test_nul_bytes_and_surrogate_references_in_a_page_do_not_survive():
    body = NEWS_PAGE.replace("The central bank", "The cen\x00tral &#xD800;bank").encode()
    article = extract_article(body.replace(b"<p>", b"<p>\x00\x01"), content_type="text/html")
    assert "The central \ufffdbank is likely" in article.text
    assert "\x00" not in article.text and "\x01" not in article.text


def test_a_lone_surrogate_encoded_in_a_text_becomes_a_replacement_mark():
    body = b"Rates will fall \xed\xa0\x80 by 2025, says the bank in its latest report to us."
    article = extract_article(body, content_type="text/plain")
    assert (
        article.text
        == "Rates will fall \ufffd\ufffd\ufffd by 2025, says the bank in its latest report to us."
    )


def test_nul_bytes_in_a_text_are_dropped():
    article = extract_article(b"Rates\x00 will\x00 fall.", content_type="text/plain")
    assert article.text == "Rates will fall."


PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
CONTENT_TYPES = ["text/html", "application/pdf", "text/plain; charset=utf-8", "", "image/png"]


@PROPERTY_SETTINGS
@given(body=st.binary(max_size=2000), content_type=st.sampled_from(CONTENT_TYPES))
def test_any_bytes_give_a_clean_article_or_a_refusal(body, content_type):
    try:
        article = extract_article(body, content_type=content_type, url=NEWS_URL)
    except ArticleError as error:
        assert error.message.endswith(".")
        return
    assert "\x00" not in article.text
    article.text.encode("utf-8")  # no lone surrogate: it can be stored


@PROPERTY_SETTINGS
@given(
    body=st.lists(st.sampled_from(["<p>", "</p>", "\x00", "&#0;", "&#xDFFF;", "é", " "]))
    .map("".join)
    .map(lambda middle: f"<html><body>{middle}{'A sentence here. ' * 20}</body></html>")
)
def test_pages_littered_with_nuls_and_surrogates_still_give_clean_text(body):
    article = extract_article(body.encode(), content_type="text/html")
    assert "\x00" not in article.text
    article.text.encode("utf-8")


def test_an_article_is_frozen():
    article = extract_article(FORECAST.encode(), content_type="text/plain")
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.text = "changed"  # type: ignore[misc]


# --- Pasted text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "cleaned"),
    [
        ("one\r\ntwo\rthree\u2028four", "one\ntwo\nthree\nfour"),
        ("  Rates\x00 will fall.  \n", "Rates will fall."),
        ("broken \ud800 surrogate", "broken \ufffd surrogate"),
        ("para one   \n\n\n\n\npara two", "para one\n\npara two"),
        ("tab\tkept", "tab\tkept"),
    ],
)
def test_pasted_text_is_tidied(pasted, cleaned):
    assert clean_pasted_text(pasted) == cleaned


@pytest.mark.parametrize("pasted", ["", "   \n\t ", "\x00\x00"])
def test_an_empty_paste_is_refused(pasted):
    with pytest.raises(ArticleError, match=r"^Nothing was pasted; paste the article's text\.$"):
        clean_pasted_text(pasted)


@pytest.mark.parametrize(
    "pasted",
    [
        bytes(range(256)).decode("latin-1"),
        "PNG\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x08\x06\x00\x00\x00",
        "\ufffd\ufffdx\ufffd" * 10,  # what binary read as UTF-8 looks like
    ],
    ids=["bytes", "image", "mojibake"],
)
def test_a_binary_looking_paste_is_refused(pasted):
    with pytest.raises(ArticleError) as caught:
        clean_pasted_text(pasted)
    assert caught.value.message == (
        "The pasted text looks like binary data, not an article; copy the article's text instead."
    )


@PROPERTY_SETTINGS
@given(st.text())
def test_any_paste_gives_clean_text_or_a_refusal(pasted):
    try:
        cleaned = clean_pasted_text(pasted)
    except ArticleError:
        return
    assert cleaned and "\x00" not in cleaned and "\r" not in cleaned
    cleaned.encode("utf-8")
