"""Setting up a resolution source without writing JSON: the staff page and the admin.

The kind is a choice list; its config is a form generated from the kind's JSON Schema (every
registered kind, so a kind added tomorrow is covered); problems sit next to their field;
"Check now (dry run)" fetches from a real HTTP server on 127.0.0.1 and shows the evidence,
the value, the comparison and the outcome it would propose, recording nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django import forms
from django.test import Client
from django.utils import timezone

from resolvers.config_fields import config_fields
from resolvers.forms import SourceForm
from resolvers.kinds import REGISTRY
from resolvers.models import Check, Resolution, ResolutionSource
from tests import factories
from tests.resolvers.http_servers import json_reply, serve, text_reply

pytestmark = pytest.mark.django_db

KINDS = list(REGISTRY)
STATS = {"data": {"downloads": 7000, "name": "open-model"}}
ADMIN_ADD = "/admin/resolvers/resolutionsource/add/"


@pytest.fixture
def staff(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def question():
    return factories.QuestionFactory(slug="open-downloads", title="Will downloads pass 5000?")


@pytest.fixture
def stats_server(settings):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    with serve({"/stats.json": json_reply(STATS), "/page": text_reply("plain text")}) as server:
        yield server


def sources_page(question) -> str:
    return f"/staff/questions/{question.slug}/sources/"


def source_page(source) -> str:
    return f"/staff/questions/{source.question.slug}/sources/{source.pk}/"


def http_json_form(url: str, **overrides) -> dict:
    data = {
        "kind": "http_json",
        "kind_shown": "http_json",
        "config__url": url,
        "config__expression": "data.downloads",
        "config__comparator": ">=",
        "config__threshold": "5000",
        "check_every": "360",
        "action": "save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def text(response) -> str:
    """The page's text, as a reader sees it (tags and runs of spaces gone)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def field_html(response, name: str) -> str:
    """The markup of one field's block on the staff page (label, help, errors, input)."""
    html = response.content.decode()
    start = html.index(f'id="field-{name}"')
    end = html.find('<div class="field', start + 1)
    return unescape(html[start : end if end != -1 else None])


def database_state() -> tuple:
    return (
        list(ResolutionSource.objects.values().order_by("pk")),
        list(Check.objects.values_list("pk", flat=True)),
        list(Resolution.objects.values_list("pk", flat=True)),
    )


def schema_properties(kind: str) -> list[tuple[str, ...]]:
    """Every property path a form should have a field for (a group's children included)."""
    paths = []
    for name, prop in REGISTRY[kind].config_schema["properties"].items():
        children = prop.get("properties") if prop.get("type") == "object" else None
        if children and prop.get("additionalProperties") is False:
            paths += [(name, child) for child in children]
        else:
            paths.append((name,))
    return paths


WIDGETS = {
    "choice": forms.Select,
    "boolean": forms.CheckboxInput,
    "integer": forms.NumberInput,
    "number": forms.NumberInput,
    "lines": forms.Textarea,
    "choices": forms.CheckboxSelectMultiple,
    "json": forms.Textarea,
    "scalar": forms.TextInput,
}


