"""The seed catalogue's two OpenRouter sources, run as they are stored, against a local
server answering like OpenRouter's API (the payloads of test_openrouter.py, redated to the
periods a check on 2 January 2028 reads): a yes case, a no case and a missing-data case.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from resolvers.kinds import EvaluationError, get_kind, validate_config
from resolvers.kinds.openrouter import kind as kind_module
from tests.resolvers.kinds import seed_catalogue
from tests.resolvers.kinds.test_openrouter import (
    APPS,
    KEY,
    QUESTION,
    RANKINGS,
    OpenRouter,
    payload,
    redated,
)

DECIDED = datetime(2028, 1, 2, 6, 0, tzinfo=UTC)  # past decide_from: December 2027 is read


def catalogue_config(slug: str, kind: str) -> dict:
    return seed_catalogue.source(slug, kind)["config"]


SHARE = catalogue_config("open-models-api-market-share-2027", "openrouter")
APP = catalogue_config("personal-agents-open-model-market-2027", "openrouter")


@pytest.fixture
def openrouter(settings, monkeypatch):
    server = OpenRouter()
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {"openrouter": server.http.base_url}
    settings.RESOLVER_SECRETS = {"OPENROUTER_API_KEY": {"value": KEY, "hosts": ["127.0.0.1"]}}
    monkeypatch.setattr(kind_module, "_today", lambda: date(2028, 1, 2))
    server.serve(RANKINGS, payload("rankings_month_2026-04.json"), "2026-04-01")
    yield server
    server.http.close()


def check(config: dict):
    validate_config("openrouter", config)
    kind = get_kind("openrouter")
    return kind.evaluate(kind.fetch(config), config, QUESTION, DECIDED)


def december(name: str) -> dict:
    return redated(payload(name), "2027-12-01", "2027-12-31")


def test_the_open_weight_share_rose_from_april_2026_is_yes(openrouter):
    openrouter.serve(RANKINGS, december("rankings_month_2026-11.json"), "2027-12-01")
    verdict = check(SHARE)
    assert verdict.outcome == "yes"
    assert "month 2027-12-01 to 2027-12-31" in verdict.explanation
    assert "compared > baseline" in verdict.explanation


def test_the_open_weight_share_no_higher_than_in_april_2026_is_no(openrouter):
    openrouter.serve(RANKINGS, december("rankings_month_2026-04.json"), "2027-12-01")
    assert check(SHARE).outcome == "no"


def test_december_2027_missing_from_the_dataset_is_inconclusive(openrouter):
    # OpenRouter answers the bucket before the one asked for: the month is not there yet.
    openrouter.serve(
        RANKINGS, redated(payload("rankings_month_2026-11.json"), "2027-11-01", "2027-11-30"),
        "2027-12-01",
    )  # fmt: skip
    with pytest.raises(EvaluationError, match="not the month 2027-12-01 to 2027-12-31"):
        check(SHARE)


def _apps(name: str) -> dict:
    return redated(payload(name), "2027-12-01", "2027-12-31")


def test_a_personal_agent_in_the_top_10_apps_is_yes(openrouter):
    openrouter.serve(APPS, _apps("apps_week_2026-11-23.json"), "2027-12-01")
    openrouter.serve(
        APPS, _apps("apps_personal-agent_week_2026-11-23.json"), "2027-12-01", "personal-agent"
    )
    verdict = check(APP)
    assert (verdict.outcome, verdict.value) == ("yes", "4")
    assert "OpenClaw (app 51877) at #4" in verdict.explanation


def test_no_personal_agent_in_the_top_10_apps_is_no(openrouter):
    # December 2027 without any personal agent in the overall ranking.
    personal = _apps("apps_personal-agent_week_2026-11-23.json")
    agents = {row["app_id"] for row in personal["data"]}
    overall = _apps("apps_week_2026-11-23.json")
    overall["data"] = [row for row in overall["data"] if row["app_id"] not in agents]
    for rank, row in enumerate(overall["data"], start=1):
        row["rank"] = rank
    openrouter.serve(APPS, overall, "2027-12-01")
    openrouter.serve(APPS, personal, "2027-12-01", "personal-agent")
    verdict = check(APP)
    assert verdict.outcome == "no"


def test_an_app_ranking_without_its_fields_is_inconclusive(openrouter):
    openrouter.serve(APPS, {"data": [{"app_name": "OpenClaw"}], "meta": {}}, "2027-12-01")
    with pytest.raises(EvaluationError):
        check(APP)
