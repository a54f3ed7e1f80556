"""Reads of the discussion under a question, with who may see what.

A hidden comment shows its text to staff only ("hidden by a moderator" to everyone else;
the reason to staff and its author). The forecast that stood when a comment was posted
follows the forecast log's rule: public once the question's forecasts are (at the
close), before that only to the comment's author and to staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from predictions.comments import Comment
from predictions.formatting import forecast_in_words
from predictions.models import Forecast
from predictions.selectors import forecasts_are_public
from registry import selectors as registry_selectors
from registry.models import Forecaster, Question

PAGE_SIZE = 50


@dataclass(frozen=True)
class ShownComment:
    """A comment as one viewer may see it."""

    comment: Comment
    body: str | None  # the Markdown source; None when hidden from this viewer
    body_html: str | None  # sanitized when written (predictions.markup)
    hidden: bool
    hidden_reason: str | None  # for staff and the author
    forecast: Forecast | None  # what stood when it was posted, if this viewer may see it
    forecast_in_words: str
    edited: bool
    can_edit: bool
    edit_until: datetime | None
    can_moderate: bool


@dataclass(frozen=True)
class Thread:
    """One page of a question's discussion, oldest first."""

    page: Page
    comments: list[ShownComment]
    forecasts_public: bool


def thread_of(*, question: Question) -> QuerySet[Comment]:
    """Every comment on the question, oldest first."""
    return (
        Comment.objects.filter(question=question)
        .select_related("author", "question", "standing_forecast")
        .order_by("created_at", "id")
    )


def viewer_forecaster(user: User | AnonymousUser) -> Forecaster | None:
    """The viewer's forecaster profile, without making one."""
    if not user.is_authenticated:
        return None
    return Forecaster.objects.filter(user=user).first()


def comments_shown_to(
    comments: Iterable[Comment], *, question: Question, user: User | AnonymousUser
) -> list[ShownComment]:
    """The comments (all of `question`) as the user may see them."""
    staff = bool(user.is_authenticated and user.is_staff)
    viewer = viewer_forecaster(user)
    public_forecasts = forecasts_are_public(question)
    now = timezone.now()
    shown = []
    for comment in comments:
        own = viewer is not None and comment.author_id == viewer.pk
        text_visible = staff or not comment.is_hidden
        forecast = comment.standing_forecast
        if forecast is not None and not (public_forecasts or staff or own):
            forecast = None
        deadline = comment.editable_until
        can_edit = own and not comment.is_hidden and now <= deadline
        reason_visible = comment.is_hidden and (staff or own)
        shown.append(
            ShownComment(
                comment=comment,
                body=comment.body if text_visible else None,
                body_html=comment.body_html if text_visible else None,
                hidden=comment.is_hidden,
                hidden_reason=comment.hidden_reason if reason_visible else None,
                forecast=forecast,
                forecast_in_words=forecast_in_words(question, forecast) if forecast else "",
                edited=comment.edited_at is not None,
                can_edit=can_edit,
                edit_until=deadline if can_edit else None,
                can_moderate=staff,
            )
        )
    return shown


def thread_page(*, question: Question, user: User | AnonymousUser, number: str | None) -> Thread:
    """The page `number` of the thread (the first if it is not a page number)."""
    page = Paginator(thread_of(question=question), PAGE_SIZE).get_page(number)
    return Thread(
        page=page,
        comments=comments_shown_to(page.object_list, question=question, user=user),
        forecasts_public=forecasts_are_public(question),
    )


def page_number_of(comment: Comment) -> int:
    """The thread page the comment is on."""
    earlier = Comment.objects.filter(question_id=comment.question_id).filter(
        Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at, id__lt=comment.pk)
    )
    return earlier.count() // PAGE_SIZE + 1


def comment_get(*, pk: int, user: User | AnonymousUser) -> tuple[Comment, Question]:
    """The comment and its question (with status and options), or 404 when the question
    is not visible to the user (a draft, for anyone but staff)."""
    comment = get_object_or_404(Comment.objects.select_related("author", "question"), pk=pk)
    question = registry_selectors.question_get(slug=comment.question.slug, user=user)
    return comment, question
