"""The curated catalogue of the seed article: what it loads, and that loading is idempotent."""

from __future__ import annotations

import io
import itertools
import json
import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from config.errors import ApplicationError
from predictions.models import Forecast
from registry import services
from registry.catalogue import CATALOGUE_DIR, catalogue_load, catalogue_read
from registry.management.commands.load_seed import SEED_DIR, parse_seed
from registry.models import Claim, Forecaster, Question, QuestionOption, Source, Tag
from resolvers.kinds import REGISTRY, validate_config
from resolvers.models import ResolutionSource

pytestmark = pytest.mark.django_db

CATALOGUE = CATALOGUE_DIR / "open-models-mid-2026.json"
QUESTION_COUNT = 15
PUBLISHED_ON = datetime(2026, 4, 15, tzinfo=UTC)
PUNDIT_FORECAST_AT = datetime(2026, 4, 15, 12, tzinfo=UTC)
TODAY = datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC)

# The themes the issue names, each covered by at least one question.
THEMES = {
    "funding difficulties of Chinese open-weight labs": (
        "chinese-open-labs-funding-difficulties-timing"
    ),
    "capability lag 3-9 months after them": "chinese-open-labs-capability-lag-after-funding",
    "U.S. regaining open-model adoption from early 2027": "us-regains-open-model-adoption-2027",
    "calls to ban open models": "calls-to-ban-open-models-continue-2027",
    "bans impossible to implement": "open-model-ban-takes-effect-2027",
    "safety shocks": "open-weight-safety-shocks-2027",
    "burdensome regulation": "us-federal-rule-on-open-weights-2027",
    "new funding structures": "new-open-model-funding-structures-2027",
    "sovereign interest": "sovereign-open-model-commitments-2027",
    "open models' share of repetitive automation in the API market": (
        "open-models-api-market-share-2027"
    ),
    "closed labs pulling ahead in agentic real-world use": "closed-labs-lead-agentic-coding-2027",
    "American closed labs drawing ahead": "us-closed-labs-draw-ahead-2027",
    "local and personal agents as a market": "personal-agents-open-model-market-2027",
    "keeping pace on benchmarks": "open-models-keep-pace-on-benchmarks-2027",
    "closed models dominating knowledge-worker assistants": (
        "closed-assistants-dominate-knowledge-work-2027"
    ),
}

# The questions whose only claim's words imply no number: the author has no forecast there.
UNSCORED = {
    "closed-labs-lead-agentic-coding-2027": "can dominate",
    "us-federal-rule-on-open-weights-2027": "can spur",
    "personal-agents-open-model-market-2027": "massive potential",
}

ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def load() -> str:
    out = io.StringIO()
    call_command("load_catalogue", stdout=out)
    return out.getvalue()


def entries() -> dict[str, dict]:
    return {entry["slug"]: entry for entry in catalogue_read(CATALOGUE)["questions"]}


@pytest.fixture
def loaded() -> str:
    assert not Source.objects.exists() and not Question.objects.exists()
    return load()


