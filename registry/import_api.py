"""Staff API for importing sources and reviewing the claims the finder proposed.

`POST /api/v1/imports/` imports from a web address or a text (as the staff page does);
`GET /api/v1/imports/` and `/imports/{id}/` say how imports stand (a long one is read by a
Celery task: poll it); `GET /api/v1/sources/{slug}/proposals/` lists a source's claims with
their drafts; `POST /api/v1/proposals/{id}/accept/`, `/reject/` and `/merge/` review one.
Staff only. Errors are the API's usual ones; a claim reviewed already is a 409.
"""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import NoInputSerializer, StrictInputSerializer
from config.errors import ApplicationError
from config.openapi import FORBIDDEN
from registry import claim_review, imports, selectors
from registry.models import Claim, Question, SourceImport
from resolvers import kinds

RECENT_IMPORTS = 50


class IsStaff(permissions.BasePermission):
    message = "Only staff import sources and review claims."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class PastedTextField(serializers.CharField):
    """A pasted text as sent: NULs and lone surrogates are the import's to clean (it
    removes them), not a refusal of the whole text."""

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(trim_whitespace=False, **kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if type(validator).__name__
            not in ("ProhibitNullCharactersValidator", "ProhibitSurrogateCharactersValidator")
        ]


# --- Output


class ImportSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    finished = serializers.BooleanField(read_only=True)
    review_url = serializers.SerializerMethodField()
    proposals_url = serializers.SerializerMethodField()

    class Meta:
        model = SourceImport
        fields = [
            "id",
            "source",
            "source_title",
            "source_created",
            "origin",
            "url",
            "state",
            "stage",
            "units_done",
            "units_total",
            "finished",
            "proposed",
            "already_known",
            "error",
            "created_at",
            "finished_at",
            "review_url",
            "proposals_url",
        ]

    def get_review_url(self, record: SourceImport) -> str:
        """The staff page to review the source's proposals on."""
        return reverse("registry:import-review", args=[record.source.slug])

    def get_proposals_url(self, record: SourceImport) -> str:
        return reverse("api-v1:source-proposals", args=[record.source.slug])


class DraftSerializer(serializers.ModelSerializer):
    """The question a claim became: its draft while proposed."""

    published = serializers.SerializerMethodField()
    closes_on = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "slug",
            "title",
            "resolution_criteria",
            "opens_at",
            "closes_at",
            "closes_on",
            "resolve_by",
            "published",
        ]

    def get_published(self, question: Question) -> bool:
        return question.published_at is not None

    def get_closes_on(self, question: Question) -> str:
        """The last day forecasts are taken (UTC); the question closes at its end."""
        return (question.closes_at - timedelta(seconds=1)).date().isoformat()


class ProposalSerializer(serializers.ModelSerializer):
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    question = DraftSerializer(read_only=True, allow_null=True)
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "quote",
            "start_offset",
            "end_offset",
            "review_state",
            "implied_probability",
            "probability_phrase",
            "probability_stated",
            "strength",
            "speaker",
            "reasons",
            "horizon_phrase",
            "deadline",
            "suggested_source_kind",
            "source_hint",
            "question",
            "reviewed_by",
            "reviewed_at",
        ]


class RecordedForecastSerializer(serializers.Serializer):
    probability = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField()
    rationale = serializers.CharField()

    def get_probability(self, forecast) -> float:  # type: ignore[no-untyped-def]
        """P(yes): the author's forecasts from claims are on yes/no questions."""
        return forecast.probabilities[0]


class AttachedSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()


class ReviewOutcomeSerializer(serializers.Serializer):
    proposal = ProposalSerializer(source="claim")
    forecast = RecordedForecastSerializer(
        allow_null=True, help_text="The author's forecast recorded by this review, if any."
    )
    resolution_source = AttachedSourceSerializer(allow_null=True)
    notes = serializers.ListField(
        child=serializers.CharField(), help_text="What was not done, and why."
    )


# --- Input


class ImportInputSerializer(StrictInputSerializer):
    url = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="The article's address, fetched unless `text` is given (then it is recorded "
        "as the original's address).",
    )
    text = PastedTextField(required=False, allow_blank=True, help_text="The article's text.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    author = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    published_on = serializers.DateField(required=False, allow_null=True)
    publication = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    fiscal_year_start_month = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=12
    )
    store_without_proposals = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Store the source without running the finder (it reads English only).",
    )