class TestEveryKindGetsAForm:
    @pytest.mark.parametrize("kind", KINDS)
    def test_each_property_is_a_field_with_its_label_help_and_widget(self, kind):
        form = SourceForm(carried={"kind": kind})
        specs = config_fields(REGISTRY[kind].config_schema)

        assert [spec.path for spec in specs] == schema_properties(kind)
        for spec in specs:
            field = form.fields[spec.name]
            assert field.label
            widget = WIDGETS.get(spec.shape, (forms.TextInput, forms.Textarea))
            assert isinstance(field.widget, widget), (spec.name, spec.shape)
            if spec.schema.get("description"):
                assert spec.schema["description"].rstrip(".") in field.help_text
            if "enum" in spec.schema:
                assert [v for v, _ in field.choices][1:] == [str(v) for v in spec.schema["enum"]]

    @pytest.mark.parametrize("kind", KINDS)
    def test_the_staff_page_shows_the_kinds_fields_with_required_marks(self, kind, staff, question):
        response = staff.post(sources_page(question), {"kind": kind, "kind_switch": "1"})

        assert response.status_code == 200
        page = text(response)
        assert f"Settings of “{REGISTRY[kind].label}”" in page
        schema = REGISTRY[kind].config_schema
        required = set(schema.get("required", []))
        for spec in config_fields(schema):
            block = field_html(response, spec.name)
            assert spec.label in block
            # A setting the kind requires; inside a group (an API key), only when the group
            # itself is required and requires it.
            group = schema["properties"][spec.path[0]]
            expected = spec.path[0] in required and (
                len(spec.path) == 1 or spec.path[-1] in group.get("required", [])
            )
            assert ("(required)" in block) == expected, spec.name
        assert not ResolutionSource.objects.exists()

    @pytest.mark.parametrize("kind", KINDS)
    def test_an_empty_form_says_what_is_required_next_to_each_field(self, kind, staff, question):
        required = REGISTRY[kind].config_schema.get("required", [])
        response = staff.post(
            sources_page(question),
            {"kind": kind, "kind_shown": kind, "check_every": "360", "action": "save"},
        )

        if not required:  # a kind without required settings saves as it is
            assert response.status_code == 302
            return
        assert response.status_code == 200
        for name in required:
            # A required group's problem sits on its first field.
            spec = next(s for s in config_fields(REGISTRY[kind].config_schema) if s.path[0] == name)
            assert "is required" in field_html(response, spec.name), name
        assert not ResolutionSource.objects.exists()

    @pytest.mark.parametrize("kind", KINDS)
    def test_the_admin_add_page_shows_the_kinds_fields(self, kind, staff):
        response = staff.get(f"{ADMIN_ADD}?kind={kind}")

        assert response.status_code == 200
        for spec in config_fields(REGISTRY[kind].config_schema):
            assert f'name="{spec.name}"' in response.content.decode()

    def test_the_kind_is_a_choice_list_of_every_registered_kind(self, staff, question):
        page = staff.get(sources_page(question)).content.decode()

        for name, kind in REGISTRY.items():
            assert f'<option value="{name}"' in page
            assert kind.label.replace("'", "&#x27;") in page


class TestValidationNextToTheField:
    def test_each_problem_is_a_sentence_beside_its_field(self, staff, question):
        response = staff.post(
            sources_page(question),
            http_json_form("ftp://example.org/x", config__expression="data[", config__threshold=""),
        )

        assert response.status_code == 200
        assert "URL must be an http or https URL" in field_html(response, "config__url")
        assert "Expression is not a valid JMESPath expression" in field_html(
            response, "config__expression"
        )
        assert not ResolutionSource.objects.exists()

    def test_a_list_item_problem_names_its_line(self, staff, question):
        response = staff.post(
            sources_page(question),
            {
                "kind": "feed",
                "kind_shown": "feed",
                "config__url": "https://example.org/feed.xml",
                "config__terms": "open weights\n" + "x" * 201,
                "config__since": "2026-05-01",
                "check_every": "360",
                "action": "save",
            },
        )

        assert "Terms, line 2:" in field_html(response, "config__terms")

    def test_the_kinds_own_checks_come_once_the_schema_is_met(self, staff, question):
        response = staff.post(
            sources_page(question),
            {
                "kind": "feed",
                "kind_shown": "feed",
                "config__url": "https://example.org/feed.xml",
                "config__terms": "open weights",
                "config__since": "2026-13-01",
                "config__until": "2026-01-01",
                "check_every": "360",
                "action": "save",
            },
        )

        assert "Since must be an ISO 8601 date or datetime, e.g. 2026-05-01" in field_html(
            response, "config__since"
        )

    def test_the_raw_json_reports_its_problems_on_itself(self, staff, question):
        response = staff.post(
            sources_page(question),
            {
                "kind": "http_json",
                "kind_shown": "http_json",
                "use_raw_json": "on",
                "config": '{"url": "https://example.org/a", "expression": "a", "bogus": 1}',
                "check_every": "360",
                "action": "save",
            },
        )

        assert "bogus is not a setting of this kind" in field_html(response, "config")
        assert not ResolutionSource.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value", "sentence"),
        [
            ("config__url", "https://example.org/\x00", "Null characters are not allowed"),
            ("config__threshold", "1e999", "Threshold must be a number between -10^18 and 10^18"),
            ("config__threshold", "9" * 5000, "Threshold must be a number between"),
            ("config__threshold", "9" * 20000, "Threshold is too long"),
            ("config__threshold", "[1, 2]", "Threshold must be a number, true or false, or a text"),
            ("config__option_map", "{" * 50 + "}" * 50, "Option map is nested too deeply"),
            ("config", '{"url": "\\ud800"}', "lone surrogate"),
            ("config", '{"url": "a\\u0000b"}', "must not contain NUL characters"),
            ("config", '{"threshold": 1e999}', "is too large"),
            ("config", '{"threshold": ' + "9" * 400 + "}", "too large"),
            ("config", "[" * 5000 + "]" * 5000, "nested too deeply"),
            ("config", '{"threshold": NaN}', "not a number JSON allows"),
            ("config", "{'url': 1}", "is not valid JSON"),
            ("config", "[1, 2]", "must be an object"),
        ],
    )
    def test_bad_input_is_a_sentence_next_to_the_field_and_changes_nothing(
        self, staff, question, field, value, sentence
    ):
        data = http_json_form("https://example.org/a", **{field: value})
        if field == "config":
            data["use_raw_json"] = "on"
        before = database_state()

        response = staff.post(sources_page(question), data)

        assert response.status_code == 200
        assert sentence in field_html(response, field)
        assert database_state() == before

    def test_huge_numbers_in_a_number_field_are_refused(self, staff, question):
        response = staff.post(
            sources_page(question),
            {
                "kind": "huggingface",
                "kind_shown": "huggingface",
                "config__mode": "downloads_over",
                "config__repo_id": "org/model",
                "config__threshold": "1e400",
                "config__limit": "9" * 5000,
                "check_every": "360",
                "action": "save",
            },
        )

        assert response.status_code == 200
        assert "Threshold must be a number between" in field_html(response, "config__threshold")
        assert "Enter a whole number" in field_html(response, "config__limit")
        assert not ResolutionSource.objects.exists()


