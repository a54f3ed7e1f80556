"""Article text for importing a published forecast: a page or a document made clean text.

``extract_article`` takes the bytes of a fetched page or an uploaded file with its content
type and returns an ``Article``: the main text (paragraphs and list items each on a line of
their own), title, author, publication date, a language guess, and which kind it was.
HTML goes through trafilatura (main text only: navigation, cookie banners, comments and
footers are dropped), PDF through pypdf, plain text is decoded. ``clean_pasted_text`` does
the same tidying for text pasted into a form.

Pure Python, no Django: fetching is ``article_fetch.py``'s part. Whatever cannot become an
article is refused with an ``ArticleError`` whose message is a sentence a staff user can act
on. NUL bytes, lone surrogates and stray control characters are removed, never fatal.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

import trafilatura
from lxml.html import HtmlElement
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

ArticleKind = Literal["html", "pdf", "text"]

# Under this much main text a page holds no article.
MIN_ARTICLE_CHARS = 200
# Under this much main text, a log-in form or paywall marker means the article is withheld.
GATED_MAX_CHARS = 1000
# A text with more than a few undecodable or control characters, and more than this share
# of them, is refused as garbled.
MAX_GARBLED_SHARE = 0.02
MIN_GARBLED_CHARS = 3

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
# Types that say nothing about the content: the body is sniffed instead.
UNTYPED = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})
# Magic numbers of the binary files most often met instead of an article.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"\xd0\xcf\x11\xe0", "application/msword"),
)

MEDIA_FAMILIES = {"image": "an image", "audio": "an audio file", "video": "a video"}

# Dates only from the page's markup and URL: a date picked out of the prose (a forecast's
# "by March 2019") would be a wrong publication date, which is worse than none.
DATE_PARAMS = {"original_date": True, "extensive_search": False}

PASSWORD_FIELD = "//input[translate(@type, 'PASWORD', 'pasword') = 'password']"
PAYWALL_ELEMENT = (
    "//*[contains(translate(@class, 'PAYWL', 'paywl'), 'paywall')"
    " or contains(translate(@id, 'PAYWL', 'paywl'), 'paywall')]"
)
CONTENT_TIER = (
    "//meta[@property = 'article:content_tier' or @name = 'article:content_tier']/@content"
)
STRUCTURED_DATA = "//script[@type = 'application/ld+json']/text()"
VISIBLE_TEXT = "//body//text()[not(ancestor::script) and not(ancestor::style)]"
NOT_FREE = re.compile(r'"isAccessibleForFree"\s*:\s*"?false', re.IGNORECASE)
PAYWALL_PHRASES = (
    "subscribe to continue",
    "subscribe to read",
    "subscribers only",
    "already a subscriber",
    "already have an account",
    "sign in to continue",
    "sign in to read",
    "log in to continue",
    "log in to read",
    "create a free account",
    "register to continue",
    "to keep reading",
)

# The commonest English words: about 40% of the words of English prose, few of another's.
ENGLISH_STOP_WORDS_TEXT = """
a about after all also an and are as at be been but by can could for from had has have he
her his if in into is it its more no not of on or our so than that the their there they this
to was we were what when which who will with would you
"""
ENGLISH_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS_TEXT.split())
MIN_WORDS_FOR_LANGUAGE = 20
ENGLISH_SHARE = 0.2
NOT_ENGLISH_SHARE = 0.05

SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT_RUN = re.compile("\ufffd+")
CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
BLANK_RUN = re.compile(r"\n{3,}")
WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Article:
    """The clean text of a published piece and what is known about it ("" when unknown)."""

    text: str
    title: str
    author: str
    published_on: date | None
    language: str | None  # a primary language code such as "en"; None when unsure
    kind: ArticleKind


class ArticleError(Exception):
    """Nothing could be imported; the message says why and what to do instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def extract_article(body: bytes, *, content_type: str, url: str = "") -> Article:
    """The article in ``body``: a fetched page (``url`` given) or an uploaded file.

    The kind comes from ``content_type``, checked against the body's first bytes (a PDF is
    a PDF whatever it is labelled); an untyped body is sniffed. Raises ArticleError.
    """
    if not body.strip(b"\x00 \t\r\n\x0b\x0c"):
        raise ArticleError(
            "The address returned an empty page." if url else "The uploaded file is empty."
        )
    media_type, charset = _parse_content_type(content_type)
    kind = _kind_of(body, media_type, url)
    if kind == "pdf":
        return _pdf_article(body)
    if kind == "html":
        return _html_article(body, charset, url)
    return _text_article(body, charset)


def clean_pasted_text(text: str) -> str:
    """Pasted text with its line endings normalised and NULs, lone surrogates and other
    control characters removed. Raises ArticleError for an empty or binary-looking paste."""
    if _looks_garbled(text):
        raise ArticleError(
            "The pasted text looks like binary data, not an article; copy the article's text "
            "instead."
        )
    cleaned = tidy_text(text)
    if not cleaned:
        raise ArticleError("Nothing was pasted; paste the article's text.")
    return cleaned