class AcceptInputSerializer(StrictInputSerializer):
    title = serializers.CharField(required=False, max_length=300)
    resolution_criteria = serializers.CharField(required=False)
    closes_on = serializers.DateField(
        required=False,
        help_text="The last day of forecasting (UTC); the question closes at its end.",
    )
    implied_probability = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="The author's implied probability, 0.001-0.999; null: the wording states no "
        "number (tracked, not scored). Absent: the finder's.",
    )
    source_kind = serializers.ChoiceField(choices=list(kinds.REGISTRY), required=False)
    source_config = serializers.DictField(
        required=False, help_text="The resolver kind's settings, to attach it as a source."
    )


class MergeInputSerializer(StrictInputSerializer):
    question = serializers.CharField(max_length=120, help_text="The published question's slug.")


# --- Views


class ImportsView(APIView):
    """Recent imports (staff); staff import a source from a web address or a text."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: ImportSerializer(many=True), 403: FORBIDDEN})
    def get(self, request: Request) -> Response:
        records = selectors.imports_recent(limit=RECENT_IMPORTS)
        return Response(ImportSerializer(records, many=True).data)

    @extend_schema(
        request=ImportInputSerializer,
        responses={201: ImportSerializer},
        examples=[
            OpenApiExample(
                "A pasted text",
                value={
                    "text": "I expect open models to lead the arena by the end of 2027.",
                    "title": "Predictions for 2027",
                    "author": "Jane Doe",
                    "published_on": "2026-12-01",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        given = imports.ImportInput(
            url=values.get("url", ""),
            text=values.get("text", ""),
            title=values.get("title", ""),
            author=values.get("author", ""),
            published_on=values.get("published_on"),
            publication=values.get("publication", ""),
            fiscal_year_start_month=values["fiscal_year_start_month"],
            store_without_proposals=values["store_without_proposals"],
        )
        prepared = imports.import_prepare(given=given)
        started = imports.source_import_start(prepared=prepared, user=request.user)
        return Response(ImportSerializer(started.record).data, status=status.HTTP_201_CREATED)


class ImportDetailView(APIView):
    """How one import stands: poll it while a long text is read."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: ImportSerializer, 403: FORBIDDEN})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ImportSerializer(selectors.import_get(pk=pk)).data)


class SourceProposalsView(APIView):
    """A source's claims in text order, each with its draft question; `?state=proposed`
    for those still waiting."""

    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[OpenApiParameter("state", enum=list(Claim.Review.values), required=False)],
        responses={200: ProposalSerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request: Request, slug: str) -> Response:
        source = selectors.source_for_review(slug=slug)
        state = request.query_params.get("state") or None
        if state is not None and state not in Claim.Review.values:
            raise ApplicationError.invalid_fields(
                {"state": f"one of {', '.join(Claim.Review.values)}"}
            )
        claims = selectors.claims_for_review(source=source, state=state)
        return Response(ProposalSerializer(claims, many=True).data)


def _outcome(outcome: claim_review.ReviewOutcome) -> Response:
    return Response(ReviewOutcomeSerializer(outcome).data)


class ProposalAcceptView(APIView):
    """Accept a proposal, with edits: its question is published with the author's forecast
    at the publication date (none when the implied probability is null)."""

    permission_classes = [IsStaff]

    @extend_schema(request=AcceptInputSerializer, responses=ReviewOutcomeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        claim = get_object_or_404(Claim, pk=pk)
        data = AcceptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        edits = claim_review.AcceptEdits(
            **{"implied_probability": claim_review.KEEP, **data.validated_data}
        )
        return _outcome(claim_review.claim_accept(claim=claim, user=request.user, edits=edits))


class ProposalRejectView(APIView):
    """Reject a proposal: kept as rejected, so it is never proposed again; its draft goes."""

    permission_classes = [IsStaff]

    @extend_schema(request=None, responses=ReviewOutcomeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        claim = get_object_or_404(Claim, pk=pk)
        return _outcome(claim_review.claim_reject(claim=claim, user=request.user))


class ProposalMergeView(APIView):
    """Merge a proposal into an existing published question; the author's forecast goes on
    it unless the author has one there already."""

    permission_classes = [IsStaff]

    @extend_schema(request=MergeInputSerializer, responses=ReviewOutcomeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        claim = get_object_or_404(Claim, pk=pk)
        data = MergeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        slug = data.validated_data["question"]
        question = Question.objects.published().filter(slug=slug).first()
        if question is None:
            raise ApplicationError.invalid_fields(
                {"question": f"No published question has the slug {slug!r}."}
            )
        return _outcome(claim_review.claim_merge(claim=claim, user=request.user, question=question))
