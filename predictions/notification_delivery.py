"""Delivering notices, each at most once per person, kind and question: by email with a
one-click unsubscribe, to the account's Slack or Discord webhook, or kept for the day's
digest.

Once-only rests on the Notification row and its unique constraint: the row is created in
the same transaction that decides to send, the email goes out after the insert, and a
failure to send rolls the row back so a later run retries. Two runs at once cannot both
send: the second one's insert waits for the first's transaction and then finds its row.

A webhook is a second channel, posted after the email: a failed post is noted on the
account (its page shows why) and not retried, so a broken webhook never holds back or
repeats the email. For an account with a webhook and no email, the webhook is the
channel, and a failed post is retried like a failed email.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from config.clock import database_now
from predictions.follow_models import NotificationSettings
from predictions.models import Notification
from predictions.unsubscribe import EVERY_EMAIL, unsubscribe_path
from predictions.webhooks import WebhookError, webhook_post
from registry.models import Forecaster, Question

logger = logging.getLogger(__name__)

# A run gives up after this many sends in a row fail (the mail server is probably down);
# the next run picks up what is left.
MAX_CONSECUTIVE_FAILURES = 5
# A digest goes out at most once in this long, however often its task runs.
DIGEST_MIN_GAP = timedelta(hours=20)
WEBHOOK_ERROR_CHARS = 500


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def question_url(question: Question) -> str:
    return f"{site_url()}/questions/{question.slug}/"


def one_line(text: str) -> str:
    """A title on one line: a line break (allowed in the model) would make the mail library
    refuse the header, and the notice would never go out."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Notice:
    """What to tell: a subject line, and the text between the greeting and the footer."""

    subject: str
    text: str

    @property
    def summary(self) -> str:
        """The notice as a digest lists it."""
        return f"{self.subject}\n{self.text}"


@dataclass
class SendReport:
    sent: int = 0
    queued: int = 0  # kept for the daily digest
    skipped: int = 0  # already sent (by an earlier or a concurrent run)
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Delivered(enum.Enum):
    SENT = "sent"
    QUEUED = "queued"
    ALREADY = "already"
    MUTED = "muted"  # the kind is switched off, or nothing can reach the account now


# --- Who can be told


def settings_of(forecaster: Forecaster) -> NotificationSettings:
    """The account's choices; the defaults (unsaved) when it never changed them."""
    found = NotificationSettings.objects.filter(forecaster=forecaster).first()
    return found or NotificationSettings(forecaster=forecaster)


def reachable_forecasters(kind: str | None = None) -> QuerySet[Forecaster]:
    """Forecasters something can reach, with an active login: an email address with email
    notifications on, or a webhook. With `kind`, those who have not switched it off."""
    with_webhook = NotificationSettings.objects.filter(forecaster=OuterRef("pk")).exclude(
        webhook_url=""
    )
    reachable = (
        Forecaster.objects.filter(user__isnull=False, user__is_active=True)
        .filter((Q(email_notifications=True) & ~Q(user__email="")) | Exists(with_webhook))
        .select_related("user")
    )
    if kind is not None:
        switched_off = NotificationSettings.objects.filter(
            forecaster=OuterRef("pk"), **{kind: False}
        )
        reachable = reachable.exclude(Exists(switched_off))
    return reachable


def not_yet_notified(kind: str, question: OuterRef | Question) -> Exists:
    return ~Exists(
        Notification.objects.filter(kind=kind, forecaster=OuterRef("pk"), question=question)
    )


def _emails_to(forecaster: Forecaster) -> bool:
    return bool(forecaster.email_notifications and forecaster.user and forecaster.user.email)


# --- Sending one notice


def _kind_label(kind: str) -> str:
    return "every notice" if kind == EVERY_EMAIL else str(Notification.Kind(kind).label)


