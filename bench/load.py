"""Load benchmark: the production shape under wrk, against a framework ceiling (issue 7).

    .venv/bin/python bench/load.py                  # about 3 minutes, 32 connections
    .venv/bin/python bench/load.py --duration 30 --rounds 3

What it does, on 127.0.0.1 only:
  1. loads the reference history of bench/scoring.py (1,000,000 forecasts, 10,000 resolved
     questions, 5,000 forecasters) into its database `hindsight_bench` if it is not there
     (about two minutes, once), and rescores it if the scores are missing;
  2. adds bench fixtures beside it: forecaster accounts with fresh API tokens, open
     questions to forecast on, and an open question with a history for the question page;
  3. starts the Procfile's `web` command (gunicorn, DEBUG=false, production settings plus
     the ceiling's route: bench/settings.py) on a free port, with PostgreSQL and the real
     Redis (database 10, Celery queue `hindsight-load`);
  4. runs wrk (Debian's package; installed with apt-get when missing and root) with 32
     connections for a bounded time on each endpoint, after a short warm-up: the leaderboard
     API and page, a question page and forecast submission (POSTs spread over many
     forecasters and questions, so the write throttle of 120/min per forecaster is never
     what is measured), with the ceiling (a DRF view returning a constant) measured before
     and after each of them, so each ratio compares runs a few seconds apart;
  5. prints a table of requests per second, p50 and p99 latency, non-2xx responses and
     socket errors, the ratio to the ceiling and pass/fail against the targets, in Markdown
     for docs/PERFORMANCE.md.

Everything it starts it stops; the figures depend on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import scoring as reference_history  # noqa: E402

HOST = "127.0.0.1"
BENCH_DIR = ROOT / "var" / "bench"
WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
USER_PREFIX = "bench-load-"
OPEN_QUESTION_PREFIX = "bench-open-"
# (bench-question-page, of issue 7's runs, has its 2,000 forecasts by 500 forecasters.)
PAGE_QUESTION_SLUG = "bench-question-page-1000"
PAGE_HISTORY_FORECASTS = 2_000
PAGE_HISTORY_DAYS = 60
PAGE_FORECASTERS = 1_000
FORECASTER_HANDLE = "f-00001"  # of the reference history: about 200 forecasts, 80 scored
PUNDIT_HANDLE = "bench-pundit"
PUNDIT_CLAIMS = 40
INDEX_QUERY = "q=question&status=resolved&tag=tag-3&kind=binary"
# The web form's CSRF secret, sent as the cookie and as the form's field (Django accepts
# the unmasked secret in the field).
FORM_CSRF_SECRET = "benchloadcsrfsecret0123456789abc"

# Targets of issue 7, item 9 and issue 16, item 1.
LEADERBOARD_MIN_RATIO = 0.60
FORECAST_MIN_RATIO = 0.30
PAGE_MIN_RATIO = 0.30
P99_LIMIT_MS = 100.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds before each measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=1, help="measure every endpoint N times")
    parser.add_argument(
        "--forecasters", type=int, default=1_000, help="bench accounts the forecasts rotate over"
    )
    parser.add_argument("--open-questions", type=int, default=20)
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_WORKERS", "2")),
        help="gunicorn workers (the Procfile's WEB_WORKERS)",
    )
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/hindsight_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--celery-queue", default="hindsight-load")
    parser.add_argument(
        "--only", nargs="+", metavar="ENDPOINT", help="these endpoints only (and the ceiling)"
    )
    args = parser.parse_args(argv)
    for url in (args.database_url, args.redis_url):
        if not re.match(r"^\w+://([^@/]*@)?(127\.0\.0\.1|localhost)[:/]", url):
            parser.error(f"{url} is not on 127.0.0.1: the benchmark never leaves this machine")
    return args


# --- Data


def environment(args: argparse.Namespace) -> dict[str, str]:
    """The variables of the benchmark's Django processes (this one and gunicorn's)."""
    return {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_QUEUE": args.celery_queue,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
        "ENV_FILE": "/nonexistent",  # a developer's .env must not change what is measured
        "STATIC_ROOT": str(BENCH_DIR / "static"),
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
    }


def ensure_reference_history(args: argparse.Namespace) -> None:
    """The scoring benchmark's history and its scores, generated only when absent."""
    from django.core.management import call_command

    from predictions.models import Forecast, ForecasterTotal
    from registry.models import Question

    reference = reference_history.parse_args(["--database-url", args.database_url])
    present = (
        Question.objects.filter(slug__startswith="q-").count() == reference.questions
        and Forecast.objects.filter(origin=Forecast.Origin.IMPORT).count() == reference.forecasts
    )
    if not present:
        print(
            f"Loading the reference history ({reference.forecasts:,} forecasts, "
            f"{reference.questions:,} questions; once, about two minutes)...",
            flush=True,
        )
        reference_history.generate(reference)
    if not present or not ForecasterTotal.objects.exists():
        print("Rescoring the reference history...", flush=True)
        call_command("rescore", "--all")


