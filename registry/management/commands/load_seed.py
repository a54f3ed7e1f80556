"""Load the seed article (registry/seed/*.txt) as a Source, once."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry import services
from registry.article_text import original_text

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"


def parse_seed(path: Path) -> dict:
    """A seed file: `key: value` header lines, a `---` line, then the text. A copy taken
    from an aggregator names the original's first and last lines (`original from:`,
    `original to:`): only they and what lies between are stored (`original_text`)."""
    raw = path.read_text(encoding="utf-8")
    header, separator, text = raw.partition("\n---\n")
    if not separator:
        raise CommandError(f"{path}: no '---' line between the header and the text")
    fields = {}
    for line in header.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = value.strip()
    missing = {"title", "author", "published"} - fields.keys()
    if missing:
        raise CommandError(f"{path}: header lacks {', '.join(sorted(missing))}")
    return {
        "title": fields["title"],
        "author_name": fields["author"],
        "publication": fields.get("publication", ""),
        "url": fields.get("url", ""),
        "published_on": date.fromisoformat(fields["published"]),
        "text": seed_text(fields, text, where=path),
    }


def seed_text(fields: dict[str, str], text: str, *, where: object) -> str:
    try:
        return original_text(
            text,
            first_line=fields.get("original from", ""),
            last_line=fields.get("original to", ""),
        )
    except ValueError as error:
        raise CommandError(
            f"{where}: {error} (the header's original from / original to)"
        ) from error


class Command(BaseCommand):
    help = "Import every seed article under registry/seed/ as a Source (idempotent)."

    def handle(self, *args, **options) -> None:
        for path in sorted(SEED_DIR.glob("*.txt")):
            source, created = services.source_import(**parse_seed(path))
            verb = "Imported" if created else "Already present:"
            self.stdout.write(f"{verb} {source.title!r} ({source.slug})")
