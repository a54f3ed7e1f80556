"""Emails to forecasters: closing reminders and resolution notices, each sent at most once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone

from predictions import notifications, rescoring
from predictions.models import Notification
from predictions.tasks import send_closing_reminders, send_resolution_notices
from registry.models import Forecaster
from resolvers import services as resolution_services
from resolvers.models import Resolution
from tests import factories

pytestmark = pytest.mark.django_db

REMINDER = Notification.Kind.CLOSING_REMINDER
NOTICE = Notification.Kind.RESOLVED_NOTICE


def closing_in(delta: timedelta, **kwargs):
    now = timezone.now()
    return factories.QuestionFactory(
        opens_at=now - timedelta(days=10), closes_at=now + delta, **kwargs
    )


def forecast(forecaster, question, p=0.7, days_ago=0):
    return factories.ForecastFactory(
        forecaster=forecaster,
        question=question,
        probabilities=[p],
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )


def recipients(outbox) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://hindsight.example"
    return settings.SITE_URL


# --- Closing reminders


def test_reminder_for_a_question_closing_within_a_day(alice, mailoutbox, site_url):
    soon = closing_in(timedelta(hours=20), title="Will the model ship by Friday?")
    later = closing_in(timedelta(days=3))
    forecast(alice, soon, p=0.65)
    forecast(alice, later)

    report = notifications.closing_reminders_send()

    assert report.sent == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["alice@example.org"]
    assert "Will the model ship by Friday?" in message.subject
    assert "Will the model ship by Friday?" in message.body
    assert f"https://hindsight.example/questions/{soon.slug}/" in message.body
    assert "https://hindsight.example/accounts/" in message.body
    assert "65% Yes" in message.body
    assert "about 20 hours" in message.body
    assert Notification.objects.filter(kind=REMINDER, forecaster=alice, question=soon).exists()
    assert not Notification.objects.filter(question=later).exists()


def test_reminder_links_to_the_default_site_url(alice, mailoutbox, settings):
    if hasattr(settings, "SITE_URL"):
        del settings.SITE_URL
    question = closing_in(timedelta(hours=20))
    forecast(alice, question)

    notifications.closing_reminders_send()

    assert f"http://127.0.0.1:8000/questions/{question.slug}/" in mailoutbox[0].body


def test_a_title_with_a_line_break_still_gets_its_reminder_on_one_line(alice, mailoutbox):
    question = closing_in(timedelta(hours=5), title="Will the lab\npublish the weights?")
    forecast(alice, question)

    report = notifications.closing_reminders_send()

    assert report.sent == 1
    (message,) = mailoutbox
    assert message.subject == "Closes within a day: Will the lab publish the weights?"
    message.message()  # the headers the mail library would send: no BadHeaderError


def test_no_reminder_for_a_question_closing_in_three_days(alice, mailoutbox):
    forecast(alice, closing_in(timedelta(days=3)))

    assert notifications.closing_reminders_send().sent == 0
    assert mailoutbox == []


def test_reminder_goes_only_to_reachable_holders(alice, bob, mailoutbox):
    question = closing_in(timedelta(hours=20))
    bob.email_notifications = False
    bob.save()
    no_email = factories.HumanForecasterFactory(user__username="carol", user__email="")
    inactive = factories.HumanForecasterFactory(user__username="dave", user__is_active=False)
    pundit = factories.PunditFactory()
    for forecaster in (alice, bob, no_email, inactive, pundit):
        forecast(forecaster, question)
    factories.HumanForecasterFactory(user__username="erin")  # no forecast on it

    notifications.closing_reminders_send()

    assert recipients(mailoutbox) == ["alice@example.org"]
    assert set(Notification.objects.values_list("forecaster__handle", flat=True)) == {"alice"}


def test_one_reminder_per_forecaster_however_many_forecasts(alice, mailoutbox):
    question = closing_in(timedelta(hours=20))
    forecast(alice, question, p=0.2, days_ago=3)
    forecast(alice, question, p=0.4, days_ago=1)

    notifications.closing_reminders_send()

    assert len(mailoutbox) == 1
    assert "40% Yes" in mailoutbox[0].body  # the latest forecast


def test_reminder_is_sent_once_across_runs(alice, bob, mailoutbox):
    question = closing_in(timedelta(hours=20))
    forecast(alice, question)

    first = notifications.closing_reminders_send()
    forecast(bob, question)  # bob joins between the runs
    second = notifications.closing_reminders_send()
    third = notifications.closing_reminders_send()

    assert (first.sent, second.sent, third.sent) == (1, 1, 0)
    assert recipients(mailoutbox) == ["alice@example.org", "bob@example.org"]
    assert Notification.objects.filter(kind=REMINDER).count() == 2


def test_no_reminder_for_drafts_closed_or_resolving_questions(alice, staff_user, mailoutbox):
    now = timezone.now()
    draft = closing_in(timedelta(hours=20), published_at=None)
    closed = factories.QuestionFactory(
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(hours=1)
    )
    resolving = closing_in(timedelta(hours=20))
    for question in (draft, closed, resolving):
        forecast(alice, question, days_ago=2)
    resolution_services.resolution_propose(
        question=resolving, outcome="yes", rationale="Announced early."
    )

    notifications.closing_reminders_send()

    assert mailoutbox == []


def test_multiple_choice_reminder_lists_every_option(alice, mailoutbox):
    now = timezone.now()
    question = factories.MultipleChoiceQuestionFactory(
        opens_at=now - timedelta(days=2), closes_at=now + timedelta(hours=5)
    )
    factories.ForecastFactory(forecaster=alice, question=question, probabilities=[0.5, 0.3, 0.2])

    notifications.closing_reminders_send()

    assert "United States 50%, China 30%, Europe 20%" in mailoutbox[0].body


def test_a_failed_send_is_rolled_back_and_retried(alice, bob, mailoutbox, monkeypatch):
    question = closing_in(timedelta(hours=20))
    forecast(alice, question)
    forecast(bob, question)
    original_send = EmailMessage.send

    def refuse_alice(message, *args, **kwargs):
        if message.to == ["alice@example.org"]:
            raise ConnectionRefusedError("mail server said no")
        return original_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", refuse_alice)
    report = notifications.closing_reminders_send()

    assert (report.sent, report.failed) == (1, 1)
    assert "mail server said no" in report.errors[0]
    assert recipients(mailoutbox) == ["bob@example.org"]
    assert not Notification.objects.filter(forecaster=alice).exists()

    monkeypatch.setattr(EmailMessage, "send", original_send)
    report = notifications.closing_reminders_send()

    assert (report.sent, report.failed) == (1, 0)
    assert recipients(mailoutbox) == ["alice@example.org", "bob@example.org"]


def test_a_run_stops_after_repeated_failures(mailoutbox, monkeypatch):
    question = closing_in(timedelta(hours=20))
    for _ in range(notifications.MAX_CONSECUTIVE_FAILURES + 2):
        forecast(factories.HumanForecasterFactory(), question)

    def refuse(message, *args, **kwargs):
        raise ConnectionRefusedError("down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    report = notifications.closing_reminders_send()

    assert report.failed == notifications.MAX_CONSECUTIVE_FAILURES
    assert Notification.objects.count() == 0


def test_an_existing_record_means_already_sent(alice, mailoutbox):
    question = closing_in(timedelta(hours=20))
    forecast(alice, question)
    Notification.objects.create(kind=REMINDER, forecaster=alice, question=question)

    sent = notifications.notification_send_once(
        kind=REMINDER,
        forecaster=alice,
        question=question,
        build=lambda: pytest.fail("must not build a message that will not be sent"),
    )

    assert sent is False
    assert notifications.closing_reminders_send().sent == 0
    assert mailoutbox == []


@pytest.mark.postgresql_only(reason="two runs on separate connections to a server database")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_once(mailoutbox, monkeypatch):
    """Run B starts while run A is still sending: B's insert waits for A's commit, then
    finds A's row and sends nothing."""
    alice = factories.HumanForecasterFactory(user__username="alice")
    question = closing_in(timedelta(hours=20))
    forecast(alice, question)
    original_send = EmailMessage.send
    sending = threading.Event()

    def slow_send(message, *args, **kwargs):
        sending.set()
        time.sleep(0.5)  # A holds its uncommitted row while B tries to insert the same
        return original_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", slow_send)
    reports = {}

    def run(name):
        try:
            reports[name] = notifications.closing_reminders_send()
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("a",))
    first.start()
    assert sending.wait(5)
    second = threading.Thread(target=run, args=("b",))
    second.start()
    first.join(10)
    second.join(10)

    assert reports["a"].sent == 1
    # B saw no record yet, tried to insert one, waited for A, then found A's.
    assert (reports["b"].sent, reports["b"].skipped, reports["b"].failed) == (0, 1, 0)
    assert len(mailoutbox) == 1
    assert Notification.objects.count() == 1


