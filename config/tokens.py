"""API token authentication: django-rest-knox's, without its sweep of the user's tokens."""

from __future__ import annotations

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions


class TokenAuthentication(auth.TokenAuthentication):
    """knox's TokenAuthentication (`Authorization: Token <key>`, keys stored as SHA-512
    digests, expiry pushed back by use), checking the expiry of the presented token only.

    knox loads every token of the user on each request to delete the expired ones: a query
    and a loop that grow with the tokens held, paid by every API call. An expired token is
    still refused and deleted when presented, and registry.services.api_token_create clears
    a user's expired tokens when they make a new one.
    """

    def authenticate_credentials(self, token: bytes):  # type: ignore[no-untyped-def]
        """knox's, loading the user's forecaster profile with the token and its user (one
        query where a forecast POST made two: registry.services.forecaster_for_user uses
        the profile loaded here)."""
        msg = _("Invalid token.")
        key = token.decode("utf-8")
        for auth_token in AuthToken.objects.filter(
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user__forecaster"):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(key)
            except (TypeError, binascii.Error) as error:
                raise exceptions.AuthenticationFailed(msg) from error
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme drf-spectacular gives knox's class, for this one."""

    target_class = "config.tokens.TokenAuthentication"
