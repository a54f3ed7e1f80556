"""Fetching an article to import (registry/article_fetch.py) from real HTTP servers on
127.0.0.1: what is asked for, what comes back, and the sentence for each way it fails."""

from __future__ import annotations

import gzip
import ipaddress
import socket
from datetime import date

import pytest

from registry.article_fetch import fetch_article, fetch_error_sentence
from registry.article_text import ArticleError
from resolvers.fetcher import FetchError
from tests.registry.article_documents import (
    LOGIN_PAGE,
    NEWS_ARTICLE_PARAGRAPHS,
    NEWS_PAGE,
    make_pdf,
)
from tests.resolvers.http_servers import Reply, redirect, repeated, serve, text_reply

MAX_BYTES = 64 * 1024
HTML = "text/html; charset=utf-8"
START_HOST = "start.test"  # an allowed name for the server, when 127.0.0.1 itself is not


@pytest.fixture(autouse=True)
def _fetcher_settings(settings):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_CONNECT_TIMEOUT = 1.0
    settings.RESOLVER_READ_TIMEOUT = 0.5
    settings.RESOLVER_DEADLINE = 3.0
    settings.RESOLVER_MAX_BODY_BYTES = MAX_BYTES
    settings.RESOLVER_MAX_REDIRECTS = 3


@pytest.fixture
def server():
    with serve() as running:
        yield running


@pytest.fixture
def dns(monkeypatch) -> dict[str, str | OSError]:
    """Made-up names -> an address (or an error to raise); other names resolve as usual."""
    records: dict[str, str | OSError] = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = (host.decode() if isinstance(host, bytes) else host or "").lower()
        if name not in records:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        record = records[name]
        if isinstance(record, OSError):
            raise record
        assert ipaddress.ip_address(record).version == 4
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (record, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return records


def refusal(url: str) -> str:
    with pytest.raises(ArticleError) as caught:
        fetch_article(url)
    return caught.value.message


def html_reply(html: str, status: int = 200) -> Reply:
    return text_reply(html, status=status, content_type=HTML)


# --- Articles ---------------------------------------------------------------------------------


def test_a_page_is_asked_for_as_a_browser_would_and_made_an_article(server):
    server.routes["/markets/rates"] = html_reply(NEWS_PAGE)

    article = fetch_article(server.url("/markets/rates"))

    assert (article.kind, article.author, article.published_on) == (
        "html",
        "Jane Doe",
        date(2024, 3, 5),
    )
    assert NEWS_ARTICLE_PARAGRAPHS[0] in article.text
    (request,) = server.requests
    assert request.headers["accept"].startswith("text/html,application/xhtml+xml,")
    assert "application/pdf" in request.headers["accept"]
    assert "en" in request.headers["accept-language"]


def test_the_final_address_after_redirects_dates_the_page(server):
    undated = f"<html><body><article><p>{' '.join(NEWS_ARTICLE_PARAGRAPHS)}</p></article></body>"
    server.routes["/story"] = redirect("/2023/05/06/story")
    server.routes["/2023/05/06/story"] = html_reply(undated + "</html>")

    assert fetch_article(server.url("/story")).published_on == date(2023, 5, 6)


def test_a_pdf_is_fetched_and_read(server):
    pdf = make_pdf([["We expect rates to fall twice by the end of 2025."]], title="Outlook")
    server.routes["/outlook.pdf"] = Reply(200, {"Content-Type": "application/pdf"}, pdf)

    article = fetch_article(server.url("/outlook.pdf"))

    assert (article.kind, article.title, article.text) == (
        "pdf",
        "Outlook",
        "We expect rates to fall twice by the end of 2025.",
    )


def test_a_text_is_fetched_in_its_charset(server):
    server.routes["/notes.txt"] = Reply(
        200, {"Content-Type": "text/plain; charset=iso-8859-1"}, "Café crème.".encode("latin-1")
    )
    assert fetch_article(server.url("/notes.txt")).text == "Café crème."


def test_a_gzipped_page_is_unpacked(server):
    server.routes["/gz"] = Reply(
        200, {"Content-Type": HTML, "Content-Encoding": "gzip"}, gzip.compress(NEWS_PAGE.encode())
    )
    assert fetch_article(server.url("/gz")).author == "Jane Doe"


# --- Answers that carry no article ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        (401, "The page is behind a log-in (HTTP 401); paste the text instead."),
        (403, "The page is behind a log-in (HTTP 403); paste the text instead."),
        (402, "The page is behind a paywall (HTTP 402); paste the text instead."),
        (404, "There is no page at that address (HTTP 404); check the address."),
        (410, "There is no page at that address (HTTP 410); check the address."),
        (429, "The site is refusing requests for now (HTTP 429); try again later."),
        (400, "The site refused the request (HTTP 400); check the address."),
        (451, "The site refused the request (HTTP 451); check the address."),
        (500, "The site failed to answer (HTTP 500); try again later."),
        (503, "The site failed to answer (HTTP 503); try again later."),
        (300, "The site gave an unexpected answer (HTTP 300); paste the text instead."),
    ],
)
def test_a_status_without_an_article_is_refused_with_its_sentence(server, status, sentence):
    server.routes["/page"] = html_reply(NEWS_PAGE, status=status)  # a body is not enough
    assert refusal(server.url("/page")) == sentence


def test_a_log_in_page_served_as_a_success_is_refused(server):
    server.routes["/story"] = redirect("/login?next=/story")
    server.routes["/login"] = html_reply(LOGIN_PAGE)
    assert refusal(server.url("/story")) == (
        "The page seems to be behind a log-in or paywall; paste the text instead."
    )