# --- Resolution notices


@pytest.fixture
def resolved(alice, bob, staff_user):
    """A closed question alice (80%) and bob (30%) forecast on, resolved Yes and scored."""
    question = factories.ClosedQuestionFactory(title="Will the lab publish the weights?")
    forecast(alice, question, p=0.8, days_ago=30)
    forecast(bob, question, p=0.3, days_ago=30)
    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="Published.", user=staff_user
    )
    rescoring.rescore_question(question_id=question.pk)
    return question


def test_resolution_notice_with_the_score(resolved, alice, bob, mailoutbox, site_url):
    report = notifications.resolution_notices_send()

    assert report.sent == 2
    assert recipients(mailoutbox) == ["alice@example.org", "bob@example.org"]
    to_alice = next(m for m in mailoutbox if m.to == ["alice@example.org"])
    score = alice.question_scores.get(question=resolved)
    assert "Will the lab publish the weights?" in to_alice.subject
    assert "has resolved: Yes" in to_alice.body
    assert f"Brier score: {score.brier:.3f}" in to_alice.body
    assert f"Relative score: {score.relative_score:+.3f}" in to_alice.body
    assert "better than the crowd" in to_alice.body
    assert f"https://hindsight.example/questions/{resolved.slug}/" in to_alice.body
    assert "https://hindsight.example/accounts/" in to_alice.body
    to_bob = next(m for m in mailoutbox if m.to == ["bob@example.org"])
    assert "worse than the crowd" in to_bob.body


