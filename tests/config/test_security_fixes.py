"""Security fixes of issue 15: source addresses, the feed's escaping, formula-safe CSV
exports, who resolved, log-in slowdown, the web form's write budget, the
Content-Security-Policy, no-store on tokens and leaderboard cache keys.

(Sign-up's rate limit, confusable and reserved usernames: tests/registry/test_accounts.py.)
"""

from __future__ import annotations

import csv
import io
import re
import time
import xml.etree.ElementTree as ElementTree
from html import unescape

import pgtrigger
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from config.api import WriteRateThrottle
from config.errors import ApplicationError
from predictions import api as predictions_api
from predictions import views as predictions_views
from predictions.models import Forecast, QuestionScore
from registry import services
from registry.models import Source
from resolvers.models import Resolution
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # UserFactory's password
ATOM = "{http://www.w3.org/2005/Atom}"


def run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


# --- A source's address is an http(s) web address, and only such a one is a link


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://example.org/file",
        "not an address",
    ],
)
def test_a_source_address_that_is_not_http_is_refused_and_nothing_stored(url):
    with pytest.raises(ApplicationError) as refused:
        services.source_import(
            title="An essay", author_name="Ann", published_on="2025-01-01", text="x", url=url
        )

    assert refused.value.fields["url"].startswith("That is not a web address")
    assert not Source.objects.exists()


def test_an_https_source_address_is_stored():
    source, created = services.source_import(
        title="An essay",
        author_name="Ann",
        published_on="2025-01-01",
        text="x",
        url=" https://example.org/essay ",
    )

    assert created and source.url == "https://example.org/essay"


def test_the_model_refuses_an_ftp_address():
    # Django's URLField allows ftp; a source's address is http(s) only.
    source = factories.SourceFactory.build(url="ftp://example.org/essay", author=None)

    with pytest.raises(ValidationError) as refused:
        source.full_clean()

    assert "url" in refused.value.message_dict


# javascript: is refused by the admin's form field already; ftp: only by the model's
# validator (Django's URLField allows ftp), which words it as the field's own error.
@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/essay"])
def test_the_admin_refuses_an_address_that_is_not_http(staff_user, url):
    client = Client()
    client.force_login(staff_user)
    data = {
        "slug": "an-essay",
        "title": "An essay",
        "url": url,
        "published_on": "2025-01-01",
        "language": "en",
        "fiscal_year_start_month": "1",
        "claims-TOTAL_FORMS": "0",
        "claims-INITIAL_FORMS": "0",
    }

    response = client.post("/admin/registry/source/add/", data)

    assert response.status_code == 200
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())
    assert "<li>Enter a valid URL.</li>" in errors
    assert not Source.objects.exists()


def test_a_stored_javascript_address_is_shown_as_text_never_as_a_link(client):
    # A row stored before addresses were checked.
    source = factories.SourceFactory(url="javascript:alert(document.cookie)")

    html = client.get(f"/sources/{source.slug}/").content.decode()

    assert 'href="javascript:' not in html and 'cite="javascript:' not in html
    assert "javascript:alert(document.cookie)" in html  # as text, to see what it says


def test_an_https_address_is_a_link(client):
    source = factories.SourceFactory(url="https://example.org/essay")

    html = client.get(f"/sources/{source.slug}/").content.decode()

    assert '<a href="https://example.org/essay" rel="noopener noreferrer">' in html


# --- The Atom feed: a rationale is text, escaped once for the html summary


def test_the_feed_shows_a_rationale_with_markup_and_entities_as_written(client):
    rationale = '<script>alert("x")</script> <b>bold</b> Q&amp;A & more'
    factories.ResolutionFactory(rationale=rationale)

    response = client.get("/feeds/resolutions/")

    summary = ElementTree.fromstring(response.content).find(f"{ATOM}entry/{ATOM}summary")
    assert summary.get("type") == "html"
    # What the reader parses as HTML holds no markup, and shows the text as written.
    assert "<script" not in summary.text and "<b>" not in summary.text
    assert "&lt;script&gt;" in summary.text
    assert "Q&amp;amp;A &amp; more" in summary.text  # escaped once, not twice
    assert unescape(summary.text).endswith(rationale)