def test_an_image_is_refused(server):
    server.routes["/chart.png"] = Reply(200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n")
    assert refusal(server.url("/chart.png")) == (
        "The address returned an image (image/png), not an article."
    )


def test_an_empty_page_is_refused(server):
    server.routes["/empty"] = Reply(200, {"Content-Type": HTML}, b"")
    assert refusal(server.url("/empty")) == "The address returned an empty page."


# --- Fetches that fail ------------------------------------------------------------------------

BAD_ADDRESS = "That is not a web address; give the full address, starting with https://."


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ledger.example/markets/rates",
        "ftp://ledger.example/rates.txt",
        "javascript:alert(1)",
        "https://",
        "http://[::1",
        "http://user:secret@127.0.0.1/",
        "http://127.0.0.1:99999/",
    ],
)
def test_an_address_that_is_not_a_web_address_is_refused(url):
    assert refusal(url) == BAD_ADDRESS


def test_a_name_that_does_not_resolve_is_refused(dns):
    dns["nowhere.test"] = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert refusal("http://nowhere.test/story") == (
        "The site's name could not be found; check the address."
    )


def test_a_site_that_refuses_connections_is_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert refusal(f"http://127.0.0.1:{port}/") == (
        "The site could not be reached; try again later or paste the text instead."
    )


def test_a_slow_site_is_refused(server):
    server.routes["/slow"] = Reply(200, {"Content-Type": HTML}, NEWS_PAGE, delay=2.0)
    assert refusal(server.url("/slow")) == (
        "The site took too long to answer; try again later or paste the text instead."
    )


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, {"Content-Type": HTML}, b"<p>" + b"x" * (MAX_BYTES + 1)),
        Reply(200, {"Content-Type": HTML}, repeated(b"<p>words</p>" * 100, 1000)),  # chunked
    ],
    ids=["announced", "streamed"],
)
def test_a_page_over_the_body_cap_is_refused(server, reply):
    server.routes["/huge"] = reply
    assert refusal(server.url("/huge")) == (
        "The page is over the 64 KB limit; paste the text instead."
    )


def test_a_redirect_loop_is_refused(server):
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    assert refusal(server.url("/a")) == (
        "The address redirects too many times; give the article's own address."
    )


# --- Private and local addresses --------------------------------------------------------------

PRIVATE_ADDRESS = "That address is on a private or local network, which Hindsight does not fetch."
PRIVATE_REDIRECT = (
    "The address redirects to a private or local network, which Hindsight does not fetch."
)


@pytest.fixture
def nothing_allowed(settings):
    settings.RESOLVER_ALLOWED_HOSTS = []


@pytest.mark.usefixtures("nothing_allowed")
@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/story", "http://10.0.0.1/story", "http://169.254.169.254"],
)
def test_a_private_address_is_refused(server, url):
    server.routes["/story"] = html_reply(NEWS_PAGE)
    assert refusal(url.format(port=server.port)) == PRIVATE_ADDRESS
    assert server.requests == []


@pytest.mark.usefixtures("nothing_allowed")
def test_a_name_that_resolves_to_a_private_address_is_refused(dns):
    dns["intranet.test"] = "10.1.2.3"
    assert refusal("http://intranet.test") == PRIVATE_ADDRESS


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/secret",
        "http://10.0.0.1/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://intranet.test/secret",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(server, dns, settings, target):
    """The start is allowed by name; 127.0.0.1 itself is not, so the hop to it is refused."""
    settings.RESOLVER_ALLOWED_HOSTS = [START_HOST]
    dns[START_HOST] = "127.0.0.1"
    dns["intranet.test"] = "10.1.2.3"
    server.routes["/story"] = redirect(target.format(port=server.port))
    server.routes["/secret"] = html_reply(NEWS_PAGE)

    assert refusal(f"http://{START_HOST}:{server.port}/story") == PRIVATE_REDIRECT
    assert server.hits("/story") == 1
    assert server.hits("/secret") == 0


# --- Every reason the fetcher gives -----------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "message", "sentence"),
    [
        (
            FetchError.CERTIFICATE,
            "The TLS certificate was refused: expired",
            "The site's security certificate is not valid, so Hindsight did not read it; "
            "paste the text instead.",
        ),
        (
            FetchError.CONNECTION,
            "Connection failed: Failed to resolve 'news.test' ([Errno -3] Temporary failure "
            "in name resolution)",
            "The site's name could not be found; check the address.",
        ),
        (
            FetchError.CONNECTION,
            "Connection failed: [Errno 111] Connection refused",
            "The site could not be reached; try again later or paste the text instead.",
        ),
        (
            "a reason added later",
            "Something new",
            "The site could not be reached; try again later or paste the text instead.",
        ),
    ],
)
def test_each_fetch_error_has_a_sentence(reason, message, sentence):
    error = FetchError(message, reason=reason, url="https://news.test/", transient=False)
    assert fetch_error_sentence(error, requested="https://news.test") == sentence


def test_the_cap_is_said_in_megabytes_when_it_is_that_big(settings):
    settings.RESOLVER_MAX_BODY_BYTES = 2 * 1024 * 1024
    error = FetchError(
        "too big", reason=FetchError.TOO_LARGE, url="https://a.test/", transient=False
    )
    assert fetch_error_sentence(error, requested="https://a.test/") == (
        "The page is over the 2 MB limit; paste the text instead."
    )