def test_resolution_notice_is_sent_once(resolved, mailoutbox):
    notifications.resolution_notices_send()
    notifications.resolution_notices_send()

    assert len(mailoutbox) == 2
    assert Notification.objects.filter(kind=NOTICE, question=resolved).count() == 2


def test_resolution_notice_respects_the_opt_out(resolved, bob, mailoutbox):
    bob.email_notifications = False
    bob.save()

    notifications.resolution_notices_send()

    assert recipients(mailoutbox) == ["alice@example.org"]


def test_annulled_questions_get_no_notice(alice, staff_user, mailoutbox):
    question = factories.ClosedQuestionFactory()
    forecast(alice, question, days_ago=30)
    resolution_services.resolution_annul(question=question, rationale="Void.", user=staff_user)
    rescoring.rescore_question(question_id=question.pk)

    assert notifications.resolution_notices_send().sent == 0
    assert mailoutbox == []


def test_annulled_after_scoring_gets_no_notice(resolved, staff_user, mailoutbox):
    resolution_services.resolution_annul(question=resolved, rationale="Void.", user=staff_user)
    # Scores of the superseded outcome linger until the rescore runs: still no notice.
    notifications.resolution_notices_send()
    rescoring.rescore_question(question_id=resolved.pk)
    notifications.resolution_notices_send()

    assert mailoutbox == []


def test_no_notice_before_the_outcome_is_final_and_scored(alice, staff_user, mailoutbox):
    question = factories.ClosedQuestionFactory()
    forecast(alice, question, days_ago=30)
    proposed = resolution_services.resolution_propose(
        question=question, outcome="no", rationale="Not seen."
    )
    rescoring.rescore_question(question_id=question.pk)
    assert notifications.resolution_notices_send().sent == 0

    resolution_services.resolution_confirm(resolution=proposed, user=staff_user)
    assert notifications.resolution_notices_send().sent == 0  # final, but not scored yet

    rescoring.rescore_question(question_id=question.pk)
    assert notifications.resolution_notices_send().sent == 1
    assert "has resolved: No" in mailoutbox[0].body


def test_no_notice_for_outcomes_final_long_ago(resolved, mailoutbox):
    Resolution.objects.filter(question=resolved).update(
        finalized_at=timezone.now() - notifications.RESOLUTION_NOTICE_MAX_AGE - timedelta(hours=1)
    )

    assert notifications.resolution_notices_send().sent == 0
    assert mailoutbox == []


def test_unscored_forecasters_get_no_notice(resolved, mailoutbox):
    # Carol forecast after the question closed: kept, never scored, so nothing to tell.
    late = factories.HumanForecasterFactory(user__username="carol")
    forecast(late, resolved, days_ago=0)
    rescoring.rescore_question(question_id=resolved.pk)

    notifications.resolution_notices_send()

    assert "carol@example.org" not in recipients(mailoutbox)


# --- The Celery tasks and their schedule


def test_tasks_call_the_services(alice, resolved, mailoutbox):
    question = closing_in(timedelta(hours=20))
    forecast(alice, question)

    assert send_closing_reminders()["sent"] == 1
    assert send_resolution_notices()["sent"] == 2
    assert send_closing_reminders()["sent"] == 0
    assert send_resolution_notices()["sent"] == 0
    assert len(mailoutbox) == 3


def test_tasks_are_registered_on_the_beat_schedule():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["send-closing-reminders"] == {
        "task": "predictions.send_closing_reminders",
        "schedule": timedelta(minutes=15),
    }
    assert schedule["send-resolution-notices"] == {
        "task": "predictions.send_resolution_notices",
        "schedule": timedelta(minutes=5),
    }
    assert send_closing_reminders.name == "predictions.send_closing_reminders"
    assert send_resolution_notices.name == "predictions.send_resolution_notices"


def test_forecasters_without_a_user_are_never_reachable():
    factories.PunditFactory()
    assert not notifications.reachable_forecasters().exists()
    assert Forecaster.objects.count() == 1