def snapshot() -> dict[str, list]:
    """Every row the catalogue writes, with every column."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            Source,
            Forecaster,
            Question,
            QuestionOption,
            Tag,
            Claim,
            ResolutionSource,
            Forecast,
        )
    } | {
        "question_tags": list(
            Question.tags.through.objects.order_by("pk").values("question_id", "tag_id")
        )
    }


# The questions a source decides from data, by its kind (staff only confirm).
AUTOMATIC = {
    ("us-federal-rule-on-open-weights-2027", "federal_register"),
    ("open-models-api-market-share-2027", "openrouter"),
    ("personal-agents-open-model-market-2027", "openrouter"),
    ("us-regains-open-model-adoption-2027", "huggingface"),
    ("open-models-keep-pace-on-benchmarks-2027", "tabular"),
    ("closed-labs-lead-agentic-coding-2027", "tabular"),
    ("us-closed-labs-draw-ahead-2027", "tabular"),
    ("closed-assistants-dominate-knowledge-work-2027", "web_traffic"),
}


class TestTheCatalogueLoadsIntoAnEmptyDatabase:
    def test_it_imports_the_seed_source_and_creates_every_question_published(self, loaded):
        source = Source.objects.get()
        assert source.title == "My bets on open models, mid-2026"
        assert source.author.display_name == "Nathan Lambert"
        assert Question.objects.count() == QUESTION_COUNT
        assert set(Question.objects.values_list("slug", flat=True)) == set(entries())
        assert not Question.objects.filter(published_at__isnull=True).exists()
        assert f"{QUESTION_COUNT} created" in loaded

    def test_every_question_is_open_now_and_resolves_after_it_closes(self, loaded):
        for question in Question.objects.all():
            assert question.opens_at >= PUBLISHED_ON, question.slug
            assert question.closes_at > TODAY, question.slug
            assert question.resolve_by >= question.closes_at, question.slug
            assert question.status_at(TODAY) == Question.Status.OPEN, question.slug

    def test_criteria_name_a_data_source_a_measurement_date_and_a_fallback(self, loaded):
        wanted = entries()
        for question in Question.objects.all():
            criteria = question.resolution_criteria
            assert criteria.strip() and question.fine_print.strip(), question.slug
            for name in wanted[question.slug]["data_sources"]:
                assert name in criteria, (question.slug, name)
            assert "measurement date" in criteria.lower(), question.slug
            assert ISO_DATE.search(criteria), question.slug
            assert "fallback" in criteria.lower(), question.slug
            assert "annulled" in criteria, question.slug

    def test_every_question_carries_verbatim_claims_at_their_offsets(self, loaded):
        source = Source.objects.get()
        for question in Question.objects.all():
            claims = list(question.claims.all())
            assert claims, question.slug
            for claim in claims:
                assert claim.source == source
                assert source.text[claim.start_offset : claim.end_offset] == claim.quote
                assert source.text.count(claim.quote) == 1
                if claim.implied_probability is not None:
                    assert 0.001 <= claim.implied_probability <= 0.999
                assert claim.probability_phrase.lower() in claim.quote.lower(), claim.quote

    def test_claims_quote_the_english_original_and_do_not_overlap(self, loaded):
        text = Source.objects.get().text
        english = text.index("living through the period of time when")
        spans = sorted(Claim.objects.values_list("start_offset", "end_offset"))
        assert spans[0][0] >= english
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start

    def test_every_resolution_source_validates_and_the_automatic_ones_are_scheduled(self, loaded):
        for source in ResolutionSource.objects.all():
            assert source.kind in REGISTRY
            assert validate_config(source.kind, source.config) == source.config
        automatic = ResolutionSource.objects.exclude(kind__in=["manual", "news_search"])
        assert {(s.question.slug, s.kind) for s in automatic} == AUTOMATIC
        for source in automatic:
            assert source.next_check_at is not None, source.question.slug
        federal = automatic.get(kind="federal_register")
        assert federal.config["since"] == "2026-04-15"

    def test_a_question_no_data_source_decides_gathers_news_for_staff(self, loaded):
        decided = {slug for slug, _ in AUTOMATIC}
        for question in Question.objects.exclude(slug__in=decided):
            assert question.resolution_sources.filter(kind="news_search").exists(), question.slug

    def test_every_question_keeps_its_manual_instructions_for_the_fallback(self, loaded):
        for question in Question.objects.all():
            manual = question.resolution_sources.get(kind="manual")
            assert manual.config["instructions"].strip(), question.slug
            assert manual.next_check_at is None

    def test_the_author_forecasts_each_question_on_the_publication_day(self, loaded):
        author = Source.objects.get().author
        assert author.kind == Forecaster.Kind.PUNDIT
        assert Forecaster.objects.count() == 1
        wanted = entries()
        for question in Question.objects.exclude(slug__in=UNSCORED):
            forecast = question.forecasts.get()
            assert forecast.forecaster == author
            assert forecast.submitted_at == PUNDIT_FORECAST_AT
            assert forecast.origin == Forecast.Origin.CLAIM
            assert forecast.rationale.strip()
            claimed = {claim.implied_probability for claim in question.claims.all()}
            if question.is_binary:
                # The forecast is the number one of its claims' wording implies.
                assert forecast.probabilities[0] in claimed
                assert forecast.probabilities == [
                    wanted[question.slug]["pundit_forecast"]["probability"]
                ]
            else:
                mapping = wanted[question.slug]["pundit_forecast"]["probabilities"]
                assert forecast.probabilities == [mapping[x] for x in question.option_labels()]
                assert sum(forecast.probabilities) == pytest.approx(1)
                # The claim's number is the chance the event comes at all: every option but
                # the last ("not by ...").
                assert sum(forecast.probabilities[:-1]) == pytest.approx(
                    question.claims.get().implied_probability
                )

    def test_a_claim_whose_words_imply_no_number_is_tracked_not_scored_as_even_odds(self, loaded):
        # "can dominate", "can spur", "massive potential": a possibility, not a probability.
        for slug, phrase in UNSCORED.items():
            question = Question.objects.get(slug=slug)
            (claim,) = question.claims.all()
            assert (claim.probability_phrase, claim.implied_probability) == (phrase, None)
            assert not question.forecasts.exists(), slug
        assert not Forecast.objects.filter(probabilities=[0.5]).exists()
        assert not Claim.objects.filter(implied_probability=0.5).exists()

    def test_the_pages_say_such_a_claim_states_no_number(self, loaded, client):
        text = "“can dominate” states no number, so the claim is tracked, not scored."
        question = client.get("/questions/closed-labs-lead-agentic-coding-2027/")
        assert text in question.content.decode()
        author = Source.objects.get().author
        assert text in client.get(f"/forecasters/{author.handle}/").content.decode()

    def test_the_named_themes_are_each_covered(self, loaded):
        slugs = set(Question.objects.values_list("slug", flat=True))
        missing = {theme for theme, slug in THEMES.items() if slug not in slugs}
        assert not missing

    def test_the_funding_question_has_ordered_periods(self, loaded):
        question = Question.objects.get(slug="chinese-open-labs-funding-difficulties-timing")
        assert question.kind == Question.Kind.MULTIPLE_CHOICE
        assert question.option_labels() == [
            "By 2026-12-31",
            "2027-01-01 to 2027-06-30",
            "2027-07-01 to 2027-12-31",
            "Not by 2027-12-31",
        ]

    def test_the_catalogue_names_the_seed_files_source(self):
        spec = catalogue_read(CATALOGUE)["source"]
        parsed = parse_seed(SEED_DIR / spec["seed"])
        assert (parsed["title"], parsed["author_name"]) == (spec["title"], spec["author"])


class TestLoadingAgain:
    def test_changes_nothing(self, loaded):
        before = snapshot()

        output = load()

        assert snapshot() == before
        assert f"{QUESTION_COUNT} already present" in output
        assert "0 created" in output

    def test_leaves_an_edited_question_as_stored_and_reports_the_difference(self, loaded):
        question = Question.objects.get(slug="open-models-api-market-share-2027")
        services.question_update(question=question, changes={"title": "An admin's wording"})
        before = snapshot()

        report = catalogue_load(CATALOGUE)

        assert snapshot() == before
        assert report.differing == {"open-models-api-market-share-2027": ["title"]}
        assert len(report.unchanged) == QUESTION_COUNT - 1

    def test_reports_a_missing_claim_without_adding_it(self, loaded):
        question = Question.objects.get(slug="open-models-keep-pace-on-benchmarks-2027")
        Claim.objects.filter(question=question).delete()
        before = snapshot()

        report = catalogue_load(CATALOGUE)

        assert snapshot() == before
        assert report.created == []
        assert report.differing["open-models-keep-pace-on-benchmarks-2027"] == ["claims"]

    def test_gives_a_stored_question_the_files_resolution_source_it_lacks(self, loaded):
        # An install loaded before the catalogue's sources changed gets them on the next
        # load; its forecasts and its other sources stay as they are.
        question = Question.objects.get(slug="open-models-keep-pace-on-benchmarks-2027")
        ResolutionSource.objects.filter(question=question).delete()
        forecasts = list(Forecast.objects.order_by("pk").values_list("pk", "probabilities"))

        report = catalogue_load(CATALOGUE)

        assert report.sources_added == ["open-models-keep-pace-on-benchmarks-2027"]
        assert "open-models-keep-pace-on-benchmarks-2027" not in report.differing
        wanted = entries()[question.slug]["resolution_sources"]
        assert question.resolution_sources.count() == len(wanted)
        assert list(Forecast.objects.order_by("pk").values_list("pk", "probabilities")) == forecasts
        assert "resolution source added to open-models-keep-pace" in "\n".join(report.lines())

    def test_reports_an_even_odds_forecast_loaded_before_the_wording_was_read_as_none(self, loaded):
        # An install that loaded the earlier file keeps the author's 50% (forecasts are never
        # removed); the report names it so a maintainer can decide.
        question = Question.objects.get(slug="closed-labs-lead-agentic-coding-2027")
        author = Source.objects.get().author
        Forecast.objects.create(
            forecaster=author,
            question=question,
            probabilities=[0.5],
            submitted_at=PUNDIT_FORECAST_AT,
            origin=Forecast.Origin.CLAIM,
        )

        report = catalogue_load(CATALOGUE)

        assert report.differing == {"closed-labs-lead-agentic-coding-2027": ["pundit_forecast"]}
        assert question.forecasts.count() == 1


class TestTheLoaderFailsLoudly:
    @pytest.fixture
    def source(self):
        return services.source_import(**parse_seed(SEED_DIR / "open-models-mid-2026.txt"))[0]

    def write(self, tmp_path, change) -> str:
        data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
        change(data)
        path = tmp_path / "catalogue.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return str(path)

    def test_on_a_quote_missing_from_the_source_text_writing_nothing(self, source, tmp_path):
        def misquote(data):
            data["questions"][3]["claims"][0]["quote"] = "Funding difficulties will be obvious."

        with pytest.raises(ApplicationError) as error:
            catalogue_load(self.write(tmp_path, misquote))

        assert "questions.3.claims.0.quote" in error.value.fields
        assert not Question.objects.exists()
        assert not Claim.objects.exists()

    def test_on_a_quote_that_is_ambiguous(self, source, tmp_path):
        def shorten(data):
            data["questions"][0]["claims"][0]["quote"] = "open models"

        with pytest.raises(ApplicationError) as error:
            catalogue_load(self.write(tmp_path, shorten))

        assert "more than once" in error.value.fields["questions.0.claims.0.quote"]

    def test_on_a_resolver_config_its_kind_refuses(self, source, tmp_path):
        index = next(
            i
            for i, entry in enumerate(json.loads(CATALOGUE.read_text())["questions"])
            if entry["resolution_sources"][0]["kind"] == "federal_register"
        )

        def break_config(data):
            data["questions"][index]["resolution_sources"][0]["config"]["since"] = "mid-April"

        with pytest.raises(ApplicationError) as error:
            catalogue_load(self.write(tmp_path, break_config))

        assert f"questions.{index}.resolution_sources.0.config.since" in error.value.fields
        assert not Question.objects.exists()

    def test_on_a_data_source_the_criteria_do_not_name(self, source, tmp_path):
        def add_source(data):
            data["questions"][0]["data_sources"].append("The Oracle of Delphi")

        with pytest.raises(ApplicationError) as error:
            catalogue_load(self.write(tmp_path, add_source))

        assert "questions.0.data_sources" in error.value.fields

    def test_when_the_source_is_not_stored(self):
        with pytest.raises(ApplicationError) as error:
            catalogue_load(CATALOGUE)

        assert error.value.code == "not_found"
        assert not Question.objects.exists()

    def test_on_an_author_forecast_where_no_claim_implies_a_number(self, source, tmp_path):
        index = list(entries()).index("personal-agents-open-model-market-2027")

        def guess(data):
            data["questions"][index]["pundit_forecast"] = {"probability": 0.5}

        with pytest.raises(ApplicationError) as error:
            catalogue_load(self.write(tmp_path, guess))

        assert "make it null" in error.value.fields[f"questions.{index}.pundit_forecast"]
        assert not Forecast.objects.exists()

    def test_on_no_author_forecast_where_a_claim_implies_one(self, source, tmp_path):
        def drop(data):
            data["questions"][0]["pundit_forecast"] = None

        with pytest.raises(ApplicationError) as error:
            catalogue_load(self.write(tmp_path, drop))

        assert "a claim implies a probability" in error.value.fields["questions.0.pundit_forecast"]
        assert not Question.objects.exists()
