"""The catalogue's ``web_traffic`` source of closed-assistants-dominate-knowledge-work-2027,
run as the catalogue holds it (the same config dict) against a local server answering as
Similarweb's REST API documents "Visits - Total (Desktop & Mobile)" (fake_similarweb.py): a
yes case, a no case and the criteria's cases of missing figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from resolvers.kinds import get_kind, validate_config
from resolvers.kinds.web_traffic import kind as kind_module
from tests.resolvers.kinds import seed_catalogue
from tests.resolvers.kinds.fake_similarweb import KEY, FakeSimilarweb, error

SLUG = "closed-assistants-dominate-knowledge-work-2027"
CONFIG = seed_catalogue.source(SLUG, "web_traffic")["config"]
QUESTION = seed_catalogue.facts(SLUG)
DECIDED = datetime(2028, 1, 16, 6, 0, tzinfo=UTC)  # past decide_from: December 2027 is read
CLOSED = {
    "chatgpt.com": 5_800_000_000.0,
    "gemini.google.com": 1_400_000_000.0,
    "claude.ai": 300_000_000.0,
    "copilot.microsoft.com": 150_000_000.0,
    "grok.com": 250_000_000.0,
    "perplexity.ai": 160_000_000.0,
    "meta.ai": 50_000_000.0,
    "chat.mistral.ai": 20_000_000.0,
    "doubao.com": 80_000_000.0,
}  # 8,210,000,000
OPEN = {
    "chat.deepseek.com": 350_000_000.0,
    "chat.qwen.ai": 50_000_000.0,
    "kimi.com": 40_000_000.0,
    "chat.z.ai": 30_000_000.0,
}  # 470,000,000


@pytest.fixture
def similarweb(settings, monkeypatch):
    server = FakeSimilarweb(published="2027-12")
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {"similarweb": server.base_url}
    settings.RESOLVER_SECRETS = {"SIMILARWEB_KEY": {"value": KEY, "hosts": ["127.0.0.1"]}}
    monkeypatch.setattr(kind_module, "REQUEST_SPACING", 0)
    server.serve("2027-12", {**CLOSED, **OPEN})
    yield server
    server.http.close()


def check(now: datetime = DECIDED):
    validate_config("web_traffic", CONFIG)
    kind = get_kind("web_traffic")
    return kind.evaluate(kind.fetch(CONFIG), CONFIG, QUESTION, now)


def test_the_catalogue_classes_the_criterias_thirteen_domains():
    measured = {*CONFIG["group"]["domains"], *CONFIG["others"]["domains"]}
    assert measured == {*CLOSED, *OPEN}
    assert all(domain in seed_catalogue.entry(SLUG)["resolution_criteria"] for domain in measured)
    assert (CONFIG["month"], CONFIG["threshold"], CONFIG["decide_from"]) == (
        "2027-12",
        0.85,
        "2028-01-15",
    )


def test_closed_assistants_with_85_percent_of_the_visits_is_yes(similarweb):
    verdict = check()

    # 8,210,000,000 of 8,680,000,000 = 94.59%.
    assert (verdict.outcome, verdict.value) == ("yes", "0.9459")
    assert (
        "2027-12: closed-model assistants: 8,210,000,000 of 8,680,000,000 visits = 94.59% "
        "(9 domains with a figure, against 4 domains of open-weight assistants)"
    ) in verdict.explanation
    assert len(similarweb.asked()) == 13


def test_open_weight_assistants_past_15_percent_is_no(similarweb):
    similarweb.serve(
        "2027-12",
        {"chat.deepseek.com": 1.2e9, "chat.qwen.ai": 3e8, "kimi.com": 2e8, "chat.z.ai": 1e8},
    )

    verdict = check()

    assert (verdict.outcome, verdict.value) == ("no", "0.8202")  # 8.21 of 10.01 billion


def test_a_domain_without_a_december_figure_is_left_out(similarweb):
    similarweb.fail("doubao.com", error(401, "Data not found"))

    verdict = check()

    assert (verdict.outcome, verdict.value) == ("yes", "0.9453")  # 8.13 of 8.60 billion
    assert "no figure, so left out of the sum: doubao.com" in verdict.explanation


def test_chatgpt_without_a_figure_annuls(similarweb):
    similarweb.fail("chatgpt.com", error(401, "Data not found"))

    verdict = check()

    assert verdict.outcome == "annulled"
    assert "the criteria annul the question: chatgpt.com has no figure" in verdict.explanation


def test_more_than_three_domains_without_a_figure_annuls(similarweb):
    for domain in ("meta.ai", "chat.mistral.ai", "chat.z.ai"):
        similarweb.fail(domain, error(401, "Data not found"))
    assert check().outcome == "yes"  # three is not more than three

    similarweb.fail("kimi.com", error(401, "Data not found"))
    verdict = check()
    assert verdict.outcome == "annulled"
    assert "4 domains have no figure for 2027-12, more than 3" in verdict.explanation


def test_before_december_2027_is_published_the_source_waits_quietly(similarweb):
    similarweb.published = "2026-11"

    verdict = check(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))

    assert verdict.outcome == "undetermined"
    assert "decided from 2028-01-15" in verdict.explanation
    assert similarweb.asked() == ["chatgpt.com"]  # one request a check until then
