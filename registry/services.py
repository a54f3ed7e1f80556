"""Writes to the registry: forecasters, questions and their options and tags."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from knox.models import AuthToken
from knox.settings import knox_settings

from config.errors import ApplicationError
from registry.models import (
    Forecaster,
    Question,
    QuestionOption,
    QuestionRevision,
    Source,
    Tag,
    source_url_problem,
)
from registry.usernames import (
    username_is_reserved,
    username_reads_as_deleted,
    username_skeletons,
)

MAX_OPTIONS = 50


def _unique_slug(model: type, base: str, *, field: str = "slug", max_length: int = 100) -> str:
    base = (slugify(base)[:max_length].strip("-")) or "item"
    candidate, suffix = base, 2
    while model.objects.filter(**{field: candidate}).exists():
        candidate = f"{base[: max_length - 6]}-{suffix}"
        suffix += 1
    return candidate


def forecaster_for_user(*, user: AbstractBaseUser) -> Forecaster:
    """The user's forecaster profile, created (as a human) the first time it is needed."""
    existing = Forecaster.objects.filter(user=user).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        handle = _unique_slug(Forecaster, user.get_username(), field="handle", max_length=60)
        name = user.get_full_name() if hasattr(user, "get_full_name") else ""
        try:
            with transaction.atomic():
                return Forecaster.objects.create(
                    user=user,
                    handle=handle,
                    # A username may be longer (150) than a display name holds (120).
                    display_name=(name or user.get_username())[:_DISPLAY_NAME_MAX],
                    kind=Forecaster.Kind.HUMAN,
                )
        except IntegrityError:
            # Another request created it first.
            return Forecaster.objects.get(user=user)


_DISPLAY_NAME_MAX = Forecaster._meta.get_field("display_name").max_length


def tags_get_or_create(*, slugs: Iterable[str]) -> list[Tag]:
    tags = []
    for raw in slugs:
        slug = slugify(raw)
        if not slug:
            raise ApplicationError.invalid_fields({"tags": f"{raw!r} is not a usable tag"})
        tag, _ = Tag.objects.get_or_create(slug=slug, defaults={"name": raw.strip()})
        tags.append(tag)
    return tags


def _validate_times(opens_at: datetime, closes_at: datetime, resolve_by: datetime) -> None:
    errors = {}
    if closes_at <= opens_at:
        errors["closes_at"] = "must be after opens_at"
    if resolve_by < closes_at:
        errors["resolve_by"] = "must not be before closes_at"
    if errors:
        raise ApplicationError.invalid_fields(errors)


def _validate_options(kind: str, options: list[str]) -> list[str]:
    labels = [label.strip() for label in options]
    if kind == Question.Kind.BINARY:
        if labels:
            raise ApplicationError.invalid_fields(
                {"options": "a binary question has no options (it is Yes / No)"}
            )
        return labels
    if len(labels) < 2:
        raise ApplicationError.invalid_fields(
            {"options": "a multiple-choice question needs at least two options"}
        )
    if len(labels) > MAX_OPTIONS:
        raise ApplicationError.invalid_fields({"options": f"at most {MAX_OPTIONS} options"})
    if any(not label for label in labels):
        raise ApplicationError.invalid_fields({"options": "an option label is empty"})
    if len(set(labels)) != len(labels):
        raise ApplicationError.invalid_fields({"options": "option labels must be distinct"})
    return labels


@transaction.atomic
def question_create(
    *,
    title: str,
    resolution_criteria: str,
    opens_at: datetime,
    closes_at: datetime,
    resolve_by: datetime,
    kind: str = Question.Kind.BINARY,
    options: list[str] | None = None,
    slug: str = "",
    body: str = "",
    fine_print: str = "",
    tags: Iterable[str] = (),
    published: bool = False,
) -> Question:
    """A new question; a draft unless `published`."""
    labels = _validate_options(kind, options or [])
    _validate_times(opens_at, closes_at, resolve_by)
    if slug:
        if Question.objects.filter(slug=slug).exists():
            raise ApplicationError.invalid_fields({"slug": f"{slug!r} is already taken"})
    else:
        slug = _unique_slug(Question, title)
    question = Question.objects.create(
        slug=slug,
        title=title,
        body=body,
        resolution_criteria=resolution_criteria,
        fine_print=fine_print,
        kind=kind,
        opens_at=opens_at,
        closes_at=closes_at,
        resolve_by=resolve_by,
        published_at=timezone.now() if published else None,
    )
    QuestionOption.objects.bulk_create(
        QuestionOption(question=question, label=label, position=index)
        for index, label in enumerate(labels)
    )
    question.tags.set(tags_get_or_create(slugs=tags))
    return question