class TestSaving:
    def test_staff_add_a_source_from_the_fields(self, staff, question):
        response = staff.post(sources_page(question), http_json_form("https://example.org/a"))

        source = ResolutionSource.objects.get(question=question)
        assert response.status_code == 302
        assert response["Location"] == source_page(source)
        assert source.kind == "http_json"
        assert source.config == {
            "url": "https://example.org/a",
            "expression": "data.downloads",
            "comparator": ">=",
            "threshold": 5000,
        }
        assert source.check_every == timedelta(hours=6)
        assert source.next_check_at is not None

    def test_lists_checkboxes_and_groups_make_their_json(self, staff, question):
        staff.post(
            sources_page(question),
            {
                "kind": "http_text",
                "kind_shown": "http_text",
                "config__url": "https://example.org/page",
                "config__pattern": "released",
                "config__mode": "present",
                "config__flags": ["IGNORECASE", "DOTALL"],
                "check_every": "60",
                "action": "save",
            },
        )

        source = ResolutionSource.objects.get()
        assert source.config["flags"] == ["IGNORECASE", "DOTALL"]
        assert source.check_every == timedelta(hours=1)

    def test_the_edit_page_shows_the_saved_config_in_its_fields_and_saves_changes(
        self, staff, question
    ):
        source = ResolutionSource.objects.create(
            question=question,
            kind="feed",
            config={"url": "https://example.org/f", "terms": ["a", "b"], "since": "2026-01-01"},
        )
        page = staff.get(source_page(source))
        assert "a\nb</textarea>" in page.content.decode()

        response = staff.post(
            source_page(source),
            {
                "kind": "feed",
                "kind_shown": "feed",
                "config__url": "https://example.org/f",
                "config__terms": "a\nc",
                "config__since": "2026-01-01",
                "config__min_entries": "2",
                "check_every": "1440",
                "action": "save",
            },
        )

        assert response.status_code == 302
        source.refresh_from_db()
        assert source.config == {
            "url": "https://example.org/f",
            "terms": ["a", "c"],
            "since": "2026-01-01",
            "min_entries": 2,
        }
        assert (source.check_every, source.enabled) == (timedelta(days=1), False)

    def test_an_object_setting_shows_as_json_in_its_field(self, question):
        source = ResolutionSource.objects.create(
            question=question,
            kind="http_json",
            config={"url": "https://e.org", "expression": "a", "option_map": {"x": "China"}},
        )

        form = SourceForm(source=source)

        assert form.initial["use_raw_json"] is False
        assert json.loads(form.initial["config__option_map"]) == {"x": "China"}

    def test_a_config_the_fields_cannot_show_opens_in_raw_json(self, question):
        source = ResolutionSource.objects.create(
            question=question, kind="manual", config={"instructions": "x", "legacy": 1}
        )

        form = SourceForm(source=source)

        assert form.initial["use_raw_json"] is True
        assert '"legacy": 1' in form["config"].value()

    def test_switching_the_kind_shows_its_fields_keeps_shared_values_and_saves_nothing(
        self, staff, question
    ):
        response = staff.post(
            sources_page(question),
            {
                **http_json_form("https://example.org/page"),
                "kind": "http_text",
                "kind_switch": "1",
            },
        )

        assert response.status_code == 200
        assert 'name="config__pattern"' in response.content.decode()
        assert 'name="config__expression"' not in response.content.decode()
        assert 'value="https://example.org/page"' in field_html(response, "config__url")
        assert "is required" not in text(response)
        assert not ResolutionSource.objects.exists()

    def test_a_form_posted_with_another_kind_than_shown_does_not_save(self, staff, question):
        response = staff.post(
            sources_page(question), {**http_json_form("https://e.org/a"), "kind": "http_text"}
        )

        assert response.status_code == 200
        assert 'name="config__pattern"' in response.content.decode()
        assert not ResolutionSource.objects.exists()


