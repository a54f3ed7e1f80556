"""/api/v1/questions/: public reads with filters and paging; staff create and edit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from registry.models import Question, QuestionOption
from resolvers.models import Resolution
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/questions/"


def detail(slug: str) -> str:
    return f"{LIST}{slug}/"


def slugs(response) -> set[str]:
    return {item["slug"] for item in response.json()["results"]}


def question_payload(**overrides) -> dict:
    now = timezone.now()
    payload = {
        "title": "Will an open model top the leaderboard by 2027?",
        "resolution_criteria": "Resolves Yes if the leaderboard's first place is an open model.",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=60)).isoformat(),
        "resolve_by": (now + timedelta(days=90)).isoformat(),
    }
    payload.update(overrides)
    return payload


# --- Reading


class TestList:
    def test_lists_published_questions_with_their_status(self, anonymous_client):
        question = factories.QuestionFactory()

        response = anonymous_client.get(LIST)

        assert response.status_code == 200
        [item] = response.json()["results"]
        assert item["slug"] == question.slug
        assert item["status"] == "open"
        assert item["kind"] == "binary"
        assert item["options"] == []
        assert item["resolution"] is None
        assert item["url"].endswith(detail(question.slug))

    def test_filters_by_status(self, anonymous_client):
        open_question = factories.QuestionFactory()
        closed = factories.ClosedQuestionFactory()
        upcoming = factories.UpcomingQuestionFactory()
        resolved = factories.ResolutionFactory(
            state=Resolution.State.FINAL, finalized_at=timezone.now()
        ).question

        assert slugs(anonymous_client.get(LIST, {"status": "open"})) == {open_question.slug}
        assert slugs(anonymous_client.get(LIST, {"status": "closed"})) == {closed.slug}
        assert slugs(anonymous_client.get(LIST, {"status": "upcoming"})) == {upcoming.slug}
        assert slugs(anonymous_client.get(LIST, {"status": "resolved"})) == {resolved.slug}

    def test_an_unknown_status_is_a_400_naming_the_parameter(self, anonymous_client):
        factories.QuestionFactory()

        response = anonymous_client.get(LIST, {"status": "pending"})

        assert response.status_code == 400
        assert "status" in response.json()["fields"]

    def test_filters_by_tag(self, anonymous_client):
        tagged = factories.QuestionFactory()
        tagged.tags.add(factories.TagFactory(slug="open-models"), factories.TagFactory(slug="ai"))
        other = factories.QuestionFactory()
        other.tags.add(factories.TagFactory(slug="ai"))

        response = anonymous_client.get(LIST, {"tag": "open-models"})

        assert slugs(response) == {tagged.slug}
        assert response.json()["results"][0]["tags"] == ["ai", "open-models"]

    def test_filters_by_source_through_its_claims(self, anonymous_client):
        source = factories.SourceFactory(slug="my-bets")
        quoted = factories.QuestionFactory()
        factories.ClaimFactory(source=source, question=quoted)
        factories.ClaimFactory(source=source, question=quoted, start_offset=0, end_offset=10)
        factories.ClaimFactory(question=factories.QuestionFactory())  # another source's

        response = anonymous_client.get(LIST, {"source": "my-bets"})

        assert response.json()["count"] == 1  # two claims, listed once
        assert slugs(response) == {quoted.slug}

    def test_filters_by_kind(self, anonymous_client):
        factories.QuestionFactory()
        multiple = factories.MultipleChoiceQuestionFactory()

        response = anonymous_client.get(LIST, {"kind": "multiple_choice"})

        assert slugs(response) == {multiple.slug}

    def test_paginates_with_a_page_size(self, anonymous_client):
        factories.QuestionFactory.create_batch(3)

        first = anonymous_client.get(LIST, {"page_size": 2}).json()
        second = anonymous_client.get(first["next"]).json()

        assert first["count"] == 3
        assert len(first["results"]) == 2
        assert len(second["results"]) == 1
        assert second["next"] is None
        assert not slugs_of(first) & slugs_of(second)

    def test_page_size_is_capped_at_200(self, anonymous_client):
        now = timezone.now()
        Question.objects.bulk_create(
            Question(
                slug=f"bulk-{n}",
                title=f"Bulk question {n}",
                resolution_criteria="Resolves Yes if it happens.",
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=1),
                resolve_by=now + timedelta(days=2),
                published_at=now,
            )
            for n in range(201)
        )

        body = anonymous_client.get(LIST, {"page_size": 1000}).json()

        assert body["count"] == 201
        assert len(body["results"]) == 200
        assert body["next"] is not None

    def test_drafts_are_not_listed_for_the_public(self, anonymous_client, alice_client):
        published = factories.QuestionFactory()
        factories.DraftQuestionFactory()

        assert slugs(anonymous_client.get(LIST)) == {published.slug}
        assert slugs(alice_client.get(LIST)) == {published.slug}
        assert slugs(anonymous_client.get(LIST, {"status": "draft"})) == set()

    def test_staff_see_drafts_and_can_filter_them(self, staff_client):
        published = factories.QuestionFactory()
        draft = factories.DraftQuestionFactory()

        assert slugs(staff_client.get(LIST)) == {published.slug, draft.slug}
        assert slugs(staff_client.get(LIST, {"status": "draft"})) == {draft.slug}


def slugs_of(body: dict) -> set[str]:
    return {item["slug"] for item in body["results"]}


class TestDetail:
    def test_detail_by_slug(self, anonymous_client):
        question = factories.MultipleChoiceQuestionFactory(options=["Zeta", "Alpha", "Mu"])
        question.tags.add(factories.TagFactory(slug="geo"))

        response = anonymous_client.get(detail(question.slug))

        assert response.status_code == 200
        body = response.json()
        assert body["slug"] == question.slug
        assert body["title"] == question.title
        assert body["resolution_criteria"] == question.resolution_criteria
        assert body["kind"] == "multiple_choice"
        assert body["options"] == ["Zeta", "Alpha", "Mu"]  # their order, not alphabetical
        assert body["tags"] == ["geo"]
        assert body["status"] == "open"

    def test_detail_shows_the_current_resolution_only(self, anonymous_client):
        question = factories.ClosedQuestionFactory()
        factories.ResolutionFactory(
            question=question, outcome="no", superseded_at=timezone.now(), rationale="Old."
        )
        factories.ResolutionFactory(question=question, outcome="yes", rationale="New.")

        body = anonymous_client.get(detail(question.slug)).json()

        assert body["status"] == "resolving"
        assert body["resolution"]["outcome"] == "yes"
        assert body["resolution"]["state"] == "proposed"
        assert body["resolution"]["rationale"] == "New."

    def test_unknown_slug_is_404(self, anonymous_client):
        response = anonymous_client.get(detail("no-such-question"))

        assert response.status_code == 404
        assert response.json()["error"]

    def test_a_draft_is_404_for_the_public(self, anonymous_client, alice_client):
        draft = factories.DraftQuestionFactory()

        assert anonymous_client.get(detail(draft.slug)).status_code == 404
        assert alice_client.get(detail(draft.slug)).status_code == 404

    def test_a_draft_is_visible_to_staff(self, staff_client):
        draft = factories.DraftQuestionFactory()

        response = staff_client.get(detail(draft.slug))

        assert response.status_code == 200
        assert response.json()["status"] == "draft"
        assert response.json()["published_at"] is None


# --- Creating


class TestCreate:
    def test_staff_create_a_binary_question_as_a_draft(self, staff_client):
        response = staff_client.post(
            LIST, question_payload(slug="open-top", tags=["open-models"]), format="json"
        )

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["slug"] == "open-top"
        assert body["status"] == "draft"
        assert body["published_at"] is None
        assert body["tags"] == ["open-models"]
        question = Question.objects.get(slug="open-top")
        assert question.kind == Question.Kind.BINARY
        assert question.published_at is None
        assert not question.options.exists()

    def test_staff_create_a_published_question(self, staff_client):
        response = staff_client.post(LIST, question_payload(published=True), format="json")

        assert response.status_code == 201
        assert response.json()["status"] == "open"
        assert response.json()["published_at"] is not None

    def test_a_slug_is_made_from_the_title_when_none_is_given(self, staff_client):
        response = staff_client.post(LIST, question_payload(title="Who wins?"), format="json")

        assert response.json()["slug"] == "who-wins"

    def test_staff_create_a_multiple_choice_question_with_options_in_order(self, staff_client):
        labels = ["Qwen", "DeepSeek", "Llama", "Mistral"]

        response = staff_client.post(
            LIST,
            question_payload(slug="top-lab", kind="multiple_choice", options=labels),
            format="json",
        )

        assert response.status_code == 201, response.json()
        assert response.json()["options"] == labels
        assert response.json()["status"] == "draft"
        stored = QuestionOption.objects.filter(question__slug="top-lab").order_by("position")
        assert [(o.position, o.label) for o in stored] == list(enumerate(labels))

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            pytest.param(
                {"closes_at": (timezone.now() - timedelta(days=2)).isoformat()},
                "closes_at",
                id="closes before it opens",
            ),
            pytest.param(
                {"resolve_by": (timezone.now() + timedelta(days=30)).isoformat()},
                "resolve_by",
                id="resolve_by before closing",
            ),
            pytest.param(
                {"kind": "multiple_choice", "options": ["Only one"]},
                "options",
                id="multiple choice with one option",
            ),
            pytest.param(
                {"kind": "multiple_choice"}, "options", id="multiple choice without options"
            ),
            pytest.param({"options": ["Yes", "No"]}, "options", id="binary with options"),
            pytest.param(
                {"kind": "multiple_choice", "options": ["A", "B", "A"]},
                "options",
                id="duplicate labels",
            ),
            pytest.param(
                {"kind": "multiple_choice", "options": ["A", "  "]},
                "options.1",
                id="blank label",
            ),
            pytest.param({"status": "open"}, "status", id="unknown field status"),
            pytest.param({"kind": "ranking"}, "kind", id="unknown kind"),
            pytest.param({"title": ""}, "title", id="empty title"),
            pytest.param({"opens_at": "next tuesday"}, "opens_at", id="unparseable time"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field_and_creates_nothing(
        self, staff_client, overrides, field
    ):
        response = staff_client.post(LIST, question_payload(**overrides), format="json")

        assert response.status_code == 400
        body = response.json()
        assert field in body["fields"], body
        assert field in body["error"]
        assert not Question.objects.exists()
        assert not QuestionOption.objects.exists()

    def test_a_missing_required_field_is_named(self, staff_client):
        payload = question_payload()
        del payload["resolution_criteria"]

        response = staff_client.post(LIST, payload, format="json")

        assert response.status_code == 400
        assert "resolution_criteria" in response.json()["fields"]

    def test_a_taken_slug_is_a_400_naming_slug(self, staff_client):
        existing = factories.QuestionFactory(slug="taken")

        response = staff_client.post(LIST, question_payload(slug="taken"), format="json")

        assert response.status_code == 400
        assert "slug" in response.json()["fields"]
        assert Question.objects.get().pk == existing.pk

    def test_a_forecaster_may_not_create(self, alice_client):
        response = alice_client.post(LIST, question_payload(), format="json")

        assert response.status_code == 403
        assert not Question.objects.exists()

    def test_an_anonymous_visitor_may_not_create(self, anonymous_client):
        response = anonymous_client.post(LIST, question_payload(), format="json")

        # Not signed in at all: 401 with a challenge for the token scheme.
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert not Question.objects.exists()


# --- Editing


class TestEdit:
    def test_staff_patch_the_title(self, staff_client):
        question = factories.MultipleChoiceQuestionFactory(options=["A", "B"])
        published_at = question.published_at

        response = staff_client.patch(
            detail(question.slug), {"title": "A better title"}, format="json"
        )

        assert response.status_code == 200, response.json()
        assert response.json()["title"] == "A better title"
        question.refresh_from_db()
        assert question.title == "A better title"
        # What the patch did not name stays as it was.
        assert question.published_at == published_at
        assert question.option_labels() == ["A", "B"]

    def test_staff_put_replaces_the_question(self, staff_client):
        question = factories.DraftQuestionFactory()

        response = staff_client.put(
            detail(question.slug),
            question_payload(title="Replaced", kind="multiple_choice", options=["X", "Y"]),
            format="json",
        )

        assert response.status_code == 200, response.json()
        question.refresh_from_db()
        assert question.title == "Replaced"
        assert question.option_labels() == ["X", "Y"]

    def test_put_without_published_keeps_a_published_question_published(self, staff_client):
        question = factories.QuestionFactory()
        published_at = question.published_at

        response = staff_client.put(
            detail(question.slug), question_payload(title="Replaced"), format="json"
        )

        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "open"
        question.refresh_from_db()
        assert question.published_at == published_at

    def test_staff_publish_a_draft(self, staff_client):
        question = factories.DraftQuestionFactory()

        response = staff_client.patch(detail(question.slug), {"published": True}, format="json")

        assert response.status_code == 200
        assert response.json()["status"] == "open"
        question.refresh_from_db()
        assert question.published_at is not None

    def test_staff_unpublish_a_question_nobody_forecast(self, staff_client):
        question = factories.QuestionFactory()

        response = staff_client.patch(detail(question.slug), {"published": False}, format="json")

        assert response.status_code == 200
        assert response.json()["status"] == "draft"

    def test_options_may_change_while_nobody_has_forecast(self, staff_client):
        question = factories.MultipleChoiceQuestionFactory(options=["A", "B"])

        response = staff_client.patch(
            detail(question.slug), {"options": ["B", "C", "A"]}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["options"] == ["B", "C", "A"]

    def test_options_are_frozen_once_anyone_has_forecast(self, staff_client):
        question = factories.MultipleChoiceQuestionFactory(options=["A", "B"])
        factories.ForecastFactory(question=question, probabilities=[0.4, 0.6])

        response = staff_client.patch(detail(question.slug), {"options": ["B", "A"]}, format="json")

        assert response.status_code == 409
        assert "options" in response.json()["fields"]
        question.refresh_from_db()
        assert question.option_labels() == ["A", "B"]

    def test_the_kind_is_frozen_once_anyone_has_forecast(self, staff_client):
        question = factories.QuestionFactory()
        factories.ForecastFactory(question=question)

        response = staff_client.patch(
            detail(question.slug),
            {"kind": "multiple_choice", "options": ["Yes", "No"]},
            format="json",
        )

        assert response.status_code == 409
        assert "kind" in response.json()["fields"]
        question.refresh_from_db()
        assert question.kind == Question.Kind.BINARY
        assert not question.options.exists()

    def test_a_question_with_forecasts_cannot_go_back_to_draft(self, staff_client):
        question = factories.QuestionFactory()
        factories.ForecastFactory(question=question)

        response = staff_client.patch(detail(question.slug), {"published": False}, format="json")

        assert response.status_code == 409
        assert "published" in response.json()["fields"]
        question.refresh_from_db()
        assert question.published_at is not None

    def test_a_refused_edit_changes_nothing_else(self, staff_client):
        question = factories.QuestionFactory(title="Original")
        factories.ForecastFactory(question=question)

        response = staff_client.patch(
            detail(question.slug), {"title": "Changed", "published": False}, format="json"
        )

        assert response.status_code == 409
        question.refresh_from_db()
        assert question.title == "Original"

    def test_times_that_do_not_fit_are_a_400(self, staff_client):
        question = factories.QuestionFactory()

        response = staff_client.patch(
            detail(question.slug),
            {"closes_at": (question.opens_at - timedelta(hours=1)).isoformat()},
            format="json",
        )

        assert response.status_code == 400
        assert "closes_at" in response.json()["fields"]

    def test_the_slug_cannot_be_changed(self, staff_client):
        question = factories.QuestionFactory(slug="stays")

        response = staff_client.patch(detail("stays"), {"slug": "moves"}, format="json")

        assert response.status_code == 400
        assert "slug" in response.json()["fields"]
        question.refresh_from_db()
        assert question.slug == "stays"

    def test_a_forecaster_may_not_edit(self, alice_client):
        question = factories.QuestionFactory(title="Original")

        response = alice_client.patch(detail(question.slug), {"title": "Mine"}, format="json")

        assert response.status_code == 403
        question.refresh_from_db()
        assert question.title == "Original"

    def test_an_anonymous_visitor_may_not_edit(self, anonymous_client):
        question = factories.QuestionFactory(title="Original")

        response = anonymous_client.patch(detail(question.slug), {"title": "Mine"}, format="json")

        assert response.status_code == 401
        question.refresh_from_db()
        assert question.title == "Original"

    def test_questions_cannot_be_deleted_through_the_api(self, staff_client):
        question = factories.QuestionFactory()

        response = staff_client.delete(detail(question.slug))

        assert response.status_code == 405
        assert Question.objects.filter(pk=question.pk).exists()


def test_changes_after_forecasting_began_are_kept_as_revisions(staff_client):
    from registry.models import QuestionRevision

    question = factories.QuestionFactory(resolution_criteria="Yes if A.")
    detail_url = f"/api/v1/questions/{question.slug}/"
    staff_client.patch(detail_url, {"fine_print": "Before anyone forecast."}, format="json")
    assert not QuestionRevision.objects.exists()  # nobody had forecast yet
    factories.ForecastFactory(question=question)

    staff_client.patch(detail_url, {"resolution_criteria": "Yes if A or B."}, format="json")

    revision = QuestionRevision.objects.get(question=question)
    assert (revision.field, revision.old_value, revision.new_value) == (
        "resolution_criteria",
        "Yes if A.",
        "Yes if A or B.",
    )
    assert revision.changed_by.username == "admin"
