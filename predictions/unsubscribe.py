"""Unsubscribe links: a signed token naming an account and a kind of notice (or every
email), so a link in an email works without logging in and cannot be forged or turned on
another account. The token never expires: an old email's link must still work.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from predictions.models import Notification

SALT = "predictions.unsubscribe"
# The kind of a link that stops every email (the digest's, which gathers every kind).
EVERY_EMAIL = "all"


@dataclass(frozen=True)
class Unsubscribe:
    forecaster_id: int
    kind: str  # a Notification.Kind value, or EVERY_EMAIL


def unsubscribe_token(*, forecaster_id: int, kind: str) -> str:
    return signing.Signer(salt=SALT).sign_object({"f": forecaster_id, "k": kind})


def unsubscribe_path(*, forecaster_id: int, kind: str) -> str:
    token = unsubscribe_token(forecaster_id=forecaster_id, kind=kind)
    return reverse("predictions:unsubscribe", args=[token])


def unsubscribe_read(token: str) -> Unsubscribe | None:
    """What a token asks for, or None when it is not one this site signed (tampered with,
    cut short, or of another kind)."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        return None
    if not isinstance(data, dict):
        return None
    forecaster_id, kind = data.get("f"), data.get("k")
    if not isinstance(forecaster_id, int) or isinstance(forecaster_id, bool):
        return None
    if kind != EVERY_EMAIL and kind not in Notification.Kind.values:
        return None
    return Unsubscribe(forecaster_id=forecaster_id, kind=kind)
