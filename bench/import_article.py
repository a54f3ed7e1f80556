"""Import speed: a 10,000-word article imported from a local web address, end to end.

    .venv/bin/python bench/import_article.py [--words 10000] [--runs 3]
        [--database-url postgres://postgres@127.0.0.1:5432/hindsight_bench_import]

The article is made of published texts of the claim corpus (bench/claims_corpus/dev/),
joined until it has the words asked for, as an HTML page with its title, author and date
in the page's metadata. A server on 127.0.0.1 serves it; `manage.py import_source URL`
then fetches it through the safe fetcher, extracts the article (trafilatura), runs the
claim finder, drafts a question for each proposal and stores the source, its claims and
their drafts, as a staff import does. Printed: the wall time of each import (best of
`--runs`, the source deleted between runs), the finder alone on the extracted text, and
its sentences per second on one core.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scoring import ensure_database  # noqa: E402

CORPUS = ROOT / "bench" / "claims_corpus" / "dev"
GENRES = ("annual predictions post", "tech essay", "bank outlook", "analysis article")


def article(words: int) -> tuple[str, int]:
    """An HTML page of at least `words` words of published forecast texts, and its count."""
    paragraphs: list[str] = []
    count = 0
    for path in sorted(CORPUS.glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        if meta["genre"] not in GENRES:
            continue
        for line in path.with_suffix(".txt").read_text(encoding="utf-8").splitlines():
            if line.strip():
                paragraphs.append(f"<p>{html.escape(line.strip())}</p>")
                count += len(line.split())
            if count >= words:
                break
        if count >= words:
            break
    body = "\n".join(paragraphs)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>What the next years hold: a long outlook</title>
<meta name="author" content="Bench Author">
<meta property="article:published_time" content="2025-01-02T08:00:00Z">
</head><body><nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>What the next years hold: a long outlook</h1>
<p class="byline">By Bench Author, 2 January 2025</p>
{body}
</article><footer>Copyright the bench</footer></body></html>"""
    return page, count


def serve(page: str) -> tuple[ThreadingHTTPServer, str]:
    payload = page.encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/outlook.html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/hindsight_bench_import"
    )
    args = parser.parse_args()
    if args.database_url.startswith("postgres"):
        ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("ENV_FILE", "/nonexistent")
    os.environ["RESOLVER_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from registry.claims import analyse
    from registry.claims.nlp import english
    from registry.models import Source

    call_command("migrate", verbosity=0)
    english()  # the language model loads once per process, before the clock starts
    page, words = article(args.words)
    server, url = serve(page)
    print(f"An article of {words:,} words ({len(page):,} bytes of HTML) at {url}")
    times = []
    try:
        for run in range(args.runs):
            Source.objects.filter(url=url).delete()
            started = time.perf_counter()
            call_command("import_source", url, verbosity=0, stdout=io.StringIO())
            times.append(time.perf_counter() - started)
            source = Source.objects.get(url=url)
            print(f"  import {run + 1}: {times[-1]:.2f} s, {source.claims.count()} proposals")
    finally:
        server.shutdown()
    source = Source.objects.get(url=url)
    started = time.perf_counter()
    passage = analyse(source.text, source.published_on)
    finder = time.perf_counter() - started
    print("Figures:")
    print(f"  import from the local URL, end to end: {min(times):.2f} s (best of {args.runs})")
    print(
        f"  the finder alone on the stored text: {finder:.2f} s, {len(passage.units):,} "
        f"sentences, {len(passage.units) / finder:.0f} sentences/s on one core"
    )


if __name__ == "__main__":
    main()
