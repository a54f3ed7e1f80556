"""The /accounts/ pages; config/urls.py includes them with `path("accounts/", ...)`."""

from django.urls import path

from registry import accounts, email_verification, password_reset, profile_views

app_name = "accounts"

urlpatterns = [
    path("", accounts.account, name="account"),
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("password_change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        accounts.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password_reset/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        password_reset.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        password_reset.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("token/", accounts.token_create, name="token_create"),
    path("token/revoke/", accounts.token_revoke, name="token_revoke"),
    path("token/revoke-all/", accounts.token_revoke_all, name="token_revoke_all"),
    path("notifications/", accounts.notifications_update, name="notifications"),
    path(
        "email/resend/",
        email_verification.email_verification_resend,
        name="email_verification_resend",
    ),
    path("email/verify/<str:token>/", email_verification.email_verify, name="email_verify"),
    path("profile/", profile_views.profile, name="profile"),
    path("delete/", profile_views.account_delete, name="delete"),
]
