"""Import a published text as a Source and propose its forecasts for staff to review.

    python manage.py import_source URL | PATH | - [--title ...] [--author ...]
        [--published YYYY-MM-DD] [--url ...] [--publication ...] [--language en]
        [--fiscal-year-start-month N] [--store-without-proposals] [--dry-run]

URL (http:// or https://) is fetched through the safe fetcher and its article extracted;
PATH is a file: plain UTF-8 text, or a PDF or HTML document; `-` reads the text from
standard input. A text in the seed format (`key: value` header lines, a `---` line, then
the text, as in registry/seed/) supplies any flag left out, as does a fetched page's
metadata. `--url` records where a file's text was published. Each new proposal is kept as
a Claim with a draft question for review at /staff/imports/<source>/; nothing is published.
Running it again proposes nothing new.
"""

from __future__ import annotations

import mimetypes
import re
import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import ApplicationError
from registry import claim_services, imports
from registry.management.commands.load_seed import seed_text
from registry.models import SourceImport

_HEADER_LINE = re.compile(r"^[A-Za-z][\w -]*:")
DOCUMENT_TYPES = ("application/pdf", "text/html", "application/xhtml+xml")
FLAGS = {"title": "--title", "author": "--author", "published_on": "--published"}


def read_document(raw: str) -> tuple[dict[str, str], str]:
    """(header fields, text). Without a seed header the whole of it is the text."""
    header, separator, body = raw.partition("\n---\n")
    lines = [line for line in header.splitlines() if line.strip()]
    if separator and lines and all(_HEADER_LINE.match(line) for line in lines):
        fields = {}
        for line in lines:
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        return fields, seed_text(fields, body, where="the header")
    return {}, raw.strip() + "\n"


class Command(BaseCommand):
    help = (
        "Store a published text (a web address, a file, or - for standard input) as a Source, "
        "run the claim finder over it and keep each forecast it finds as a proposed Claim with "
        "a draft Question for staff to review. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="A web address, a file path, or - for stdin.")
        parser.add_argument("--title")
        parser.add_argument("--author", help="The author's name (a pundit forecaster).")
        parser.add_argument("--published", help="Publication date, YYYY-MM-DD.")
        parser.add_argument("--url", default=None, help="Where a file's text was published.")
        parser.add_argument("--publication", default=None)
        parser.add_argument(
            "--language", default=None, help="The text's language code, instead of a guess."
        )
        parser.add_argument("--fiscal-year-start-month", type=int, default=None)
        parser.add_argument(
            "--store-without-proposals",
            action="store_true",
            help="Store the source without running the finder (a text not in English).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what the finder proposes without storing anything.",
        )

    def handle(self, *args, **options) -> None:
        given = self._input(options)
        try:
            prepared = imports.import_prepare(given=given)
            if prepared.problems:
                raise ApplicationError.invalid_fields(prepared.problems)
            if options["dry_run"]:
                self._preview(imports.import_preview(prepared=prepared))
                return
            started = imports.source_import_start(prepared=prepared, inline=True)
        except ApplicationError as error:
            raise CommandError(_sentences(error)) from error
        self._report(started)

    def _input(self, options: dict) -> imports.ImportInput:
        source = options["source"]
        fields: dict[str, str] = {}
        text, body, content_type, url = "", None, "", ""
        if re.match(r"^https?://", source, re.IGNORECASE):
            url = source
        elif source == "-":
            fields, text = read_document(sys.stdin.read())
        else:
            path = Path(source)
            guessed = mimetypes.guess_type(path.name)[0] or ""
            try:
                if guessed in DOCUMENT_TYPES:
                    body, content_type = path.read_bytes(), guessed
                else:
                    fields, text = read_document(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"{path}: {error}") from error
        values = {
            name: options[name] if options[name] is not None else fields.get(name, "")
            for name in ("title", "author", "published", "publication", "language")
        }
        published_on = None
        if values["published"]:
            try:
                published_on = date.fromisoformat(values["published"])
            except ValueError as error:
                raise CommandError(
                    f"--published: {values['published']!r} is not YYYY-MM-DD"
                ) from error
        fiscal = options["fiscal_year_start_month"] or int(fields.get("fiscal year start", 1) or 1)
        return imports.ImportInput(
            url=url or options["url"] or fields.get("url", ""),
            text=text,
            file_body=body,
            file_content_type=content_type,
            title=values["title"],
            author=values["author"],
            published_on=published_on,
            publication=values["publication"],
            fiscal_year_start_month=fiscal,
            language=values["language"],
            store_without_proposals=options["store_without_proposals"],
            origin="" if url else SourceImport.Origin.COMMAND,
        )

    def _preview(self, drafted: list[claim_services.DraftedProposal]) -> None:
        for index, item in enumerate(drafted):
            proposal, draft = item.proposal, item.draft
            closes = draft.closes_on.isoformat() if draft.closes_on else "no date"
            self.stdout.write(
                f"[{index}] {proposal.start}-{proposal.end} p={proposal.implied_probability} "
                f"({proposal.probability_phrase or '-'}) closes={closes}\n"
                f"    {proposal.quote}\n    -> {draft.title}"
            )
        self.stdout.write(f"{len(drafted)} proposals; nothing was stored (--dry-run).")

    def _report(self, started: imports.ImportStarted) -> None:
        record = started.record
        source = record.source
        verb = "Imported" if record.source_created else "Already present:"
        self.stdout.write(f"{verb} {source.title!r} ({source.slug})")
        if record.state == SourceImport.State.STORED:
            self.stdout.write("Stored without proposals, as asked.")
            return
        for claim in started.created:
            question = claim.question
            closes = f"{question.closes_at:%Y-%m-%d}" if question else "-"
            self.stdout.write(
                f"  proposed {claim.start_offset}-{claim.end_offset} "
                f"p={claim.implied_probability} ({claim.probability_phrase or '-'}) "
                f"closes {closes} -> draft {question.slug if question else '-'}\n"
                f"    {question.title if question else claim.quote}"
            )
        self.stdout.write(
            f"{record.proposed + record.already_known} proposals: {record.proposed} new, "
            f"{record.already_known} already present. Nothing was published; review them at "
            f"/staff/imports/{source.slug}/."
        )


def _sentences(error: ApplicationError) -> str:
    if not error.fields:
        return error.message
    return "; ".join(
        f"{FLAGS.get(name, name)}: {message}" for name, message in error.fields.items()
    )
