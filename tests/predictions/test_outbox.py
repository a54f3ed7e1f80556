"""The task outbox: a task exists iff its change committed, waits out a Redis outage, runs
once however often its message is delivered, and is parked when it keeps dying."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone

from predictions import outbox
from predictions.models import OutboxTask, QuestionScore
from predictions.tasks import prune_outbox, relay_outbox, rescore_question, rescore_stale
from resolvers import services as resolution_services
from resolvers.models import Check, ResolutionSource
from resolvers.tasks import check_source, sweep_lost_checks
from tests import factories
from tests.resolvers.http_servers import json_reply, serve

pytestmark = pytest.mark.django_db

RESCORE = "predictions.rescore_question"


@pytest.fixture
def resolved_question():
    """A closed question two forecasters forecast on, just resolved yes by an admin (its
    rescore now waits in the outbox)."""
    question = factories.closed_question_forecast_on(0.8, 0.3)
    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="It happened.", user=factories.StaffFactory()
    )
    return question


def kept_rescore(question) -> OutboxTask:
    return OutboxTask.objects.get(task_name=RESCORE, args=[question.pk])


def deliver(task, row: OutboxTask, *args):
    """What a worker does with the row's message (the task id is the row's)."""
    return task.apply(args=args or row.args, task_id=row.celery_task_id)


class TestEnqueue:
    def test_a_task_is_kept_only_if_its_change_commits(
        self, broker, django_capture_on_commit_callbacks
    ):
        question = factories.ClosedQuestionFactory()
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            resolution_services.resolution_record(
                question=question, outcome="yes", rationale="r", user=factories.StaffFactory()
            )
            raise RuntimeError("the change fails after the resolution was written")

        assert not OutboxTask.objects.exists()
        assert broker.sent == []

    def test_a_committed_task_is_published_with_its_row_as_the_task_id(
        self, broker, django_capture_on_commit_callbacks
    ):
        question = factories.ClosedQuestionFactory()
        with django_capture_on_commit_callbacks(execute=True):
            resolution_services.resolution_record(
                question=question, outcome="yes", rationale="r", user=factories.StaffFactory()
            )

        row = kept_rescore(question)
        assert broker.sent == [(RESCORE, [question.pk], row.celery_task_id)]
        assert row.celery_task_id == f"{settings.INSTANCE_NAME}.outbox-{row.pk}"
        assert row.state == OutboxTask.State.PUBLISHED and row.published_at is not None

    def test_while_redis_is_down_tasks_wait_and_the_relay_publishes_them_later(
        self, broker, django_capture_on_commit_callbacks
    ):
        broker.down = True
        questions = [factories.ClosedQuestionFactory() for _ in range(3)]
        for question in questions:
            with django_capture_on_commit_callbacks(execute=True):
                resolution_services.resolution_record(
                    question=question, outcome="no", rationale="r", user=factories.StaffFactory()
                )
        rows = [kept_rescore(question) for question in questions]
        assert {row.state for row in rows} == {OutboxTask.State.PENDING}
        assert rows[0].last_error.startswith("publish failed: ConnectionRefusedError")

        attempts = broker.attempts
        assert relay_outbox() == 0
        # One failed publish tells the relay Redis is still down: it does not spend the
        # publish timeout once per waiting row.
        assert broker.attempts == attempts + 1

        broker.down = False
        assert relay_outbox() == 3
        assert [args for _, args, _ in broker.sent] == [[question.pk] for question in questions]
        for row in rows:
            row.refresh_from_db()
            assert (row.state, row.last_error) == (OutboxTask.State.PUBLISHED, "")
        assert relay_outbox() == 0  # nothing is published twice

    def test_a_batch_claimed_while_redis_is_down_tries_one_publish_not_one_per_check(
        self, broker, django_capture_on_commit_callbacks
    ):
        sources = [
            ResolutionSource.objects.create(
                question=factories.QuestionFactory(),
                kind="http_json",
                config={},
                next_check_at=timezone.now() - timedelta(minutes=1),
            )
            for _ in range(5)
        ]
        broker.down = True

        with django_capture_on_commit_callbacks(execute=True):
            claimed = resolution_services.sources_claim_due()

        assert sorted(claimed) == sorted(source.pk for source in sources)
        assert broker.attempts == 1
        assert OutboxTask.objects.filter(state=OutboxTask.State.PENDING).count() == 5

        broker.down = False
        assert relay_outbox() == 5

    def test_the_sweeps_and_the_dispatcher_enqueue_through_the_outbox(self, resolved_question):
        due = ResolutionSource.objects.create(
            question=factories.QuestionFactory(),
            kind="http_json",
            config={},
            next_check_at=timezone.now() - timedelta(minutes=1),
        )
        lost = ResolutionSource.objects.create(
            question=factories.QuestionFactory(),
            kind="http_json",
            config={},
            claimed_at=timezone.now() - timedelta(hours=1),
        )
        OutboxTask.objects.all().delete()  # the resolution's own rescore

        resolution_services.sources_claim_due()
        sweep_lost_checks()
        rescore_stale()

        assert sorted(OutboxTask.objects.values_list("task_name", "args")) == [
            ("predictions.rescore_question", [resolved_question.pk]),
            ("resolvers.check_source", [due.pk]),
            ("resolvers.check_source", [lost.pk]),
        ]


class TestDelivery:
    def test_a_delivery_runs_the_task_and_a_duplicate_message_does_nothing(self, resolved_question):
        row = kept_rescore(resolved_question)

        deliver(rescore_question, row)
        assert QuestionScore.objects.filter(question=resolved_question).count() == 2
        row.refresh_from_db()
        assert (row.state, row.deliveries) == (OutboxTask.State.DONE, 1)

        QuestionScore.objects.all().delete()
        deliver(rescore_question, row)  # the same message, delivered again
        assert not QuestionScore.objects.exists()
        row.refresh_from_db()
        assert (row.state, row.deliveries) == (OutboxTask.State.DONE, 1)

    def test_a_task_that_keeps_dying_is_parked_after_the_limit_and_not_run(
        self, resolved_question, settings
    ):
        settings.OUTBOX_MAX_DELIVERIES = 3
        row = kept_rescore(resolved_question)
        # Three workers started it and died before it finished.
        OutboxTask.objects.filter(pk=row.pk).update(state=OutboxTask.State.PUBLISHED, deliveries=3)

        deliver(rescore_question, row)

        assert not QuestionScore.objects.exists()
        row.refresh_from_db()
        assert (row.state, row.deliveries) == (OutboxTask.State.PARKED, 4)
        assert "3 starts died before finishing" in row.last_error

        deliver(rescore_question, row)  # a stray copy of the message stays parked
        row.refresh_from_db()
        assert (row.state, row.deliveries) == (OutboxTask.State.PARKED, 4)

    def test_the_limit_is_a_setting(self, resolved_question, settings):
        settings.OUTBOX_MAX_DELIVERIES = 1
        row = kept_rescore(resolved_question)
        OutboxTask.objects.filter(pk=row.pk).update(deliveries=1)

        deliver(rescore_question, row)

        row.refresh_from_db()
        assert row.state == OutboxTask.State.PARKED

    def test_retries_the_task_asks_for_do_not_count_and_a_final_failure_parks_it(self, settings):
        settings.OUTBOX_MAX_DELIVERIES = 2
        with serve({"/stats": json_reply({"error": "busy"}, status=503)}) as server:
            source = resolution_services.source_add(
                question=factories.QuestionFactory(),
                kind="http_json",
                config={
                    "url": server.url("/stats"),
                    "expression": "downloads",
                    "comparator": ">=",
                    "threshold": 1,
                },
            )
            row = outbox.outbox_enqueue(task_name="resolvers.check_source", args=[source.pk])

            deliver(check_source, row)  # eager: its retries run at once, under the same id

            attempts = server.hits("/stats")
        assert attempts == 1 + check_source.max_retries
        assert Check.objects.filter(source=source).count() == attempts
        row.refresh_from_db()
        assert row.deliveries == attempts
        assert row.state == OutboxTask.State.PARKED
        assert row.last_error.startswith("failed: TransientCheckError")

    def test_a_task_published_without_the_outbox_runs_uncounted(self, resolved_question):
        OutboxTask.objects.all().delete()

        rescore_question.apply(args=[resolved_question.pk])

        assert QuestionScore.objects.filter(question=resolved_question).count() == 2
        assert not OutboxTask.objects.exists()


class TestAdmin:
    @pytest.fixture
    def admin_browser(self, staff_user) -> Client:
        browser = Client()
        browser.force_login(staff_user)
        return browser

    def test_parked_tasks_are_listed_and_requeued(
        self, admin_browser, resolved_question, broker, django_capture_on_commit_callbacks
    ):
        parked = kept_rescore(resolved_question)
        OutboxTask.objects.filter(pk=parked.pk).update(
            state=OutboxTask.State.PARKED, deliveries=4, last_error="parked: never finished"
        )
        done = OutboxTask.objects.create(task_name=RESCORE, args=[0], state="done")

        listing = admin_browser.get("/admin/predictions/outboxtask/?state__exact=parked")
        assert listing.status_code == 200
        assert "parked: never finished" in listing.content.decode()

        with django_capture_on_commit_callbacks(execute=True):
            response = admin_browser.post(
                "/admin/predictions/outboxtask/",
                {"action": "requeue", "_selected_action": [parked.pk, done.pk]},
                follow=True,
            )

        assert "Re-queued 1 parked task(s). 1 not parked" in response.content.decode()
        parked.refresh_from_db()
        assert (parked.state, parked.deliveries, parked.last_error) == ("published", 0, "")
        assert broker.sent == [(RESCORE, [resolved_question.pk], parked.celery_task_id)]
        done.refresh_from_db()
        assert done.state == OutboxTask.State.DONE

    def test_rows_cannot_be_added_or_edited_in_the_admin(self, admin_browser, resolved_question):
        row = kept_rescore(resolved_question)

        assert admin_browser.get("/admin/predictions/outboxtask/add/").status_code == 403
        page = admin_browser.get(f"/admin/predictions/outboxtask/{row.pk}/change/")
        assert page.status_code == 200 and 'name="state"' not in page.content.decode()


def test_pruning_deletes_only_rows_done_long_ago(settings):
    settings.OUTBOX_KEEP_DONE = timedelta(days=7)
    long_ago = timezone.now() - timedelta(days=8)
    old_done = OutboxTask.objects.create(task_name=RESCORE, state="done", finished_at=long_ago)
    recent_done = OutboxTask.objects.create(
        task_name=RESCORE, state="done", finished_at=timezone.now()
    )
    old_parked = OutboxTask.objects.create(task_name=RESCORE, state="parked", finished_at=long_ago)
    old_pending = OutboxTask.objects.create(task_name=RESCORE, state="pending")
    OutboxTask.objects.filter(pk=old_pending.pk).update(created_at=long_ago)

    assert prune_outbox() == 1

    assert set(OutboxTask.objects.values_list("pk", flat=True)) == {
        recent_done.pk,
        old_parked.pk,
        old_pending.pk,
    }
    assert not OutboxTask.objects.filter(pk=old_done.pk).exists()


def test_check_now_in_the_sources_admin_enqueues_checks_through_the_outbox(
    staff_user, broker, django_capture_on_commit_callbacks
):
    source = ResolutionSource.objects.create(
        question=factories.QuestionFactory(), kind="http_json", config={}
    )
    browser = Client()
    browser.force_login(staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/admin/resolvers/resolutionsource/",
            {"action": "check_now", "_selected_action": [source.pk]},
            follow=True,
        )

    assert "Enqueued 1 check(s)." in response.content.decode()
    row = OutboxTask.objects.get(task_name="resolvers.check_source")
    assert broker.sent == [("resolvers.check_source", [source.pk], row.celery_task_id)]
