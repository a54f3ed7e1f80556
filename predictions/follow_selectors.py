"""Reads of follows: what an account follows, and whether it follows a given target."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from predictions.follow_models import Follow, Target, follow_target_type
from registry.models import Forecaster


def follows_of(*, forecaster: Forecaster) -> QuerySet[Follow]:
    """The forecaster's follows, newest first, with their targets."""
    return Follow.objects.filter(follower=forecaster).select_related(
        "question", "forecaster", "source"
    )


def follows_of_user(*, user: AbstractBaseUser) -> QuerySet[Follow]:
    """The follows of the user's forecaster profile (none when they have no profile yet)."""
    return Follow.objects.filter(follower__user=user).select_related(
        "question", "forecaster", "source"
    )


def is_following(*, user: AbstractBaseUser | AnonymousUser, target: Target) -> bool:
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(
        follower__user=user, **{follow_target_type(target): target}
    ).exists()


def follower_count(*, target: Target) -> int:
    return Follow.objects.filter(**{follow_target_type(target): target}).count()
