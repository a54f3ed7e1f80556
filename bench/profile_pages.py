"""Where the time of each page of bench/load.py goes: cProfile in process (issue 16).

    .venv/bin/python bench/load.py --only ceiling     # once: loads the fixtures
    .venv/bin/python bench/profile_pages.py           # --requests 40

Runs against the load benchmark's database (`hindsight_bench`, Redis database 10) with
bench/settings.py, through Django's test client (the whole middleware stack, no socket).
Each endpoint is requested a few times to warm it, then `--requests` times under cProfile,
as a visitor without a session would (the forecast POSTs with bench tokens or sessions).
Prints CPU and wall milliseconds per request (timed without the profiler; the wall time
includes waiting on PostgreSQL and Redis), the CPU as a multiple of the ceiling's, and the
share of the profiled (wall) time in each layer: the database driver, the ORM building SQL
and rows, templates, the Redis client, the service's own code, and the rest of Django and
DRF. `--only question-page-rendered` (and so on for each page) asks at a new address each
time, so that the page is rendered, never served kept.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402

LAYERS = (
    ("database driver", ("psycopg",)),
    ("ORM", ("django/db/",)),
    ("templates", ("django/template/", "django/templatetags/", "templatetags/")),
    ("Redis", ("redis/", "django/core/cache/")),
    ("service code", ("/registry/", "/predictions/", "/resolvers/", "/config/")),
    ("Django, DRF (rest)", ("django/", "rest_framework/", "knox/")),
)


OTHER = "other (stdlib, numpy, ...)"
NAMES = [name for name, _ in LAYERS] + [OTHER]


def layer_of(filename: str) -> str:
    for name, parts in LAYERS:
        if any(part in filename for part in parts):
            return name
    return OTHER


def profile(call, requests: int) -> tuple[float, float, dict[str, float], pstats.Stats]:
    """CPU and wall milliseconds per request (without the profiler), then the profile."""
    for _ in range(3):
        call(0)
    cpu, wall = time.process_time(), time.perf_counter()
    for number in range(requests):
        call(requests + number)
    cpu_ms = (time.process_time() - cpu) * 1000 / requests
    wall_ms = (time.perf_counter() - wall) * 1000 / requests
    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(requests):
        call(2 * requests + number)
    profiler.disable()
    stats = pstats.Stats(profiler)
    layers: dict[str, float] = {}
    total = 0.0
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        layers[layer_of(filename)] = layers.get(layer_of(filename), 0.0) + tottime
        total += tottime
    return cpu_ms, wall_ms, {name: value / total for name, value in layers.items()}, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--top", type=int, default=0, help="print the N costliest functions")
    parser.add_argument(
        "--only", nargs="+", metavar="ENDPOINT", help="also <page>-rendered: never a kept page"
    )
    arguments = parser.parse_args()
    args = load.parse_args([])
    os.environ.update(load.environment(args))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.test import Client

    from registry.models import Question

    forecaster_tokens, sessions, slugs = load.ensure_bench_fixtures(args)
    assert Question.objects.filter(slug=load.PAGE_QUESTION_SLUG).exists()
    host = {"HTTP_HOST": load.HOST, "SERVER_NAME": load.HOST}
    visitor = Client(**host)

    def get(path: str):
        def call(number: int) -> None:
            response = visitor.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return call

    poster = Client(**host)  # one client: each new one sets up the middleware again

    def api_post(number: int) -> None:
        index = number % len(forecaster_tokens)
        poster.cookies.clear()
        response = poster.post(
            f"/api/v1/questions/{slugs[number % len(slugs)]}/forecasts/",
            {"probability": 0.001 * (1 + number % 998)},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {forecaster_tokens[index]}",
        )
        assert response.status_code == 201, response.content

    def form_post(number: int) -> None:
        poster.cookies.clear()
        poster.cookies["sessionid"] = sessions[number % len(sessions)]
        poster.cookies["csrftoken"] = load.FORM_CSRF_SECRET
        response = poster.post(
            f"/questions/{slugs[number % len(slugs)]}/",
            {"csrfmiddlewaretoken": load.FORM_CSRF_SECRET, "probability": "42.5"},
        )
        assert response.status_code == 302, response.status_code

    def rendered(path: str):
        """Each request at an address of its own: a kept page never answers it."""
        joiner = "&" if "?" in path else "?"

        def call(number: int) -> None:
            response = visitor.get(f"{path}{joiner}n={time.time_ns()}")
            assert response.status_code == 200, (path, response.status_code)

        return call

    calls = {endpoint.name: get(endpoint.path) for endpoint in load.ENDPOINTS if not endpoint.posts}
    for endpoint in load.ENDPOINTS[3:]:
        if not endpoint.posts:
            calls[f"{endpoint.name}-rendered"] = rendered(endpoint.path)
    calls["forecast-submit"] = api_post
    calls["forecast-form"] = form_post
    wanted = arguments.only or [name for name in calls if not name.endswith("-rendered")]
    ceiling_ms = None
    print(f"{arguments.requests} requests each, in process, after 3 to warm up\n")
    print("| endpoint | CPU ms/request | x ceiling | wall ms/request | " + " | ".join(NAMES) + " |")
    print("|---|---|---|---|" + "---|" * len(NAMES))
    for name in ["ceiling", *[n for n in wanted if n != "ceiling"]]:
        cpu_ms, wall_ms, layers, stats = profile(calls[name], arguments.requests)
        ceiling_ms = ceiling_ms or cpu_ms
        shares = " | ".join(f"{layers.get(layer, 0.0):.0%}" for layer in NAMES)
        print(
            f"| {name} | {cpu_ms:.1f} | {cpu_ms / ceiling_ms:.1f} | {wall_ms:.1f} | {shares} |",
            flush=True,
        )
        if arguments.top:
            stats.sort_stats("tottime").print_stats(arguments.top)


if __name__ == "__main__":
    main()
