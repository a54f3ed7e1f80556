"""The admins' workflow: disputes, the queue (API and page), the Atom feed, dispatching."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from config.errors import ApplicationError
from resolvers import services
from resolvers.models import Dispute, Resolution, ResolutionSource
from tests import factories

pytestmark = pytest.mark.django_db


def propose(question, outcome="yes"):
    return services.resolution_propose(question=question, outcome=outcome, rationale="Seen.")


class TestDisputes:
    def test_a_forecaster_disputes_a_proposal_and_it_waits_for_an_admin(
        self, alice, alice_client, settings
    ):
        question = factories.ClosedQuestionFactory()
        factories.ForecastFactory(question=question, forecaster=alice)
        proposal = propose(question)

        response = alice_client.post(
            f"/api/v1/resolutions/{proposal.pk}/disputes/",
            {"reason": "The release was a rename, not a new model."},
            format="json",
        )

        assert response.status_code == 201
        assert response.json()["forecaster"] == "alice"
        Resolution.objects.filter(pk=proposal.pk).update(
            created_at=timezone.now() - settings.RESOLUTION_DISPUTE_WINDOW - timedelta(hours=1)
        )
        assert services.resolutions_finalize_due() == []  # disputed: not final by itself
        assert Resolution.objects.get(pk=proposal.pk).state == "proposed"

    def test_only_forecasters_on_the_question_may_dispute(self, bob_client):
        proposal = propose(factories.ClosedQuestionFactory())

        response = bob_client.post(
            f"/api/v1/resolutions/{proposal.pk}/disputes/", {"reason": "No."}, format="json"
        )

        assert response.status_code == 403
        assert not Dispute.objects.exists()

    def test_no_dispute_after_the_window_or_on_a_final_outcome(self, alice, settings):
        question = factories.ClosedQuestionFactory()
        factories.ForecastFactory(question=question, forecaster=alice)
        proposal = propose(question)
        Resolution.objects.filter(pk=proposal.pk).update(
            created_at=timezone.now() - settings.RESOLUTION_DISPUTE_WINDOW - timedelta(minutes=1)
        )
        with pytest.raises(ApplicationError, match="window"):
            services.resolution_dispute(resolution=proposal, forecaster=alice, reason="late")

        final = services.resolution_record(
            question=question, outcome="no", rationale="Checked.", user=factories.StaffFactory()
        )
        with pytest.raises(ApplicationError) as refused:
            services.resolution_dispute(resolution=final, forecaster=alice, reason="no")
        assert refused.value.status == 409

    def test_one_dispute_per_forecaster_and_a_reason_is_required(self, alice):
        question = factories.ClosedQuestionFactory()
        factories.ForecastFactory(question=question, forecaster=alice)
        proposal = propose(question)
        with pytest.raises(ApplicationError) as empty:
            services.resolution_dispute(resolution=proposal, forecaster=alice, reason="  ")
        assert empty.value.fields == {"reason": "say what is wrong with the outcome"}

        services.resolution_dispute(resolution=proposal, forecaster=alice, reason="Wrong.")
        with pytest.raises(ApplicationError, match="already"):
            services.resolution_dispute(resolution=proposal, forecaster=alice, reason="Again.")


class TestQueue:
    def test_disputed_then_proposed_then_overdue(self, staff_client, alice):
        proposed = factories.ClosedQuestionFactory(title="Proposed one")
        propose(proposed)
        disputed = factories.ClosedQuestionFactory(title="Disputed one")
        factories.ForecastFactory(question=disputed, forecaster=alice)
        services.resolution_dispute(
            resolution=propose(disputed), forecaster=alice, reason="Not so."
        )
        overdue = factories.ClosedQuestionFactory(
            title="Overdue one", resolve_by=timezone.now() - timedelta(hours=1)
        )
        factories.ClosedQuestionFactory(title="Closed, not yet due")

        body = staff_client.get("/api/v1/resolution-queue/").json()

        assert [(row["question"], row["reason"]) for row in body] == [
            (disputed.slug, "disputed"),
            (proposed.slug, "proposed"),
            (overdue.slug, "overdue"),
        ]
        assert body[0]["resolution"]["disputes"][0]["reason"] == "Not so."

    def test_only_staff_see_the_queue(self, alice_client, anonymous_client):
        assert alice_client.get("/api/v1/resolution-queue/").status_code == 403
        assert anonymous_client.get("/api/v1/resolution-queue/").status_code == 401

    def test_the_staff_page_confirms_overrides_and_annuls(self, staff_user):
        browser = Client()
        browser.force_login(staff_user)
        question = factories.ClosedQuestionFactory(title="Will it ship?")
        proposal = propose(question)

        page = browser.get("/staff/resolutions/")
        assert page.status_code == 200
        assert "Will it ship?" in page.content.decode()

        browser.post(
            f"/staff/resolutions/{question.slug}/",
            {"action": "confirm", "supersedes": proposal.pk},
        )
        confirmed = Resolution.objects.get(pk=proposal.pk)
        assert confirmed.state == "final" and confirmed.resolved_by == staff_user

        browser.post(
            f"/staff/resolutions/{question.slug}/",
            {
                "action": "override",
                "outcome": "no",
                "rationale": "Misread.",
                "supersedes": proposal.pk,
            },
        )
        current = Resolution.objects.get(question=question, superseded_at__isnull=True)
        assert current.outcome == "no"

        stale = browser.post(
            f"/staff/resolutions/{question.slug}/",
            {"action": "annul", "rationale": "Void.", "supersedes": proposal.pk},
            follow=True,
        )
        assert "changed meanwhile" in stale.content.decode()  # a stale form: refused
        browser.post(
            f"/staff/resolutions/{question.slug}/",
            {"action": "annul", "rationale": "Void.", "supersedes": current.pk},
        )
        assert question.resolutions.get(superseded_at__isnull=True).outcome == "annulled"

    def test_the_staff_page_is_for_staff_only(self, alice):
        browser = Client()
        browser.force_login(alice.user)
        response = browser.get("/staff/resolutions/")
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_atom_feed_lists_resolutions(client):
    question = factories.ClosedQuestionFactory(title="Will the feed work?")
    propose(question)

    response = client.get("/feeds/resolutions/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Will the feed work?: Yes (proposed)" in body


class TestDispatch:
    def test_due_sources_are_claimed_once_and_moved_on(self, monkeypatch):
        enqueued = []
        monkeypatch.setattr("resolvers.check_queue.enqueue_checks", enqueued.extend)
        question = factories.QuestionFactory()
        due = ResolutionSource.objects.create(
            question=question,
            kind="http_json",
            config={},
            next_check_at=timezone.now() - timedelta(minutes=1),
            check_every=timedelta(hours=1),
        )
        ResolutionSource.objects.create(
            question=question,
            kind="http_json",
            config={},
            next_check_at=timezone.now() + timedelta(minutes=5),
        )

        claimed = services.sources_claim_due()
        again = services.sources_claim_due()

        assert claimed == [due.pk] and again == []
        due.refresh_from_db()
        assert due.next_check_at > timezone.now() + timedelta(minutes=59)

    def test_a_resolved_question_is_not_checked_again(self):
        question = factories.ClosedQuestionFactory()
        ResolutionSource.objects.create(
            question=question,
            kind="http_json",
            config={},
            next_check_at=timezone.now() - timedelta(minutes=1),
        )
        services.resolution_record(
            question=question, outcome="yes", rationale="Done.", user=factories.StaffFactory()
        )

        assert services.sources_claim_due() == []

    def test_lost_checks_are_found_for_the_sweep(self):
        source = ResolutionSource.objects.create(
            question=factories.QuestionFactory(),
            kind="http_json",
            config={},
            claimed_at=timezone.now() - timedelta(minutes=30),
        )
        assert services.sources_lost_checks() == [source.pk]

        source.last_checked_at = timezone.now()
        source.save()
        assert services.sources_lost_checks() == []
