"""Writes of the account pages beyond sign-up: email verification, the public profile, and
deleting an account while its public record stays.

- **Verification.** A link signed with Django's signing (salted, timestamped, expiring
  after EMAIL_VERIFICATION_TIMEOUT) names the login and a keyed digest of its address, so
  it stops working if the address changes. Following it confirms the address; following it
  again says so. Until then a person's login is kept off the leaderboards
  (registry.models.forecaster_listed_on_leaderboards); pundits and bots never need it.
- **Profile.** Display name, a short plain-text bio and up to three http(s) links; the
  handle never changes here.
- **Deletion.** The login's personal data goes (address, password, names, bio, links, API
  tokens, sessions), and the forecaster stays with its forecasts and scores under
  `deleted-<n>`, shown as "Deleted forecaster". The forecast log is append-only and is not
  touched: a forecast's rationale stays as it was written.
"""

from __future__ import annotations

import enum
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from knox.models import AuthToken

from config.errors import ApplicationError
from config.text import unstorable
from registry.models import Forecaster
from registry.services import forecaster_for_user

logger = logging.getLogger(__name__)

# --- Email verification

VERIFICATION_SALT = "registry.account_services.email_verification"


class LinkState(enum.Enum):
    VERIFIED = "verified"  # confirmed now
    ALREADY_VERIFIED = "already_verified"  # confirmed before: following it again is fine
    EXPIRED = "expired"  # authentic but too old: a new one can be sent from it
    BROKEN = "broken"  # altered, cut short, or for an address the account no longer has


@dataclass(frozen=True)
class LinkReading:
    state: LinkState
    forecaster: Forecaster | None = None


def _address_digest(email: str) -> str:
    # Keyed: the link's payload is readable, and a plain hash of an address can be looked up.
    return salted_hmac(VERIFICATION_SALT, email.strip().casefold()).hexdigest()[:24]


def email_verification_token(*, user: AbstractBaseUser) -> str:
    """The signed token of the user's verification link (valid for the current address)."""
    return signing.dumps([user.pk, _address_digest(user.email)], salt=VERIFICATION_SALT)


def email_verification_url(*, user: AbstractBaseUser) -> str:
    path = reverse("accounts:email_verify", kwargs={"token": email_verification_token(user=user)})
    return settings.SITE_URL.rstrip("/") + path


def _token_owner(token: str, *, max_age: float | None) -> AbstractBaseUser | None:
    """The active login a token was signed for, if it still has the address it was signed
    for. Raises signing.SignatureExpired for an authentic token older than `max_age`."""
    if not isinstance(token, str) or unstorable(token) or len(token) > 500:
        return None
    try:
        user_id, digest = signing.loads(token, salt=VERIFICATION_SALT, max_age=max_age)
        user_id = int(user_id)
    except signing.SignatureExpired:
        raise
    except (signing.BadSignature, TypeError, ValueError, OverflowError):
        return None
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not isinstance(digest, str):
        return None
    if not constant_time_compare(digest, _address_digest(user.email)):
        return None
    return user


def email_verification_link_owner(*, token: str) -> AbstractBaseUser | None:
    """Whom an authentic link was for, expired or not (a new link may be sent from an
    expired one: it goes only to the account's own address)."""
    try:
        return _token_owner(token, max_age=None)
    except signing.SignatureExpired:  # pragma: no cover - no age limit was given
        return None


