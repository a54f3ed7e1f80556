"""The seed catalogue's Hugging Face source for ``us-regains-open-model-adoption-2027``, run
as it is stored, against a local server answering like the Hub's ``GET /api/models``
(fake_hub.py): a yes case, a no case and missing-data cases, read on 2027-12-01.

The served models (tests/resolvers/payloads/huggingface/models_by_author_2027-12-01.json,
plus 1,200 older google models, so google's listing takes two pages) give, for the
text-generation and image-text-to-text models:

- cohort A (created 2026-01-01..2026-10-31): U.S. 7.0M of 22.0M downloads, S(A) = 31.8%;
- cohort B (created 2027-01-01..2027-10-31): U.S. 5.5M of 15.5M, S(B) = 35.5%.

The other listed organisations have no models on this Hub (they answer ``[]``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from resolvers.kinds import EvaluationError, QuestionFacts, get_kind, validate_config
from tests.resolvers.kinds import seed_catalogue
from tests.resolvers.kinds.fake_hub import FakeHub, old_models, payload

SLUG = "us-regains-open-model-adoption-2027"
READING = datetime(2027, 12, 1, 6, 0, tzinfo=UTC)  # the single reading's day


def entry() -> dict:
    return seed_catalogue.entry(SLUG)


def source() -> dict:
    return seed_catalogue.source(SLUG, "huggingface")


def facts() -> QuestionFacts:
    return seed_catalogue.facts(SLUG)


@pytest.fixture
def hub(settings):
    models = payload("models_by_author_2027-12-01.json")
    models["google"] += old_models("google", 1200)
    server = FakeHub(models)
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {"huggingface": server.base}
    yield server
    server.close()


def check(now: datetime = READING):
    config = source()["config"]
    validate_config("huggingface", config)
    kind = get_kind("huggingface")
    return kind.evaluate(kind.fetch(config), config, facts(), now)


def test_the_source_lists_the_criterias_35_organisations():
    stored = source()
    config = stored["config"]
    assert stored["check_every_hours"] == 24
    assert len(config["group"]["authors"]) == 16 and len(config["others"]["authors"]) == 19
    assert {"google", "PrimeIntellect"} <= set(config["group"]["authors"])
    assert {"Qwen", "THUDM", "zai-org", "rednote-hilab"} <= set(config["others"]["authors"])
    assert config["pipeline_tags"] == ["text-generation", "image-text-to-text"]
    assert (config["decide_from"], config["decide_no_after"]) == ("2027-12-01", "2027-12-01")


def test_a_higher_us_share_in_the_2027_cohort_is_yes(hub):
    verdict = check()
    assert (verdict.outcome, verdict.value) == ("yes", "0.3548")
    assert verdict.explanation.startswith(
        "Hugging Face downloads (last 30 days) of the text-generation or image-text-to-text "
        "models created 2027-01-01 to 2027-10-31 (no models listed for facebook, microsoft"
    )
    assert verdict.explanation.endswith(
        "U.S. organisations 5,500,000 of 15,500,000 with Chinese organisations (4 of 8 "
        "models) = 35.5%, compared > baseline 31.8% for those created 2026-01-01 to "
        "2026-10-31 (7,000,000 of 22,000,000, 4 of 8 models, 1 without a pipeline_tag not "
        "counted): condition met"
    )
    # Every organisation listed as the criteria say; google's second page followed.
    listings = hub.listings()
    authors = [request.query["author"][0] for request in listings]
    assert sorted(set(authors)) == sorted(
        source()["config"]["group"]["authors"] + source()["config"]["others"]["authors"]
    )
    assert authors.count("google") == 2 and len(listings) == 36
    assert all(
        request.query["sort"] == ["downloads"]
        and request.query["direction"] == ["-1"]
        and request.query["limit"] == ["1000"]
        and request.query["expand[]"] == ["downloads", "createdAt", "pipeline_tag"]
        for request in listings
    )


def test_before_the_reading_day_nothing_is_decided(hub):
    verdict = check(datetime(2027, 11, 30, 18, 0, tzinfo=UTC))
    assert (verdict.outcome, verdict.value) == ("undetermined", "0.3548")
    assert verdict.explanation.endswith("condition met now; it is decided from 2027-12-01")


def test_in_2026_the_empty_2027_cohort_waits(hub):
    # The Hub as it is on 2026-12-01: no model of the 2027 cohort exists yet.
    for author, models in hub.models.items():
        hub.models[author] = [m for m in models if m["createdAt"] < "2026-12-01"]
    verdict = check(datetime(2026, 12, 1, tzinfo=UTC))
    assert (verdict.outcome, verdict.value) == ("undetermined", "undefined")
    assert "so no share exists yet; it is decided from 2027-12-01" in verdict.explanation


def test_a_us_share_no_higher_in_the_2027_cohort_is_no(hub):
    (qwen4,) = [m for m in hub.models["Qwen"] if m["id"] == "Qwen/Qwen4-8B"]
    qwen4["downloads"] = 12_000_000  # China's 2027 cohort: 16.0M; S(B) = 5.5 / 21.5
    verdict = check()
    assert (verdict.outcome, verdict.value) == ("no", "0.2558")
    assert "= 25.6%, compared > baseline 31.8%" in verdict.explanation
    assert "condition not met by the decision date 2027-12-01 00:00 UTC" in verdict.explanation


def test_a_model_without_a_creation_date_is_inconclusive(hub):
    (kimi,) = hub.models["moonshotai"]
    del kimi["createdAt"]
    with pytest.raises(EvaluationError) as caught:
        check()
    assert caught.value.message == (
        "the Hub's answer for author moonshotai gives moonshotai/Kimi-K3-Instruct no valid "
        "createdAt, so whether it was created 2027-01-01 to 2027-10-31 cannot be said"
    )


def test_a_counted_model_without_downloads_is_inconclusive(hub):
    (glm6,) = [m for m in hub.models["zai-org"] if m["id"] == "zai-org/GLM-6"]
    del glm6["downloads"]
    with pytest.raises(EvaluationError, match="gives zai-org/GLM-6 no whole 'downloads' count"):
        check()


def test_an_organisation_the_hub_refuses_is_inconclusive(hub):
    hub.fail("xai-org", 404, {"error": "Sorry, we can't find the page you are looking for."})
    with pytest.raises(EvaluationError, match=r"answered HTTP 404 for author xai-org \("):
        check()