def ensure_bench_fixtures(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Bench accounts (with fresh tokens) and open questions; their tokens and paths."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from predictions.models import Forecast
    from registry import services as registry_services
    from registry.models import Forecaster, Question

    user_model = get_user_model()
    now = datetime.now(UTC)
    names = [f"{USER_PREFIX}{index:04d}" for index in range(args.forecasters)]
    existing = set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
    user_model.objects.bulk_create(
        [user_model(username=name, password="!") for name in names if name not in existing]
    )
    users = list(user_model.objects.filter(username__in=names).order_by("username"))
    tokens = []
    for user in users:
        registry_services.forecaster_for_user(user=user)
        tokens.append(_fresh_token_key(user))

    slugs = [f"{OPEN_QUESTION_PREFIX}{index:02d}" for index in range(args.open_questions)]
    for slug in [PAGE_QUESTION_SLUG, *slugs]:
        if not Question.objects.filter(slug=slug).exists():
            registry_services.question_create(
                slug=slug,
                title=f"Bench question {slug}: will the load benchmark pass?",
                resolution_criteria="Never resolved: a fixture of bench/load.py.",
                opens_at=now - timedelta(days=PAGE_HISTORY_DAYS),
                closes_at=now + timedelta(days=3650),
                resolve_by=now + timedelta(days=3680),
                tags=["bench"],
                published=True,
            )
    page_question = Question.objects.get(slug=PAGE_QUESTION_SLUG)
    if not Forecast.objects.filter(question=page_question).exists():
        # A history for the question page's crowd chart: forecasts over its open days, at
        # least one by each of the bench forecasters.
        rng = random.Random(2026)
        forecasters = list(
            Forecaster.objects.filter(user__in=users).order_by("pk")[:PAGE_FORECASTERS]
        )
        start = now - timedelta(days=PAGE_HISTORY_DAYS)
        span = PAGE_HISTORY_DAYS * 86400 - 60
        with transaction.atomic():
            Forecast.objects.bulk_create(
                Forecast(
                    forecaster=forecasters[n] if n < len(forecasters) else rng.choice(forecasters),
                    question=page_question,
                    probabilities=[round(rng.uniform(0.05, 0.95), 3)],
                    submitted_at=start + timedelta(seconds=rng.uniform(0, span)),
                    origin=Forecast.Origin.API,
                )
                for n in range(PAGE_HISTORY_FORECASTS)
            )
    ensure_pundit()
    sessions = [_fresh_session_key(user) for user in users]
    return tokens, sessions, slugs


def _fresh_session_key(user: object) -> str:
    """A signed-in session of the user's, as the log-in page would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def ensure_pundit() -> None:
    """A pundit whose source's claims became PUNDIT_CLAIMS resolved reference questions,
    each with the forecast its wording implied, scored: a pundit's scorecard."""
    from django.core.management import call_command
    from django.db import transaction

    from predictions.models import Forecast
    from registry.models import Claim, Forecaster, Question, Source

    if Forecaster.objects.filter(handle=PUNDIT_HANDLE).exists():
        return
    rng = random.Random(16)
    questions = list(
        Question.objects.filter(slug__startswith="q-", kind=Question.Kind.BINARY).order_by("pk")[
            :PUNDIT_CLAIMS
        ]
    )
    quotes = [f"I expect question {question.pk} to come out yes." for question in questions]
    with transaction.atomic():
        pundit = Forecaster.objects.create(
            handle=PUNDIT_HANDLE, display_name="Bench Pundit", kind=Forecaster.Kind.PUNDIT
        )
        source = Source.objects.create(
            slug="bench-pundit-column",
            title="Bench Pundit's predictions",
            author=pundit,
            published_on=min(question.opens_at for question in questions).date(),
            text=" ".join(quotes),
        )
        offset = 0
        for question, quote in zip(questions, quotes, strict=True):
            probability = round(rng.uniform(0.1, 0.9), 2)
            Claim.objects.create(
                source=source,
                quote=quote,
                start_offset=offset,
                end_offset=offset + len(quote),
                implied_probability=probability,
                question=question,
                review_state=Claim.Review.ACCEPTED,
            )
            offset += len(quote) + 1
            Forecast.objects.create(
                forecaster=pundit,
                question=question,
                probabilities=[probability],
                submitted_at=question.opens_at + timedelta(hours=1),
                origin=Forecast.Origin.CLAIM,
            )
    call_command("rescore", *(question.slug for question in questions))


def _fresh_token_key(user: object) -> str:
    """A new API token's key for the user, whose earlier bench tokens stop working."""
    from registry import services as registry_services

    registry_services.api_tokens_revoke_all(user=user)
    return registry_services.api_token_create(user=user).key


def forecast_plan(credentials: list[str], paths: list[str], directory: Path, name: str) -> Path:
    """The (token or session, question) pairs wrk cycles through, shuffled: every
    forecaster comes back only once in len(credentials) * 5 requests."""
    rng = random.Random(7)
    pairs = [(credential, rng.choice(paths)) for credential in credentials for _ in range(5)]
    rng.shuffle(pairs)
    plan = directory / f"{name}.txt"
    plan.write_text("".join(f"{credential} {path}\n" for credential, path in pairs))
    return plan


# --- The server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def procfile_web_command() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise SystemExit("Procfile has no web: line")


def start_server(args: argparse.Namespace, port: int, log: Path) -> subprocess.Popen:
    """The Procfile's web command, bound to 127.0.0.1:port, serving bench/settings.py."""
    env = {
        **os.environ,
        **environment(args),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "WEB_BIND": f"{HOST}:{port}",
        "WEB_WORKERS": str(args.workers),
    }
    command = procfile_web_command()
    print(f"Server: {command}  (WEB_BIND={HOST}:{port}, WEB_WORKERS={args.workers})", flush=True)
    server = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log}")


