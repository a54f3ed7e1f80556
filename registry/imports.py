"""Importing a published text: from a web address, a pasted text or a file to a stored
source whose forecasts are proposed for staff to review.

Two steps, so that nothing is stored for input that cannot be imported:

* `import_prepare` writes nothing. It fetches the address (`article_fetch.fetch_article`,
  through the safe fetcher) or reads the file (`article_text.extract_article`), or cleans
  the paste, and refuses, with an ApplicationError whose message is a sentence for staff
  naming the field, an address that fails, times out, is private, too large, behind a
  log-in or paywall, not text or without an article; an empty or binary paste or file; a
  text longer than IMPORT_MAX_TEXT_CHARS; a text in another language than English, unless
  staff ask to store it without proposals. The title, author and publication date staff
  left out are taken from the article; what is still missing is listed in `problems`, so a
  form can show what was found beside what is asked for. A text that is pasted or uploaded
  is used as given, and the address, if any, is recorded as the original's, not fetched.
* `source_import_start` (one transaction) stores the source, or finds it stored already
  (same address, or same title and author), and records the import. A text up to
  IMPORT_INLINE_MAX_CHARS is read by the finder at once (the finding and drafting before
  the transaction, the proposals stored in it); a longer one is handed to the Celery task
  `registry.propose_claims` through the task outbox, and the SourceImport record shows its
  progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError
from registry import claim_services, services, tasks
from registry.article_fetch import fetch_article
from registry.article_text import Article, ArticleError, clean_pasted_text, extract_article
from registry.languages import ENGLISH, Language, text_language
from registry.models import Claim, Forecaster, Source, SourceImport, source_url_problem
from resolvers.fetcher import DEFAULT_MAX_BODY_BYTES

EARLIEST_PUBLICATION = date(1900, 1, 1)
TITLE_MAX, AUTHOR_MAX, PUBLICATION_MAX, URL_MAX = 300, 120, 200, 500

NOTHING_GIVEN = "Give the article's web address, paste its text or upload it as a file."
TEXT_AND_FILE = "Paste the text or upload a file, not both."


@dataclass(frozen=True)
class ImportInput:
    """What staff gave: where the text comes from, and what they know about it."""

    url: str = ""
    text: str = ""
    file_body: bytes | None = None
    file_content_type: str = ""
    title: str = ""
    author: str = ""
    published_on: date | None = None
    publication: str = ""
    fiscal_year_start_month: int = 1
    language: str = ""  # a language code staff vouch for; "" to have it guessed
    store_without_proposals: bool = False
    origin: str = ""  # SourceImport.Origin; "" for what the input says


@dataclass(frozen=True)
class PreparedImport:
    """A text read and checked, ready to store; `problems` lists what is still missing."""

    origin: str
    url: str
    text: str
    title: str
    author: str
    published_on: date | None
    publication: str
    fiscal_year_start_month: int
    language: str
    propose: bool
    existing: Source | None = None
    problems: dict[str, str] = field(default_factory=dict)


def import_prepare(*, given: ImportInput) -> PreparedImport:
    """Read and check what staff gave (see the module's docstring). Writes nothing."""
    origin, article = _read(given)
    if len(article.text) > settings.IMPORT_MAX_TEXT_CHARS:
        raise ApplicationError.invalid_fields(
            {
                _field_of(origin): f"The text is {len(article.text):,} characters long; the "
                f"claim finder reads at most {settings.IMPORT_MAX_TEXT_CHARS:,} in one import. "
                "Import it in parts."
            }
        )
    language = (
        _vouched(given.language)
        if given.language
        else text_language(article.text, declared=article.language)
    )
    if language.english is False and not given.store_without_proposals:
        raise ApplicationError.invalid_fields(
            {
                _field_of(origin): f"The claim finder reads English only, and this text reads "
                f"as {language.name}. To keep the source anyway, import it again with “store "
                "without proposals”."
            }
        )
    url = given.url.strip()
    prepared = PreparedImport(
        origin=given.origin or origin,
        url=url,
        text=article.text,
        title=_one_line(given.title) or _one_line(article.title),
        author=_one_line(given.author) or _one_line(article.author),
        published_on=given.published_on or article.published_on,
        publication=_one_line(given.publication),
        fiscal_year_start_month=given.fiscal_year_start_month,
        language=language.code if language.english is not None else "en",
        propose=not given.store_without_proposals,
    )
    problems = _problems(prepared, fetched=origin == SourceImport.Origin.URL)
    existing = None if problems else _stored_source(prepared)
    return replace(prepared, problems=problems, existing=existing)


def import_preview(*, prepared: PreparedImport) -> list[claim_services.DraftedProposal]:
    """What the finder would propose for the prepared text, drafted; nothing is stored."""
    return claim_services.proposals_draft(source=_unsaved_source(prepared), known_spans=[])[0]


@dataclass(frozen=True)
class ImportStarted:
    """The import's record (which names the source) and the claims it proposed at once."""

    record: SourceImport
    created: list[Claim] = field(default_factory=list)


def source_import_start(
    *,
    prepared: PreparedImport,
    user: AbstractBaseUser | None = None,
    inline: bool | None = None,
) -> ImportStarted:
    """Store the source (or find it stored) and propose its forecasts, at once or through
    the Celery task (see the module's docstring); `inline` forces one way (the command
    line waits)."""
    if prepared.problems:
        raise ApplicationError.invalid_fields(prepared.problems)
    source = prepared.existing
    if inline is None:
        length = len(source.text if source else prepared.text)
        inline = length <= settings.IMPORT_INLINE_MAX_CHARS
    drafted: list[claim_services.DraftedProposal] = []
    known = 0
    created: list[Claim] = []
    if prepared.propose and inline:
        # The slow part, before the transaction; an unsaved source stands in for a new one.
        reading = source or _unsaved_source(prepared)
        spans = list(source.claims.values_list("start_offset", "end_offset")) if source else []
        drafted, known = claim_services.proposals_draft(source=reading, known_spans=spans)
    with transaction.atomic():
        source, created = _source_store(prepared)
        record = SourceImport(
            source=source,
            created_by=user if user is not None and user.is_authenticated else None,
            origin=prepared.origin,
            url=prepared.url if prepared.origin == SourceImport.Origin.URL else "",
            source_created=created,
        )
        if not prepared.propose:
            record.state = SourceImport.State.STORED
            record.stage = "Stored without proposals, as asked"
            record.finished_at = timezone.now()
        elif inline:
            result = claim_services.proposals_store(source=source, drafted=drafted)
            created = result.created
            record.state = SourceImport.State.DONE
            record.proposed = len(result.created)
            record.already_known = known + result.already_known
            record.stage = claim_services.proposed_summary(record.proposed, record.already_known)
            record.finished_at = timezone.now()
        else:
            record.state = SourceImport.State.QUEUED
            record.stage = f"Waiting for a worker to read {len(source.text):,} characters"
        record.save()
        if record.state == SourceImport.State.QUEUED:
            tasks.enqueue_propose_claims(record.pk)
    return ImportStarted(record=record, created=created)


# --- Reading --------------------------------------------------------------------------------


def _read(given: ImportInput) -> tuple[str, Article]:
    """(origin, the article) from the file, the paste or the address, in that order."""
    has_file = given.file_body is not None
    pasted = bool(given.text) and bool(given.text.strip() or not (given.url or has_file))
    if has_file and pasted:
        raise ApplicationError.invalid_fields({"text": TEXT_AND_FILE, "file": TEXT_AND_FILE})
    if has_file:
        return SourceImport.Origin.FILE, _file_article(given)
    if pasted:
        return SourceImport.Origin.TEXT, _pasted_article(given.text)
    if given.url.strip():
        try:
            return SourceImport.Origin.URL, fetch_article(given.url.strip())
        except ArticleError as error:
            raise ApplicationError.invalid_fields({"url": error.message}) from error
    raise ApplicationError.invalid_fields({"url": NOTHING_GIVEN, "text": NOTHING_GIVEN})


def _file_article(given: ImportInput) -> Article:
    limit = getattr(settings, "RESOLVER_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    body = given.file_body or b""
    if len(body) > limit:
        raise ApplicationError.invalid_fields(
            {"file": f"The file is over the {limit // (1024 * 1024)} MB limit; paste its text."}
        )
    try:
        return extract_article(body, content_type=given.file_content_type)
    except ArticleError as error:
        raise ApplicationError.invalid_fields({"file": error.message}) from error


def _pasted_article(text: str) -> Article:
    try:
        cleaned = clean_pasted_text(text)
    except ArticleError as error:
        raise ApplicationError.invalid_fields({"text": error.message}) from error
    return Article(text=cleaned, title="", author="", published_on=None, language=None, kind="text")


def _vouched(code: str) -> Language:
    code = code.strip().lower()
    return ENGLISH if code == "en" else Language(english=False, code=code[:12], name=code)


def _field_of(origin: str) -> str:
    return {SourceImport.Origin.URL: "url", SourceImport.Origin.FILE: "file"}.get(origin, "text")


def _problems(prepared: PreparedImport, *, fetched: bool) -> dict[str, str]:
    """What staff still have to give, in sentences, by field."""
    where = "The page" if fetched else "The text"
    problems: dict[str, str] = {}
    if not prepared.title:
        problems["title"] = f"{where} gives no title; enter the title."
    elif len(prepared.title) > TITLE_MAX:
        problems["title"] = f"The title is longer than {TITLE_MAX} characters; shorten it."
    if not prepared.author:
        problems["author"] = f"{where} names no author; enter the author (a person or a body)."
    elif len(prepared.author) > AUTHOR_MAX:
        problems["author"] = f"The author's name is longer than {AUTHOR_MAX} characters."
    if prepared.published_on is None:
        problems["published_on"] = f"{where} gives no publication date; enter it."
    elif prepared.published_on > timezone.now().date() + timedelta(days=1):
        problems["published_on"] = "The publication date is in the future."
    elif prepared.published_on < EARLIEST_PUBLICATION:
        problems["published_on"] = "The publication date must be in 1900 or later."
    if len(prepared.publication) > PUBLICATION_MAX:
        problems["publication"] = f"Longer than {PUBLICATION_MAX} characters; shorten it."
    if prepared.url and (not _is_web_address(prepared.url) or source_url_problem(prepared.url)):
        problems["url"] = "That is not a web address; give the full address, starting https://."
    if not 1 <= prepared.fiscal_year_start_month <= 12:
        problems["fiscal_year_start_month"] = "Give the month as a number from 1 to 12."
    return problems


def _is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return len(url) <= URL_MAX and parts.scheme in ("http", "https") and bool(parts.hostname)


# --- Storing ----------------------------------------------------------------------------------


def _stored_source(prepared: PreparedImport) -> Source | None:
    """The source as stored already: by its address, else by title and (pundit) author."""
    sources = Source.objects.select_related("author")
    if prepared.url:
        found = sources.filter(url=prepared.url).order_by("pk").first()
        if found is not None:
            return found
    return (
        sources.filter(
            title=prepared.title,
            author__display_name=prepared.author,
            author__kind=Forecaster.Kind.PUNDIT,
        )
        .order_by("pk")
        .first()
    )


def _unsaved_source(prepared: PreparedImport) -> Source:
    return Source(
        title=prepared.title,
        author=Forecaster(display_name=prepared.author, kind=Forecaster.Kind.PUNDIT),
        publication=prepared.publication,
        url=prepared.url,
        published_on=prepared.published_on,
        text=prepared.text,
        fiscal_year_start_month=prepared.fiscal_year_start_month,
    )


def _source_store(prepared: PreparedImport) -> tuple[Source, bool]:
    if prepared.existing is not None:
        return prepared.existing, False
    source, created = services.source_import(
        title=prepared.title,
        author_name=prepared.author,
        published_on=prepared.published_on,
        text=prepared.text,
        publication=prepared.publication,
        url=prepared.url,
        language=prepared.language,
        fiscal_year_start_month=prepared.fiscal_year_start_month,
    )
    return source, created


def _one_line(text: str) -> str:
    return " ".join((text or "").split())
