"""The ``web_traffic`` kind against a local server answering like Similarweb's REST API
(tests/resolvers/kinds/fake_similarweb.py): a group's share of the visits, a domain's total,
domains without a figure, Similarweb's errors, and the key that travels only in a header."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from resolvers.kinds import ConfigError, EvaluationError, QuestionFacts, get_kind, validate_config
from resolvers.kinds.web_traffic import kind as kind_module
from tests.resolvers.http_servers import Reply, json_reply, text_reply
from tests.resolvers.kinds.fake_similarweb import KEY, FakeSimilarweb, error

QUESTION = QuestionFacts(
    kind="binary",
    options=(),
    opens_at=datetime(2026, 4, 15, tzinfo=UTC),
    closes_at=datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC),
    resolve_by=datetime(2028, 2, 15, tzinfo=UTC),
)
EARLY = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # December 2027 is not published yet
BETWEEN = datetime(2028, 1, 10, 9, 0, tzinfo=UTC)  # published, but before decide_from
DECIDED = datetime(2028, 1, 16, 9, 0, tzinfo=UTC)
API_KEY = {"secret": "SIMILARWEB_KEY"}
CLOSED = ["chatgpt.com", "gemini.google.com", "claude.ai"]
OPEN = ["chat.deepseek.com", "kimi.com"]
DECEMBER = {
    "chatgpt.com": 5_000_000_000.4,
    "gemini.google.com": 1_200_000_000.0,
    "claude.ai": 300_000_000.25,
    "chat.deepseek.com": 400_000_000.0,
    "kimi.com": 100_000_000.0,
}


@pytest.fixture
def similarweb(settings, monkeypatch):
    server = FakeSimilarweb()
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {"similarweb": server.base_url}
    settings.RESOLVER_SECRETS = {"SIMILARWEB_KEY": {"value": KEY, "hosts": ["127.0.0.1"]}}
    monkeypatch.setattr(kind_module, "REQUEST_SPACING", 0)
    server.serve("2027-12", DECEMBER)
    yield server
    server.http.close()


def share(**overrides) -> dict:
    config = {
        "mode": "share",
        "api_key": API_KEY,
        "month": "2027-12",
        "group": {"label": "closed-model assistants", "domains": CLOSED},
        "others": {"label": "open-weight assistants", "domains": OPEN},
        "threshold": 0.85,
        "decide_from": "2028-01-15",
    }
    return {**config, **overrides}


def total(domain: str = "chatgpt.com", **overrides) -> dict:
    config = {
        "mode": "total",
        "api_key": API_KEY,
        "month": "2027-12",
        "group": {"domains": [domain]},
        "threshold": 4_000_000_000,
        "decide_from": "2028-01-15",
    }
    return {**config, **overrides}


def check(config: dict, *, now: datetime = DECIDED, question: QuestionFacts = QUESTION):
    validate_config("web_traffic", config)
    kind = get_kind("web_traffic")
    evidence = kind.fetch(config)
    return kind.evaluate(evidence, config, question, now), evidence


# --------------------------------------------------------------------------------------------
# A group's share


def test_the_closed_groups_share_over_the_threshold_is_yes(similarweb):
    verdict, _ = check(share())

    # 5,000,000,000.4 + 1,200,000,000 + 300,000,000.25 of those plus 500,000,000 = 92.86%.
    assert (verdict.outcome, verdict.value) == ("yes", "0.9286")
    assert verdict.explanation == (
        "Similarweb total visits (desktop and mobile web, worldwide, subdomains included), "
        "2027-12: closed-model assistants: 6,500,000,001 of 7,000,000,001 visits = 92.86% "
        "(3 domains with a figure, against 2 domains of open-weight assistants); compared >= "
        "85.00%: condition met"
    )
    assert similarweb.asked() == [*CLOSED, *OPEN]


def test_the_checks_requests_are_kept_as_one_evidence_record_with_its_hash(similarweb):
    _, evidence = check(share())

    combined = json.loads(evidence.body)
    assert evidence.status == 200 and evidence.content_type == "application/json"
    assert evidence.url == f"{similarweb.base_url}/v1/website"
    assert evidence.sha256 == hashlib.sha256(evidence.body).hexdigest()
    assert [entry["domain"] for entry in combined.values()] == sorted([*CLOSED, *OPEN])
    first = combined[
        f"{similarweb.base_url}/v1/website/chatgpt.com/total-traffic-and-engagement/visits?"
        "start_date=2027-12&end_date=2027-12&country=world&granularity=monthly"
        "&main_domain_only=false&format=json"
    ]
    assert first["status"] == 200
    assert first["answer"]["visits"] == [{"date": "2027-12-01", "visits": 5_000_000_000.4}]


def test_a_share_under_the_threshold_is_no_once_decided(similarweb):
    verdict, _ = check(share(threshold=0.95))

    assert (verdict.outcome, verdict.value) == ("no", "0.9286")
    assert "compared >= 95.00%: condition not met by the decision date" in verdict.explanation


def test_before_decide_from_the_share_is_measured_but_nothing_is_proposed(similarweb):
    verdict, _ = check(share(), now=BETWEEN)

    assert (verdict.outcome, verdict.value) == ("undetermined", "0.9286")
    assert verdict.explanation.endswith("condition met now; it is decided from 2028-01-15")


def test_a_month_not_published_yet_waits_without_failing_and_asks_once(similarweb):
    verdict, evidence = check(share(month="2028-01", decide_from="2028-02-15"), now=EARLY)

    assert (verdict.outcome, verdict.value) == ("undetermined", "")
    assert verdict.explanation.startswith(
        "Similarweb has no figures for 2028-01 yet (Similarweb answered HTTP 400: error 101 "
        "(Dates not in range. Data is available from 2024-12 to 2027-12.))"
    )
    assert "decided from 2028-02-15" in verdict.explanation
    assert evidence.status == 400 and similarweb.asked() == ["chatgpt.com"]


def test_a_month_still_not_published_after_decide_from_is_inconclusive(similarweb):
    config = share(month="2028-01", decide_from="2028-02-15")
    with pytest.raises(EvaluationError, match="HTTP 400: error 101 \\(Dates not in range"):
        check(config, now=datetime(2028, 2, 16, tzinfo=UTC))


def test_a_month_out_of_range_reported_with_http_200_waits_too(similarweb):
    # The docs give error 101 no HTTP status: said in a 200's meta, it is read the same way.
    similarweb.fail("chatgpt.com", error(101, "Dates not in range", 200))

    verdict, _ = check(share(), now=EARLY)
    assert verdict.outcome == "undetermined"
    assert similarweb.asked() == ["chatgpt.com"]
    with pytest.raises(EvaluationError, match=r"answered error 101 \(Dates not in range\) for"):
        check(share())


def test_before_decide_from_no_figure_anywhere_is_not_yet_a_failure(similarweb):
    for domain in [*CLOSED, *OPEN]:
        similarweb.fail(domain, error(401, "Data not found"))

    verdict, _ = check(share(), now=EARLY)

    assert verdict.outcome == "undetermined"
    assert "(none of the 5 domains has a figure for 2027-12" in verdict.explanation


def test_without_decide_from_the_month_is_decided_from_the_11th_of_the_next(similarweb):
    config = share()
    del config["decide_from"]
    assert check(config, now=datetime(2028, 1, 10, 23, tzinfo=UTC))[0].outcome == "undetermined"
    assert check(config, now=datetime(2028, 1, 11, tzinfo=UTC))[0].outcome == "yes"


def test_requests_are_spaced_to_stay_under_similarwebs_rate_limit(similarweb, monkeypatch):
    pauses = []
    monkeypatch.setattr(kind_module, "REQUEST_SPACING", 0.11)
    monkeypatch.setattr(kind_module.time, "sleep", pauses.append)

    check(share())

    assert pauses == [0.11] * 4  # between the five requests


# --------------------------------------------------------------------------------------------
# A total


def test_one_domains_total_visits_against_a_threshold(similarweb):
    verdict, _ = check(total())
    assert (verdict.outcome, verdict.value) == ("yes", "5,000,000,000")
    assert verdict.explanation == (
        "Similarweb total visits (desktop and mobile web, worldwide, subdomains included), "
        "2027-12: the group: 5,000,000,000 visits (1 domain with a figure); compared >= "
        "4,000,000,000: condition met"
    )
    assert check(total("claude.ai"))[0].outcome == "no"


def test_a_country_and_the_main_domain_alone_are_asked_as_configured(similarweb):
    similarweb.serve("2027-12", {"chatgpt.com": 4_500_000_000})  # the fake ignores country
    verdict, _ = check(total(country="us", main_domain_only=True))

    query = similarweb.http.requests[-1].query
    assert (query["country"], query["main_domain_only"]) == (["us"], ["true"])
    assert "(desktop and mobile web, country us, main domain only)" in verdict.explanation


# --------------------------------------------------------------------------------------------
# Domains without a figure


@pytest.mark.parametrize(
    "reply, reason",
    [
        (error(401, "Data not found"), "Similarweb answered 401 'Data not found'"),
        (
            json_reply({"meta": {"status": "Success"}, "visits": []}),
            "Similarweb's answer has no figure for 2027-12",
        ),
        (
            json_reply({"meta": {"status": "Success"}, "visits": [{"date": "2027-12-01"}]}),
            "Similarweb's answer has no figure for 2027-12",
        ),
        (
            json_reply({"visits": [{"date": "2027-12-01", "visits": 0}]}),
            "Similarweb gives 0 visits for 2027-12",
        ),
    ],
)
def test_a_domain_without_a_figure_is_left_out_of_the_sum_and_said_so(similarweb, reply, reason):
    similarweb.fail("kimi.com", reply)

    verdict, _ = check(share())

    assert (verdict.outcome, verdict.value) == ("yes", "0.9420")  # 6.5 of 6.9 billion
    assert f"; no figure, so left out of the sum: kimi.com ({reason}" in verdict.explanation
    assert "against 1 domain of open-weight assistants" in verdict.explanation


def test_data_not_found_said_in_a_200s_meta_is_a_domain_without_a_figure(similarweb):
    similarweb.fail("kimi.com", error(401, "Data not found", 200))

    verdict, _ = check(share())

    assert verdict.value == "0.9420"
    assert "left out of the sum: kimi.com (Similarweb answered 401 'Data not found')" in (
        verdict.explanation
    )


def test_a_domain_the_check_cannot_do_without_makes_it_inconclusive(similarweb):
    similarweb.fail("chatgpt.com", error(401, "Data not found"))

    with pytest.raises(EvaluationError, match=r"chatgpt\.com has no figure for 2027-12 .*cannot"):
        check(share(inconclusive_without=["chatgpt.com"]))


def test_a_domain_whose_absence_annuls_proposes_annulled(similarweb):
    similarweb.fail("chatgpt.com", error(401, "Data not found"))

    verdict, _ = check(share(annul_without=["chatgpt.com"]))

    assert verdict.outcome == "annulled"
    assert verdict.explanation.endswith(
        "; the criteria annul the question: chatgpt.com has no figure for 2027-12"
    )


def test_more_domains_missing_than_allowed_proposes_annulled(similarweb):
    for domain in ("claude.ai", "kimi.com"):
        similarweb.fail(domain, error(401, "Data not found"))

    assert check(share(annul_if_missing_over=2))[0].outcome == "yes"
    verdict, _ = check(share(annul_if_missing_over=1))
    assert verdict.outcome == "annulled"
    assert "2 domains have no figure for 2027-12, more than 1" in verdict.explanation


def test_before_decide_from_an_annulment_is_only_announced(similarweb):
    similarweb.fail("chatgpt.com", error(401, "Data not found"))

    verdict, _ = check(share(annul_without=["chatgpt.com"]), now=BETWEEN)

    assert verdict.outcome == "undetermined"
    assert "the criteria would annul it: chatgpt.com has no figure" in verdict.explanation


def test_no_domain_with_a_figure_is_inconclusive_not_annulled(similarweb):
    # Thirteen 401s look like a fault on the way, not the web: staff decide.
    for domain in [*CLOSED, *OPEN]:
        similarweb.fail(domain, error(401, "Data not found"))

    with pytest.raises(EvaluationError, match="none of the 5 domains has a figure for 2027-12"):
        check(share(annul_if_missing_over=3))


# --------------------------------------------------------------------------------------------
# Similarweb's errors


@pytest.mark.parametrize(
    "reply, message",
    [
        (error(403, "Invalid API key"), "Similarweb refused the API key, or the account is out"),
        (error(403, "No credits"), "HTTP 403: error 403 \\(No credits\\)"),
        (error(429, "Too many requests"), "HTTP 429: error 429 .*too many requests"),
        (text_reply("<html>Bad gateway</html>", 404, "text/html"), "Similarweb answered HTTP 404"),
    ],
)
def test_a_refusal_stops_the_requests_and_fails_the_check(similarweb, reply, message):
    similarweb.fail("gemini.google.com", reply)

    with pytest.raises(EvaluationError, match=message):
        check(share())
    assert similarweb.asked() == ["chatgpt.com", "gemini.google.com"]


def test_a_wrong_key_is_refused_with_403_by_similarweb(similarweb, settings):
    settings.RESOLVER_SECRETS = {"SIMILARWEB_KEY": {"value": "not-it", "hosts": ["127.0.0.1"]}}

    with pytest.raises(EvaluationError, match="refused the API key"):
        check(share())


def test_a_server_error_is_returned_as_it_is_for_a_retry(similarweb):
    similarweb.fail("chatgpt.com", Reply(503, [("Content-Type", "text/plain")], b"busy"))

    evidence = get_kind("web_traffic").fetch(share())

    assert (evidence.status, evidence.body) == (503, b"busy")


def test_an_answer_that_is_not_json_is_inconclusive(similarweb):
    similarweb.fail("claude.ai", text_reply("<html>maintenance</html>", 200, "text/html"))

    with pytest.raises(EvaluationError, match="did not answer valid JSON"):
        check(share())


@pytest.mark.parametrize(
    "answer, message",
    [
        ({"meta": {"status": "Success"}}, "has no 'visits' list"),
        ({"visits": [{"date": "2027-11-01", "visits": 5}]}, "dated 2027-11-01, not for the month"),
        ({"visits": [{"visits": 5}]}, "entry 0 .* has no 'date' of a month"),
        ({"visits": [{"date": "2027-12-01", "visits": "many"}]}, "gives many visits"),
        ({"visits": [{"date": "2027-12-01", "visits": -3}]}, "gives -3 visits"),
        (
            {"visits": [{"date": "2027-12-01", "visits": 1}, {"date": "2027-12", "visits": 2}]},
            "has 2 figures for 2027-12",
        ),
        ([1, 2], "is not a JSON object"),
        (
            {"meta": {"status": "Error", "error_code": 102, "error_message": "Granularity"}},
            "answered error 102 \\(Granularity\\) for claude.ai",
        ),
    ],
)
def test_an_answer_not_shaped_as_documented_is_inconclusive(similarweb, answer, message):
    similarweb.fail("claude.ai", json_reply(answer))

    with pytest.raises(EvaluationError, match=message):
        check(share())


def test_a_multiple_choice_question_is_refused(similarweb):
    question = QuestionFacts(**{**QUESTION.__dict__, "kind": "multiple_choice", "options": ("a",)})
    with pytest.raises(EvaluationError, match="binary questions only"):
        check(share(), question=question)


# --------------------------------------------------------------------------------------------
# The key


def test_the_key_travels_only_in_the_api_key_header(similarweb):
    verdict, evidence = check(share())

    for request in similarweb.http.requests:
        assert request.headers["api-key"] == KEY
        assert KEY not in request.target
    assert KEY not in evidence.url and KEY.encode() not in evidence.body
    assert KEY not in verdict.explanation and KEY not in verdict.value


def test_a_key_echoed_by_similarweb_never_reaches_the_evidence_or_the_message(similarweb):
    similarweb.fail("claude.ai", error(403, f"Invalid API key {KEY}"))
    kind = get_kind("web_traffic")

    evidence = kind.fetch(share())
    with pytest.raises(EvaluationError) as caught:
        kind.evaluate(evidence, share(), QUESTION, DECIDED)

    assert KEY.encode() not in evidence.body and b"[secret]" in evidence.body
    assert evidence.sha256 == hashlib.sha256(evidence.body).hexdigest()
    assert KEY not in caught.value.message


def test_an_echo_in_an_answer_kept_as_evidence_is_replaced_too(similarweb):
    similarweb.fail("kimi.com", error(401, f"Data not found for key {KEY}"))

    verdict, evidence = check(share())

    assert KEY.encode() not in evidence.body and KEY not in verdict.explanation


def test_a_key_not_configured_fails_the_check_with_a_sentence(similarweb, settings):
    settings.RESOLVER_SECRETS = {}
    validate_config("web_traffic", share())  # a source may be saved before its key exists

    with pytest.raises(EvaluationError, match="SIMILARWEB_KEY, which is not configured"):
        get_kind("web_traffic").fetch(share())
    assert similarweb.http.requests == []


def test_a_key_bound_to_other_hosts_is_refused_when_saved(similarweb, settings):
    settings.RESOLVER_SECRETS = {"SIMILARWEB_KEY": {"value": KEY, "hosts": ["example.org"]}}

    with pytest.raises(ConfigError) as caught:
        validate_config("web_traffic", share())
    assert "may not be sent to 127.0.0.1" in caught.value.fields["config.api_key.secret"]


# --------------------------------------------------------------------------------------------
# The config


@pytest.mark.parametrize(
    "config, field, message",
    [
        (share(month="2027-13"), "config.month", "must be a month of this century as YYYY-MM"),
        (share(month="0000-01", decide_from="2028-01-15"), "config.month", "YYYY-MM"),
        (share(month="9999-12"), "config.month", "YYYY-MM"),
        (share(month="Dec 2027"), "config.month", "is too long"),
        (share(country="USA"), "config.country", "world or a two-letter country code"),
        (
            share(group={"domains": ["www.chatgpt.com"]}),
            "config.group.domains.0",
            "bare domain in lower case",
        ),
        (share(group={"domains": ["ChatGPT.com"]}), "config.group.domains.0", "lower case"),
        (share(group={"domains": ["cnn.com/sports"]}), "config.group.domains.0", "bare domain"),
        (
            share(others={"domains": ["chatgpt.com", "kimi.com"]}),
            "config.others.domains.0",
            "is already in group",
        ),
        ({**total(), "others": {"domains": ["kimi.com"]}}, "config.others", "not a setting"),
        (share(threshold=1.5), "config.threshold", "is a share, between 0 and 1"),
        (share(decide_from="2027-12-20"), "config.decide_from", "must not be before the month"),
        (share(decide_from="soon"), "config.decide_from", "ISO 8601"),
        (share(inconclusive_without=["bing.com"]), "config.inconclusive_without.0", "measured"),
        (
            share(inconclusive_without=["chatgpt.com"], annul_without=["chatgpt.com"]),
            "config.annul_without",
            "repeats inconclusive_without",
        ),
        (share(annul_if_missing_over=5), "config.annul_if_missing_over", "below the 5 domains"),
        ({**share(), "others": None}, "config.others", "must be an object"),
        ({k: v for k, v in share().items() if k != "others"}, "config.others", "is required"),
        ({k: v for k, v in share().items() if k != "month"}, "config.month", "is required"),
        (share(api_key={"secret": "sk-live-123"}), "config.api_key.secret", "does not match"),
    ],
)
def test_a_wrong_config_is_refused_naming_the_field(similarweb, config, field, message):
    with pytest.raises(ConfigError) as caught:
        validate_config("web_traffic", config)
    assert message in caught.value.fields[field], caught.value.fields
