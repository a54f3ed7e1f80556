"""Notices to forecasters and followers: closing reminders, proposed outcomes, resolution
notices, stale forecasts, followed forecasters and sources; each sent at most once, at once
or in the daily digest, by email (with its unsubscribe link) and to a webhook."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.test import Client
from django.utils import timezone

from predictions import follow_notices, notification_delivery, notifications, rescoring
from predictions.follow_models import Follow, NotificationSettings
from predictions.models import Notification, OutboxTask, QuestionScore
from predictions.tasks import (
    NoticesNotSent,
    send_closing_reminders,
    send_daily_digests,
    send_followed_source_notices,
    send_proposal_notices,
    send_resolution_notices,
    send_stale_forecast_notices,
)
from registry.models import Forecaster
from resolvers import services as resolution_services
from resolvers.models import Resolution
from tests import factories
from tests.resolvers.http_servers import serve

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


def test_the_emailed_score_is_rounded_as_the_question_page_rounds_it(resolved):
    # 0.1525 is 0.153 on the page (floatformat); Python's :.3f of the float says 0.152.
    resolution = resolved.resolutions.get()
    score = QuestionScore(brier=0.1525, relative_score=-0.0060699, days=6, window_days=236)

    text = notifications.resolution_notice_message(
        question=resolved, resolution=resolution, score=score, forecast=True
    ).text

    assert "Brier score: 0.153 (" in text and "Relative score: -0.006, better" in text
    assert f"{0.1525:.3f}" == "0.152" and "0.152" not in text


def test_an_unscored_forecaster_is_told_the_outcome_and_why_there_is_no_score(resolved, mailoutbox):
    # Carol forecast after the question closed: kept, never scored.
    late = factories.HumanForecasterFactory(user__username="carol")
    forecast(late, resolved, days_ago=0)
    rescoring.rescore_question(question_id=resolved.pk)

    notifications.resolution_notices_send()

    to_carol = next(m for m in mailoutbox if m.to == ["carol@example.org"])
    assert "has resolved: Yes" in to_carol.body
    assert "Brier score" not in to_carol.body
    assert "yours counts for no days and is not scored" in to_carol.body
    assert "the days up to the one before the outcome became known" in to_carol.body
    assert "day after it is made" not in to_carol.body


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


# --- Followers, the other notice kinds, the digest, unsubscribing and webhooks


def follow(follower, **target):
    return Follow.objects.create(follower=follower, **target)


def only(outbox, address):
    (message,) = [m for m in outbox if m.to == [address]]
    return message


def unsubscribe_link(message) -> str:
    """The one-click link of the email's header, which its body shows too."""
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body
    return link.removeprefix(settings.SITE_URL.rstrip("/"))


def test_a_follower_without_a_forecast_gets_the_closing_reminder(alice, bob, mailoutbox):
    question = closing_in(timedelta(hours=10))
    follow(alice, question=question)
    factories.HumanForecasterFactory(user__username="carol")  # neither follows nor forecasts

    report = notifications.closing_reminders_send()
    again = notifications.closing_reminders_send()

    assert (report.sent, again.sent) == (1, 0)
    message = only(mailoutbox, "alice@example.org")
    assert "You follow this question and have not forecast on it." in message.body
    assert "Your latest forecast" not in message.body


def test_a_follower_who_also_forecasts_gets_one_reminder(alice, mailoutbox):
    question = closing_in(timedelta(hours=10))
    forecast(alice, question, p=0.3)
    follow(alice, question=question)

    notifications.closing_reminders_send()

    assert len(mailoutbox) == 1
    assert "30% Yes" in mailoutbox[0].body


