"""API keys: a source names a key, the operator binds it to hosts, and the key itself never
reaches a config, a stored check, an explanation or a log."""

from __future__ import annotations

import logging

import pytest

from resolvers import kinds, services
from resolvers.models import Check, ResolutionSource
from tests import factories
from tests.resolvers.http_servers import json_reply, redirect, serve

pytestmark = pytest.mark.django_db

KEY = "k-5ecret-9f3a1c"


@pytest.fixture(autouse=True)
def _key(settings):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_SECRETS = {"AA_API_KEY": {"value": KEY, "hosts": ["127.0.0.1"]}}


def keyed_config(url: str, **extra) -> dict:
    return {
        "url": url,
        "expression": "data[0].score",
        "comparator": ">=",
        "threshold": 60,
        "api_key": {"secret": "AA_API_KEY"},
        **extra,
    }


def stored_text(check: Check, source: ResolutionSource) -> str:
    fields = [check.url, check.value, check.explanation, check.error, bytes(check.body).decode()]
    return " ".join([*fields, repr(source.config), source.last_error])


def test_the_key_goes_in_its_header_and_nowhere_that_is_stored(caplog):
    question = factories.QuestionFactory()
    with (
        caplog.at_level(logging.DEBUG),
        serve({"/models": json_reply({"data": [{"score": 68.5}]})}) as server,
    ):
        source = services.source_add(
            question=question, kind="http_json", config=keyed_config(server.url("/models"))
        )
        services.source_check(source_id=source.pk)
        sent = server.requests[0].headers

    assert sent["x-api-key"] == KEY
    check = Check.objects.get(source=source)
    source.refresh_from_db()
    assert check.verdict == "yes"
    assert KEY not in stored_text(check, source)
    assert source.config["api_key"] == {"secret": "AA_API_KEY"}
    assert KEY not in caplog.text


def test_a_bearer_token_uses_the_header_and_prefix_the_config_names():
    with serve({"/v1": json_reply({"data": [{"score": 1}]})}) as server:
        config = keyed_config(
            server.url("/v1"), api_key_header="Authorization", api_key_prefix="Bearer "
        )
        kinds.validate_config("http_json", config)
        kinds.get_kind("http_json").fetch(config)
        assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_a_redirect_to_another_origin_does_not_carry_the_key():
    with serve({"/final": json_reply({"data": [{"score": 70}]})}) as elsewhere:
        with serve({"/start": redirect(elsewhere.url("/final"))}) as first:
            config = keyed_config(first.url("/start"))
            evidence = kinds.get_kind("http_json").fetch(config)
            assert first.requests[0].headers["x-api-key"] == KEY
        assert evidence.status == 200
        assert "x-api-key" not in elsewhere.requests[0].headers


@pytest.mark.parametrize(
    ("settings_secrets", "api_key", "field", "words"),
    [
        (
            {"AA_API_KEY": {"value": KEY, "hosts": ["artificialanalysis.ai"]}},
            {"secret": "AA_API_KEY"},
            "config.api_key.secret",
            "may not be sent to 127.0.0.1",
        ),
        (None, KEY, "config.api_key", "must be an object"),
        (None, {"secret": "secret_key"}, "config.api_key.secret", "does not match"),
        (None, {"secret": "AA_API_KEY", "value": KEY}, "config.api_key.value", "not a setting"),
    ],
)
def test_a_key_that_cannot_be_used_is_refused_by_field(
    settings, settings_secrets, api_key, field, words
):
    if settings_secrets is not None:
        settings.RESOLVER_SECRETS = settings_secrets
    config = keyed_config("http://127.0.0.1:9/models", api_key=api_key)
    with pytest.raises(kinds.ConfigError) as caught:
        kinds.validate_config("http_json", config)
    assert words in caught.value.fields[field]
    assert KEY not in str(caught.value.fields)


def test_a_source_may_name_a_key_before_it_is_configured_and_its_checks_say_so(settings):
    settings.RESOLVER_SECRETS = {}
    config = keyed_config("http://127.0.0.1:9/models")
    assert kinds.validate_config("http_json", config) == config

    with pytest.raises(kinds.EvaluationError, match="AA_API_KEY, which is not configured"):
        kinds.get_kind("http_json").fetch(config)


def test_a_key_removed_after_the_source_was_saved_fails_the_check_with_a_sentence(settings):
    question = factories.QuestionFactory()
    with serve({"/models": json_reply({"data": [{"score": 68.5}]})}) as server:
        source = services.source_add(
            question=question, kind="http_json", config=keyed_config(server.url("/models"))
        )
        settings.RESOLVER_SECRETS = {}
        services.source_check(source_id=source.pk)
        assert server.requests == []

    check = Check.objects.get(source=source)
    assert "AA_API_KEY" in check.error and "not configured" in check.error