class TestDryRun:
    def test_it_shows_the_evidence_value_comparison_and_proposal_and_records_nothing(
        self, staff, question, stats_server
    ):
        url = stats_server.url("/stats.json")
        before = database_state()

        response = staff.post(sources_page(question), http_json_form(url, action="dry_run"))

        assert response.status_code == 200
        page = text(response)
        body = json.dumps(STATS).encode()
        assert "Dry run: nothing was recorded" in page
        assert url in page and "HTTP status 200" in page
        assert "application/json" in page
        assert hashlib.sha256(body).hexdigest() in page
        assert json.dumps(STATS) in page  # the excerpt
        assert "Value extracted 7000" in page
        assert "`data.downloads` at " in page and "is 7,000, compared >= 5,000" in page
        assert "It would propose “Yes”" in page
        assert database_state() == before
        assert stats_server.hits("/stats.json") == 1

    def test_a_saved_source_is_dry_run_without_changing_it(self, staff, question, stats_server):
        source = ResolutionSource.objects.create(
            question=question,
            kind="http_json",
            config={
                "url": stats_server.url("/stats.json"),
                "expression": "data.downloads",
                "comparator": ">",
                "threshold": 9000,
            },
        )
        before = database_state()

        response = staff.post(source_page(source) + "dry-run/")

        page = text(response)
        assert "Dry run of the saved settings: nothing was recorded" in page
        assert "condition not met yet" in page
        assert "It would propose nothing yet; the source is checked again every 6 hours" in page
        assert database_state() == before

    def test_it_says_why_it_cannot_conclude(self, staff, question, stats_server):
        response = staff.post(
            sources_page(question),
            http_json_form(
                stats_server.url("/stats.json"), config__expression="data.missing", action="dry_run"
            ),
        )

        page = text(response)
        assert "Why it cannot conclude" in page
        assert "found nothing in the response" in page
        assert "HTTP status 200" in page  # the evidence is still shown

    def test_it_gives_the_fetch_error(self, staff, question, settings):
        settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
        with serve() as server:
            url = server.url("/gone")  # a port nothing listens on once closed
        response = staff.post(sources_page(question), http_json_form(url, action="dry_run"))

        assert "connection:" in text(response)
        assert not Check.objects.exists()

    def test_a_refused_address_is_the_fetchers_reason(self, staff, question, settings):
        settings.RESOLVER_ALLOWED_HOSTS = []
        response = staff.post(
            sources_page(question), http_json_form("http://10.0.0.1/x", action="dry_run")
        )

        assert "blocked:" in text(response)

    def test_config_problems_stop_it_and_are_marked(self, staff, question):
        response = staff.post(sources_page(question), http_json_form("ftp://x", action="dry_run"))

        page = text(response)
        assert "The dry run did not run: correct the settings marked below." in page
        assert "URL must be an http or https URL" in field_html(response, "config__url")

    def test_the_outcome_it_would_not_propose_when_the_question_has_one(self, staff, stats_server):
        question = factories.ClosedQuestionFactory()
        factories.ResolutionFactory(question=question, outcome="no")

        response = staff.post(
            sources_page(question),
            http_json_form(stats_server.url("/stats.json"), action="dry_run"),
        )

        assert "the question already has an outcome (No, proposed); admins decide" in text(response)

    def test_the_admin_dry_run_button_shows_it_and_saves_nothing(
        self, staff, question, stats_server
    ):
        data = http_json_form(stats_server.url("/stats.json"), action=None)
        data.update({"question": question.pk, "check_every": "06:00:00", "enabled": "on"})
        before = database_state()

        response = staff.post(ADMIN_ADD, {**data, "_dry_run": "1"})

        assert response.status_code == 200
        page = text(response)
        assert "Dry run: nothing was recorded" in page and "It would propose “Yes”" in page
        assert database_state() == before


