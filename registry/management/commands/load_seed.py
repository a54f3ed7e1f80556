"""Load the seed article (registry/seed/*.txt) as a Source, once."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry import services

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"


def parse_seed(path: Path) -> dict:
    """A seed file: `key: value` header lines, a `---` line, then the text."""
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
        "text": text.strip() + "\n",
    }


class Command(BaseCommand):
    help = "Import every seed article under registry/seed/ as a Source (idempotent)."

    def handle(self, *args, **options) -> None:
        for path in sorted(SEED_DIR.glob("*.txt")):
            source, created = services.source_import(**parse_seed(path))
            verb = "Imported" if created else "Already present:"
            self.stdout.write(f"{verb} {source.title!r} ({source.slug})")