def _footer(forecaster: Forecaster, kinds: Sequence[str], digest: bool) -> tuple[str, str]:
    """The footer's text, and the address of its main unsubscribe link (the header's): the
    notice's kind, or every email for a digest."""
    account = f"{site_url()}/accounts/#notice-settings"
    if not digest:
        link = site_url() + unsubscribe_path(forecaster_id=forecaster.pk, kind=kinds[0])
        lines = [
            f'You get this email because "{_kind_label(kinds[0])}" notices are on for your '
            "Hindsight account.",
            f"Stop these in one click, no log-in needed: {link}",
        ]
    else:
        link = site_url() + unsubscribe_path(forecaster_id=forecaster.pk, kind=EVERY_EMAIL)
        lines = ["You get this digest because notices are on for your Hindsight account."]
        lines += [
            f'Stop "{_kind_label(kind)}" notices: '
            f"{site_url()}{unsubscribe_path(forecaster_id=forecaster.pk, kind=kind)}"
            for kind in kinds
        ]
        lines.append(f"Stop every email, in one click: {link}")
    lines.append(f"All your notification settings: {account}")
    return "\n".join(lines), link


def _email(
    forecaster: Forecaster, notice: Notice, kinds: Sequence[str], digest: bool
) -> mail.EmailMessage:
    footer, unsubscribe = _footer(forecaster, kinds, digest)
    body = f"Hello {forecaster.display_name},\n\n{notice.text}\n\n-- \n{footer}"
    return mail.EmailMessage(
        subject=one_line(notice.subject),
        body=body,
        to=[forecaster.user.email],
        headers={
            # RFC 2369 and RFC 8058: mail programs show an unsubscribe button that POSTs here.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def notice_send(
    *,
    forecaster: Forecaster,
    notice: Notice,
    kinds: Sequence[str],
    preferences: NotificationSettings,
    connection=None,
    digest: bool = False,
) -> None:
    """Email the notice and post it to the webhook. Raises when the notice reached nobody
    through a channel that must work (the email; the webhook when it is the only one)."""
    emailed = _emails_to(forecaster)
    if emailed:
        message = _email(forecaster, notice, kinds, digest)
        if connection is not None:
            message.connection = connection
        message.send()
    if preferences.webhook_url:
        try:
            webhook_post(url=preferences.webhook_url, text=f"{notice.subject}\n\n{notice.text}")
        except WebhookError as error:
            if not emailed:
                raise
            logger.warning("webhook of %s failed: %s", forecaster.handle, error)
            _note_webhook_error(preferences, str(error))
        else:
            _note_webhook_error(preferences, "")


def _note_webhook_error(preferences: NotificationSettings, error: str) -> None:
    error = error[:WEBHOOK_ERROR_CHARS]
    if preferences.pk is not None and preferences.webhook_error != error:
        NotificationSettings.objects.filter(pk=preferences.pk).update(webhook_error=error)
        preferences.webhook_error = error


def notification_deliver_once(
    *,
    kind: str,
    forecaster: Forecaster,
    question: Question,
    build: Callable[[], Notice],
    connection=None,
    digest_only: bool = False,
) -> Delivered:
    """Record the notice and send it (or keep it for the digest, when the account asks for
    one or `digest_only`), or do neither.

    ALREADY when it was recorded before (by an earlier run, or a concurrent one whose
    transaction commits first). If it cannot be sent, the exception propagates and the
    row is rolled back, so a later run tries again.
    """
    preferences = settings_of(forecaster)
    if not preferences.wants(kind):
        return Delivered.MUTED
    try:
        with transaction.atomic():
            row, created = Notification.objects.get_or_create(
                kind=kind, forecaster=forecaster, question=question
            )
            if not created:
                return Delivered.ALREADY
            notice = build()
            if digest_only or preferences.daily_digest:
                row.pending_digest, row.summary = True, notice.summary
                row.save(update_fields=["pending_digest", "summary"])
                return Delivered.QUEUED
            notice_send(
                forecaster=forecaster,
                notice=notice,
                kinds=[kind],
                preferences=preferences,
                connection=connection,
            )
    except IntegrityError:
        # A concurrent run inserted the row between get_or_create's read and its write.
        return Delivered.ALREADY
    return Delivered.SENT


def notification_send_once(
    *,
    kind: str,
    forecaster: Forecaster,
    question: Question,
    build: Callable[[], Notice],
    connection=None,
) -> bool:
    """`notification_deliver_once`, saying only whether the notice was recorded now."""
    delivered = notification_deliver_once(
        kind=kind, forecaster=forecaster, question=question, build=build, connection=connection
    )
    return delivered in (Delivered.SENT, Delivered.QUEUED)


# --- Sending many


Job = tuple[str, Forecaster, Question, Callable[[], Notice]]


def send_all(jobs: Iterable[Job], *, digest_only: bool = False) -> SendReport:
    report = SendReport()
    consecutive_failures = 0
    # One connection for the whole run; if the mail server cannot be reached at all, this
    # raises before anything is recorded.
    with mail.get_connection() as connection:
        for kind, forecaster, question, build in jobs:
            try:
                delivered = notification_deliver_once(
                    kind=kind,
                    forecaster=forecaster,
                    question=question,
                    build=build,
                    connection=connection,
                    digest_only=digest_only,
                )
            except Exception as error:
                consecutive_failures += 1
                report.failed += 1
                report.errors.append(f"{kind} to {forecaster.handle} on {question.slug}: {error}")
                logger.warning(
                    "could not send %s to %s about %s; a later run retries",
                    kind,
                    forecaster.handle,
                    question.slug,
                    exc_info=True,
                )
                if consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
                    logger.warning("giving up this run after %s failures", consecutive_failures)
                    break
                continue
            consecutive_failures = 0
            if delivered is Delivered.SENT:
                report.sent += 1
            elif delivered is Delivered.QUEUED:
                report.queued += 1
            else:
                report.skipped += 1
    return report


# --- The daily digest


def _settings_locked(forecaster_id: int) -> NotificationSettings:
    """The account's settings row, made if missing, locked until the transaction ends."""
    try:
        with transaction.atomic():
            NotificationSettings.objects.get_or_create(forecaster_id=forecaster_id)
    except IntegrityError:
        pass  # made meanwhile by a concurrent run
    preferences = NotificationSettings.objects.select_for_update().get(forecaster_id=forecaster_id)
    preferences.forecaster = Forecaster.objects.select_related("user").get(pk=forecaster_id)
    return preferences


def digest_notice(rows: Sequence[Notification]) -> Notice:
    count = len(rows)
    parts = [f"{index}. {row.summary}" for index, row in enumerate(rows, start=1)]
    return Notice(
        subject=f"Your Hindsight digest: {count} notice{'s' if count != 1 else ''}",
        text="\n\n".join(parts),
    )


def digest_send_one(*, forecaster_id: int, now: datetime, connection=None) -> Delivered:
    """Send the account its digest of every notice kept for it, unless one went out less
    than DIGEST_MIN_GAP ago. Notices of a kind switched off since are dropped unsent."""
    with transaction.atomic():
        preferences = _settings_locked(forecaster_id)
        last = preferences.last_digest_sent_at
        if last is not None and now - last < DIGEST_MIN_GAP:
            return Delivered.ALREADY
        rows = list(
            Notification.objects.select_for_update()
            .filter(forecaster_id=forecaster_id, pending_digest=True)
            .order_by("sent_at", "pk")
        )
        wanted = [row for row in rows if preferences.wants(row.kind)]
        forecaster = preferences.forecaster
        reachable = reachable_forecasters().filter(pk=forecaster_id).exists()
        if wanted and reachable:
            kinds = list(dict.fromkeys(row.kind for row in wanted))
            notice_send(
                forecaster=forecaster,
                notice=digest_notice(wanted),
                kinds=kinds,
                preferences=preferences,
                connection=connection,
                digest=True,
            )
            preferences.last_digest_sent_at = now
            preferences.save(update_fields=["last_digest_sent_at"])
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(pending_digest=False)
    return Delivered.SENT if wanted and reachable else Delivered.MUTED


def digests_send(*, now: datetime | None = None) -> SendReport:
    """Send every account with notices kept for it its digest (at most one a day)."""
    now = now or database_now()
    report = SendReport()
    forecaster_ids = sorted(
        set(
            Notification.objects.filter(pending_digest=True).values_list("forecaster_id", flat=True)
        )
    )
    consecutive_failures = 0
    with mail.get_connection() as connection:
        for forecaster_id in forecaster_ids:
            try:
                delivered = digest_send_one(
                    forecaster_id=forecaster_id, now=now, connection=connection
                )
            except Exception as error:
                consecutive_failures += 1
                report.failed += 1
                report.errors.append(f"digest to forecaster {forecaster_id}: {error}")
                logger.warning("could not send the digest of %s", forecaster_id, exc_info=True)
                if consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
                    break
                continue
            consecutive_failures = 0
            if delivered is Delivered.SENT:
                report.sent += 1
            else:
                report.skipped += 1
    return report
