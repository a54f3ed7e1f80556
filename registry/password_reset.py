"""Forgotten passwords, reset by email, and what a new password does to API tokens.

Django's own views do the work (signed, single-use links that expire after
PASSWORD_RESET_TIMEOUT). A password that changes, by reset or from the account page,
revokes every API token of the account: whoever knew the old password may have made one.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from registry import services


class _NoSuffix:
    def get_form(self, form_class=None):  # type: ignore[no-untyped-def]
        form = super().get_form(form_class)  # type: ignore[misc]
        form.label_suffix = ""
        return form


class PasswordResetView(_NoSuffix, auth_views.PasswordResetView):
    template_name = "registration/reset_form.html"
    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/reset_done.html"


class PasswordResetConfirmView(_NoSuffix, auth_views.PasswordResetConfirmView):
    template_name = "registration/reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        services.api_tokens_revoke_all(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/reset_complete.html"
