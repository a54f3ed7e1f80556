"""Writes of the discussion under a question: posting, editing and moderating comments.

Every function checks its input first and writes nothing when it refuses (Zulip's check,
then do). A refused body is an `invalid` ApplicationError naming the field (`body`,
`reason`); a refusal of the moment (the edit window has passed) is a `conflict`; acting on
someone else's comment, or moderating without being staff, is `forbidden`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from config.clock import database_now
from config.errors import ApplicationError
from config.text import unstorable
from predictions.comments import Comment
from predictions.markup import render_markdown
from predictions.models import Forecast
from registry.models import Forecaster, Question

MAX_COMMENT_CHARS = 10_000
MAX_HIDE_REASON_CHARS = Comment._meta.get_field("hidden_reason").max_length


def _text_problem(value: Any, *, max_chars: int, empty: str) -> str | None:
    """Why `value` cannot be stored as a comment's text, or None if it can."""
    if not isinstance(value, str):
        return "must be text"
    reason = unstorable(value)
    if reason:
        return reason
    if not value.strip():
        return empty
    if len(value) > max_chars:
        return f"must be at most {max_chars} characters (it has {len(value)})"
    return None


def _checked_body(body: Any) -> str:
    problem = _text_problem(body, max_chars=MAX_COMMENT_CHARS, empty="write something first")
    if problem:
        raise ApplicationError.invalid_fields({"body": problem})
    return body


def comment_post(*, question: Question, author: Forecaster, body: str) -> Comment:
    """Add the author's comment to the question's thread, with the forecast of theirs that
    stands as it is posted (None if they have not forecast)."""
    body = _checked_body(body)
    if question.published_at is None:
        raise ApplicationError(
            "A draft question takes no comments until it is published.",
            code="conflict",
            fields={"question": "is a draft"},
        )
    html = render_markdown(body)
    with transaction.atomic():
        now = database_now()
        standing = (
            Forecast.objects.filter(question=question, forecaster=author, submitted_at__lte=now)
            .order_by("-submitted_at", "-id")
            .first()
        )
        return Comment.objects.create(
            question=question,
            author=author,
            body=body,
            body_html=html,
            created_at=now,
            standing_forecast=standing,
        )


def comment_edit(*, comment: Comment, author: Forecaster, body: str) -> Comment:
    """The author rewrites their comment within the edit window; it then shows "edited"."""
    if comment.author_id != author.pk:
        raise ApplicationError(
            "Only its author can edit a comment.",
            code="forbidden",
            fields={"author": "is not you"},
        )
    body = _checked_body(body)
    html = render_markdown(body)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_hidden:
            raise ApplicationError(
                "A comment hidden by a moderator cannot be edited.",
                code="conflict",
                fields={"comment": "is hidden"},
            )
        now = database_now()
        if now > comment.editable_until:
            minutes = round(settings.COMMENT_EDIT_WINDOW.total_seconds() / 60)
            raise ApplicationError(
                f"A comment can be edited for {minutes} minutes after it is posted; "
                "that time has passed.",
                code="conflict",
                fields={"comment": "edit window passed"},
            )
        if body == comment.body:
            return comment  # nothing changed: not marked as edited
        comment.body, comment.body_html, comment.edited_at = body, html, now
        comment.save(update_fields=["body", "body_html", "edited_at"])
        return comment


def _require_staff(user: AbstractBaseUser) -> None:
    if not getattr(user, "is_staff", False):
        raise ApplicationError(
            "Only staff moderate comments.", code="forbidden", fields={"user": "is not staff"}
        )


def comment_hide(*, comment: Comment, user: AbstractBaseUser, reason: str) -> Comment:
    """Staff hide a comment, saying why: the public then sees "hidden by a moderator" and
    only staff the text. Hiding a hidden comment again replaces the reason."""
    _require_staff(user)
    problem = _text_problem(
        reason, max_chars=MAX_HIDE_REASON_CHARS, empty="say why the comment is hidden"
    )
    if problem:
        raise ApplicationError.invalid_fields({"reason": problem})
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        comment.hidden_at = comment.hidden_at or database_now()
        comment.hidden_by = user
        comment.hidden_reason = reason.strip()
        comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        return comment


def comment_unhide(*, comment: Comment, user: AbstractBaseUser) -> Comment:
    """Staff show a hidden comment again (a visible one is left as it is)."""
    _require_staff(user)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_hidden:
            comment.hidden_at, comment.hidden_by, comment.hidden_reason = None, None, ""
            comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        return comment
