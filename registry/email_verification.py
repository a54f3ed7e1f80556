"""The pages of email verification: following a link, and asking for a new one.

A link works without logging in (it is the proof of the address), confirms once and says
so when followed again; an expired, altered or outdated link gets a sentence and a way to
a new one, never an error page. Sending is throttled per account
(config/web_throttles.py). The writes are in registry/account_services.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.web_throttles import (
    verification_email_not_sent,
    verification_email_throttled_message,
    verification_email_wait_seconds,
)
from registry import account_services
from registry.account_services import LinkState


@require_GET
@never_cache
def email_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm the address the link was sent to (idempotent)."""
    reading = account_services.email_verify(token=token)
    context = {
        "state": reading.state.value,
        "forecaster": reading.forecaster,
        # A new link can be sent from an expired one: it names its account.
        "resend_token": token if reading.state is LinkState.EXPIRED else "",
        "days": account_services.email_verification_days(),
    }
    return render(request, "registration/verify_result.html", context)


@dataclass(frozen=True)
class Resend:
    status: int  # of the page that reports it
    message: str = ""  # what to say when nothing went
    retry_after: int = 0

    @property
    def sent(self) -> bool:
        return self.status == 200 and not self.message


def send_verification_email(user: AbstractBaseUser) -> Resend:
    """Send the user a new link unless there is nothing to confirm or the throttle says
    wait."""
    if not account_services.email_verification_needed(user=user):
        return Resend(200, "This account's email address is confirmed already: nothing to do.")
    wait = verification_email_wait_seconds(user.pk)
    if wait:
        return Resend(429, verification_email_throttled_message(wait), retry_after=wait)
    if not account_services.email_verification_send(user=user):
        verification_email_not_sent(user.pk)
        return Resend(
            503,
            "The email could not be sent just now (our mail server did not take it). "
            "Try again in a few minutes.",
            retry_after=60,
        )
    return Resend(200)


@require_POST
@never_cache
def email_verification_resend(request: HttpRequest) -> HttpResponse:
    """Send a new link: to the logged-in account, or to the account an authentic (expired)
    link names; otherwise say how to get one."""
    user = request.user if request.user.is_authenticated else None
    if user is None:
        user = account_services.email_verification_link_owner(token=request.POST.get("token", ""))
    if user is None:
        context = {"needs_login": True}
        return render(request, "registration/verify_sent.html", context, status=400)
    outcome = send_verification_email(user)
    context = {
        "outcome": outcome,
        # Only the account's owner is shown its address; a forwarded link is not.
        "address": user.email if request.user.is_authenticated else "",
        "days": account_services.email_verification_days(),
    }
    response = render(request, "registration/verify_sent.html", context, status=outcome.status)
    if outcome.retry_after:
        response["Retry-After"] = str(outcome.retry_after)
    return response
