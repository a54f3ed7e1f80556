"""Outcomes: proposed, confirmed, recorded over, annulled, finalized after the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ApplicationError
from registry.models import Question
from resolvers import services
from resolvers.models import Resolution
from tests import factories

pytestmark = pytest.mark.django_db

WHY = "The release notes on the vendor's site say so."


def status_of(question: Question) -> str:
    return Question.objects.with_status().get(pk=question.pk).derived_status


def current_of(question: Question) -> list[Resolution]:
    return list(Resolution.objects.filter(question=question, superseded_at__isnull=True))


@pytest.fixture
def question():
    return factories.ClosedQuestionFactory()


class TestPropose:
    def test_a_proposal_puts_the_question_in_resolving(self, question):
        resolution = services.resolution_propose(
            question=question, outcome="yes", rationale=WHY, resolver="http_json"
        )

        assert resolution.state == Resolution.State.PROPOSED
        assert resolution.finalized_at is None
        assert resolution.resolved_by is None
        assert resolution.resolver == "http_json"
        assert resolution.known_on == timezone.now().date()
        assert status_of(question) == Question.Status.RESOLVING
        assert question.status_at(timezone.now()) == Question.Status.RESOLVING

    def test_known_on_may_be_a_past_day(self, question):
        day = timezone.now().date() - timedelta(days=3)

        resolution = services.resolution_propose(
            question=question, outcome="no", rationale=WHY, known_on=day
        )

        assert resolution.known_on == day

    def test_a_new_proposal_supersedes_the_previous_one(self, question):
        first = services.resolution_propose(question=question, outcome="yes", rationale=WHY)
        second = services.resolution_propose(question=question, outcome="no", rationale=WHY)

        first.refresh_from_db()
        assert first.superseded_by == second
        assert current_of(question) == [second]


class TestConfirm:
    def test_confirming_makes_the_proposal_final_at_once(self, question, staff_user):
        proposal = services.resolution_propose(question=question, outcome="yes", rationale=WHY)

        confirmed = services.resolution_confirm(resolution=proposal, user=staff_user)

        proposal.refresh_from_db()
        assert proposal.state == Resolution.State.FINAL
        assert proposal.finalized_at is not None
        assert proposal.resolved_by == staff_user
        assert confirmed.pk == proposal.pk
        assert status_of(question) == Question.Status.RESOLVED

    def test_a_final_resolution_cannot_be_confirmed_again(self, question, staff_user):
        proposal = services.resolution_propose(question=question, outcome="yes", rationale=WHY)
        services.resolution_confirm(resolution=proposal, user=staff_user)

        with pytest.raises(ApplicationError) as refused:
            services.resolution_confirm(resolution=proposal, user=staff_user)

        assert refused.value.status == 409

    def test_a_superseded_proposal_cannot_be_confirmed(self, question, staff_user):
        old = services.resolution_propose(question=question, outcome="yes", rationale=WHY)
        new = services.resolution_propose(question=question, outcome="no", rationale=WHY)

        with pytest.raises(ApplicationError) as refused:
            services.resolution_confirm(resolution=old, user=staff_user)

        assert refused.value.status == 409
        assert "resolution" in refused.value.fields
        old.refresh_from_db()
        assert old.state == Resolution.State.PROPOSED
        assert current_of(question) == [new]


class TestRecord:
    def test_an_admin_records_a_final_outcome(self, question, staff_user):
        resolution = services.resolution_record(
            question=question, outcome="no", rationale=WHY, user=staff_user
        )

        assert resolution.state == Resolution.State.FINAL
        assert resolution.finalized_at is not None
        assert resolution.resolved_by == staff_user
        assert status_of(question) == Question.Status.RESOLVED

    def test_recording_supersedes_the_current_one_and_keeps_history(self, question, staff_user):
        proposal = services.resolution_propose(question=question, outcome="yes", rationale=WHY)

        override = services.resolution_record(
            question=question, outcome="no", rationale="The vendor retracted.", user=staff_user
        )

        proposal.refresh_from_db()
        assert proposal.superseded_at is not None
        assert proposal.superseded_by == override
        assert proposal.outcome == "yes"  # history is kept as it was
        assert proposal.state == Resolution.State.PROPOSED
        assert current_of(question) == [override]
        assert Resolution.objects.filter(question=question).count() == 2

    def test_a_final_outcome_can_be_overridden_too(self, question, staff_user):
        first = services.resolution_record(
            question=question, outcome="yes", rationale=WHY, user=staff_user
        )
        second = services.resolution_record(
            question=question, outcome="no", rationale="Corrected.", user=staff_user
        )

        first.refresh_from_db()
        assert first.superseded_by == second
        assert current_of(question) == [second]
        assert Question.objects.get(pk=question.pk).resolutions.count() == 2

    def test_a_multiple_choice_question_resolves_to_one_of_its_options(self, staff_user):
        question = factories.MultipleChoiceQuestionFactory(options=["US", "China", "EU"])
        china = question.options.get(label="China")

        resolution = services.resolution_record(
            question=question, outcome="option", option=china, rationale=WHY, user=staff_user
        )

        assert resolution.outcome_option == china
        assert resolution.outcome_label == "China"

    def test_an_outcome_may_be_known_before_the_question_closes(self, staff_user):
        question = factories.QuestionFactory()

        services.resolution_record(question=question, outcome="yes", rationale=WHY, user=staff_user)

        assert status_of(question) == Question.Status.RESOLVED


class TestAnnul:
    def test_annulling_makes_the_question_annulled(self, question, staff_user):
        resolution = services.resolution_annul(
            question=question, rationale="The source disappeared.", user=staff_user
        )

        assert resolution.outcome == Resolution.Outcome.ANNULLED
        assert resolution.state == Resolution.State.FINAL
        assert resolution.outcome_option is None
        assert status_of(question) == Question.Status.ANNULLED

    def test_annulling_a_resolved_question_supersedes_its_outcome(self, question, staff_user):
        resolved = services.resolution_record(
            question=question, outcome="yes", rationale=WHY, user=staff_user
        )

        annulment = services.resolution_annul(
            question=question, rationale="Criteria were ambiguous.", user=staff_user
        )

        resolved.refresh_from_db()
        assert resolved.superseded_by == annulment
        assert status_of(question) == Question.Status.ANNULLED


class TestRefusals:
    @pytest.mark.parametrize(
        ("outcome", "field"),
        [("option", "outcome"), ("maybe", "outcome"), ("", "outcome")],
    )
    def test_a_binary_question_resolves_yes_no_or_annulled(self, question, outcome, field):
        with pytest.raises(ApplicationError) as refused:
            services.resolution_propose(question=question, outcome=outcome, rationale=WHY)

        assert refused.value.status == 400
        assert field in refused.value.fields
        assert not Resolution.objects.exists()

    def test_a_binary_question_takes_no_option(self, question):
        other = factories.MultipleChoiceQuestionFactory()

        with pytest.raises(ApplicationError) as refused:
            services.resolution_propose(
                question=question, outcome="yes", option=other.options.first(), rationale=WHY
            )

        assert refused.value.status == 400
        assert "outcome" in refused.value.fields

    @pytest.mark.parametrize("outcome", ["yes", "no", "option"])
    def test_a_multiple_choice_question_resolves_to_an_option(self, outcome):
        question = factories.MultipleChoiceQuestionFactory()

        with pytest.raises(ApplicationError) as refused:
            services.resolution_propose(question=question, outcome=outcome, rationale=WHY)

        assert refused.value.status == 400
        assert "outcome_option" in refused.value.fields
        assert not Resolution.objects.exists()

    def test_an_option_of_another_question_is_refused(self, staff_user):
        question = factories.MultipleChoiceQuestionFactory(options=["A", "B"])
        elsewhere = factories.MultipleChoiceQuestionFactory(options=["A", "B"])

        with pytest.raises(ApplicationError) as refused:
            services.resolution_record(
                question=question,
                outcome="option",
                option=elsewhere.options.first(),
                rationale=WHY,
                user=staff_user,
            )

        assert refused.value.status == 400
        assert "outcome_option" in refused.value.fields
        assert not Resolution.objects.exists()

    def test_an_annulment_names_no_option(self):
        question = factories.MultipleChoiceQuestionFactory()

        with pytest.raises(ApplicationError) as refused:
            services.resolution_propose(
                question=question,
                outcome="annulled",
                option=question.options.first(),
                rationale=WHY,
            )

        assert "outcome_option" in refused.value.fields

    def test_known_on_in_the_future_is_refused(self, question, staff_user):
        tomorrow = timezone.now().date() + timedelta(days=1)

        with pytest.raises(ApplicationError) as refused:
            services.resolution_record(
                question=question, outcome="yes", rationale=WHY, user=staff_user, known_on=tomorrow
            )

        assert refused.value.status == 400
        assert "known_on" in refused.value.fields
        assert not Resolution.objects.exists()

    @pytest.mark.parametrize("rationale", ["", "   \n"])
    def test_an_empty_rationale_is_refused(self, question, rationale):
        with pytest.raises(ApplicationError) as refused:
            services.resolution_propose(question=question, outcome="yes", rationale=rationale)

        assert refused.value.status == 400
        assert "rationale" in refused.value.fields
        assert not Resolution.objects.exists()

    def test_a_draft_question_cannot_be_resolved(self, staff_user):
        draft = factories.DraftQuestionFactory()

        with pytest.raises(ApplicationError) as refused:
            services.resolution_record(
                question=draft, outcome="yes", rationale=WHY, user=staff_user
            )

        assert refused.value.status == 409
        assert not Resolution.objects.exists()

    def test_a_refused_override_leaves_the_current_resolution_current(self, question, staff_user):
        proposal = services.resolution_propose(question=question, outcome="yes", rationale=WHY)

        with pytest.raises(ApplicationError):
            services.resolution_record(
                question=question, outcome="option", rationale=WHY, user=staff_user
            )

        assert current_of(question) == [proposal]
        proposal.refresh_from_db()
        assert proposal.superseded_at is None


class TestFinalizeDue:
    def _age(self, resolution: Resolution, age: timedelta) -> None:
        Resolution.objects.filter(pk=resolution.pk).update(created_at=timezone.now() - age)

    def test_finalizes_proposals_older_than_the_window_only(self, settings):
        settings.RESOLUTION_DISPUTE_WINDOW = timedelta(hours=48)
        old = services.resolution_propose(
            question=factories.ClosedQuestionFactory(), outcome="yes", rationale=WHY
        )
        young = services.resolution_propose(
            question=factories.ClosedQuestionFactory(), outcome="no", rationale=WHY
        )
        self._age(old, timedelta(hours=49))
        self._age(young, timedelta(hours=47))

        finalized = services.resolutions_finalize_due()

        assert finalized == [old.pk]
        old.refresh_from_db()
        young.refresh_from_db()
        assert old.state == Resolution.State.FINAL
        assert old.finalized_at is not None
        assert old.resolved_by is None  # nobody confirmed it: the window did
        assert young.state == Resolution.State.PROPOSED
        assert status_of(old.question) == Question.Status.RESOLVED
        assert status_of(young.question) == Question.Status.RESOLVING

    def test_follows_the_window_setting(self, settings):
        settings.RESOLUTION_DISPUTE_WINDOW = timedelta(hours=1)
        proposal = services.resolution_propose(
            question=factories.ClosedQuestionFactory(), outcome="yes", rationale=WHY
        )
        self._age(proposal, timedelta(hours=2))

        assert services.resolutions_finalize_due() == [proposal.pk]

    def test_superseded_proposals_are_never_finalized(self, question, settings):
        old = services.resolution_propose(question=question, outcome="yes", rationale=WHY)
        new = services.resolution_propose(question=question, outcome="no", rationale=WHY)
        self._age(old, settings.RESOLUTION_DISPUTE_WINDOW + timedelta(hours=1))

        assert services.resolutions_finalize_due() == []
        old.refresh_from_db()
        assert old.state == Resolution.State.PROPOSED
        assert current_of(question) == [new]

    def test_final_resolutions_are_left_alone(self, question, staff_user, settings):
        final = services.resolution_record(
            question=question, outcome="yes", rationale=WHY, user=staff_user
        )
        finalized_at = final.finalized_at
        self._age(final, settings.RESOLUTION_DISPUTE_WINDOW * 2)

        assert services.resolutions_finalize_due() == []
        final.refresh_from_db()
        assert final.finalized_at == finalized_at

    def test_running_it_twice_finalizes_once(self, question, settings):
        proposal = services.resolution_propose(question=question, outcome="yes", rationale=WHY)
        self._age(proposal, settings.RESOLUTION_DISPUTE_WINDOW + timedelta(minutes=1))

        assert services.resolutions_finalize_due() == [proposal.pk]
        assert services.resolutions_finalize_due() == []


class TestDatabaseConstraints:
    def _refused(self, make) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            make()

    def test_a_question_has_at_most_one_current_resolution(self, question):
        factories.ResolutionFactory(question=question)

        self._refused(lambda: factories.ResolutionFactory(question=question, outcome="no"))
        assert Resolution.objects.filter(question=question).count() == 1

    def test_superseded_resolutions_do_not_count_against_it(self, question):
        factories.ResolutionFactory(question=question, superseded_at=timezone.now())
        factories.ResolutionFactory(question=question, superseded_at=timezone.now())

        current = factories.ResolutionFactory(question=question)

        assert current_of(question) == [current]

    def test_an_option_outcome_needs_an_option(self, question):
        self._refused(lambda: factories.ResolutionFactory(question=question, outcome="option"))

    def test_a_yes_outcome_names_no_option(self):
        question = factories.MultipleChoiceQuestionFactory()

        self._refused(
            lambda: factories.ResolutionFactory(
                question=question, outcome="yes", outcome_option=question.options.first()
            )
        )

    def test_a_final_resolution_has_its_finalization_time(self, question):
        self._refused(lambda: factories.ResolutionFactory(question=question, state="final"))

    def test_the_outcome_must_be_known(self, question):
        self._refused(lambda: factories.ResolutionFactory(question=question, outcome="maybe"))

    def test_superseded_by_needs_superseded_at(self, question):
        first = factories.ResolutionFactory(question=question, superseded_at=timezone.now())

        self._refused(lambda: factories.ResolutionFactory(question=question, superseded_by=first))
