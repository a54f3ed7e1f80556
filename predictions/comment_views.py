"""The discussion's pages: posting from the question page, editing, staff moderation.

Posting is throttled like the API's comment endpoint (config/web_throttles.py); a refused
comment comes back on the question page with what was typed and the reason beside it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from config.web_throttles import (
    comment_throttled_message,
    web_comment_wait_seconds,
    web_write_wait_seconds,
)
from predictions import comment_selectors, comment_services, web
from predictions.comments import Comment
from registry import selectors as registry_selectors
from registry.models import Question
from registry.services import forecaster_for_user
from registry.views import _question_context

FORM_ID = "comment-%s"


def comment_url(comment: Comment) -> str:
    """The comment in its thread: the question page, on the comment's page of the thread."""
    url = reverse("registry:question", args=[comment.question.slug])
    number = comment_selectors.page_number_of(comment)
    if number > 1:
        url += "?" + urlencode({"comments": number})
    return f"{url}#comment-{comment.pk}"


def _question_page(
    request: HttpRequest, question: Question, form: web.CommentForm, status: int = 200
) -> HttpResponse:
    context = _question_context(request, question, comment_form=form)
    return render(request, "registry/question.html", context, status=status)


@require_POST
def comment_post(request: HttpRequest, slug: str) -> HttpResponse:
    """A signed-in visitor adds a comment to the question's thread."""
    question = registry_selectors.question_get(slug=slug, user=request.user)
    if not request.user.is_authenticated:
        page = reverse("registry:question", args=[question.slug]) + "#discussion"
        return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': page})}")
    form = web.CommentForm(request.POST, auto_id=FORM_ID)
    if wait := web_comment_wait_seconds(request):
        messages.error(request, comment_throttled_message(wait))
        response = _question_page(request, question, form, status=429)
        response["Retry-After"] = str(wait)
        return response
    if form.is_valid():
        try:
            # One transaction: a refused comment leaves nothing behind, not even the
            # forecaster profile made for a first-time commenter.
            with transaction.atomic():
                comment = comment_services.comment_post(
                    question=question,
                    author=forecaster_for_user(user=request.user),
                    body=form.cleaned_data["body"],
                )
        except ApplicationError as error:
            if error.code != "invalid":  # refused for the moment (a draft): said at the top
                messages.error(request, error.message)
                return HttpResponseRedirect(reverse("registry:question", args=[question.slug]))
            form.add_service_errors(error)
        else:
            messages.success(request, "Your comment is posted.")
            return HttpResponseRedirect(comment_url(comment))
    return _question_page(request, question, form)


@login_required
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The author rewrites their comment, within the edit window."""
    comment, question = comment_selectors.comment_get(pk=pk, user=request.user)
    author = comment_selectors.viewer_forecaster(request.user)
    if author is None or comment.author_id != author.pk:
        raise PermissionDenied("Only its author can edit a comment.")
    [shown] = comment_selectors.comments_shown_to([comment], question=question, user=request.user)
    if not shown.can_edit:
        messages.error(request, "This comment can no longer be edited.")
        return HttpResponseRedirect(comment_url(comment))
    form = web.CommentForm(initial={"body": comment.body}, auto_id=FORM_ID)
    if request.method == "POST":
        form = web.CommentForm(request.POST, auto_id=FORM_ID)
        if wait := web_write_wait_seconds(request):
            messages.error(request, comment_throttled_message(wait, refused="nothing was saved"))
        elif form.is_valid():
            try:
                comment_services.comment_edit(
                    comment=comment, author=author, body=form.cleaned_data["body"]
                )
            except ApplicationError as error:
                if error.code == "invalid":
                    form.add_service_errors(error)
                else:  # the window closed meanwhile, or a moderator hid it
                    messages.error(request, error.message)
                    return HttpResponseRedirect(comment_url(comment))
            else:
                messages.success(request, "Your comment is updated.")
                return HttpResponseRedirect(comment_url(comment))
    context = {"comment": shown, "question": question, "form": form, "back": comment_url(comment)}
    return render(request, "predictions/comment_edit.html", context)


@staff_member_required
@require_POST
def comment_hide(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff hide a comment from the public, with a reason."""
    comment, _question = comment_selectors.comment_get(pk=pk, user=request.user)
    form = web.CommentHideForm(request.POST)
    if not form.is_valid():
        problems = " ".join(" ".join(errors) for errors in form.errors.values())
        messages.error(request, f"The comment was not hidden: {problems}")
        return HttpResponseRedirect(comment_url(comment))
    try:
        comment_services.comment_hide(
            comment=comment, user=request.user, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        messages.error(request, f"The comment was not hidden: {error.message}")
    else:
        messages.success(request, "The comment is hidden; only staff see its text.")
    return HttpResponseRedirect(comment_url(comment))


@staff_member_required
@require_POST
def comment_unhide(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff show a hidden comment again."""
    comment, _question = comment_selectors.comment_get(pk=pk, user=request.user)
    comment_services.comment_unhide(comment=comment, user=request.user)
    messages.success(request, "The comment is shown again.")
    return HttpResponseRedirect(comment_url(comment))