def test_every_email_carries_a_one_click_unsubscribe_for_its_kind(alice, mailoutbox):
    question = closing_in(timedelta(hours=10))
    forecast(alice, question)
    notifications.closing_reminders_send()
    (message,) = mailoutbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    response = Client().post(unsubscribe_link(message))  # no log-in, no CSRF token

    assert response.status_code == 200
    later = closing_in(timedelta(hours=12))
    forecast(alice, later)
    assert notifications.closing_reminders_send().sent == 0
    assert len(mailoutbox) == 1


def test_a_kind_switched_off_is_not_sent_and_others_are(alice, bob, staff_user, mailoutbox):
    NotificationSettings.objects.create(forecaster=alice, closing_reminder=False)
    question = closing_in(timedelta(hours=10))
    forecast(alice, question)
    forecast(bob, question)

    notifications.closing_reminders_send()

    assert recipients(mailoutbox) == ["bob@example.org"]
    assert not Notification.objects.filter(forecaster=alice).exists()


# --- A proposed outcome


@pytest.fixture
def proposed(alice, bob, settings):
    """A closed question alice forecast on and bob follows, with an outcome proposed."""
    settings.RESOLUTION_DISPUTE_WINDOW = timedelta(hours=48)
    question = factories.ClosedQuestionFactory(title="Will the lab publish the weights?")
    forecast(alice, question, p=0.8, days_ago=30)
    follow(bob, question=question)
    factories.HumanForecasterFactory(user__username="carol")  # has nothing to do with it
    resolution = resolution_services.resolution_propose(
        question=question, outcome="yes", rationale="The weights are on the Hub."
    )
    return resolution


def test_a_proposal_enqueues_its_notices_with_its_change(proposed):
    (task,) = OutboxTask.objects.filter(task_name="predictions.send_proposal_notices")
    assert task.args == [proposed.pk]


def test_forecasters_and_followers_are_told_of_a_proposal_once(proposed, mailoutbox, site_url):
    result = send_proposal_notices.apply(args=[proposed.pk]).get()
    again = notifications.proposal_notices_send(resolution_id=proposed.pk)

    assert (result["sent"], again.sent) == (2, 0)
    assert recipients(mailoutbox) == ["alice@example.org", "bob@example.org"]
    to_alice = only(mailoutbox, "alice@example.org")
    ends = proposed.created_at + timedelta(hours=48)
    assert to_alice.subject == "Outcome proposed: Will the lab publish the weights?"
    assert "An outcome is proposed" in to_alice.body and ": Yes." in to_alice.body
    assert "The weights are on the Hub." in to_alice.body
    assert f"It becomes final at {ends:%Y-%m-%d %H:%M} UTC" in to_alice.body
    link = f"https://hindsight.example/questions/{proposed.question.slug}/#dispute-window"
    assert f"so you may dispute it until then: {link}" in to_alice.body
    to_bob = only(mailoutbox, "bob@example.org")
    assert "Forecasters who forecast on the question may dispute it" in to_bob.body
    assert link in to_bob.body


def test_no_proposal_notice_once_it_is_superseded_or_its_window_passed(
    proposed, staff_user, mailoutbox, settings
):
    settings.RESOLUTION_DISPUTE_WINDOW = timedelta(0)
    assert notifications.proposal_notices_send(resolution_id=proposed.pk).sent == 0

    settings.RESOLUTION_DISPUTE_WINDOW = timedelta(hours=48)
    resolution_services.resolution_confirm(resolution=proposed, user=staff_user)
    assert notifications.proposal_notices_send(resolution_id=proposed.pk).sent == 0
    assert notifications.proposal_notices_send(resolution_id=999_999).sent == 0
    assert mailoutbox == []


def test_a_failed_proposal_notice_makes_the_task_retry(proposed, mailoutbox, monkeypatch):
    def refuse(message, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)

    with pytest.raises(NoticesNotSent):
        send_proposal_notices.run(proposed.pk)
    assert not Notification.objects.exists()


# --- Resolution


