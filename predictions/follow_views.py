"""Pages for following and notices: the follow buttons' POSTs, the account page's
notification settings, and the unsubscribe link every email carries (no log-in needed).

Every write is a POST: the follow buttons and the settings are CSRF protected; the
unsubscribe link is authorised by its signature instead, since a mail program's one-click
unsubscribe (RFC 8058) POSTs without any token of ours.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from predictions import follow_services
from predictions.follow_models import NotificationSettings, Target
from predictions.models import Notification
from predictions.notification_delivery import settings_of
from predictions.unsubscribe import EVERY_EMAIL, unsubscribe_read
from registry import accounts
from registry import selectors as registry_selectors
from registry.models import Forecaster, Source
from registry.services import forecaster_for_user

Kind = Notification.Kind

FOLLOWED = {
    "question": "You follow this question: you will be told before it closes, when an outcome "
    "is proposed and when it resolves.",
    "forecaster": "You follow {name}: once a day you will be told of the new questions they "
    "forecast on.",
    "source": "You follow this source: you will be told when a new question from it opens.",
}


def _target(target_type: str, key: str, request: HttpRequest) -> Target:
    if target_type == "question":
        return registry_selectors.question_get(slug=key, user=request.user)
    if target_type == "forecaster":
        return get_object_or_404(Forecaster, handle=key)
    return get_object_or_404(Source, slug=key)


def _page_of(target_type: str, target: Target) -> str:
    if target_type == "forecaster":
        return reverse("predictions:forecaster", args=[target.handle])
    name = "registry:question" if target_type == "question" else "registry:source"
    return reverse(name, args=[target.slug])


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@require_POST
def follow_toggle(request: HttpRequest, target_type: str, key: str) -> HttpResponse:
    """Follow or unfollow (`action`) a question, a forecaster or a source, then back to
    its page (or to `next`, on this site)."""
    target = _target(target_type, key, request)
    page = _page_of(target_type, target)
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': page})}")
    action = request.POST.get("action", "follow")
    if action == "unfollow":
        follower = Forecaster.objects.filter(user=request.user).first()
        if follower and follow_services.follow_remove(follower=follower, target=target):
            messages.success(request, "You no longer follow it, and will not be told of it.")
        else:
            messages.info(request, "You were not following it.")
    elif action == "follow":
        try:
            # One transaction: a refused follow leaves nothing behind, not even the
            # forecaster profile made for a caller who had none.
            with transaction.atomic():
                follow_services.follow_add(
                    follower=forecaster_for_user(user=request.user), target=target
                )
        except ApplicationError as error:
            reason = next(iter(error.fields.values()), error.message)
            messages.error(request, f"Not followed: it {reason}.")
        else:
            name = getattr(target, "display_name", "")
            messages.success(request, FOLLOWED[target_type].format(name=name))
    else:
        messages.error(request, "Nothing changed: the form asked neither to follow nor unfollow.")
    return redirect(_safe_next(request) or page)


# --- The account page's settings


KIND_LABELS = {
    Kind.CLOSING_REMINDER: "A reminder a day before a question I forecast on or follow closes",
    Kind.RESOLVED_NOTICE: "The outcome when such a question resolves, with my score",
    Kind.OUTCOME_PROPOSED: "An outcome proposed for such a question, with the link to "
    "dispute it and when the window ends",
    Kind.STALE_FORECAST: "My forecast has stood {days} days unchanged while the crowd moved "
    "by more than {points} percentage points",
    Kind.FOLLOWED_FORECASTER: "A forecaster I follow forecast on a new question (always in a "
    "daily digest)",
    Kind.FOLLOWED_SOURCE: "A new question from a source I follow opens",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS[kind].format(
        days=settings.NOTIFICATION_STALE_DAYS,
        points=round(settings.NOTIFICATION_STALE_SHIFT * 100),
    )


class NotificationSettingsForm(forms.Form):
    daily_digest = forms.BooleanField(
        required=False,
        label="Send me one email a day collecting the day's notices, instead of one each",
    )
    webhook_url = forms.CharField(
        required=False,
        max_length=500,
        label="Slack or Discord incoming webhook (optional)",
        help_text="Notices are posted there too. An address starting "
        "https://hooks.slack.com/services/ or https://discord.com/api/webhooks/.",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for kind in Kind.values:
            self.fields[kind] = forms.BooleanField(required=False, label=kind_label(kind))
        # The kinds first, in the order the model lists them.
        self.order_fields([*Kind.values, "daily_digest", "webhook_url"])

    @classmethod
    def for_settings(cls, preferences: NotificationSettings) -> NotificationSettingsForm:
        initial = {kind: preferences.wants(kind) for kind in Kind.values}
        initial |= {
            "daily_digest": preferences.daily_digest,
            "webhook_url": preferences.webhook_url,
        }
        return cls(initial=initial)

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[kind] for kind in Kind.values]

    def kinds(self) -> list[str]:
        return [kind for kind in Kind.values if self.cleaned_data.get(kind)]


def settings_form_for(forecaster: Forecaster) -> NotificationSettingsForm:
    return NotificationSettingsForm.for_settings(settings_of(forecaster))


@login_required
@require_POST
def notification_settings_save(request: HttpRequest) -> HttpResponse:
    forecaster = forecaster_for_user(user=request.user)
    form = NotificationSettingsForm(request.POST)
    if form.is_valid():
        try:
            follow_services.notification_settings_update(
                forecaster=forecaster,
                kinds=form.kinds(),
                daily_digest=form.cleaned_data["daily_digest"],
                webhook_url=form.cleaned_data["webhook_url"],
            )
        except ApplicationError as error:
            for name, message in error.fields.items():
                if name in form.fields:
                    form.add_error(name, f"This {message}.")
                else:
                    form.add_error(None, error.message)
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect(reverse("accounts:account") + "#notice-settings")
    return accounts._render_account(
        request, forecaster, status=400, extra={"notice_settings_form": form}
    )


# --- Unsubscribe links


@csrf_exempt
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link stops, with one button; POST (the button, or a mail
    program's one-click unsubscribe) stops it. A link scanner's GET changes nothing."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    found = unsubscribe_read(token)
    forecaster = (
        Forecaster.objects.filter(pk=found.forecaster_id).first() if found is not None else None
    )
    if found is None or forecaster is None:
        return render(request, "predictions/unsubscribe.html", {"invalid": True}, status=400)
    what = (
        "every email from Hindsight"
        if found.kind == EVERY_EMAIL
        else f'"{Kind(found.kind).label}" notices'
    )
    context = {"forecaster": forecaster, "what": what, "done": False}
    if request.method == "POST":
        follow_services.notification_unsubscribe(unsubscribe=found)
        context["done"] = True
    return render(request, "predictions/unsubscribe.html", context)