def tidy_text(text: str) -> str:
    """One line break character, no control characters or lone surrogates, no trailing
    spaces, at most one blank line in a row."""
    text = LINE_BREAKS.sub("\n", text)
    text = SURROGATE.sub("\ufffd", text)
    text = CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return BLANK_RUN.sub("\n\n", text).strip()


# Lines a newsletter platform (Substack) puts between a post's paragraphs: never the author's.
NEWSLETTER_LINE = re.compile(
    r"(share|subscribe|subscribe now|leave a comment|share this post"
    r"|.{1,80} is a reader-supported publication\. .{0,120}subscriber\.)",
    re.IGNORECASE,
)


def original_text(text: str, *, first_line: str = "", last_line: str = "") -> str:
    """The author's text out of a republished copy: from the line starting ``first_line``
    through the line starting ``last_line`` when they are given (what an aggregator puts
    around it, its summary, commentary, translation and related links, is dropped), without
    the lines a newsletter platform adds ("Share", "... is a reader-supported publication").
    A line not found raises ValueError: a wrong header must not store the wrong text."""
    lines = text.split("\n")

    def where(start: str, after: int = 0) -> int:
        for index in range(after, len(lines)):
            if lines[index].strip().startswith(start):
                return index
        raise ValueError(f"no line starts with {start!r}")

    first = where(first_line) if first_line else 0
    last = where(last_line, first) if last_line else len(lines) - 1
    kept = [line for line in lines[first : last + 1] if not NEWSLETTER_LINE.fullmatch(line.strip())]
    return "\n".join(kept).strip() + "\n"


# --- Kind -------------------------------------------------------------------------------------


def _parse_content_type(content_type: str) -> tuple[str, str | None]:
    """The media type (lower case) and the charset, if any and if Python knows it."""
    media_type, *params = content_type.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = _known_codec(value.strip().strip("\"'"))
    return media_type.strip().lower(), charset