def test_a_follower_is_told_the_outcome_without_a_score(resolved, mailoutbox):
    carol = factories.HumanForecasterFactory(user__username="carol")
    follow(carol, question=resolved)

    notifications.resolution_notices_send()

    to_carol = only(mailoutbox, "carol@example.org")
    assert "has resolved: Yes" in to_carol.body
    assert "Brier" not in to_carol.body and "not scored" not in to_carol.body
    assert len(mailoutbox) == 3


# --- Stale forecasts


@pytest.fixture
def moved_crowd(alice, bob, settings):
    """Alice said 20% twenty days ago; bob and carol said 90% since: the crowd moved."""
    settings.NOTIFICATION_STALE_DAYS = 14
    settings.NOTIFICATION_STALE_SHIFT = 0.10
    now = timezone.now()
    question = factories.QuestionFactory(
        title="Will an open model top the arena?",
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=30),
    )
    forecast(alice, question, p=0.2, days_ago=20)
    forecast(bob, question, p=0.9, days_ago=10)
    carol = factories.HumanForecasterFactory(user__username="carol")
    forecast(carol, question, p=0.9, days_ago=10)
    return question


def test_a_stale_forecast_is_told_once_to_its_forecaster_only(moved_crowd, mailoutbox):
    report = notifications.stale_forecast_notices_send()
    again = notifications.stale_forecast_notices_send()

    assert (report.sent, again.sent) == (1, 0)
    (message,) = mailoutbox
    assert message.to == ["alice@example.org"]
    assert "has stood unchanged for 20 days: 20% Yes" in message.body
    assert "the crowd's median moved from 20% Yes to 90% Yes" in message.body


def test_no_stale_notice_while_the_crowd_moved_less_than_the_setting(
    moved_crowd, mailoutbox, settings
):
    settings.NOTIFICATION_STALE_SHIFT = 0.75

    assert notifications.stale_forecast_notices_send().sent == 0


def test_no_stale_notice_before_the_days_of_the_setting(moved_crowd, mailoutbox, settings):
    settings.NOTIFICATION_STALE_DAYS = 21

    assert notifications.stale_forecast_notices_send().sent == 0


def test_an_update_makes_a_forecast_fresh(moved_crowd, alice, mailoutbox):
    forecast(alice, moved_crowd, p=0.85, days_ago=1)

    assert notifications.stale_forecast_notices_send().sent == 0


# --- Followed forecasters: the daily digest


@pytest.fixture
def carol(db):
    return factories.HumanForecasterFactory(user__username="carol")


def test_a_followed_forecasters_new_questions_come_in_one_digest(alice, bob, carol, mailoutbox):
    follow(carol, forecaster=bob)
    before = factories.QuestionFactory(title="Forecast before the follow")
    forecast(bob, before, days_ago=1)
    Follow.objects.filter(follower=carol).update(created_at=timezone.now() - timedelta(hours=12))
    first = factories.QuestionFactory(title="Will the first thing happen?")
    second = factories.QuestionFactory(title="Will the second thing happen?")
    forecast(bob, first)
    forecast(bob, first)  # an update is not a new question
    forecast(bob, second)
    forecast(alice, second)  # nobody follows alice

    result = send_daily_digests()

    assert result["collected"]["queued"] == 2
    (digest,) = mailoutbox
    assert digest.to == ["carol@example.org"]
    assert digest.subject == "Your Hindsight digest: 2 notices"
    assert "Will the first thing happen?" in digest.body
    assert "Will the second thing happen?" in digest.body
    assert "Forecast before the follow" not in digest.body
    assert "70% Yes" not in digest.body  # the forecast itself stays private
    assert digest.extra_headers["List-Unsubscribe"].startswith("<")

    third = factories.QuestionFactory(title="Will a third thing happen?")
    forecast(bob, third)
    send_daily_digests()  # run again the same day: no second digest
    assert len(mailoutbox) == 1
    assert Notification.objects.get(question=third).pending_digest is True