# --- CSV exports: text cells never run as formulas, numbers stay numbers


@pytest.mark.postgresql_only(
    reason="empties the forecast log with PostgreSQL's trigger bypass to import into it again"
)
def test_export_forecasts_neutralises_formula_like_text_and_reads_it_back(tmp_path):
    question = factories.QuestionFactory(slug="plain-question")
    rationales = [
        '=HYPERLINK("http://evil.example","x")',
        "+1",
        "-cmd|' /C calc'!A0",
        "@SUM(1)",
        "\tTab",
        "'=already quoted",
        "plain",
    ]
    for rationale in rationales:
        factories.ForecastFactory(question=question, probabilities=[0.3], rationale=rationale)
    before = sorted(Forecast.objects.values_list("rationale", flat=True))
    path = tmp_path / "export.csv"

    run("export_forecasts", "--output", str(path))

    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    cells = sorted(row["rationale"] for row in rows)
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for cell in cells)
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "''=already quoted" in cells and "plain" in cells
    assert {row["probability"] for row in rows} == {"0.3"}

    with pgtrigger.ignore("predictions.Forecast:forecast_append_only"):
        Forecast.objects.all().delete()
    run("import_forecasts", str(path))

    assert sorted(Forecast.objects.values_list("rationale", flat=True)) == before


def test_export_scores_neutralises_text_cells_and_keeps_negative_scores_numbers():
    question = factories.ClosedQuestionFactory(slug="=cmd")
    resolution = factories.ResolutionFactory(question=question)
    forecaster = factories.HumanForecasterFactory(handle="@handle")
    QuestionScore.objects.create(
        question=question,
        forecaster=forecaster,
        resolution=resolution,
        brier=0.08,
        relative_score=-0.125,
        log_loss=0.22,
        spherical=0.97,
        days=3,
        window_days=31,
    )

    out = run("export_scores")

    row = list(csv.reader(io.StringIO(out)))[1]
    assert row[:4] == ["'=cmd", "'@handle", "0.08", "-0.125"]


# --- The resolutions API does not name the staff account that resolved


@pytest.fixture
def resolved(staff_user):
    question = factories.ClosedQuestionFactory()
    factories.ResolutionFactory(
        question=question,
        resolved_by=staff_user,
        resolver="",
        state=Resolution.State.PROPOSED,
        superseded_at=timezone.now(),
    )
    return question


def _resolved_by(client: APIClient, question) -> list:
    response = client.get(f"/api/v1/questions/{question.slug}/resolutions/")
    assert response.status_code == 200
    return [row["resolved_by"] for row in response.json()["results"]]


def test_the_public_and_forecasters_read_staff_not_the_account(resolved, alice):
    member = APIClient()
    member.force_authenticate(alice.user)

    assert _resolved_by(APIClient(), resolved) == ["staff"]
    assert _resolved_by(member, resolved) == ["staff"]


def test_staff_read_the_account_and_a_resolver_s_proposal_names_none(resolved, staff_user):
    factories.ResolutionFactory(question=resolved, resolver="manual", resolved_by=None)
    staff = APIClient()
    staff.force_authenticate(staff_user)

    assert _resolved_by(staff, resolved) == [None, "admin"]  # newest first
    assert None in _resolved_by(APIClient(), resolved)


# --- Log-in: guesses from everywhere slow a username down, never lock it out


def log_in(client: Client, username: str, password: str, url: str = "/accounts/login/"):
    return client.post(url, {"username": username, "password": password, "next": "/"})


@pytest.fixture
def carol(db, settings):
    settings.LOGIN_SLOWDOWN_AFTER = 10
    settings.LOGIN_SLOWDOWN_SECONDS = 2
    return factories.StaffFactory(username="carol")


