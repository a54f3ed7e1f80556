"""The Django admin: every model browsable by staff, forecasts read-only, others kept out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from predictions.models import Forecast
from registry.models import Question
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def one_of_each():
    """A row of every registered model, so changelists render something."""
    question = factories.MultipleChoiceQuestionFactory(options=["Qwen", "Llama"])
    question.tags.add(factories.TagFactory(slug="open-models"))
    claim = factories.ClaimFactory(question=question)
    forecast = factories.ForecastFactory(question=question, probabilities=[0.3, 0.7])
    resolution = factories.ResolutionFactory()
    return {"question": question, "claim": claim, "forecast": forecast, "resolution": resolution}


CHANGELISTS = [
    "/admin/registry/question/",
    "/admin/registry/question/?status=open",
    "/admin/registry/question/?status=resolving",
    "/admin/registry/question/?kind__exact=multiple_choice",
    "/admin/registry/question/?q=event",
    "/admin/predictions/forecast/",
    "/admin/resolvers/resolution/",
    "/admin/registry/source/",
    "/admin/registry/claim/",
    "/admin/registry/forecaster/",
    "/admin/registry/tag/",
]


@pytest.mark.parametrize("url", CHANGELISTS)
def test_staff_open_every_changelist(admin_client, one_of_each, url):
    response = admin_client.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1  # the filter matched the row made for it


def test_the_status_filter_keeps_only_questions_in_that_status(admin_client):
    factories.QuestionFactory(title="Open one")
    factories.ClosedQuestionFactory(title="Closed one")
    factories.DraftQuestionFactory(title="Draft one")

    open_page = admin_client.get("/admin/registry/question/?status=open").content.decode()
    draft_page = admin_client.get("/admin/registry/question/?status=draft").content.decode()

    assert "Open one" in open_page
    assert "Closed one" not in open_page
    assert "Draft one" not in open_page
    assert "Draft one" in draft_page
    assert "Open one" not in draft_page


def test_the_tag_filter_keeps_only_questions_with_that_tag(admin_client):
    tag = factories.TagFactory(slug="open-models")
    factories.QuestionFactory(title="Tagged one").tags.add(tag)
    factories.QuestionFactory(title="Untagged one")

    response = admin_client.get(f"/admin/registry/question/?tags__id__exact={tag.pk}")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Tagged one" in page
    assert "Untagged one" not in page


def test_the_question_list_shows_the_derived_status(admin_client):
    factories.ResolutionFactory(question__title="Proposed one")

    response = admin_client.get("/admin/registry/question/")

    assert [q.status for q in response.context["cl"].result_list] == ["resolving"]


def test_staff_open_the_question_add_page(admin_client):
    response = admin_client.get("/admin/registry/question/add/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="options-TOTAL_FORMS"' in page
    assert 'name="claims-TOTAL_FORMS"' in page


def test_the_question_change_page_has_options_claims_sources_and_forecasts(
    admin_client, one_of_each
):
    question = one_of_each["question"]

    response = admin_client.get(f"/admin/registry/question/{question.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    inline_prefixes = {
        formset.formset.prefix for formset in response.context["inline_admin_formsets"]
    }
    assert inline_prefixes == {"options", "claims", "resolution_sources", "forecasts"}
    assert "Qwen" in page and "Llama" in page
    assert one_of_each["claim"].quote in page
    assert one_of_each["forecast"].forecaster.handle in page


def test_forecasts_in_the_question_page_are_read_only(admin_client, one_of_each):
    question = one_of_each["question"]

    page = admin_client.get(f"/admin/registry/question/{question.pk}/change/").content.decode()

    assert "[0.3, 0.7]" in page
    assert 'name="forecasts-0-probabilities"' not in page
    assert 'name="forecasts-0-DELETE"' not in page


def test_options_are_editable_until_someone_forecasts(admin_client):
    question = factories.MultipleChoiceQuestionFactory(options=["Qwen", "Llama"])
    url = f"/admin/registry/question/{question.pk}/change/"

    before = admin_client.get(url).content.decode()
    factories.ForecastFactory(question=question, probabilities=[0.3, 0.7])
    after = admin_client.get(url).content.decode()

    assert 'name="options-0-label"' in before
    assert 'name="options-0-label"' not in after
    assert "Qwen" in after


def _change_form(question: Question, **overrides) -> dict:
    """The POST body of the question change form with no inline rows changed."""
    data = {
        "title": question.title,
        "slug": question.slug,
        "kind": question.kind,
        "body": question.body,
        "resolution_criteria": question.resolution_criteria,
        "fine_print": question.fine_print,
        "opens_at_0": question.opens_at.strftime("%Y-%m-%d"),
        "opens_at_1": question.opens_at.strftime("%H:%M:%S"),
        "closes_at_0": question.closes_at.strftime("%Y-%m-%d"),
        "closes_at_1": question.closes_at.strftime("%H:%M:%S"),
        "resolve_by_0": question.resolve_by.strftime("%Y-%m-%d"),
        "resolve_by_1": question.resolve_by.strftime("%H:%M:%S"),
        "_save": "Save",
    }
    for prefix in ("options", "claims", "resolution_sources", "forecasts"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(overrides)
    return data


def test_staff_edit_a_question_through_the_change_form(admin_client):
    question = factories.QuestionFactory()

    response = admin_client.post(
        f"/admin/registry/question/{question.pk}/change/",
        _change_form(question, title="Edited in the admin"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    question.refresh_from_db()
    assert question.title == "Edited in the admin"


@pytest.mark.parametrize(
    ("kind", "labels", "problem"),
    [
        ("multiple_choice", ["Only one"], "at least two options"),
        ("multiple_choice", ["Same", "Same"], "duplicate"),
        ("binary", ["Yes please"], "binary question has no options"),
    ],
)
def test_the_change_form_applies_the_option_rules(admin_client, kind, labels, problem):
    question = factories.QuestionFactory()
    rows = {"options-TOTAL_FORMS": str(len(labels))}
    for index, label in enumerate(labels):
        rows[f"options-{index}-position"] = str(index)
        rows[f"options-{index}-label"] = label
        rows[f"options-{index}-question"] = str(question.pk)

    response = admin_client.post(
        f"/admin/registry/question/{question.pk}/change/",
        _change_form(question, kind=kind, **rows),
    )

    assert response.status_code == 200
    assert problem in " ".join(
        str(e) for e in response.context["inline_admin_formsets"][0].formset.non_form_errors()
    )
    question.refresh_from_db()
    assert question.kind == "binary"
    assert question.options.count() == 0


def test_the_change_form_refuses_closing_before_opening(admin_client):
    question = factories.QuestionFactory()
    earlier = question.opens_at - timedelta(days=1)

    response = admin_client.post(
        f"/admin/registry/question/{question.pk}/change/",
        _change_form(question, closes_at_0=earlier.strftime("%Y-%m-%d")),
    )

    assert response.status_code == 200
    assert "closes_at" in response.context["adminform"].form.errors
    question.refresh_from_db()
    assert question.closes_at > question.opens_at


def test_the_kind_is_frozen_in_the_admin_once_someone_forecasts(admin_client):
    # Stored forecasts list probabilities in option order: a binary question turned
    # multiple choice would leave them meaningless, as the API's 409 says.
    question = factories.QuestionFactory()
    factories.ForecastFactory(question=question, probabilities=[0.7])

    response = admin_client.post(
        f"/admin/registry/question/{question.pk}/change/",
        _change_form(question, kind="multiple_choice", title="Still editable"),
    )

    assert response.status_code == 302  # the rest of the form was saved
    question.refresh_from_db()
    assert question.title == "Still editable"
    assert question.kind == Question.Kind.BINARY


def test_the_publish_action_publishes_drafts(admin_client):
    draft = factories.DraftQuestionFactory()

    response = admin_client.post(
        "/admin/registry/question/", {"action": "publish", "_selected_action": [draft.pk]}
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "/admin/registry/source/{source}/change/",
        "/admin/registry/claim/{claim}/change/",
        "/admin/registry/forecaster/{forecaster}/change/",
        "/admin/registry/tag/{tag}/change/",
        "/admin/registry/source/add/",
        "/admin/registry/claim/add/",
    ],
)
def test_staff_open_the_other_change_pages(admin_client, one_of_each, url):
    claim = one_of_each["claim"]
    ids = {
        "source": claim.source.pk,
        "claim": claim.pk,
        "forecaster": one_of_each["forecast"].forecaster.pk,
        "tag": one_of_each["question"].tags.get().pk,
    }

    assert admin_client.get(url.format(**ids)).status_code == 200


class TestForecastAdmin:
    def test_there_is_no_add(self, admin_client):
        assert admin_client.get("/admin/predictions/forecast/add/").status_code == 403

    def test_the_change_page_shows_the_forecast_without_a_save_button(
        self, admin_client, one_of_each
    ):
        forecast = one_of_each["forecast"]

        response = admin_client.get(f"/admin/predictions/forecast/{forecast.pk}/change/")

        assert response.status_code == 200
        page = response.content.decode()
        assert forecast.forecaster.handle in page
        assert 'name="_save"' not in page
        assert 'name="probabilities"' not in page

    def test_posting_a_change_is_refused(self, admin_client, one_of_each):
        forecast = one_of_each["forecast"]

        response = admin_client.post(
            f"/admin/predictions/forecast/{forecast.pk}/change/",
            {"probabilities": "[0.9, 0.1]", "rationale": "rewritten", "_save": "Save"},
        )

        assert response.status_code == 403
        assert Forecast.objects.get(pk=forecast.pk).probabilities == [0.3, 0.7]

    def test_there_is_no_delete(self, admin_client, one_of_each):
        forecast = one_of_each["forecast"]

        page = admin_client.post(
            f"/admin/predictions/forecast/{forecast.pk}/delete/", {"post": "yes"}
        )
        action = admin_client.post(
            "/admin/predictions/forecast/",
            {"action": "delete_selected", "_selected_action": [forecast.pk], "post": "yes"},
        )

        assert page.status_code == 403
        assert action.status_code in (200, 302)
        assert Forecast.objects.filter(pk=forecast.pk).exists()


class TestOutsiders:
    @pytest.mark.parametrize(
        "url",
        ["/admin/", "/admin/registry/question/", "/admin/predictions/forecast/"],
    )
    def test_a_signed_in_forecaster_is_sent_to_the_login_page(self, alice, url):
        client = Client()
        client.force_login(alice.user)

        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_an_anonymous_visitor_is_sent_to_the_login_page(self):
        response = Client().get("/admin/registry/question/")

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_a_forecaster_cannot_post_to_the_admin(self, alice):
        question = factories.QuestionFactory(title="Original")
        client = Client()
        client.force_login(alice.user)

        client.post(
            f"/admin/registry/question/{question.pk}/change/",
            _change_form(question, title="Hijacked"),
        )

        question.refresh_from_db()
        assert question.title == "Original"


def test_the_date_hierarchy_drills_down(admin_client):
    factories.QuestionFactory(closes_at=timezone.now() + timedelta(days=30))
    year = (timezone.now() + timedelta(days=30)).year

    assert admin_client.get(f"/admin/registry/question/?closes_at__year={year}").status_code == 200