def test_the_next_days_digest_brings_what_waited(bob, carol, mailoutbox):
    follow(carol, forecaster=bob)
    Follow.objects.update(created_at=timezone.now() - timedelta(hours=1))
    question = factories.QuestionFactory(title="Will it happen tomorrow?")
    forecast(bob, question)
    NotificationSettings.objects.create(
        forecaster=carol, last_digest_sent_at=timezone.now() - timedelta(hours=2)
    )
    send_daily_digests()
    assert mailoutbox == []

    tomorrow = timezone.now() + timedelta(days=1)
    follow_notices.daily_digests_send(now=tomorrow)

    (digest,) = mailoutbox
    assert "Will it happen tomorrow?" in digest.body


def test_the_digest_option_gathers_every_notice_of_the_day(alice, mailoutbox):
    NotificationSettings.objects.create(forecaster=alice, daily_digest=True)
    soon = closing_in(timedelta(hours=10), title="Will the first close?")
    also = closing_in(timedelta(hours=11), title="Will the second close?")
    forecast(alice, soon)
    forecast(alice, also)

    report = notifications.closing_reminders_send()

    assert (report.sent, report.queued) == (0, 2)
    assert mailoutbox == []
    assert notification_delivery.digests_send().sent == 1
    (digest,) = mailoutbox
    assert "1. Closes within a day: Will the first close?" in digest.body
    assert "2. Closes within a day: Will the second close?" in digest.body
    assert not Notification.objects.filter(pending_digest=True).exists()

    Client().post(unsubscribe_link(digest))  # the digest's header link stops every email
    alice.refresh_from_db()
    assert alice.email_notifications is False


def test_a_digests_notices_of_a_kind_switched_off_since_are_dropped(alice, mailoutbox):
    NotificationSettings.objects.create(forecaster=alice, daily_digest=True)
    forecast(alice, closing_in(timedelta(hours=10)))
    notifications.closing_reminders_send()
    NotificationSettings.objects.filter(forecaster=alice).update(closing_reminder=False)

    notification_delivery.digests_send()

    assert mailoutbox == []
    assert not Notification.objects.filter(pending_digest=True).exists()


# --- Followed sources


def test_a_new_question_from_a_followed_source_is_told_once_when_it_opens(
    alice, bob, mailoutbox, site_url
):
    source = factories.SourceFactory(title="Open models in 2026", slug="open-models-2026")
    follow(alice, source=source)
    Follow.objects.update(created_at=timezone.now() - timedelta(days=1))
    now = timezone.now()
    opened = factories.QuestionFactory(
        title="Will open models lead?", opens_at=now - timedelta(hours=1)
    )
    upcoming = factories.UpcomingQuestionFactory(title="Will it open later?")
    old = factories.QuestionFactory(title="Opened long ago", opens_at=now - timedelta(days=20))
    old.published_at = now - timedelta(days=20)
    old.save()
    for question in (opened, upcoming, old):
        factories.ClaimFactory(source=source, question=question)
    factories.ClaimFactory(question=factories.QuestionFactory())  # another source's

    report = send_followed_source_notices()
    again = follow_notices.followed_source_notices_send()

    assert (report["sent"], again.sent) == (1, 0)
    (message,) = mailoutbox
    assert message.to == ["alice@example.org"]
    assert 'A new question from "Open models in 2026" is open: "Will open models lead?"' in (
        message.body
    )
    assert "https://hindsight.example/sources/open-models-2026/" in message.body

    later = timezone.now() + timedelta(days=2)
    assert follow_notices.followed_source_notices_send(now=later).sent == 0  # not open yet


def test_a_question_that_opened_before_the_follow_is_not_news(alice, mailoutbox):
    source = factories.SourceFactory()
    question = factories.QuestionFactory(opens_at=timezone.now() - timedelta(hours=3))
    factories.ClaimFactory(source=source, question=question)
    follow(alice, source=source)

    assert follow_notices.followed_source_notices_send().sent == 0


