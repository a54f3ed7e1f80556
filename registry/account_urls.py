"""The /accounts/ pages; config/urls.py includes them with `path("accounts/", ...)`."""

from django.urls import path

from registry import accounts

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
    path("token/", accounts.token_create, name="token_create"),
    path("token/revoke/", accounts.token_revoke, name="token_revoke"),
    path("token/revoke-all/", accounts.token_revoke_all, name="token_revoke_all"),
    path("notifications/", accounts.notifications_update, name="notifications"),
]
