"""Account pages: sign up, log in and out, password change, API tokens, notification choice.

Email verification is in registry/email_verification.py, the public profile and deleting
an account in registry/profile_views.py.

Every write is a POST (CSRF protected) that calls a service in registry/services.py or
Django's own auth views.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from knox.settings import knox_settings

from config.errors import ApplicationError
from config.web_throttles import signup_throttled_message, signup_wait_seconds
from registry import account_services, selectors, services
from registry.email_verification import send_verification_email
from registry.models import Forecaster

# The service names fields as the use case does; the form shows them under its own names.
SIGNUP_FIELD_FOR = {"username": "username", "email": "email", "password": "password1"}


class SignupForm(forms.Form):
    """What a newcomer types; the service decides whether it is acceptable."""

    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. It becomes your public handle.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(
        max_length=254,
        help_text="For reminders before questions close and notices of your scores. "
        "Never shown to anyone.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="The same password, to catch a typing mistake.",
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        # Show what the service would refuse too, all at once, beside each field.
        problems = services.user_signup_problems(
            username=cleaned.get("username", ""),
            email=cleaned.get("email", ""),
            password=first or "",
        )
        for name, message in problems.items():
            field = SIGNUP_FIELD_FOR.get(name)
            if field in cleaned and field not in self.errors:
                self.add_error(field, message)
        return cleaned


class NotificationsForm(forms.Form):
    email_notifications = forms.BooleanField(
        required=False,
        label="Email me notices about the questions I forecast on or follow (which: below)",
    )


def _safe_next(request: HttpRequest) -> str:
    """The `next` address from the form or query, if it stays on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    """Create a login and its forecaster profile, log the newcomer in, go to the home page."""
    if request.user.is_authenticated:
        return redirect("accounts:account")
    next_url = _safe_next(request)
    if request.method == "POST":
        form = SignupForm(request.POST)
        wait = signup_wait_seconds(request) if form.is_valid() else 0
        if wait:
            form.add_error(None, signup_throttled_message(wait))
            response = render(
                request, "registration/signup.html", {"form": form, "next": next_url}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            try:
                forecaster = services.user_signup(
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                )
            except ApplicationError as error:
                for name, message in error.fields.items():
                    field = SIGNUP_FIELD_FOR.get(name)
                    form.add_error(field if field in form.fields else None, message)
            else:
                # The one configured backend (it counts failed log-ins; a session naming
                # any other would be refused on the next request).
                auth_login(request, forecaster.user, backend=settings.AUTHENTICATION_BACKENDS[0])
                sent = send_verification_email(forecaster.user).sent
                messages.success(
                    request,
                    f"Welcome, {forecaster.display_name}: your account is ready and you are "
                    f"logged in. Your public handle is {forecaster.handle}. "
                    + (
                        f"To appear on the leaderboards, follow the link we emailed to "
                        f"{forecaster.user.email}; you can forecast meanwhile."
                        if sent
                        else "To appear on the leaderboards, confirm your email address: "
                        "ask for the link on your account page."
                    ),
                )
                return redirect(next_url or "/")
    else:
        form = SignupForm()
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.label_suffix = ""
        return form


class LogoutView(auth_views.LogoutView):
    """Logging out is a POST; a GET (a typed or followed link) shows a button to do it."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return render(request, "registration/logout.html")


class PasswordChangeView(auth_views.PasswordChangeView):
    """A new password revokes the account's API tokens (see registry/password_reset.py)."""

    template_name = "registration/change_password.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        services.api_tokens_revoke_all(user=form.user)
        return response

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.label_suffix = ""
        return form


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/change_password_done.html"


def _render_account(
    request: HttpRequest,
    forecaster: Forecaster,
    *,
    new_key: str | None = None,
    notifications_form: NotificationsForm | None = None,
    status: int = 200,
    extra: dict | None = None,
) -> HttpResponse:
    """The account page; `extra` is context another app's form adds (its errors shown)."""
    context = {
        "forecaster": forecaster,
        "verification_days": account_services.email_verification_days(),
        "tokens": selectors.api_tokens_of(user=request.user),
        "token_ttl_days": knox_settings.TOKEN_TTL.days,
        "new_key": new_key,
        "notifications_form": notifications_form
        or NotificationsForm(initial={"email_notifications": forecaster.email_notifications}),
        "api_base": request.build_absolute_uri("/api/v1/"),
        **(extra or {}),
    }
    return render(request, "registry/account.html", context, status=status)


@login_required
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    """The logged-in user's handle, API tokens and notification choice."""
    forecaster = services.forecaster_for_user(user=request.user)
    return _render_account(request, forecaster)


@login_required
@never_cache
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create another API token and show its key, this once only (only its hash is kept).

    The page is the POST's own response, never cached, so the key is not kept anywhere
    the browser could show it again.
    """
    forecaster = services.forecaster_for_user(user=request.user)
    try:
        issued = services.api_token_create(user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(reverse("accounts:account") + "#api-token")
    return _render_account(request, forecaster, new_key=issued.key)


@login_required
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    """Revoke one of the user's tokens, named by its digest (never another user's)."""
    if services.api_token_revoke(user=request.user, digest=request.POST.get("token", "")):
        messages.success(request, "The API token is revoked: requests using it are refused.")
    else:
        messages.info(request, "That API token was already revoked or had expired.")
    return redirect(reverse("accounts:account") + "#api-token")


@login_required
@require_POST
def token_revoke_all(request: HttpRequest) -> HttpResponse:
    revoked = services.api_tokens_revoke_all(user=request.user)
    if revoked:
        messages.success(
            request,
            f"{revoked} API token{'s are' if revoked != 1 else ' is'} revoked: "
            "requests using them are refused.",
        )
    else:
        messages.info(request, "You had no API token.")
    return redirect(reverse("accounts:account") + "#api-token")


@login_required
@require_POST
def notifications_update(request: HttpRequest) -> HttpResponse:
    forecaster = services.forecaster_for_user(user=request.user)
    form = NotificationsForm(request.POST)
    if not form.is_valid():  # a checkbox is always valid; kept for form hygiene
        return _render_account(request, forecaster, notifications_form=form, status=400)
    enabled = form.cleaned_data["email_notifications"]
    services.forecaster_notifications_update(forecaster=forecaster, email_notifications=enabled)
    messages.success(
        request,
        "Email notifications are on." if enabled else "Email notifications are off.",
    )
    return redirect(reverse("accounts:account") + "#notifications")