# --- Webhooks


def webhook_account(forecaster, url, **fields):
    return NotificationSettings.objects.create(forecaster=forecaster, webhook_url=url, **fields)


def test_a_notice_is_posted_to_a_slack_webhook_too(alice, mailoutbox, settings):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    with serve({"/services/T/B/X": (200, [], b"ok")}) as server:
        webhook_account(alice, server.url("/services/T/B/X"))
        forecast(alice, closing_in(timedelta(hours=10), title="Will it ship?"))

        notifications.closing_reminders_send()

        (request,) = server.requests
    assert len(mailoutbox) == 1
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    text = json.loads(request.body)["text"]
    assert text.startswith("Closes within a day: Will it ship?")


def test_a_discord_webhook_gets_its_content_field(alice, mailoutbox, settings):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    with serve({"/api/webhooks/1/abc": (204, [], b"")}) as server:
        webhook_account(alice, server.url("/api/webhooks/1/abc"))
        forecast(alice, closing_in(timedelta(hours=10)))

        notifications.closing_reminders_send()

        (request,) = server.requests
    assert "Closes within a day" in json.loads(request.body)["content"]


def test_a_failing_webhook_holds_back_no_email_and_the_account_page_says_why(
    alice, mailoutbox, settings
):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    with serve({"/services/T/B/X": (500, [], b"down")}) as server:
        webhook_account(alice, server.url("/services/T/B/X"))
        forecast(alice, closing_in(timedelta(hours=10)))

        report = notifications.closing_reminders_send()

    assert (report.sent, report.failed, len(mailoutbox)) == (1, 0, 1)
    assert "HTTP 500" in NotificationSettings.objects.get(forecaster=alice).webhook_error
    client = Client()
    client.force_login(alice.user)
    assert "The last post to your webhook failed" in client.get("/accounts/").content.decode()


def test_an_account_without_email_is_reached_by_its_webhook_and_retried(settings, mailoutbox):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    dana = factories.HumanForecasterFactory(user__username="dana", user__email="")
    question = closing_in(timedelta(hours=10))
    forecast(dana, question)
    with serve({"/services/T/B/X": (503, [], b"busy")}) as server:
        webhook_account(dana, server.url("/services/T/B/X"))
        failed = notifications.closing_reminders_send()
        server.routes["/services/T/B/X"] = (200, [], b"ok")
        sent = notifications.closing_reminders_send()
        posts = server.hits("/services/T/B/X")

    assert (failed.failed, sent.sent, posts) == (1, 1, 2)
    assert mailoutbox == []


def test_a_webhook_never_reaches_a_private_address(alice, mailoutbox, settings):
    settings.RESOLVER_ALLOWED_HOSTS = []
    with serve({"/services/T/B/X": (200, [], b"ok")}) as server:
        # Stored before the rules (or by hand): the post is still refused at send time.
        webhook_account(alice, server.url("/services/T/B/X"))
        forecast(alice, closing_in(timedelta(hours=10)))

        notifications.closing_reminders_send()

        assert server.requests == []
    assert len(mailoutbox) == 1
    assert NotificationSettings.objects.get(forecaster=alice).webhook_error


# --- The schedule


def test_the_new_sweeps_are_on_the_beat_schedule():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["send-stale-forecast-notices"]["task"] == (
        "predictions.send_stale_forecast_notices"
    )
    assert schedule["send-followed-source-notices"]["task"] == (
        "predictions.send_followed_source_notices"
    )
    digest = schedule["send-daily-digests"]
    assert digest["task"] == send_daily_digests.name == "predictions.send_daily_digests"
    assert isinstance(digest["schedule"], crontab)  # once a day, at a set hour
    assert send_stale_forecast_notices.name == "predictions.send_stale_forecast_notices"
    assert send_followed_source_notices.name == "predictions.send_followed_source_notices"
