"""REST API v1 for outcomes: staff record, override or annul a question's resolution."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictInputSerializer
from config.errors import ApplicationError
from registry import selectors as registry_selectors
from resolvers import services
from resolvers.models import Resolution


class ResolutionSerializer(serializers.ModelSerializer):
    question = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    outcome_option = serializers.SlugRelatedField(slug_field="label", read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    current = serializers.BooleanField(source="is_current", read_only=True)

    class Meta:
        model = Resolution
        fields = [
            "id",
            "question",
            "outcome",
            "outcome_option",
            "known_on",
            "state",
            "rationale",
            "resolved_by",
            "resolver",
            "created_at",
            "finalized_at",
            "superseded_at",
            "current",
        ]


class ResolutionInputSerializer(StrictInputSerializer):
    outcome = serializers.ChoiceField(choices=Resolution.Outcome.choices)
    option = serializers.CharField(
        required=False, help_text="The label of the option that happened (multiple choice)."
    )
    known_on = serializers.DateField(
        required=False, help_text="The UTC day the outcome became known (default: today)."
    )
    rationale = serializers.CharField(max_length=10_000)


class QuestionResolutionView(APIView):
    """A question's resolution history (newest first), and, for staff, recording a final
    outcome. A new resolution supersedes the current one and the scores follow."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ResolutionSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        question = registry_selectors.question_get(slug=slug, user=request.user)
        history = question.resolutions.select_related("outcome_option", "resolved_by").order_by(
            "-created_at", "-id"
        )
        return Response(ResolutionSerializer(history, many=True).data)

    @extend_schema(request=ResolutionInputSerializer, responses={201: ResolutionSerializer})
    def post(self, request: Request, slug: str) -> Response:
        if not request.user.is_staff:
            raise ApplicationError("Only staff resolve questions.", code="forbidden")
        question = registry_selectors.question_get(slug=slug, user=request.user)
        data = ResolutionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        option = None
        label = data.validated_data.get("option")
        if label is not None:
            option = question.options.filter(label=label).first()
            if option is None:
                raise ApplicationError.invalid_fields(
                    {"option": f"{label!r} is not an option of this question"}
                )
        resolution = services.resolution_record(
            question=question,
            outcome=data.validated_data["outcome"],
            option=option,
            known_on=data.validated_data.get("known_on"),
            rationale=data.validated_data["rationale"],
            user=request.user,
        )
        return Response(ResolutionSerializer(resolution).data, status=status.HTTP_201_CREATED)