def settle(base: str) -> None:
    """Wait out the requests wrk left queued (a sync worker still answers a request whose
    client has gone): a request sent now is accepted only after them."""
    for _ in range(2):
        with urllib.request.urlopen(f"{base}/bench/ceiling/", timeout=120) as answer:
            answer.read()


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- wrk


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("Installing Debian's wrk...", flush=True)
        quiet = {"stdout": subprocess.DEVNULL}
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, check=False, **quiet).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=True, **quiet)
            subprocess.run(install, check=True, **quiet)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing: install Debian's package `wrk`")
    return found


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    non2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    first_error: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse_wrk_output(output: str) -> Figures:
    """The figures of the line bench/wrk.lua prints when wrk is done."""
    match = re.search(r"^BENCH_FIGURES (.*)$", output, re.MULTILINE)
    if not match:
        raise ValueError(f"wrk printed no figures:\n{output}")
    values = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}
    first_error = re.search(r"^BENCH_FIRST_ERROR ?(.*)$", output, re.MULTILINE)
    return Figures(
        requests=values["requests"],
        seconds=values["duration_us"] / 1e6,
        non2xx=values["non2xx"],
        socket_errors=sum(values[kind] for kind in ("connect", "read", "write", "timeout")),
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        max_ms=values["max_us"] / 1000,
        first_error=first_error.group(1).strip() if first_error else "",
    )


