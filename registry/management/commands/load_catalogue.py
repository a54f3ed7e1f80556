"""Load the curated question catalogue (registry/catalogue/*.json), idempotently.

Each file names its source's seed file; a source not stored yet is imported from that seed
file first, as load_seed does. Questions already stored (by slug) are left as they are.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import ApplicationError
from registry import services
from registry.catalogue import catalogue_load, catalogue_paths, catalogue_read, catalogue_source
from registry.management.commands.load_seed import SEED_DIR, parse_seed


def ensure_source(data: dict) -> None:
    """Import the catalogue's source from its seed file when it is not stored."""
    if catalogue_source(data=data) is not None:
        return
    spec = data["source"]
    seed = SEED_DIR / spec["seed"]
    if not seed.is_file():
        raise CommandError(f"the catalogue's seed file {seed} does not exist")
    parsed = parse_seed(seed)
    if (parsed["title"], parsed["author_name"]) != (spec["title"], spec["author"]):
        raise CommandError(
            f"{seed} is {parsed['title']!r} by {parsed['author_name']}, but the catalogue "
            f"names {spec['title']!r} by {spec['author']}"
        )
    services.source_import(**parsed)


class Command(BaseCommand):
    help = (
        "Load every question catalogue under registry/catalogue/ (or the given files): "
        "published questions with their claims, resolution sources and the author's implied "
        "forecasts. Idempotent: questions already stored are left unchanged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="Catalogue files (default: all).")

    def handle(self, *args, **options) -> None:
        paths = options["paths"] or catalogue_paths()
        if not paths:
            self.stdout.write("No catalogue files.")
            return
        for path in paths:
            try:
                ensure_source(catalogue_read(path))
                report = catalogue_load(path)
            except ApplicationError as error:
                details = "".join(
                    f"\n  {name}: {message}" for name, message in error.fields.items()
                )
                raise CommandError(f"{path}: {error.message}{details}") from error
            for line in report.lines():
                self.stdout.write(line)
