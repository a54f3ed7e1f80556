"""REST API v1 for follows: the caller's follows, following a question, a forecaster or a
source, and unfollowing."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import StrictInputSerializer
from config.errors import ApplicationError
from predictions import follow_selectors, follow_services
from predictions.follow_models import FOLLOW_TARGETS, Follow, Target
from registry import selectors as registry_selectors
from registry.models import Forecaster, Source
from registry.services import forecaster_for_user


class FollowSerializer(serializers.ModelSerializer):
    target_type = serializers.ChoiceField(
        choices=FOLLOW_TARGETS, read_only=True, help_text="Which of the three is followed."
    )
    question = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    forecaster = serializers.SlugRelatedField(slug_field="handle", read_only=True, allow_null=True)
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Follow
        fields = ["id", "target_type", "question", "forecaster", "source", "created_at"]


class FollowInputSerializer(StrictInputSerializer):
    question = serializers.SlugField(
        max_length=120, required=False, help_text="The slug of a question to follow."
    )
    forecaster = serializers.SlugField(
        max_length=64, required=False, help_text="The handle of a forecaster to follow."
    )
    source = serializers.SlugField(
        max_length=120, required=False, help_text="The slug of a source to follow."
    )


def _target_named(request: Request, data: dict) -> Target:
    """The one target the body names, or a 400 naming the field."""
    named = [name for name in FOLLOW_TARGETS if name in data]
    if len(named) != 1:
        message = "name exactly one of question, forecaster or source"
        raise ApplicationError.invalid_fields(dict.fromkeys(named or FOLLOW_TARGETS, message))
    name = named[0]
    key = data[name]
    if name == "question":
        found = registry_selectors.questions_visible_to(request.user).filter(slug=key).first()
    elif name == "forecaster":
        found = Forecaster.objects.filter(handle=key).first()
    else:
        found = Source.objects.filter(slug=key).first()
    if found is None:
        raise ApplicationError.invalid_fields({name: f"names no {name}"})
    return found


class FollowsView(generics.ListCreateAPIView):
    """Your follows, newest first. POST follows one question, forecaster or source:
    `{"question": "<slug>"}`, `{"forecaster": "<handle>"}` or `{"source": "<slug>"}`.

    Following a question tells you before it closes, when an outcome is proposed and when
    it resolves; a forecaster, of the new questions they forecast on (a daily digest); a
    source, of each new question from it. Following twice is one follow (200)."""

    serializer_class = FollowSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Follow.objects.none()
        return follow_selectors.follows_of_user(user=self.request.user)

    @extend_schema(
        request=FollowInputSerializer,
        responses={
            201: FollowSerializer,
            200: OpenApiResponse(FollowSerializer, description="You followed it already."),
        },
        examples=[
            OpenApiExample("A question", value={"question": "open-model-tops-lmarena"}),
            OpenApiExample("A forecaster", value={"forecaster": "natolambert"}),
        ],
    )
    def post(self, request: Request) -> Response:
        data = FollowInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = _target_named(request, data.validated_data)
        # One transaction: a refused follow leaves nothing behind, not even the forecaster
        # profile made for a caller who had none.
        with transaction.atomic():
            follow, created = follow_services.follow_add(
                follower=forecaster_for_user(user=request.user), target=target
            )
        return Response(
            FollowSerializer(follow).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FollowDetailView(generics.RetrieveDestroyAPIView):
    """One of your follows; DELETE unfollows (204). Another's follow is not found."""

    serializer_class = FollowSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Follow.objects.none()
        return follow_selectors.follows_of_user(user=self.request.user)

    def perform_destroy(self, instance: Follow) -> None:
        follow_services.follow_remove_by_id(follower=instance.follower, follow_id=instance.pk)
