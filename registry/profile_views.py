"""Account pages for one's public profile and for deleting one's account.

Both are POST forms (CSRF protected) that call registry/account_services.py; bad input
comes back beside its field with nothing changed.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from config.errors import ApplicationError
from registry import account_services, services
from registry.account_services import (
    BIO_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    LINK_FIELDS,
    LINK_MAX_LENGTH,
)


class ProfileForm(forms.Form):
    """What the public page shows; the service decides whether it is acceptable."""

    display_name = forms.CharField(
        required=False,
        help_text="Shown beside your forecasts and on the leaderboards. Your handle stays as "
        "it is.",
        widget=forms.TextInput(
            attrs={"maxlength": DISPLAY_NAME_MAX_LENGTH, "autocomplete": "name"}
        ),
    )
    bio = forms.CharField(
        required=False,
        help_text=f"Plain text, at most {BIO_MAX_LENGTH} characters; line breaks are kept.",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": BIO_MAX_LENGTH}),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for number, name in enumerate(LINK_FIELDS, start=1):
            self.fields[name] = forms.CharField(
                required=False,
                label=f"Link {number}",
                help_text="A web address starting https:// (your site, a profile elsewhere)."
                if number == 1
                else "",
                widget=forms.URLInput(
                    attrs={"maxlength": LINK_MAX_LENGTH, "inputmode": "url", "spellcheck": "false"}
                ),
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        _, problems = account_services.forecaster_profile_problems(
            display_name=cleaned.get("display_name", ""),
            bio=cleaned.get("bio", ""),
            links=[cleaned.get(name, "") for name in LINK_FIELDS],
        )
        for name, message in problems.items():
            if name in cleaned and name not in self.errors:
                self.add_error(name if name in self.fields else None, message)
        return cleaned


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Edit one's display name, bio and links."""
    forecaster = services.forecaster_for_user(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                account_services.forecaster_profile_update(
                    forecaster=forecaster,
                    display_name=form.cleaned_data["display_name"],
                    bio=form.cleaned_data["bio"],
                    links=[form.cleaned_data[name] for name in LINK_FIELDS],
                )
            except ApplicationError as error:
                for name, message in (error.fields or {"": error.message}).items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, "Your public profile is saved.")
                return redirect(reverse("accounts:account") + "#profile")
        return render(
            request, "registry/profile.html", {"form": form, "forecaster": forecaster}, status=400
        )
    links = list(forecaster.links or [])
    initial = {
        "display_name": forecaster.display_name,
        "bio": forecaster.bio,
        **{
            name: links[index] if index < len(links) else ""
            for index, name in enumerate(LINK_FIELDS)
        },
    }
    form = ProfileForm(initial=initial)
    return render(request, "registry/profile.html", {"form": form, "forecaster": forecaster})


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        help_text="To be sure it is you.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@sensitive_post_parameters("password")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """Ask for the password, then delete the account's personal data, keep its record."""
    form = DeleteAccountForm(request.POST) if request.method == "POST" else DeleteAccountForm()
    if form.is_bound and form.is_valid():
        try:
            kept = account_services.account_delete(
                user=request.user, password=form.cleaned_data["password"]
            )
        except ApplicationError as error:
            for name, message in (error.fields or {"": error.message}).items():
                form.add_error(name if name in form.fields else None, message)
        else:
            auth_logout(request)
            messages.success(
                request,
                "Your account is deleted: your email address, password, name, bio, links and "
                "API tokens are gone, and nobody can log in to it. Your forecasts and scores "
                f"stay in the public record as “{kept.display_name}” ({kept.handle}).",
            )
            return redirect("/")
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/account_delete.html", {"form": form}, status=status)