def run_wrk(
    wrk: str, args: argparse.Namespace, url: str, seconds: int, plan: Path | None, form: bool
) -> Figures:
    env = {**os.environ}
    env.pop("BENCH_FORECASTS", None)
    env.pop("BENCH_FORM_CSRF", None)
    if plan is not None:
        env["BENCH_FORECASTS"] = str(plan)
    if form:  # the form answers a saved forecast with a redirect to the page
        env["BENCH_FORM_CSRF"] = FORM_CSRF_SECRET
    command = [
        wrk,
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={WRK_SCRIPT}",
        url,
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk_output(done.stdout)


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    min_ratio: float | None = None  # of the ceiling's requests per second
    posts: str = ""  # "api": forecasts with a token; "form": the question page's form


ENDPOINTS = (
    Endpoint("ceiling", "/bench/ceiling/"),
    Endpoint("leaderboard-api", "/api/v1/leaderboard/", LEADERBOARD_MIN_RATIO),
    Endpoint("leaderboard-page", "/leaderboard/", LEADERBOARD_MIN_RATIO),
    Endpoint("question-page", f"/questions/{PAGE_QUESTION_SLUG}/", PAGE_MIN_RATIO),
    Endpoint("question-index", f"/questions/?{INDEX_QUERY}", PAGE_MIN_RATIO),
    Endpoint("home", "/", PAGE_MIN_RATIO),
    Endpoint("forecaster-page", f"/forecasters/{FORECASTER_HANDLE}/", PAGE_MIN_RATIO),
    Endpoint("pundit-scorecard", f"/forecasters/{PUNDIT_HANDLE}/", PAGE_MIN_RATIO),
    Endpoint("forecast-submit", "/api/v1/questions/…/forecasts/", FORECAST_MIN_RATIO, "api"),
    Endpoint("forecast-form", "/questions/…/ (POST, signed in)", None, "form"),
)


def verdicts(endpoint: Endpoint, figures: Figures, ceiling_rps: float) -> list[str]:
    """What this endpoint's figures fail of the targets (nothing: it passes)."""
    failed = []
    if figures.p99_ms >= P99_LIMIT_MS:
        failed.append(f"p99 {figures.p99_ms:.0f} ms ≥ {P99_LIMIT_MS:.0f} ms")
    if endpoint.min_ratio is not None and figures.rps < endpoint.min_ratio * ceiling_rps:
        failed.append(f"below {endpoint.min_ratio:.0%} of the ceiling")
    if figures.non2xx or figures.socket_errors:
        failed.append("errors")
    return failed


@dataclass(frozen=True)
class Measurement:
    figures: Figures
    # The ceiling's rate measured just before and just after, averaged: the machine's load
    # drifts (other work on it), and a ratio to a ceiling measured minutes apart says more
    # about that drift than about the endpoint.
    ceiling_rps: float

    @property
    def ratio(self) -> float:
        return self.figures.rps / self.ceiling_rps if self.ceiling_rps else 0.0


def report(results: dict[str, list[Measurement]], args: argparse.Namespace) -> bool:
    """The Markdown table (each endpoint's round with the best ratio to the ceiling next to
    it); whether every target is met."""
    best = {name: max(rounds, key=lambda m: m.ratio) for name, rounds in results.items()}
    best["ceiling"] = max(results["ceiling"], key=lambda m: m.figures.rps)
    print()
    print(
        f"{args.connections} connections, {args.duration} s per endpoint, the ceiling measured "
        "before and after each"
        + (f", best of {args.rounds} rounds" if args.rounds > 1 else "")
        + f", gunicorn {args.workers} workers:"
    )
    print()
    print(
        "| endpoint | req/s | p50 ms | p99 ms | non-2xx | socket errors | vs ceiling | target | |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    all_met = True
    for endpoint in ENDPOINTS:
        if endpoint.name not in best:
            continue
        measured = best[endpoint.name]
        figures = measured.figures
        failed = verdicts(endpoint, figures, measured.ceiling_rps)
        all_met = all_met and (not failed or endpoint.name == "ceiling")  # the yardstick
        target = [f"p99 < {P99_LIMIT_MS:.0f} ms"]
        if endpoint.min_ratio is not None:
            target.insert(0, f"≥ {endpoint.min_ratio:.0%}")
        if endpoint.posts:
            target.append("no errors")
        ratio = "" if endpoint.name == "ceiling" else f"{measured.ratio:.1%}"
        print(
            f"| {endpoint.name} `{endpoint.path}` | {figures.rps:,.0f} | {figures.p50_ms:.1f} "
            f"| {figures.p99_ms:.1f} | {figures.non2xx} | {figures.socket_errors} "
            f"| {ratio} | {', '.join(target)} "
            f"| {'met' if not failed else '**not met**: ' + '; '.join(failed)} |"
        )
    ceilings = [m.figures.rps for m in results["ceiling"]]
    spread = (max(ceilings) - min(ceilings)) / max(ceilings)
    print(
        f"\nThe ceiling, measured {len(ceilings)} times: "
        + ", ".join(f"{rps:,.0f}" for rps in ceilings)
        + f" req/s (spread {spread:.0%}"
        + (
            ": the machine's load changed during the run, the figures are noisy)."
            if spread > 0.15
            else ")."
        )
    )
    for name, measured in best.items():
        if measured.figures.first_error:
            print(f"\nfirst non-2xx of {name}: {measured.figures.first_error}")
    return all_met


def machine() -> str:
    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, {platform.python_implementation()} " + (
        f"{platform.python_version()}; load average before the run {load}"
    )


def main() -> None:
    args = parse_args()
    wanted = {"ceiling", *(args.only or [endpoint.name for endpoint in ENDPOINTS])}
    unknown = wanted - {endpoint.name for endpoint in ENDPOINTS}
    if unknown:
        raise SystemExit(f"unknown endpoints: {', '.join(sorted(unknown))}")
    wrk = ensure_wrk()
    os.environ.update(environment(args))
    reference_history.ensure_database(args.database_url)
    reference_history.setup_django(args.database_url)
    from django.conf import settings
    from django.core.management import call_command

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {machine()}", flush=True)
    ensure_reference_history(args)
    tokens, sessions, slugs = ensure_bench_fixtures(args)
    paths = [f"/api/v1/questions/{slug}/forecasts/" for slug in slugs]
    call_command("collectstatic", "--noinput", verbosity=0)
    write_rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["write"]
    print(
        f"Fixtures: {len(tokens)} forecasters with tokens, {len(paths)} open questions "
        f"(write throttle {write_rate} per forecaster; each one is back every "
        f"{len(tokens) * 5} forecasts)",
        flush=True,
    )

    port = free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="hindsight-load-") as scratch:
        plans = {
            "api": forecast_plan(tokens, paths, Path(scratch), "api"),
            "form": forecast_plan(
                sessions, [f"/questions/{slug}/" for slug in slugs], Path(scratch), "form"
            ),
        }
        server = start_server(args, port, BENCH_DIR / "gunicorn.log")
        results: dict[str, list[Measurement]] = {}
        lost: list[str] = []

        def measure(endpoint: Endpoint, round_number: int) -> Figures:
            url = base + (paths[0] if endpoint.posts else endpoint.path)
            endpoint_plan = plans.get(endpoint.posts)
            form = endpoint.posts == "form"
            stored_before = stored_forecasts(form) if endpoint.posts else 0
            acknowledged = 0
            if args.warmup:
                warmup = run_wrk(wrk, args, url, args.warmup, endpoint_plan, form)
                acknowledged += warmup.requests - warmup.non2xx
                settle(base)
            figures = run_wrk(wrk, args, url, args.duration, endpoint_plan, form)
            acknowledged += figures.requests - figures.non2xx
            settle(base)
            if endpoint.posts:
                stored = stored_forecasts(form) - stored_before
                print(
                    f"  {endpoint.name}: {acknowledged:,} forecasts acknowledged, "
                    f"{stored:,} stored",
                    flush=True,
                )
                if stored < acknowledged:
                    lost.append(f"{endpoint.name}: {acknowledged - stored} acknowledged, lost")
            print(
                f"  round {round_number + 1} {endpoint.name}: {figures.rps:,.0f} req/s, "
                f"p50 {figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms, "
                f"non-2xx {figures.non2xx}, socket errors {figures.socket_errors}",
                flush=True,
            )
            return figures

        try:
            ceiling = ENDPOINTS[0]
            for round_number in range(args.rounds):
                before = measure(ceiling, round_number)
                results.setdefault("ceiling", []).append(Measurement(before, before.rps))
                for endpoint in ENDPOINTS[1:]:
                    if endpoint.name not in wanted:
                        continue
                    figures = measure(endpoint, round_number)
                    after = measure(ceiling, round_number)
                    results["ceiling"].append(Measurement(after, after.rps))
                    nearby = (before.rps + after.rps) / 2
                    results.setdefault(endpoint.name, []).append(Measurement(figures, nearby))
                    before = after
        finally:
            stop_server(server)
    drop_queued_tasks(args)
    all_met = report(results, args) and not lost
    for line in lost:
        print(f"\nLOST: {line}")
    print(f"\nAll targets {'met' if all_met else 'NOT met'}.")
    sys.exit(0 if all_met else 1)


def stored_forecasts(form: bool) -> int:
    """Forecasts stored on the bench's open questions through the API or the web form."""
    from predictions.models import Forecast

    origin = Forecast.Origin.WEB if form else Forecast.Origin.API
    return Forecast.objects.filter(
        question__slug__startswith=OPEN_QUESTION_PREFIX, origin=origin
    ).count()


def drop_queued_tasks(args: argparse.Namespace) -> None:
    """No worker consumes the bench's queue: drop what the requests enqueued there."""
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(args.celery_queue)


if __name__ == "__main__":
    main()
