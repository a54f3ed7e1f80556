"""REST API v1 for the discussion under a question: read the thread, post a comment."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import COMMENT_THROTTLES, StrictInputSerializer
from predictions import comment_selectors, comment_services
from predictions.comment_selectors import ShownComment
from predictions.comments import Comment
from registry import selectors as registry_selectors
from registry.services import forecaster_for_user


class CommentInputSerializer(StrictInputSerializer):
    body = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=comment_services.MAX_COMMENT_CHARS,
        help_text="The comment, in Markdown (emphasis, bold, code, links, lists, quotes).",
    )


class CommentForecastSerializer(serializers.Serializer):
    probabilities = serializers.DictField(
        child=serializers.FloatField(), help_text="Each option label (Yes / No for binary)."
    )
    submitted_at = serializers.DateTimeField()


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="comment.id")
    question = serializers.CharField(source="comment.question.slug")
    author = serializers.CharField(source="comment.author.handle")
    author_name = serializers.CharField(source="comment.author.display_name")
    body = serializers.CharField(
        allow_null=True, help_text="The Markdown source; null when a moderator hid it."
    )
    body_html = serializers.CharField(
        allow_null=True, help_text="The Markdown rendered as sanitized HTML; null when hidden."
    )
    created_at = serializers.DateTimeField(source="comment.created_at")
    edited_at = serializers.DateTimeField(source="comment.edited_at", allow_null=True)
    hidden = serializers.BooleanField(help_text="Hidden by a moderator.")
    hidden_reason = serializers.CharField(
        allow_null=True, help_text="Why it was hidden: for staff and the comment's author."
    )
    forecast_when_posted = serializers.SerializerMethodField(
        help_text="The author's forecast that stood when the comment was posted. Null when "
        "there was none, or while the question's forecasts are private (until it closes; the "
        "author and staff see it)."
    )

    @extend_schema_field(CommentForecastSerializer(allow_null=True))
    def get_forecast_when_posted(self, shown: ShownComment) -> dict[str, Any] | None:
        forecast = shown.forecast
        if forecast is None:
            return None
        labels = self.context["question"].option_labels()
        return {
            "probabilities": dict(zip(labels, forecast.probability_vector, strict=True)),
            "submitted_at": serializers.DateTimeField().to_representation(forecast.submitted_at),
        }


class QuestionCommentsView(generics.ListAPIView):
    """A question's discussion, oldest first, and posting a comment to it.

    GET lists the comments (a hidden one without its text, except to staff). POST adds
    yours: `{"body": "Markdown text"}`. Posting is rate-limited per user, beyond the write
    limit: THROTTLE_COMMENT_BURST_RATE and THROTTLE_COMMENT_DAILY_RATE.
    """

    serializer_class = CommentSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_throttles(self):  # type: ignore[no-untyped-def]
        if self.request.method == "POST":
            return [throttle() for throttle in COMMENT_THROTTLES]
        return super().get_throttles()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Comment.objects.none()
        return comment_selectors.thread_of(question=self._question())

    def _question(self):  # type: ignore[no-untyped-def]
        if not hasattr(self, "question"):
            self.question = registry_selectors.question_get(
                slug=self.kwargs["slug"], user=self.request.user
            )
        return self.question

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["question"] = self._question()
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        shown = comment_selectors.comments_shown_to(
            page, question=self._question(), user=request.user
        )
        return self.get_paginated_response(self.get_serializer(shown, many=True).data)

    @extend_schema(
        request=CommentInputSerializer,
        responses={201: CommentSerializer},
        examples=[
            OpenApiExample(
                "A comment",
                value={"body": "The last two releases slipped by a quarter; see *the notes*."},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        question = self._question()
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # One transaction: a refused comment leaves nothing behind, not even the forecaster
        # profile made for a caller's first one.
        with transaction.atomic():
            comment = comment_services.comment_post(
                question=question,
                author=forecaster_for_user(user=request.user),
                body=data.validated_data["body"],
            )
        [shown] = comment_selectors.comments_shown_to(
            [comment], question=question, user=request.user
        )
        return Response(self.get_serializer(shown).data, status=status.HTTP_201_CREATED)