class TestAdmin:
    def test_the_admin_saves_a_source_from_the_fields(self, staff, question):
        data = http_json_form("https://example.org/a", action=None)
        data.update({"question": question.pk, "check_every": "06:00:00", "enabled": "on"})

        response = staff.post(ADMIN_ADD, {**data, "_save": "Save"})

        assert response.status_code == 302
        assert ResolutionSource.objects.get().config["threshold"] == 5000

    def test_the_admin_puts_problems_next_to_the_field(self, staff, question):
        data = http_json_form("ftp://x", action=None)
        data.update({"question": question.pk, "check_every": "06:00:00"})

        response = staff.post(ADMIN_ADD, {**data, "_save": "Save"})

        assert response.status_code == 200
        form = response.context["adminform"].form
        assert form.errors["config__url"] == ["URL must be an http or https URL"]
        assert not ResolutionSource.objects.exists()

    def test_switching_the_kind_in_the_admin_shows_its_fields(self, staff, question):
        source = ResolutionSource.objects.create(question=question, kind="manual", config={})

        response = staff.post(
            f"/admin/resolvers/resolutionsource/{source.pk}/change/",
            {"kind": "github_releases", "kind_shown": "manual", "check_every": "06:00:00"},
        )

        assert response.status_code == 200
        assert 'name="config__owner"' in response.content.decode()
        source.refresh_from_db()
        assert source.kind == "manual"

    def test_the_question_admin_shows_each_sources_fields(self, staff, question):
        ResolutionSource.objects.create(
            question=question,
            kind="github_releases",
            config={"owner": "org", "repo": "model"},
        )

        page = staff.get(f"/admin/registry/question/{question.pk}/change/").content.decode()

        assert 'name="resolution_sources-0-config__owner"' in page
        assert 'value="org"' in page


class TestHealth:
    def test_staff_see_each_sources_recent_checks_and_health(self, staff, question):
        source = ResolutionSource.objects.create(
            question=question,
            kind="http_json",
            config={"url": "https://e.org", "expression": "a", "comparator": "exists"},
            consecutive_failures=3,
            last_succeeded_at=timezone.now() - timedelta(days=2),
            last_checked_at=timezone.now(),
            last_error="connection: Connection refused",
        )
        for hours, error in ((3, ""), (2, "connection: Connection refused")):
            Check.objects.create(
                source=source,
                started_at=timezone.now() - timedelta(hours=hours),
                finished_at=timezone.now() - timedelta(hours=hours),
                verdict="" if error else "undetermined",
                value="" if error else "41",
                error=error,
            )

        page = text(staff.get(sources_page(question)))

        assert "failing" in page
        assert "Failures in a row 3" in page
        assert "Last success " in page and "never" not in page
        assert "Connection refused" in page
        assert "undetermined" in page and "41" in page
        assert "Latest 2 checks, newest first" in page

    def test_the_question_page_and_the_queue_link_staff_to_it(self, staff, question):
        overdue = factories.ClosedQuestionFactory(resolve_by=timezone.now() - timedelta(hours=1))

        assert sources_page(question) in staff.get(f"/questions/{question.slug}/").content.decode()
        assert sources_page(overdue) in staff.get("/staff/resolutions/").content.decode()