@transaction.atomic
def email_verify(*, token: str) -> LinkReading:
    """Confirm the address a link was sent to; following it again changes nothing."""
    try:
        user = _token_owner(token, max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
    except signing.SignatureExpired:
        return LinkReading(LinkState.EXPIRED)
    if user is None:
        return LinkReading(LinkState.BROKEN)
    forecaster = Forecaster.objects.select_for_update().get(pk=forecaster_for_user(user=user).pk)
    if forecaster.is_deleted:
        return LinkReading(LinkState.BROKEN)
    if forecaster.email_verified_at is not None:
        return LinkReading(LinkState.ALREADY_VERIFIED, forecaster)
    forecaster.email_verified_at = timezone.now()
    forecaster.save(update_fields=["email_verified_at"])
    return LinkReading(LinkState.VERIFIED, forecaster)


def email_verification_needed(*, user: AbstractBaseUser) -> bool:
    """Whether a link would do anything: an address to confirm, not confirmed yet."""
    forecaster = Forecaster.objects.filter(user=user).first()
    return bool(
        user.is_active
        and user.email
        and (forecaster is None or forecaster.awaits_email_verification)
    )


def email_verification_send(*, user: AbstractBaseUser) -> bool:
    """Email the user a verification link; whether it went.

    Sends nothing when there is nothing to confirm. A mail server that refuses is logged
    and reported as False: the account page offers to send the link again.
    """
    if not email_verification_needed(user=user):
        return False
    context = {
        "user": user,
        "url": email_verification_url(user=user),
        "days": email_verification_days(),
        "account_url": settings.SITE_URL.rstrip("/") + reverse("accounts:account"),
    }
    subject = " ".join(render_to_string("registration/verify_subject.txt", context).split())
    body = render_to_string("registration/verify_email.txt", context)
    try:
        mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    except Exception:  # smtplib and socket errors alike: the page says to try again
        logger.warning("could not send the verification email to user %s", user.pk, exc_info=True)
        return False
    return True


def email_verification_days() -> int:
    """How many days a link works, as emails and pages say it."""
    return max(1, round(settings.EMAIL_VERIFICATION_TIMEOUT.total_seconds() / 86_400))


# --- The public profile

BIO_MAX_LENGTH = 500
MAX_LINKS = 3
LINK_MAX_LENGTH = 200
LINK_FIELDS = tuple(f"link_{number}" for number in range(1, MAX_LINKS + 1))
DISPLAY_NAME_MAX_LENGTH = Forecaster._meta.get_field("display_name").max_length

_web_address = URLValidator(schemes=["http", "https"])
# Characters that reorder or hide the text around them: a name holding them can read as
# another's on the page.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def _control_problem(text: str, *, allow_newlines: bool) -> str | None:
    if problem := unstorable(text):
        return problem
    for character in text:
        if allow_newlines and character in "\n\t":
            continue
        if unicodedata.category(character) == "Cc" or character in _BIDI_CONTROLS:
            return "must not contain control characters"
    return None


@dataclass(frozen=True)
class Profile:
    display_name: str
    bio: str
    links: list[str]


def forecaster_profile_problems(
    *, display_name: str, bio: str, links: Sequence[str]
) -> tuple[Profile, dict[str, str]]:
    """The profile as it would be stored, and every problem by field (`display_name`,
    `bio`, `link_1` ... or `links`); reads only."""
    errors: dict[str, str] = {}
    name = " ".join((display_name or "").split())
    if not name:
        errors["display_name"] = "Give a display name: it is shown beside your forecasts."
    elif problem := _control_problem(name, allow_newlines=False):
        errors["display_name"] = f"The display name {problem}."
    elif len(name) > DISPLAY_NAME_MAX_LENGTH:
        errors["display_name"] = (
            f"A display name holds at most {DISPLAY_NAME_MAX_LENGTH} characters; this one "
            f"has {len(name)}."
        )
    elif name.casefold() == Forecaster.DELETED_DISPLAY_NAME.casefold():
        errors["display_name"] = "That name is how deleted accounts are shown; choose another."
    text = (bio or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if problem := _control_problem(text, allow_newlines=True):
        errors["bio"] = f"The bio {problem}."
    elif len(text) > BIO_MAX_LENGTH:
        errors["bio"] = (
            f"A bio holds at most {BIO_MAX_LENGTH} characters; this one has {len(text)}."
        )
    kept: list[str] = []
    if len(links) > MAX_LINKS:
        errors["links"] = f"A profile shows at most {MAX_LINKS} links."
    for field, raw in zip(LINK_FIELDS, links, strict=False):
        link = (raw or "").strip()
        if not link:
            continue
        if problem := _link_problem(link):
            errors[field] = problem
        elif link not in kept:
            kept.append(link)
    return Profile(display_name=name, bio=text, links=kept), errors


def _link_problem(link: str) -> str | None:
    if problem := _control_problem(link, allow_newlines=False):
        return f"The link {problem}."
    if len(link) > LINK_MAX_LENGTH:
        return f"A link holds at most {LINK_MAX_LENGTH} characters; this one has {len(link)}."
    try:
        _web_address(link)
    except ValidationError:
        return "That is not a web address: give the full address, starting https:// or http://."
    return None


@transaction.atomic
def forecaster_profile_update(
    *, forecaster: Forecaster, display_name: str, bio: str, links: Sequence[str]
) -> Forecaster:
    """Change what the public page shows of the forecaster: all of it, or nothing.

    Refuses with ApplicationError.invalid_fields naming `display_name`, `bio`, `link_<n>`
    or `links`. A deleted forecaster's profile cannot change.
    """
    profile, errors = forecaster_profile_problems(display_name=display_name, bio=bio, links=links)
    if errors:
        raise ApplicationError.invalid_fields(errors)
    locked = Forecaster.objects.select_for_update().get(pk=forecaster.pk)
    if locked.is_deleted:
        raise ApplicationError(
            "This account is deleted; its profile cannot change.", code="conflict"
        )
    locked.display_name, locked.bio, locked.links = profile.display_name, profile.bio, profile.links
    locked.save(update_fields=["display_name", "bio", "links"])
    return locked


# --- Deleting an account

DELETED_HANDLE_PREFIX = "deleted-"


def _deleted_name(forecaster: Forecaster) -> str:
    """`deleted-<the forecaster's number>`, unused as a handle and as a username (sign-ups
    cannot take the prefix; a name taken before it was reserved gets a suffix)."""
    users = get_user_model()._default_manager
    field = get_user_model().USERNAME_FIELD
    base = f"{DELETED_HANDLE_PREFIX}{forecaster.pk}"
    candidate, suffix = base, 2
    while (
        Forecaster.objects.filter(handle=candidate).exclude(pk=forecaster.pk).exists()
        or users.filter(**{f"{field}__iexact": candidate}).exclude(pk=forecaster.user_id).exists()
    ):
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate


@transaction.atomic
def account_delete(*, user: AbstractBaseUser, password: str) -> Forecaster:
    """Delete the login's personal data and keep its public record; the forecaster, as
    it is shown from now on.

    Refuses with ApplicationError.invalid_fields naming `password` when it is not the
    account's. Afterwards nobody can log in to the account: its username is `deleted-<n>`,
    it has no password and is inactive, its sessions fail their next request (their hash
    was the password's), and its API tokens are gone. Forecasts, scores, disputes and the
    forecaster's place in every crowd stay; the forecaster is left out of the leaderboards.
    """
    user_model = get_user_model()
    user = user_model._default_manager.select_for_update().get(pk=user.pk)
    if not user.is_active or not user.check_password(password or ""):
        raise ApplicationError.invalid_fields({"password": "That is not your password."})
    forecaster = Forecaster.objects.select_for_update().get(pk=forecaster_for_user(user=user).pk)
    name = _deleted_name(forecaster)

    forecaster.handle = name
    forecaster.display_name = Forecaster.DELETED_DISPLAY_NAME
    forecaster.bio = ""
    forecaster.links = []
    forecaster.email_notifications = False
    forecaster.email_verified_at = None
    forecaster.deleted_at = timezone.now()
    forecaster.save()

    setattr(user, user_model.USERNAME_FIELD, name)
    user.email = ""
    for attribute in ("first_name", "last_name"):
        if hasattr(user, attribute):
            setattr(user, attribute, "")
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    AuthToken.objects.filter(user=user).delete()
    return forecaster
