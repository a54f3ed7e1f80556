"""The staff operations of the API under hostile input, as staff.

tests/config/test_api_fuzz.py checks that every operation keeps to its schema; this run
takes the operations only staff may call, where a request gets past every permission to
the validation and the writes behind it, and feeds them what a careless script or an
attacker sends: NUL bytes, lone surrogates (escaped, and as raw UTF-8 bytes), 10**30,
1e1000000, NaN and Infinity, 200-deep nested JSON and 100,000-character strings, in body
fields (nested ones too), query parameters and path parameters.

Each request starts from a body schemathesis generates from the operation's schema or from
one the operation accepts, with one to three of its fields (or the whole body) replaced.
Every answer must be below 500; a 4xx must carry the API's error shape
`{"error": "...", "fields": {...}}` and leave the database as it was.

The run is bounded and deterministic (derandomized hypothesis, a few examples an
operation, no example database).
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from werkzeug.test import Client

from tests.config import test_api_fuzz as schema_wide
from tests.config.test_api_fuzz import World

# The seeded world and the in-process plumbing of the schema-wide run, as fixtures here.
world = schema_wide.world
unthrottled = schema_wide.unthrottled
in_process_requests = schema_wide.in_process_requests
no_network = schema_wide.no_network

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 8
SNAPSHOT_APPS = ("auth", "registry", "predictions", "resolvers")


class Raw:
    """JSON written as is: numbers Python cannot hold, NaN and Infinity, invalid UTF-8."""

    def __init__(self, text: str | bytes) -> None:
        self.data = text.encode() if isinstance(text, str) else text

    def __repr__(self) -> str:
        return f"Raw({self.data[:40]!r})"


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


_text = st.text(alphabet="abc xyz", max_size=4)
HOSTILE = st.one_of(
    st.builds(lambda a, b: f"{a}\x00{b}", _text, _text),
    st.builds(lambda a, b, s: f"{a}{s}{b}", _text, _text, st.sampled_from(["\ud800", "\udfff"])),
    st.just(Raw(b'"a\xed\xa0\x80b"')),  # a surrogate encoded as UTF-8: invalid
    st.sampled_from(["x" * 100_000, "1" * 100_000, "https://example.org/" + "a" * 100_000]),
    # Digits that str.isdigit() takes and int() refuses.
    st.sampled_from(["²", "٣", "9" * 5000]),
    st.sampled_from([10**30, -(10**30), 10**400]),
    st.sampled_from(
        [Raw(t) for t in ("1e1000000", "-1e1000000", "NaN", "Infinity", "-Infinity", "9" * 5000)]
    ),
    st.builds(_nested, st.just(200)),  # a new one each time: mutations go into it
)
HOSTILE_KEY = st.sampled_from(["\x00", "a\ud800", "\udfff", "k" * 100_000])
HOSTILE_PARAMETER = st.sampled_from(
    ["%00", "a%00b", "%ED%A0%80", "%F0%90%80", "1" * 40, "1e1000000", "NaN", "x" * 5000]
)


def _dumps(value: Any) -> bytes:
    """JSON as bytes, with each Raw written as it is."""
    raws: list[bytes] = []

    def placeholder(item: Any) -> str:
        if not isinstance(item, Raw):
            raise TypeError(f"{type(item).__name__} is not JSON")
        raws.append(item.data)
        return f"\x01{len(raws) - 1}\x01"

    text = json.dumps(value, default=placeholder).encode()
    for index, raw in enumerate(raws):
        text = text.replace(b'"\\u0001%d\\u0001"' % index, raw)
    return text


_serial = itertools.count()


def _accepted_body(label: str, world: World) -> dict[str, Any]:
    """A body the operation takes, so that one hostile field is what it has to refuse."""
    serial = next(_serial)
    question = {
        "title": f"Will hostile input number {serial} be refused?",
        "resolution_criteria": "Yes if every request answers below 500.",
        "opens_at": "2026-07-01T00:00:00Z",
        "closes_at": "2027-12-31T00:00:00Z",
        "resolve_by": "2028-01-31T00:00:00Z",
        "tags": ["ai"],
    }
    bodies = {
        "POST /api/v1/questions/": {**question, "slug": f"hostile-{serial}", "published": True},
        "PUT /api/v1/questions/{slug}/": question,
        "PATCH /api/v1/questions/{slug}/": {"title": question["title"], "fine_print": "None."},
        "POST /api/v1/questions/{slug}/resolutions/": {
            "outcome": "annulled",
            "rationale": "The benchmark was withdrawn.",
            "known_on": "2026-05-01",
        },
        "POST /api/v1/questions/{slug}/sources/": {
            "kind": "http_json",
            "config": {"url": "https://example.org/api", "path": "released"},
            "check_every_minutes": 60,
        },
        "POST /api/v1/questions/{slug}/sources/ (platform)": {
            "kind": "forecast_platform",
            "config": {"platform": "metaculus", "id": "31467"},
        },
        "POST /api/v1/questions/{slug}/sources/ (manual)": {
            "kind": "manual",
            "config": {"instructions": "Read the release notes."},
        },
        "POST /api/v1/imports/": {
            "text": "I expect open models to lead the arena by the end of 2027.",
            "title": f"Predictions {serial}",
            "author": "Jane Doe",
            "published_on": "2026-12-01",
        },
        "POST /api/v1/proposals/{id}/accept/": {
            "title": question["title"],
            "closes_on": "2027-06-30",
            "implied_probability": 0.7,
            "source_kind": "manual",
            "source_config": {"instructions": "Read the leaderboard."},
        },
        "POST /api/v1/proposals/{id}/merge/": {"question": world.question_slugs[0]},
    }
    return bodies.get(label, {})


def _accepted_bodies(label: str, world: World) -> list[dict[str, Any]]:
    """Every body of `_accepted_body` for the operation: one per resolver kind for sources."""
    variants = [label, f"{label} (platform)", f"{label} (manual)"]
    return [body for variant in variants if (body := _accepted_body(variant, world))]


# The operations only staff may call, with the world's objects for their path parameters.
STAFF_OPERATIONS = (
    "POST /api/v1/questions/",
    "PUT /api/v1/questions/{slug}/",
    "PATCH /api/v1/questions/{slug}/",
    "POST /api/v1/questions/{slug}/resolutions/",
    "POST /api/v1/questions/{slug}/sources/",
    "POST /api/v1/imports/",
    "GET /api/v1/imports/",
    "GET /api/v1/imports/{id}/",
    "GET /api/v1/sources/{slug}/proposals/",
    "POST /api/v1/proposals/{id}/accept/",
    "POST /api/v1/proposals/{id}/merge/",
    "POST /api/v1/proposals/{id}/reject/",
    "POST /api/v1/resolutions/{id}/confirm/",
    "GET /api/v1/resolution-queue/",
)
# The other writes, fuzzed with hostile input by their own tests: a new staff write must be
# added above.
OTHER_WRITES = {
    "POST /api/v1/auth/token/",
    "POST /api/v1/auth/token/revoke/",
    "POST /api/v1/auth/token/revoke-all/",
    "POST /api/v1/follows/",
    "DELETE /api/v1/follows/{id}/",
    "POST /api/v1/questions/{slug}/comments/",
    "POST /api/v1/questions/{slug}/forecasts/",
    "POST /api/v1/resolutions/{id}/disputes/",
}


def _path_values(label: str, world: World) -> dict[str, list[Any]]:
    path = label.split(" ", 1)[1]
    if "/questions/{slug}/" in path:
        return {"slug": world.question_slugs}
    if "/sources/{slug}/" in path:
        return {"slug": world.source_slugs}
    if "/imports/{id}/" in path:
        return {"id": world.import_ids}
    if "/proposals/{id}/" in path:
        return {"id": world.proposal_ids}
    if "/resolutions/{id}/" in path:
        return {"id": world.resolution_ids}
    return {}


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of the apps' tables (the seeded world is small)."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label in SNAPSHOT_APPS
    }


def _mutate(draw: st.DrawFn, body: Any) -> Any:
    """One to three fields of the body (nested ones too), or the whole body, made hostile;
    or a hostile field added."""
    if not isinstance(body, dict) or draw(st.integers(0, 9)) == 0:
        return draw(HOSTILE)
    body = json.loads(json.dumps(body))
    for _ in range(draw(st.integers(1, 3))):
        target = body
        while True:
            # A name nobody declared, hostile itself now and then: errors quote it back.
            key = draw(st.sampled_from([*sorted(target), "extra"]))
            if key == "extra" and draw(st.booleans()):
                key = draw(HOSTILE_KEY)
            if isinstance(target.get(key), dict) and target[key] and draw(st.booleans()):
                target = target[key]
                continue
            if isinstance(target.get(key), list) and target[key] and draw(st.booleans()):
                target[key][draw(st.integers(0, len(target[key]) - 1))] = draw(HOSTILE)
            else:
                target[key] = draw(HOSTILE)
            break
    return body


@pytest.fixture
def staff_schema(world, unthrottled, in_process_requests, no_network):
    config = schemathesis.Config.from_dict(
        {"generation": {"database": "none", "with-security-parameters": False}}
    )
    return schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler(), config=config)


def test_every_staff_write_of_the_schema_is_fuzzed_with_hostile_input(staff_schema):
    writes = {
        f"{method.upper()} {path}"
        for path, item in staff_schema.raw_schema["paths"].items()
        for method in item
        if method in ("post", "put", "patch", "delete")
    }
    staff_writes = {label for label in STAFF_OPERATIONS if not label.startswith("GET ")}
    assert writes - OTHER_WRITES == staff_writes


def _fuzz(label: str, operation: Any, world: World, headers: dict[str, str]) -> None:
    client = Client(WSGIHandler())
    method, template = label.split(" ", 1)
    path_values = _path_values(label, world)
    before = [_snapshot()]

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def request_with_hostile_input(data: st.DataObject) -> None:
        path = template
        for name, values in path_values.items():
            value = quote(str(data.draw(st.sampled_from(values))), safe="")
            if data.draw(st.integers(0, 4)) == 0:
                value = data.draw(HOSTILE_PARAMETER)
            path = path.replace(f"{{{name}}}", value)
        query = ""
        if method == "GET" or data.draw(st.integers(0, 4)) == 0:
            name = data.draw(st.sampled_from(["state", "page", "page_size", "question", "q"]))
            query = f"?{name}={data.draw(HOSTILE_PARAMETER)}"
        content: bytes | None = None
        if method != "GET":
            generated = data.draw(operation.as_strategy()).body
            accepted = _accepted_bodies(label, world)
            base = (
                data.draw(st.sampled_from(accepted))
                if accepted and data.draw(st.booleans())
                else generated
            )
            content = _dumps(_mutate(data.draw, base if isinstance(base, dict) else {}))

        response = client.open(
            path + query,
            method=method,
            data=content,
            headers={**headers, "Content-Type": "application/json"},
        )

        shown = f"{method} {path + query} {content[:300] if content else ''!r}"
        assert response.status_code < 500, (shown, response.get_data(as_text=True)[:2000])
        assert response.status_code != 401, "the staff token stopped working"
        if response.status_code >= 400:
            answer = response.get_json(silent=True)
            assert isinstance(answer, dict) and set(answer) == {"error", "fields"}, (
                shown,
                response.status_code,
                response.get_data(as_text=True)[:500],
            )
            assert isinstance(answer["error"], str) and answer["error"], shown
            assert isinstance(answer["fields"], dict), shown
            if method != "GET":
                after = _snapshot()
                changed = [m for m in after if after[m] != before[0].get(m)]
                assert not changed, (shown, response.status_code, changed)
        elif method != "GET":
            before[0] = _snapshot()

    request_with_hostile_input()


def test_the_staff_operations_refuse_hostile_input_cleanly(staff_schema, world, subtests):
    headers = {"Authorization": f"Token {schema_wide._new_token('admin')}"}
    for label in STAFF_OPERATIONS:
        operation = staff_schema.find_operation_by_label(label)
        # Each operation on the world as seeded: what one accepts does not leave the next
        # only 409s (a proposal accepted cannot be merged).
        with subtests.test(operation=label), transaction.atomic():
            assert operation is not None, label
            _fuzz(label, operation, world, headers)
            transaction.set_rollback(True)


# Inputs that once answered 500, and their neighbours: (operation, field path, value).
KNOWN_HOSTILE = [
    ("POST /api/v1/proposals/{id}/accept/", ["source_kind"], "\ud800"),
    ("POST /api/v1/proposals/{id}/accept/", ["source_config", "instructions"], "a\ud800b"),
    ("POST /api/v1/proposals/{id}/accept/", ["source_config", "instructions"], "a\x00b"),
    ("POST /api/v1/proposals/{id}/accept/", ["implied_probability"], Raw("NaN")),
    ("POST /api/v1/proposals/{id}/accept/", ["implied_probability"], Raw("1e1000000")),
    ("POST /api/v1/proposals/{id}/accept/", ["closes_on"], "2027-06-30\x00"),
    ("POST /api/v1/questions/", ["\ud800"], 1),
    ("POST /api/v1/questions/", ["kind"], "\udfff"),
    ("POST /api/v1/questions/", ["tags"], ["a\ud800"]),
    ("POST /api/v1/questions/", ["tags"], ["a\x00"]),
    ("POST /api/v1/questions/", ["options"], ["a\ud800", "b"]),
    ("POST /api/v1/questions/", ["opens_at"], "2026-07-01\x00"),
    ("POST /api/v1/questions/", ["closes_at"], "9" * 5000),
    ("POST /api/v1/questions/", ["published"], Raw("NaN")),
    ("PATCH /api/v1/questions/{slug}/", ["\x00"], 1),
    ("PATCH /api/v1/questions/{slug}/", ["closes_at"], 10**30),
    ("POST /api/v1/questions/{slug}/resolutions/", ["outcome"], "\ud800"),
    ("POST /api/v1/questions/{slug}/resolutions/", ["option"], "a\ud800"),
    ("POST /api/v1/questions/{slug}/resolutions/", ["supersedes"], 10**30),
    ("POST /api/v1/questions/{slug}/resolutions/", ["supersedes"], Raw("1e1000000")),
    ("POST /api/v1/questions/{slug}/resolutions/", ["supersedes_state"], "\ud800"),
    ("POST /api/v1/questions/{slug}/resolutions/", ["known_on"], "2026-05-01\x00"),
    ("POST /api/v1/questions/{slug}/sources/", ["kind"], "\ud800"),
    ("POST /api/v1/questions/{slug}/sources/", ["config", "url"], "https://example.org/\x00"),
    ("POST /api/v1/questions/{slug}/sources/", ["config", "url"], "https://example.org/\ud800"),
    ("POST /api/v1/questions/{slug}/sources/", ["config", "path"], "a\ud800"),
    ("POST /api/v1/questions/{slug}/sources/", ["config", "\ud800"], "x"),
    ("POST /api/v1/questions/{slug}/sources/", ["config", "path"], _nested(200)),
    ("POST /api/v1/questions/{slug}/sources/", ["check_every_minutes"], 10**15),
    ("POST /api/v1/questions/{slug}/sources/", ["check_every_minutes"], Raw("Infinity")),
    ("POST /api/v1/imports/", ["published_on"], "2026-12-01\x00"),
    ("POST /api/v1/imports/", ["fiscal_year_start_month"], 10**30),
    ("POST /api/v1/imports/", ["url"], "javascript:alert(1)\x00"),
    ("POST /api/v1/imports/", ["\ud800"], "x"),
    ("POST /api/v1/proposals/{id}/merge/", ["question"], "a\ud800"),
    ("POST /api/v1/proposals/{id}/merge/", ["question"], "a\x00"),
]


def test_known_hostile_fields_are_refused_cleanly(world, staff_client, subtests):
    for label, field, value in KNOWN_HOSTILE:
        shown = {"operation": label, "field": field, "value": repr(value)[:40]}
        with subtests.test(**shown), transaction.atomic():
            _send_known_hostile(label, field, value, world, staff_client)
            transaction.set_rollback(True)


def _send_known_hostile(
    label: str, field: list[str], value: Any, world: World, client: APIClient
) -> None:
    method, template = label.split(" ", 1)
    path = template
    for name, values in _path_values(label, world).items():
        # A question still open for forecasts and resolutions, a proposal still proposed.
        path = path.replace(f"{{{name}}}", str(values[0]))
    body = _accepted_body(label, world)
    target = body
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = value
    before = _snapshot()

    response = client.generic(method, path, _dumps(body), content_type="application/json")

    # 400 for the field; 409 where the value is well formed but names no current state.
    assert response.status_code in (400, 409), response.content[:500]
    answer = response.json()
    assert set(answer) == {"error", "fields"} and answer["error"]
    assert _snapshot() == before
