"""API token authentication: django-rest-knox's, without its sweep of the user's tokens."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.models import AuthToken
from knox.signals import token_expired


class TokenAuthentication(auth.TokenAuthentication):
    """knox's TokenAuthentication (`Authorization: Token <key>`, keys stored as SHA-512
    digests, expiry pushed back by use), checking the expiry of the presented token only.

    knox loads every token of the user on each request to delete the expired ones: a query
    and a loop that grow with the tokens held, paid by every API call. An expired token is
    still refused and deleted when presented, and registry.services.api_token_create clears
    a user's expired tokens when they make a new one.
    """

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