# Fields an admin may change with question_update; anything else is refused.
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "body",
        "resolution_criteria",
        "fine_print",
        "kind",
        "options",
        "tags",
        "opens_at",
        "closes_at",
        "resolve_by",
        "published",
    }
)


# What a question asks: once anyone has forecast, changes to these are kept as revisions.
REVISED_FIELDS = ("title", "resolution_criteria", "fine_print", "closes_at", "resolve_by")


def question_record_revisions(
    *, before: Question, after: Question, user: AbstractBaseUser | None
) -> list[QuestionRevision]:
    """Keep the changes between two states of a question that has forecasts."""
    if not after.forecasts.exists():
        return []
    revisions = [
        QuestionRevision(
            question=after,
            field=name,
            old_value=_as_text(getattr(before, name)),
            new_value=_as_text(getattr(after, name)),
            changed_by=user if user and user.is_authenticated else None,
        )
        for name in REVISED_FIELDS
        if getattr(before, name) != getattr(after, name)
    ]
    return QuestionRevision.objects.bulk_create(revisions)


def _as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@transaction.atomic
def question_update(
    *, question: Question, changes: Mapping[str, Any], user: AbstractBaseUser | None = None
) -> Question:
    """Apply an admin's edit. The kind and options are frozen once anyone has forecast,
    since stored forecasts list probabilities in option order."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ApplicationError.invalid_fields(
            {name: "cannot be changed" for name in sorted(unknown)}
        )
    question = Question.objects.select_for_update().get(pk=question.pk)
    before = copy.copy(question)
    has_forecasts = question.forecasts.exists()
    kind = changes.get("kind", question.kind)
    current_labels = [] if question.is_binary else question.option_labels()
    new_labels = changes.get("options")
    if new_labels is not None or kind != question.kind:
        labels = _validate_options(kind, new_labels if new_labels is not None else current_labels)
        if has_forecasts and (kind != question.kind or labels != current_labels):
            raise ApplicationError(
                "The kind and options of a question cannot change once it has forecasts.",
                code="conflict",
                fields={"options" if kind == question.kind else "kind": "frozen by forecasts"},
            )
        if labels != current_labels or kind != question.kind:
            question.options.all().delete()
            QuestionOption.objects.bulk_create(
                QuestionOption(question=question, label=label, position=index)
                for index, label in enumerate(labels)
            )
        question.kind = kind
    for name in ("title", "body", "resolution_criteria", "fine_print"):
        if name in changes:
            setattr(question, name, changes[name])
    for name in ("opens_at", "closes_at", "resolve_by"):
        if name in changes:
            setattr(question, name, changes[name])
    _validate_times(question.opens_at, question.closes_at, question.resolve_by)
    if "published" in changes:
        if changes["published"] and question.published_at is None:
            question.published_at = timezone.now()
        elif not changes["published"] and question.published_at is not None:
            if has_forecasts:
                raise ApplicationError(
                    "A question with forecasts cannot go back to draft.",
                    code="conflict",
                    fields={"published": "the question has forecasts"},
                )
            question.published_at = None
    question.save()
    question_record_revisions(before=before, after=question, user=user)
    if "tags" in changes:
        question.tags.set(tags_get_or_create(slugs=changes["tags"]))
    return question


def question_publish(*, question: Question) -> Question:
    return question_update(question=question, changes={"published": True})


@transaction.atomic
def pundit_get_or_create(*, display_name: str) -> Forecaster:
    """The pundit forecaster for an author, by name."""
    existing = Forecaster.objects.filter(
        kind=Forecaster.Kind.PUNDIT, display_name=display_name
    ).first()
    if existing is not None:
        return existing
    return Forecaster.objects.create(
        handle=_unique_slug(Forecaster, display_name, field="handle", max_length=60),
        display_name=display_name,
        kind=Forecaster.Kind.PUNDIT,
    )


@transaction.atomic
def source_import(
    *,
    title: str,
    author_name: str,
    published_on: date,
    text: str,
    publication: str = "",
    url: str = "",
    language: str = "en",
    fiscal_year_start_month: int = 1,
) -> tuple[Source, bool]:
    """Store a published document by its author (a pundit); (source, created).

    Importing the same title by the same author again returns the stored source unchanged.
    A `url` that is not an http(s) web address is refused (ApplicationError naming `url`).
    """
    url = (url or "").strip()
    if problem := source_url_problem(url):
        raise ApplicationError.invalid_fields({"url": problem})
    author = pundit_get_or_create(display_name=author_name)
    existing = Source.objects.filter(title=title, author=author).first()
    if existing is not None:
        return existing, False
    source = Source.objects.create(
        slug=_unique_slug(Source, title),
        title=title,
        author=author,
        publication=publication,
        url=url,
        published_on=published_on,
        language=language,
        text=text,
        fiscal_year_start_month=fiscal_year_start_month,
    )
    return source, True


# --- Accounts: sign up, API tokens, the notification preference


def _signup_normalized(username: str, email: str) -> tuple[str, str]:
    user_model = get_user_model()
    return (
        user_model.normalize_username((username or "").strip()),
        user_model._default_manager.normalize_email((email or "").strip()),
    )


def _username_look_alike_taken(username: str) -> bool:
    """Whether a stored username reads like this one (same skeleton, registry/usernames.py).

    Every stored username is read (one column, streamed): a skeleton is not stored, and
    sign-ups are few and rate-limited per address.
    """
    user_model = get_user_model()
    users = user_model._default_manager
    field = user_model.USERNAME_FIELD
    if users.filter(**{f"{field}__iexact": username}).exists():
        return True
    wanted = username_skeletons(username)
    names = users.values_list(field, flat=True).order_by().iterator(chunk_size=5000)
    return any(wanted & username_skeletons(name) for name in names)


def user_signup_problems(*, username: str, email: str, password: str) -> dict[str, str]:
    """Every problem user_signup would refuse, by field (empty when there is none).

    Reads only: forms call it to show every problem at once; user_signup checks again.
    """
    user_model = get_user_model()
    username, email = _signup_normalized(username, email)
    password = password or ""
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = "Choose a username."
    else:
        try:
            user_model._meta.get_field(user_model.USERNAME_FIELD).run_validators(username)
        except ValidationError as error:
            errors["username"] = " ".join(error.messages)
        else:
            if username_is_reserved(username):
                errors["username"] = (
                    "This username is reserved (it would pass for the site or its staff); "
                    "choose another."
                )
            elif username_reads_as_deleted(username):
                errors["username"] = (
                    "Names beginning “deleted-” are how deleted accounts are shown; choose another."
                )
            elif _username_look_alike_taken(username):
                errors["username"] = (
                    "This username is already taken, or reads like one that is (letters of "
                    "another alphabet or in another case count as the same); choose another."
                )
    if not email:
        errors["email"] = "Enter an email address (for reminders and score notices)."
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Enter a valid email address."
    try:
        password_validation.validate_password(
            password, user=user_model(**{user_model.USERNAME_FIELD: username, "email": email})
        )
    except ValidationError as error:
        errors["password"] = " ".join(error.messages)
    return errors


@transaction.atomic
def user_signup(*, username: str, email: str, password: str) -> Forecaster:
    """A new login and its human forecaster profile, together or not at all.

    Refuses with ApplicationError.invalid_fields naming `username`, `email` or `password`
    (Django's password validators decide what a weak password is).
    """
    user_model = get_user_model()
    errors = user_signup_problems(username=username, email=email, password=password)
    username, email = _signup_normalized(username, email)
    if errors:
        raise ApplicationError.invalid_fields(errors)
    try:
        with transaction.atomic():
            user = user_model._default_manager.create_user(
                username=username, email=email, password=password
            )
    except IntegrityError:
        # Another sign-up took the name between the check and the insert.
        raise ApplicationError.invalid_fields(
            {"username": "This username is already taken."}
        ) from None
    return forecaster_for_user(user=user)


class IssuedApiToken(NamedTuple):
    """A new API token and its key: the key exists only here, the database keeps its hash."""

    token: AuthToken
    key: str


@transaction.atomic
def api_token_create(*, user: AbstractBaseUser) -> IssuedApiToken:
    """A new API token for the user, beside any others they hold (one per script or device).

    It expires REST_KNOX["TOKEN_TTL"] after its last use. The user's expired tokens are
    deleted on the way; past REST_KNOX["TOKEN_LIMIT_PER_USER"] live ones, a 409 says what
    to do instead.
    """
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None and AuthToken.objects.filter(user=user).count() >= limit:
        raise ApplicationError(
            f"You already hold {limit} API tokens, the most one account may. Keep using a "
            "token rather than asking for a new one on every run, or revoke tokens (on your "
            "account page, or with POST /api/v1/auth/token/revoke-all/).",
            code="conflict",
        )
    token, key = AuthToken.objects.create(user=user)
    return IssuedApiToken(token=token, key=key)


def api_token_revoke(*, user: AbstractBaseUser, digest: str) -> bool:
    """Delete one of the user's API tokens (by its stored digest); whether it was theirs."""
    deleted, _ = AuthToken.objects.filter(user=user, digest=digest).delete()
    return deleted > 0


def api_tokens_revoke_all(*, user: AbstractBaseUser) -> int:
    """Delete every API token the user holds; how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def forecaster_notifications_update(
    *, forecaster: Forecaster, email_notifications: bool
) -> Forecaster:
    """Turn the forecaster's reminder and score emails on or off."""
    Forecaster.objects.filter(pk=forecaster.pk).update(email_notifications=email_notifications)
    forecaster.email_notifications = email_notifications
    return forecaster
