"""The follow button that the question, forecaster and source pages embed, and the account
page's list of follows with its notification settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from predictions import follow_selectors
from predictions.follow_models import Target, follow_target_type
from predictions.follow_views import settings_form_for
from predictions.notification_delivery import settings_of

register = template.Library()

NOUNS = {"question": "question", "forecaster": "forecaster", "source": "source"}
WHAT_FOLLOWERS_GET = {
    "question": "Followers are told before it closes, when an outcome is proposed and when "
    "it resolves.",
    "forecaster": "Followers get a daily digest of the new questions they forecast on.",
    "source": "Followers are told when a new question from it opens.",
}


def _follow_url(target_type: str, target: Target) -> str:
    key = target.handle if target_type == "forecaster" else target.slug
    return reverse(f"predictions:follow-{target_type}", args=[key])


@register.inclusion_tag("predictions/_follow_button.html", takes_context=True)
def follow_button(context: template.Context, target: Target) -> dict[str, Any]:
    """Follow / Unfollow for the viewer (a log-in link for a visitor; nothing on one's own
    profile)."""
    request = context["request"]
    user = request.user
    target_type = follow_target_type(target)
    own = target_type == "forecaster" and user.is_authenticated and target.user_id == user.pk
    return {
        "csrf_token": context.get("csrf_token"),
        "signed_in": user.is_authenticated,
        "own": own,
        "following": follow_selectors.is_following(user=user, target=target),
        "action_url": _follow_url(target_type, target),
        "noun": NOUNS[target_type],
        "what": WHAT_FOLLOWERS_GET[target_type],
        "login_url": f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}",
    }


@register.inclusion_tag("predictions/_account_following.html", takes_context=True)
def account_following(context: template.Context) -> dict[str, Any]:
    """What the account follows, with unfollow buttons, and which notices it gets and how
    (the form comes back bound, with its errors, after a refused save)."""
    forecaster = context["forecaster"]
    form = context.get("notice_settings_form") or settings_form_for(forecaster)
    follows = [
        {
            "follow": follow,
            "type": follow.target_type,
            "action_url": _follow_url(follow.target_type, follow.target),
        }
        for follow in follow_selectors.follows_of(forecaster=forecaster)
    ]
    return {
        "csrf_token": context.get("csrf_token"),
        "follows": follows,
        "form": form,
        "preferences": settings_of(forecaster),
        "has_email": bool(forecaster.user and forecaster.user.email),
        "account_url": reverse("accounts:account"),
    }
