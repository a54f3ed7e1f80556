"""Writes of follows and of notification choices: follow, unfollow, the account's
settings, and unsubscribing through a signed link."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from config.errors import ApplicationError
from predictions.follow_models import Follow, NotificationSettings, Target, follow_target_type
from predictions.models import Notification
from predictions.unsubscribe import EVERY_EMAIL, Unsubscribe
from predictions.webhooks import webhook_url_problem
from registry.models import Forecaster, Question
from registry.services import forecaster_notifications_update


def follow_check(*, follower: Forecaster, target: Target) -> None:
    """Refuse (ApplicationError naming the field) a follow that cannot be."""
    kind = follow_target_type(target)
    if isinstance(target, Forecaster) and target.pk == follower.pk:
        raise ApplicationError.invalid_fields({kind: "is you; follow someone else"})
    if isinstance(target, Question) and target.published_at is None:
        raise ApplicationError.invalid_fields({kind: "is a draft; only published questions"})


def follow_add(*, follower: Forecaster, target: Target) -> tuple[Follow, bool]:
    """Follow the target; the follow and whether it is new (following twice is one follow)."""
    follow_check(follower=follower, target=target)
    kind = follow_target_type(target)
    try:
        with transaction.atomic():
            return Follow.objects.create(follower=follower, **{kind: target}), True
    except IntegrityError:  # followed already, perhaps by a request a moment ago
        return Follow.objects.get(follower=follower, **{kind: target}), False


@transaction.atomic
def follow_remove(*, follower: Forecaster, target: Target) -> bool:
    """Stop following the target; whether there was a follow to end."""
    deleted, _ = Follow.objects.filter(
        follower=follower, **{follow_target_type(target): target}
    ).delete()
    return deleted > 0


@transaction.atomic
def follow_remove_by_id(*, follower: Forecaster, follow_id: int) -> None:
    """End one of the follower's follows, named by its id (another's is not found)."""
    deleted, _ = Follow.objects.filter(follower=follower, pk=follow_id).delete()
    if not deleted:
        raise ApplicationError(
            "No such follow of yours.", code="not_found", fields={"id": "is not a follow of yours"}
        )


# --- Notification choices


def notification_settings_update(
    *,
    forecaster: Forecaster,
    kinds: Iterable[str],
    daily_digest: bool,
    webhook_url: str,
) -> NotificationSettings:
    """Set which kinds of notice the account receives (those in `kinds`), whether in one
    daily digest, and its webhook (empty for none). Nothing changes if any is refused."""
    kinds = set(kinds)
    unknown = sorted(kinds - set(Notification.Kind.values))
    if unknown:
        raise ApplicationError.invalid_fields({"kinds": f"unknown kind: {', '.join(unknown)}"})
    webhook_url = webhook_url.strip()
    if webhook_url and (problem := webhook_url_problem(webhook_url)):
        raise ApplicationError.invalid_fields({"webhook_url": problem})
    with transaction.atomic():
        settings, _ = NotificationSettings.objects.select_for_update().get_or_create(
            forecaster=forecaster
        )
        for kind in Notification.Kind.values:
            setattr(settings, kind, kind in kinds)
        settings.daily_digest = daily_digest
        if webhook_url != settings.webhook_url:
            settings.webhook_url, settings.webhook_error = webhook_url, ""
        settings.save()
    return settings


def notification_unsubscribe(*, unsubscribe: Unsubscribe) -> Forecaster | None:
    """What an unsubscribe link asks: stop one kind of notice, or every email. The
    forecaster, or None when the account no longer exists."""
    forecaster = Forecaster.objects.filter(pk=unsubscribe.forecaster_id).first()
    if forecaster is None:
        return None
    if unsubscribe.kind == EVERY_EMAIL:
        return forecaster_notifications_update(forecaster=forecaster, email_notifications=False)
    with transaction.atomic():
        settings, _ = NotificationSettings.objects.select_for_update().get_or_create(
            forecaster=forecaster
        )
        setattr(settings, unsubscribe.kind, False)
        settings.save(update_fields=[unsubscribe.kind, "updated_at"])
    return forecaster