def _guess_from_many_addresses(count: int) -> list[int]:
    statuses = []
    for n in range(count):
        address = f"198.51.{100 + n // 200}.{n % 200}"
        statuses.append(log_in(Client(REMOTE_ADDR=address), "carol", f"guess {n}").status_code)
        # Each guesser keeps to the slowdown, as a patient botnet would.
        if statuses[-1] == 429:
            time.sleep(2.05)
            statuses[-1] = log_in(Client(REMOTE_ADDR=address), "carol", "guess").status_code
    return statuses


def test_a_username_guessed_from_many_addresses_is_slowed_by_seconds_then_logs_in(carol):
    _guess_from_many_addresses(10)
    # The slowdown now holds: one password check per 2 seconds, whoever asks.
    first = log_in(Client(REMOTE_ADDR="192.0.2.1"), "carol", "guess again")
    owner = Client(REMOTE_ADDR="203.0.113.9")
    waited = log_in(owner, "carol", PASSWORD)

    assert first.status_code == 200  # its check went ahead (and failed)
    assert waited.status_code == 429
    assert 1 <= int(waited["Retry-After"]) <= 2
    assert "Try again in 2 seconds." in waited.content.decode()

    time.sleep(int(waited["Retry-After"]) + 0.05)
    assert log_in(owner, "carol", PASSWORD).status_code == 302
    assert "_auth_user_id" in owner.session


def test_the_wait_never_grows_into_a_lock(carol):
    _guess_from_many_addresses(14)
    waits = []
    for n in range(6):
        response = log_in(Client(REMOTE_ADDR=f"192.0.2.{n}"), "carol", "guess")
        if response.status_code == 429:
            waits.append(int(response["Retry-After"]))
        time.sleep(0.5)

    assert waits and max(waits) <= 2


def test_a_browser_that_logged_in_before_is_not_slowed(carol):
    owner = Client(REMOTE_ADDR="203.0.113.9")
    assert log_in(owner, "carol", PASSWORD).status_code == 302
    owner.post("/accounts/logout/")
    _guess_from_many_addresses(10)
    log_in(Client(REMOTE_ADDR="192.0.2.1"), "carol", "guess again")  # takes the slot

    response = log_in(owner, "carol", PASSWORD)

    assert response.status_code == 302
    assert "_auth_user_id" in owner.session


def test_one_address_s_guesses_lock_that_address_and_not_the_owner(carol):
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(5):
        log_in(guesser, "carol", f"guess {n}")

    locked = log_in(guesser, "carol", PASSWORD)
    owner = Client(REMOTE_ADDR="203.0.113.9")

    assert locked.status_code == 429
    assert log_in(owner, "carol", PASSWORD).status_code == 302


