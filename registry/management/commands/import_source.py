"""Import a document as a Source and propose its forecasts as draft questions.

    python manage.py import_source PATH --title ... --author ... --published YYYY-MM-DD
        [--url ...] [--publication ...] [--language en] [--dry-run]

PATH is a UTF-8 text file. A file in the seed format (`key: value` header lines, a `---`
line, then the text, as in registry/seed/) supplies any flag left out. Running it twice
creates nothing new.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry import claim_services
from registry.claims import find_claims

_HEADER_LINE = re.compile(r"^[A-Za-z][\w -]*:")


def read_document(path: Path) -> tuple[dict[str, str], str]:
    """(header fields, text). Without a seed header the whole file is the text."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: {error}") from error
    header, separator, body = raw.partition("\n---\n")
    lines = [line for line in header.splitlines() if line.strip()]
    if separator and lines and all(_HEADER_LINE.match(line) for line in lines):
        fields = {}
        for line in lines:
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        return fields, body.strip() + "\n"
    return {}, raw.strip() + "\n"


class Command(BaseCommand):
    help = (
        "Store a text as a Source, run the claim finder over it and keep each forecast it "
        "finds as a Claim with a draft (unpublished) Question. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--title")
        parser.add_argument("--author", help="The author's name (a pundit forecaster).")
        parser.add_argument("--published", help="Publication date, YYYY-MM-DD.")
        parser.add_argument("--url", default=None)
        parser.add_argument("--publication", default=None)
        parser.add_argument("--language", default=None)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what the finder proposes without storing anything.",
        )

    def handle(self, *args, **options) -> None:
        fields, text = read_document(options["path"])
        values = {
            name: options[name] if options[name] is not None else fields.get(name)
            for name in ("title", "author", "published", "url", "publication", "language")
        }
        missing = [f"--{name}" for name in ("title", "author", "published") if not values[name]]
        if missing:
            raise CommandError(f"missing {', '.join(missing)} (and no seed header gives it)")
        try:
            published_on = date.fromisoformat(values["published"])
        except ValueError as error:
            raise CommandError(f"--published: {values['published']!r} is not YYYY-MM-DD") from error

        if options["dry_run"]:
            for index, proposal in enumerate(find_claims(text, published_on)):
                self._write_proposal(index, proposal)
            return

        result = claim_services.source_import_with_claims(
            title=values["title"],
            author_name=values["author"],
            published_on=published_on,
            text=text,
            publication=values["publication"] or "",
            url=values["url"] or "",
            language=values["language"] or "en",
        )
        source = result.source
        verb = "Imported" if result.source_created else "Already present:"
        self.stdout.write(f"{verb} {source.title!r} ({source.slug})")
        for claim in result.created:
            self.stdout.write(
                f"  new claim {claim.start_offset}-{claim.end_offset} "
                f"p={claim.implied_probability} ({claim.probability_phrase or '-'}) "
                f"-> draft question {claim.question.slug}"
            )
        for proposal, claim in result.overlapping:
            self.stdout.write(
                f"  left alone {proposal.start}-{proposal.end}: overlaps claim "
                f"{claim.start_offset}-{claim.end_offset}"
            )
        self.stdout.write(
            f"{len(result.proposals)} proposals: {len(result.created)} new claims with draft "
            f"questions, {len(result.existing)} already present, "
            f"{len(result.overlapping)} overlapping other claims. Nothing was published."
        )

    def _write_proposal(self, index: int, proposal) -> None:
        horizon = proposal.horizon
        shown = horizon.isoformat() if isinstance(horizon, date) else horizon
        self.stdout.write(
            f"[{index}] {proposal.start}-{proposal.end} p={proposal.implied_probability} "
            f"({proposal.probability_phrase or '-'}) horizon={shown}\n    {proposal.quote}"
        )
