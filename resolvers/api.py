"""REST API v1 for outcomes: resolutions, disputes, the admins' queue, sources, checks."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import NoInputSerializer, StrictInputSerializer
from config.errors import ApplicationError
from config.openapi import FORBIDDEN
from registry import selectors as registry_selectors
from registry.services import forecaster_for_user
from resolvers import health, kinds, selectors, services
from resolvers.models import Check, Dispute, Resolution, ResolutionSource


class IsStaff(permissions.BasePermission):
    message = "Only staff may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class DisputeSerializer(serializers.ModelSerializer):
    forecaster = serializers.SlugRelatedField(slug_field="handle", read_only=True)

    class Meta:
        model = Dispute
        fields = ["forecaster", "reason", "created_at"]


class ResolutionSerializer(serializers.ModelSerializer):
    question = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    outcome_option = serializers.SlugRelatedField(
        slug_field="label", read_only=True, allow_null=True
    )
    resolved_by = serializers.SerializerMethodField(
        help_text='Who recorded it: the staff account\'s username to staff, "staff" to '
        "everyone else (which account resolved is no one else's business); null when a "
        "resolver proposed it."
    )
    current = serializers.BooleanField(source="is_current", read_only=True)
    evidence = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The id of the check that proposed it."
    )
    disputes = DisputeSerializer(many=True, read_only=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_resolved_by(self, resolution: Resolution) -> str | None:
        if resolution.resolved_by_id is None:
            return None
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if viewer is not None and viewer.is_staff:
            return resolution.resolved_by.username
        return "staff"

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
            "evidence",
            "created_at",
            "finalized_at",
            "superseded_at",
            "held_reason",
            "current",
            "disputes",
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
    supersedes = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The id of the current resolution you are overriding (null or absent when "
        "there is none). If the question's resolution changed meanwhile: 409.",
    )
    supersedes_state = serializers.ChoiceField(
        choices=Resolution.State.choices,
        required=False,
        help_text="The state you saw that resolution in. If it has changed since (a proposal "
        "confirmed meanwhile): 409.",
    )


class QuestionResolutionsView(generics.ListAPIView):
    """A question's resolution history, newest first, paginated like every list; staff
    record a final outcome, which supersedes the current one and moves the scores."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    serializer_class = ResolutionSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # the schema generator's dry pass
            return Resolution.objects.none()
        question = registry_selectors.question_get(slug=self.kwargs["slug"], user=self.request.user)
        return selectors.resolution_history(question=question)

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
            supersedes=data.validated_data.get("supersedes"),
            supersedes_state=data.validated_data.get("supersedes_state"),
        )
        data = ResolutionSerializer(resolution, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ResolutionConfirmView(APIView):
    """Staff confirm a proposed outcome now, without waiting for the dispute window."""

    permission_classes = [IsStaff]

    @extend_schema(request=None, responses=ResolutionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        # what is confirmed is the proposal as it stands: a body naming an outcome is refused
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        resolution = get_object_or_404(Resolution, pk=pk)
        resolution = services.resolution_confirm(resolution=resolution, user=request.user)
        return Response(ResolutionSerializer(resolution, context={"request": request}).data)


class DisputeInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=5_000)


class ResolutionDisputesView(APIView):
    """Disputes of a resolution; a forecaster who forecast on the question disputes a
    proposed outcome within the window, which keeps it from becoming final by itself."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def _resolution(self, request: Request, pk: int) -> Resolution:
        """The resolution, if its question is visible to the caller (a draft's is not)."""
        questions = registry_selectors.questions_visible_to(request.user)
        return get_object_or_404(Resolution.objects.filter(question__in=questions), pk=pk)

    @extend_schema(responses=DisputeSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        resolution = self._resolution(request, pk)
        return Response(DisputeSerializer(resolution.disputes.all(), many=True).data)

    @extend_schema(request=DisputeInputSerializer, responses={201: DisputeSerializer})
    def post(self, request: Request, pk: int) -> Response:
        resolution = self._resolution(request, pk)
        data = DisputeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # One transaction: a refused dispute leaves nothing behind, not even the forecaster
        # profile made for a caller who had none.
        with transaction.atomic():
            dispute = services.resolution_dispute(
                resolution=resolution,
                forecaster=forecaster_for_user(user=request.user),
                reason=data.validated_data["reason"],
            )
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)


class CheckSerializer(serializers.ModelSerializer):
    source = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = serializers.CharField(source="source.kind", read_only=True)
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = Check
        fields = ["id", "source", "kind", *Check.RECORD_FIELDS, "evidence_url"]

    def get_evidence_url(self, check: Check) -> str:
        """Where the stored response body can be downloaded."""
        return f"/api/v1/checks/{check.pk}/evidence/"

    def to_representation(self, check: Check) -> dict:
        """A failure reads as a sentence; its technical detail is for staff only."""
        data = super().to_representation(check)
        request = self.context.get("request")
        if check.error and not (request and request.user.is_staff):
            data["error"] = health.public_failure(check, check.source)
        return data


class QueueEntrySerializer(serializers.Serializer):
    question = serializers.CharField(source="question.slug")
    title = serializers.CharField(source="question.title")
    reason = serializers.ChoiceField(choices=["disputed", "held", "proposed", "overdue", "failing"])
    resolve_by = serializers.DateTimeField(source="question.resolve_by")
    resolution = ResolutionSerializer(allow_null=True)
    latest_checks = CheckSerializer(many=True)


class ResolutionQueueView(APIView):
    """For staff: disputed and proposed outcomes, and questions past resolve_by with none."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: QueueEntrySerializer(many=True), 403: FORBIDDEN})
    def get(self, request: Request) -> Response:
        entries = selectors.resolution_queue()
        return Response(QueueEntrySerializer(entries, many=True, context={"request": request}).data)


class ResolutionSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResolutionSource
        fields = [
            "id",
            "kind",
            "config",
            "check_every",
            "enabled",
            "next_check_at",
            "last_checked_at",
            "last_verdict",
            "last_error",
            "consecutive_failures",
            "last_succeeded_at",
            "health",
        ]

    health = serializers.SerializerMethodField()

    def get_health(self, source: ResolutionSource) -> str:
        """One sentence on how the source is doing, fit for anyone to read."""
        return health.source_health(source).summary

    def to_representation(self, source: ResolutionSource) -> dict:
        data = super().to_representation(source)
        request = self.context.get("request")
        if data.get("last_error") and not (request and request.user.is_staff):
            data["last_error"] = ""  # the health sentence says it in words
        return data


@extend_schema_field({"type": "string", "enum": list(kinds.REGISTRY)})
class ResolverKindField(serializers.CharField):
    """A resolver kind's name; the service's error lists the kinds when it names none."""


@extend_schema_field({"type": "object"})
class ResolverConfigField(serializers.JSONField):
    """The kind's settings, checked against its JSON Schema by the service."""


MAX_CHECK_EVERY_MINUTES = 366 * 24 * 60  # a year: rarer checks are no schedule at all


class ResolutionSourceInputSerializer(StrictInputSerializer):
    kind = ResolverKindField(max_length=60)
    config = ResolverConfigField(required=False, default=dict)
    check_every_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_CHECK_EVERY_MINUTES, required=False, default=360
    )


class QuestionSourcesView(APIView):
    """A question's resolution sources; staff attach one (its config is validated
    against the kind's schema)."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ResolutionSourceSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        question = registry_selectors.question_get(slug=slug, user=request.user)
        sources = selectors.sources_of(question=question)
        context = {"request": request}
        return Response(ResolutionSourceSerializer(sources, many=True, context=context).data)

    @extend_schema(
        request=ResolutionSourceInputSerializer,
        responses={201: ResolutionSourceSerializer},
        examples=[
            OpenApiExample(
                "An admin decides",
                value={
                    "kind": "manual",
                    "config": {"instructions": "Check the vendor's release notes."},
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        if not request.user.is_staff:
            raise ApplicationError("Only staff attach resolution sources.", code="forbidden")
        question = registry_selectors.question_get(slug=slug, user=request.user)
        data = ResolutionSourceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = services.source_add(
            question=question,
            kind=data.validated_data["kind"],
            config=data.validated_data["config"],
            check_every=timedelta(minutes=data.validated_data["check_every_minutes"]),
        )
        data = ResolutionSourceSerializer(source, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class QuestionChecksView(APIView):
    """The latest checks of a question's sources, newest first: what was fetched, when,
    and the verdict. The response bodies themselves (the evidence) are public once the
    question resolves, as the question page shows them."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=CheckSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        question = registry_selectors.question_get(slug=slug, user=request.user)
        checks = selectors.checks_of(question=question)
        checks = checks.defer("body")[:200]
        return Response(CheckSerializer(checks, many=True, context={"request": request}).data)


class CheckEvidenceView(APIView):
    """The stored response body of a check, as fetched (public once the question resolves)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 403: FORBIDDEN}
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        check = get_object_or_404(Check.objects.select_related("source__question"), pk=pk)
        question = check.source.question
        if question.published_at is None and not request.user.is_staff:
            raise ApplicationError("Not found.", code="not_found")
        if not (selectors.evidence_is_public(question) or request.user.is_staff):
            raise ApplicationError(
                "Evidence is public once the question resolves.", code="forbidden"
            )
        response = HttpResponse(bytes(check.body), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="check-{check.pk}.bin"'
        response["X-Original-Content-Type"] = check.content_type
        response["X-Content-SHA256"] = check.sha256
        return response