def test_the_token_exchange_is_slowed_the_same_way(carol):
    _guess_from_many_addresses(10)
    log_in(Client(REMOTE_ADDR="192.0.2.1"), "carol", "guess again")

    response = APIClient(REMOTE_ADDR="192.0.2.2").post(
        "/api/v1/auth/token/", {"username": "carol", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 2


# --- The web forecast form spends the API's write budget


@pytest.fixture
def two_writes_a_minute(monkeypatch):
    # DRF copies the rates onto the class at import; settings do not reach it.
    monkeypatch.setattr(WriteRateThrottle, "THROTTLE_RATES", {"write": "2/min", "login": "10/min"})


def test_over_the_write_rate_the_form_answers_429_and_stores_nothing(alice, two_writes_a_minute):
    question = factories.QuestionFactory()
    client = Client()
    client.force_login(alice.user)
    page = f"/questions/{question.slug}/"

    saved = [client.post(page, {"probability": p}).status_code for p in ("60", "65")]
    refused = client.post(page, {"probability": "70", "rationale": "Third thoughts"})

    assert saved == [302, 302]
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    html = unescape(refused.content.decode())
    assert "Too many forecasts in a short time: nothing was saved." in html
    assert re.search(r'name="probability" value="70"', html)  # what was typed is kept
    assert Forecast.objects.filter(forecaster=alice).count() == 2


def test_the_form_and_the_api_share_one_budget(alice, two_writes_a_minute):
    question = factories.QuestionFactory()
    api = APIClient()
    api.force_authenticate(alice.user)
    web = Client()
    web.force_login(alice.user)

    via_api = api.post(
        f"/api/v1/questions/{question.slug}/forecasts/", {"probability": 0.6}, format="json"
    )
    via_web = [web.post(f"/questions/{question.slug}/", {"probability": p}) for p in ("61", "62")]

    assert via_api.status_code == 201
    assert [r.status_code for r in via_web] == [302, 429]


# --- Content-Security-Policy: no inline script anywhere; no-store where a token is


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def test_the_browsable_api_may_run_its_log_out_handler_and_nothing_else_inline(alice):
    client = Client()
    client.force_login(alice.user)

    response = client.get("/api/v1/questions/", HTTP_ACCEPT="text/html")

    script_src = _policy(response)["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert script_src[0] == "'self'" and "'unsafe-hashes'" in script_src
    assert len(script_src) == 3  # 'self', 'unsafe-hashes' and the one handler's hash
    assert "onclick='document.getElementById(\"logoutForm\").submit()'" in (
        response.content.decode()
    )


def _inline_scripts(html: str) -> list[str]:
    tags = re.findall(r"<script\b[^>]*>", html)
    return [tag for tag in tags if "src=" not in tag and "application/json" not in tag]


def test_every_page_has_a_policy_allowing_only_this_site_s_script_files(client):
    for url in ("/", "/leaderboard/", "/accounts/login/", "/feeds/resolutions/", "/no-such-page/"):
        policy = _policy(client.get(url))
        assert policy["script-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]


def test_pages_with_scripts_load_them_as_files(staff_user, alice):
    question = factories.MultipleChoiceQuestionFactory()
    closed = factories.ClosedQuestionFactory()
    factories.ResolutionFactory(question=closed)  # a proposal: its dispute deadline in local time
    source = factories.SourceFactory()
    member, staff = Client(), Client()
    member.force_login(alice.user)
    staff.force_login(staff_user)
    pages = {
        f"/questions/{question.slug}/": ("hindsight/forecast-form.js",),
        f"/questions/{closed.slug}/": ("hindsight/local-time.js",),
        "/staff/imports/": ("hindsight/import-form.js",),
        f"/admin/registry/source/{source.pk}/change/": (),
    }
    for url, scripts in pages.items():
        response = (member if url.startswith("/questions/") else staff).get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert _inline_scripts(html) == [], url
        assert not re.search(r"\son[a-z]+=", html), url  # no inline event handler either
        for script in scripts:
            assert f'src="/static/{script}" defer' in html, url


def test_swagger_ui_loads_its_settings_as_a_script_file(client):
    page = client.get("/api/docs/")
    html = page.content.decode()

    assert page.status_code == 200 and _inline_scripts(html) == []
    script_url = unescape(re.findall(r'<script src="([^"]+)"', html)[-1])
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_a_new_api_token_is_never_stored_by_a_cache(alice):
    web = Client()
    web.force_login(alice.user)

    page = web.post("/accounts/token/")
    exchange = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )

    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert exchange.status_code == 200 and "no-store" in exchange["Cache-Control"]


# --- Leaderboard cache keys read numbers as the paginators do


def _counting(monkeypatch, module, name: str) -> list:
    calls: list = []
    original = getattr(module, name)

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_api_page_sizes_written_differently_are_one_cache_entry(client, monkeypatch):
    calls = _counting(monkeypatch, predictions_api.selectors, "leaderboard")

    answers = [
        client.get(f"/api/v1/leaderboard/?page_size={size}")
        for size in ("5", "+0_0_5", "005", " 5", "%2B5")
    ]

    assert [answer.status_code for answer in answers] == [200] * 5
    assert len({answer.content for answer in answers}) == 1
    assert len(calls) == 1


def test_web_page_numbers_written_differently_are_one_cache_entry(alice, monkeypatch):
    calls = _counting(monkeypatch, predictions_views, "_leaderboard_body")
    client = Client()
    client.force_login(alice.user)  # a session: the per-page entry, not the whole page

    statuses = [client.get(f"/leaderboard/?page={n}").status_code for n in ("1", "+0_0_1", "01")]

    assert statuses == [200, 200, 200]
    assert len(calls) == 1
