"""The resolution admin: record a final outcome, confirm proposals, never rewrite history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from config.errors import ApplicationError
from resolvers import services
from resolvers.models import Resolution
from tests import factories

pytestmark = pytest.mark.django_db

ADD = "/admin/resolvers/resolution/add/"
CHANGELIST = "/admin/resolvers/resolution/"


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def add_form(question, **overrides) -> dict:
    data = {
        "question": question.pk,
        "outcome": "yes",
        "outcome_option": "",
        "known_on": "",
        "rationale": "Checked the vendor's release page.",
        "_save": "Save",
    }
    data.update(overrides)
    return data


class TestRecordThroughTheAddForm:
    def test_the_add_page_opens(self, admin_client):
        assert admin_client.get(ADD).status_code == 200

    def test_staff_record_a_final_outcome_over_a_proposal(self, admin_client, staff_user):
        question = factories.ClosedQuestionFactory()
        proposal = services.resolution_propose(
            question=question, outcome="yes", rationale="A resolver saw it."
        )

        response = admin_client.post(ADD, add_form(question, outcome="no"))

        assert response.status_code == 302
        recorded = Resolution.objects.get(question=question, superseded_at__isnull=True)
        assert recorded.pk != proposal.pk
        assert recorded.outcome == "no"
        assert recorded.state == Resolution.State.FINAL
        assert recorded.finalized_at is not None
        assert recorded.resolved_by == staff_user
        assert recorded.known_on == timezone.now().date()
        proposal.refresh_from_db()
        assert proposal.superseded_by == recorded
        assert Resolution.objects.filter(question=question).count() == 2
        assert LogEntry.objects.get().object_id == str(recorded.pk)

    def test_staff_record_an_option_of_a_multiple_choice_question(self, admin_client):
        question = factories.MultipleChoiceQuestionFactory(options=["US", "China"])
        china = question.options.get(label="China")

        response = admin_client.post(
            ADD, add_form(question, outcome="option", outcome_option=china.pk)
        )

        assert response.status_code == 302
        assert Resolution.objects.get(question=question).outcome_option == china

    def test_a_known_on_day_is_kept(self, admin_client):
        question = factories.ClosedQuestionFactory()
        day = timezone.now().date() - timedelta(days=2)

        admin_client.post(ADD, add_form(question, known_on=day.isoformat()))

        assert Resolution.objects.get(question=question).known_on == day

    def test_an_outcome_that_does_not_fit_redisplays_the_form(self, admin_client):
        question = factories.ClosedQuestionFactory()

        response = admin_client.post(ADD, add_form(question, outcome="option"))

        assert response.status_code == 200
        assert response.context["adminform"].form.errors
        assert not Resolution.objects.exists()

    def test_an_empty_rationale_redisplays_the_form(self, admin_client):
        question = factories.ClosedQuestionFactory()

        response = admin_client.post(ADD, add_form(question, rationale=""))

        assert response.status_code == 200
        assert "rationale" in response.context["adminform"].form.errors
        assert not Resolution.objects.exists()

    def test_a_draft_question_redisplays_the_form_naming_the_question(self, admin_client):
        question = factories.DraftQuestionFactory()

        response = admin_client.post(ADD, add_form(question))

        assert response.status_code == 200
        assert "question" in response.context["adminform"].form.errors
        assert not Resolution.objects.exists()

    def test_known_on_in_the_future_redisplays_the_form_naming_it(self, admin_client):
        question = factories.ClosedQuestionFactory()
        tomorrow = timezone.now().date() + timedelta(days=1)

        response = admin_client.post(ADD, add_form(question, known_on=tomorrow.isoformat()))

        assert response.status_code == 200
        assert "known_on" in response.context["adminform"].form.errors
        assert not Resolution.objects.exists()

    def test_a_refusal_only_the_service_sees_is_not_reported_as_a_success(
        self, admin_client, monkeypatch
    ):
        # E.g. the question went back to draft between the form check and the save.
        question = factories.ClosedQuestionFactory()

        def refuse(**kwargs):
            raise ApplicationError("A draft question cannot be resolved.", code="conflict")

        monkeypatch.setattr(services, "resolution_record", refuse)

        response = admin_client.post(ADD, add_form(question), follow=True)

        assert not Resolution.objects.exists()
        assert messages_of(response) == ["A draft question cannot be resolved."]
        assert not LogEntry.objects.exists()


class TestConfirmAction:
    def test_confirming_a_proposal_makes_it_final(self, admin_client, staff_user):
        proposal = factories.ResolutionFactory()

        response = admin_client.post(
            CHANGELIST, {"action": "confirm", "_selected_action": [proposal.pk]}
        )

        assert response.status_code == 302
        proposal.refresh_from_db()
        assert proposal.state == Resolution.State.FINAL
        assert proposal.finalized_at is not None
        assert proposal.resolved_by == staff_user

    def test_confirming_a_final_resolution_reports_an_error_and_changes_nothing(self, admin_client):
        finalized_at = timezone.now() - timedelta(days=1)
        final = factories.ResolutionFactory(state="final", finalized_at=finalized_at)

        response = admin_client.post(
            CHANGELIST, {"action": "confirm", "_selected_action": [final.pk]}, follow=True
        )

        assert any("already final" in message for message in messages_of(response))
        final.refresh_from_db()
        assert final.finalized_at == finalized_at


class TestHistoryIsNotEdited:
    def test_the_change_page_is_view_only(self, admin_client):
        resolution = factories.ResolutionFactory()

        response = admin_client.get(f"{CHANGELIST}{resolution.pk}/change/")

        assert response.status_code == 200
        assert 'name="_save"' not in response.content.decode()
        assert 'name="rationale"' not in response.content.decode()

    def test_posting_a_change_is_refused(self, admin_client):
        resolution = factories.ResolutionFactory(outcome="yes")

        response = admin_client.post(
            f"{CHANGELIST}{resolution.pk}/change/",
            add_form(resolution.question, outcome="no"),
        )

        assert response.status_code == 403
        resolution.refresh_from_db()
        assert resolution.outcome == "yes"

    def test_there_is_no_delete(self, admin_client):
        resolution = factories.ResolutionFactory()

        page = admin_client.post(f"{CHANGELIST}{resolution.pk}/delete/", {"post": "yes"})
        admin_client.post(
            CHANGELIST,
            {"action": "delete_selected", "_selected_action": [resolution.pk], "post": "yes"},
        )

        assert page.status_code == 403
        assert Resolution.objects.filter(pk=resolution.pk).exists()

    def test_the_changelist_lists_history_and_filters_current(self, admin_client):
        question = factories.ClosedQuestionFactory()
        old = factories.ResolutionFactory(question=question, superseded_at=timezone.now())
        current = factories.ResolutionFactory(question=question)

        everything = admin_client.get(CHANGELIST)
        only_current = admin_client.get(f"{CHANGELIST}?superseded_at__isempty=1")

        assert {r.pk for r in everything.context["cl"].result_list} == {old.pk, current.pk}
        assert [r.pk for r in only_current.context["cl"].result_list] == [current.pk]