def _known_codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _kind_of(body: bytes, media_type: str, url: str) -> ArticleKind:
    head = body[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if media_type in HTML_TYPES:
        return "html"
    if media_type in PDF_TYPES:
        return "pdf"  # without its signature: pypdf says it cannot read it
    if media_type.startswith("text/"):
        return "text"
    if media_type in UNTYPED:
        if _looks_like_html(head):
            return "html"
        sniffed = _sniffed_type(head)
        if sniffed is None and not _looks_garbled(head.decode("utf-8", "replace"), share=0.1):
            return "text"
        media_type = sniffed or media_type or "unknown type"
    raise ArticleError(_not_an_article(media_type, url))


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n\x00").lower()
    return start.startswith((b"<!doctype html", b"<html")) or (
        start.startswith(b"<") and (b"<html" in start or b"<body" in start)
    )


def _sniffed_type(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def _not_an_article(media_type: str, url: str) -> str:
    what = MEDIA_FAMILIES.get(media_type.partition("/")[0])
    if url:
        return f"The address returned {what or 'a file'} ({media_type}), not an article."
    if what:
        return f"The uploaded file is {what} ({media_type}), not an article."
    return f"The uploaded file ({media_type}) is not an article."


# --- HTML -------------------------------------------------------------------------------------


def _html_article(body: bytes, charset: str | None, url: str) -> Article:
    nothing_found = ArticleError("No article text could be found on that page.")
    tree = trafilatura.load_html(_decode_html(body, charset))
    if tree is None:
        raise nothing_found
    document = trafilatura.bare_extraction(
        tree,  # copied by trafilatura, which prunes its copy
        url=url or None,
        include_comments=False,
        with_metadata=True,
        date_extraction_params=DATE_PARAMS,
    )
    text = tidy_text(document.text or "") if document is not None else ""
    if len(text) < GATED_MAX_CHARS and _looks_gated(tree):
        raise ArticleError(
            "The page seems to be behind a log-in or paywall; paste the text instead."
        )
    if len(text) < MIN_ARTICLE_CHARS:
        raise nothing_found
    assert document is not None
    return Article(
        text=text,
        title=tidy_text(document.title or ""),
        author=tidy_text(document.author or ""),
        published_on=_iso_date(document.date),
        language=_language(text, declared=_declared_language(tree)),
        kind="html",
    )


def _decode_html(body: bytes, charset: str | None) -> str:
    """The page as text: the charset of the Content-Type, else the one its <meta> declares,
    else UTF-8; undecodable bytes become U+FFFD."""
    if charset is None:
        declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", body[:4096], re.I)
        if declared:
            charset = _known_codec(declared.group(1).decode("ascii"))
    return CONTROL.sub("", body.decode(charset or "utf-8", errors="replace"))


def _looks_gated(tree: HtmlElement) -> bool:
    """Whether the page asks for a log-in or a subscription: a password field, a paywall
    element, a locked content tier, structured data saying it is not free, or the words."""
    if tree.xpath(PASSWORD_FIELD) or tree.xpath(PAYWALL_ELEMENT):
        return True
    if any(tier.strip().lower() in ("locked", "metered") for tier in tree.xpath(CONTENT_TIER)):
        return True
    if any(NOT_FREE.search(data) for data in tree.xpath(STRUCTURED_DATA)):
        return True
    visible = " ".join(" ".join(tree.xpath(VISIBLE_TEXT)).split()).lower()
    return any(phrase in visible for phrase in PAYWALL_PHRASES)


def _declared_language(tree: HtmlElement) -> str | None:
    candidates = [
        tree.get("lang"),
        *tree.xpath(
            "//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')"
            " = 'content-language']/@content"
        ),
        *tree.xpath("//meta[@property = 'og:locale']/@content"),
    ]
    for candidate in candidates:
        primary = re.split(r"[-_]", (candidate or "").strip())[0].lower()
        if primary.isalpha() and 2 <= len(primary) <= 3:
            return primary
    return None


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


# --- PDF --------------------------------------------------------------------------------------


def _pdf_article(body: bytes) -> Article:
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("a password is needed")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title, author = (info.title, info.author) if info is not None else (None, None)
    except (FileNotDecryptedError, DependencyError):
        raise ArticleError(
            "The PDF is encrypted or password-protected; paste its text instead."
        ) from None
    except Exception:  # pypdf meets damaged files with many kinds of exception
        raise ArticleError("The PDF could not be read; it may be damaged.") from None
    text = tidy_text("\n\n".join(_unwrap(tidy_text(page)) for page in pages))
    if not text:
        raise ArticleError(
            "The PDF has no text layer (it may be a scanned image); paste its text instead."
        )
    return Article(
        text=text,
        title=tidy_text(str(title or "")),
        author=tidy_text(str(author or "")),
        published_on=None,  # a PDF's CreationDate is when the file was made, not published
        language=_language(text, declared=None),
        kind="pdf",
    )


def _unwrap(page: str) -> str:
    """Join lines that a PDF's layout broke mid-sentence: a line that does not end a
    sentence followed by one that starts with a small letter."""
    return re.sub(r"(?<=[^.!?:;\n])\n(?=[a-z])", " ", page)


# --- Plain text -------------------------------------------------------------------------------


def _text_article(body: bytes, charset: str | None) -> Article:
    text = tidy_text(_decode_text(body, charset))
    if not text:
        raise ArticleError("The text is empty.")
    return Article(
        text=text,
        title="",
        author="",
        published_on=None,
        language=_language(text, declared=None),
        kind="text",
    )


def _decode_text(body: bytes, charset: str | None) -> str:
    """The body in its declared charset, else in UTF-8, whichever reads cleanly."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        charset = "utf-16"
    for encoding in dict.fromkeys([charset or "utf-8-sig", "utf-8-sig"]):
        decoded = body.decode(encoding, errors="replace")
        if not _looks_garbled(decoded.replace("\x00", "")):
            return decoded
    raise ArticleError(
        "The text could not be decoded as UTF-8 or its declared character set; paste it instead."
    )


def _looks_garbled(text: str, share: float = MAX_GARBLED_SHARE) -> bool:
    """Whether more than a few characters, and more than ``share`` of them, are undecodable,
    lone surrogates or controls. A run of replacement marks counts once: one bad sequence of
    bytes becomes up to three."""
    bad = len(REPLACEMENT_RUN.findall(text)) + len(SURROGATE.findall(text))
    bad += len(CONTROL.findall(text))
    return bad > MIN_GARBLED_CHARS and bad / len(text) > share


# --- Language ---------------------------------------------------------------------------------


def _language(text: str, *, declared: str | None) -> str | None:
    """ "en" when the text reads as English; otherwise the page's declared language unless
    the text contradicts it; None when unsure."""
    english = _reads_as_english(text)
    if english is True:
        return "en"
    if english is False and declared == "en":
        return None
    return declared


def _reads_as_english(text: str) -> bool | None:
    """True or False by the share of common English words among the words, when the letters
    are ASCII; None when there are too few words or the share is in between."""
    words = WORD.findall(text.lower())
    if len(words) < MIN_WORDS_FOR_LANGUAGE:
        return None
    letters = sum(len(word) for word in words)
    ascii_letters = sum(len(word) for word in words if word.isascii())
    share = sum(word in ENGLISH_STOP_WORDS for word in words) / len(words)
    if ascii_letters / letters < 0.9 or share < NOT_ENGLISH_SHARE:
        return False
    return True if share >= ENGLISH_SHARE else None
