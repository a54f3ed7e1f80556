"""REST API v1 for the registry: questions, forecasters, sources, tags, the caller."""

from __future__ import annotations

import django_filters
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from knox.models import AuthToken
from rest_framework import (
    exceptions,
    mixins,
    parsers,
    permissions,
    renderers,
    serializers,
    status,
    viewsets,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import LenientJSONParser, LoginRateThrottle, StrictInputSerializer
from config.errors import ApplicationError
from config.login_throttle import lockout_message, login_lockout_seconds
from registry import selectors, services
from registry.models import Claim, Forecaster, Question, Source, Tag


class IsStaffOrReadOnly(permissions.BasePermission):
    message = "Only staff may change questions."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


# --- Output serializers


class ForecasterSerializer(serializers.ModelSerializer):
    links = serializers.ListField(
        source="shown_links", child=serializers.URLField(), read_only=True
    )

    class Meta:
        model = Forecaster
        fields = ["handle", "display_name", "kind", "bio", "links", "created_at"]


class ResolutionSummarySerializer(serializers.Serializer):
    outcome = serializers.CharField()
    outcome_option = serializers.CharField(source="outcome_option.label", allow_null=True)
    state = serializers.CharField()
    known_on = serializers.DateField()
    rationale = serializers.CharField()
    finalized_at = serializers.DateTimeField(allow_null=True)


class QuestionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    options = serializers.SerializerMethodField()
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    resolution = serializers.SerializerMethodField()
    url = serializers.HyperlinkedIdentityField(
        view_name="api-v1:question-detail", lookup_field="slug"
    )

    class Meta:
        model = Question
        fields = [
            "url",
            "slug",
            "title",
            "body",
            "resolution_criteria",
            "fine_print",
            "kind",
            "options",
            "tags",
            "status",
            "opens_at",
            "closes_at",
            "resolve_by",
            "published_at",
            "resolution",
        ]

    def get_options(self, question: Question) -> list[str]:
        """Option labels in order; a forecast's `probabilities` are keyed by them."""
        return [option.label for option in question.options.all()]

    @extend_schema(responses=ResolutionSummarySerializer(allow_null=True))
    def get_resolution(self, question: Question) -> dict | None:
        current = getattr(question, "current_resolutions", None)
        if current is None:
            current = list(question.resolutions.filter(superseded_at__isnull=True))
        return ResolutionSummarySerializer(current[0]).data if current else None


class ClaimSerializer(serializers.ModelSerializer):
    question = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "quote",
            "start_offset",
            "end_offset",
            "implied_probability",
            "probability_phrase",
            "question",
        ]

    def _published_question(self, claim: Claim) -> Question | None:
        """The question the claim became, unless it is still a draft (staff see drafts)."""
        question = claim.question
        if question is None:
            return None
        request = self.context.get("request")
        staff = bool(request and request.user.is_authenticated and request.user.is_staff)
        return question if (question.published_at is not None or staff) else None

    def get_question(self, claim: Claim) -> str | None:
        """The slug of the question it became (null while that is a draft)."""
        question = self._published_question(claim)
        return question.slug if question else None


class ClaimDetailSerializer(ClaimSerializer):
    """A claim with where its question stands: status, crowd, outcome, the author's score."""

    question_status = serializers.SerializerMethodField()
    crowd = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()
    author_score = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [
            *ClaimSerializer.Meta.fields,
            "question_status",
            "crowd",
            "outcome",
            "author_score",
        ]

    def get_question_status(self, claim: Claim) -> str | None:
        question = self._published_question(claim)
        return question.status if question else None

    @extend_schema_field(
        {"type": "object", "additionalProperties": {"type": "number"}, "nullable": True}
    )
    def get_crowd(self, claim: Claim) -> dict | None:
        """The people's crowd's latest per-option forecast (null while hidden from you, or
        while no person has forecast)."""
        from predictions.selectors import crowd_latest

        question = self._published_question(claim)
        if question is None:
            return None
        request = self.context.get("request")
        return crowd_latest(question=question, user=request.user if request else AnonymousUser())

    def get_outcome(self, claim: Claim) -> str | None:
        """The final outcome's label once the question is resolved."""
        question = self._published_question(claim)
        if question is None:
            return None
        final = question.resolutions.filter(superseded_at__isnull=True, state="final").first()
        return final.outcome_label if final else None

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"brier": {"type": "number"}, "relative_score": {"type": "number"}},
        }
    )
    def get_author_score(self, claim: Claim) -> dict | None:
        """How the source's author scored on the question, once it is scored."""
        question = self._published_question(claim)
        author_id = claim.source.author_id
        if question is None or author_id is None:
            return None
        score = question.scores.filter(forecaster_id=author_id).first()
        return {"brier": score.brier, "relative_score": score.relative_score} if score else None


class SourceSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="handle", read_only=True)
    claims = ClaimSerializer(many=True, read_only=True)

    class Meta:
        model = Source
        fields = [
            "slug",
            "title",
            "author",
            "publication",
            "url",
            "published_on",
            "language",
            "claims",
        ]


class SourceDetailSerializer(SourceSerializer):
    claims = ClaimDetailSerializer(many=True, read_only=True)

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "text"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name"]


# --- Input serializers (shape only; the services decide)


class QuestionInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=300)
    slug = serializers.SlugField(max_length=120, required=False)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    resolution_criteria = serializers.CharField()
    fine_print = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Question.Kind.choices, default=Question.Kind.BINARY)
    options = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    resolve_by = serializers.DateTimeField()
    published = serializers.BooleanField(required=False, default=False)


class QuestionReplaceSerializer(QuestionInputSerializer):
    """PUT: the whole question again, except that leaving out `published` keeps it as is
    (a replacement should not quietly turn a published question back into a draft)."""

    slug = None  # type: ignore[assignment]
    published = serializers.BooleanField(required=False)


class QuestionUpdateSerializer(QuestionInputSerializer):
    """Every field optional; `slug` is the question's address and does not change."""

    slug = None  # type: ignore[assignment]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            if hasattr(field, "default"):
                field.default = serializers.empty


class QuestionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Question.Status.choices, method="filter_status", label="Status"
    )
    tag = django_filters.CharFilter(field_name="tags__slug", label="Tag slug")
    source = django_filters.CharFilter(method="filter_source", label="Source slug")

    class Meta:
        model = Question
        fields = ["status", "tag", "source", "kind"]

    def filter_status(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(derived_status=value)

    def filter_source(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(claims__source__slug=value).distinct()


@extend_schema_view(
    create=extend_schema(
        request=QuestionInputSerializer,
        responses={201: QuestionSerializer},
        examples=[
            OpenApiExample(
                "A binary question",
                value={
                    "title": "Will an open-weights model lead the LMArena text leaderboard "
                    "before 2028?",
                    "resolution_criteria": "Resolves Yes if a model whose weights anyone can "
                    "download ranks first on lmarena.ai's text leaderboard on any day before "
                    "1 January 2028.",
                    "tags": ["open-models"],
                    "opens_at": "2026-07-01T00:00:00Z",
                    "closes_at": "2027-12-31T00:00:00Z",
                    "resolve_by": "2028-01-31T00:00:00Z",
                    "published": True,
                },
                request_only=True,
            )
        ],
    ),
    update=extend_schema(request=QuestionReplaceSerializer, responses=QuestionSerializer),
    partial_update=extend_schema(request=QuestionUpdateSerializer, responses=QuestionSerializer),
)
class QuestionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Questions. Anyone reads published ones; staff also see drafts, create and edit."""

    serializer_class = QuestionSerializer
    lookup_field = "slug"
    permission_classes = [IsStaffOrReadOnly]
    filterset_class = QuestionFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.questions_visible_to(self.request.user)

    def _respond(self, question: Question, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.question_get(slug=question.slug, user=self.request.user)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        data = QuestionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_create(**data.validated_data)
        return self._respond(question, status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        question = self.get_object()
        partial = kwargs.get("partial", False)
        serializer_class = QuestionUpdateSerializer if partial else QuestionReplaceSerializer
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        changes.pop("slug", None)
        question = services.question_update(question=question, changes=changes, user=request.user)
        return self._respond(question)


class ForecasterViewSet(viewsets.ReadOnlyModelViewSet):
    """Forecasters' public profiles."""

    serializer_class = ForecasterSerializer
    lookup_field = "handle"
    filterset_fields = ["kind"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.forecasters_list()


class SourceViewSet(viewsets.ReadOnlyModelViewSet):
    """Published sources with the claims quoted from them."""

    lookup_field = "slug"

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return SourceDetailSerializer if self.action == "retrieve" else SourceSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.sources_list()


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TagSerializer
    lookup_field = "slug"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.tags_list()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    email_verified = serializers.BooleanField(
        help_text="Whether the account's email address is confirmed; until it is, the "
        "account is left off the public leaderboards."
    )
    forecaster = ForecasterSerializer()


class MeView(APIView):
    """The authenticated caller and their forecaster profile."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        forecaster = services.forecaster_for_user(user=request.user)
        payload = {
            "username": request.user.get_username(),
            "is_staff": request.user.is_staff,
            "email_verified": forecaster.email_verified_at is not None,
            "forecaster": forecaster,
        }
        return Response(MeSerializer(payload).data)


class TokenRequestSerializer(StrictInputSerializer):
    username = serializers.CharField()
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The key, for the header `Authorization: Token <key>`. It is shown this once: "
        "the service keeps only its hash."
    )
    expiry = serializers.DateTimeField(
        help_text="When the token lapses unless used: every use moves this later."
    )


class RevokedTokensSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many tokens stopped working.")


class TokenView(APIView):
    """Exchange a username and password for a new API token (header `Authorization: Token ...`).

    Each call makes another token (one per script or device), revocable on its own.
    """

    # Credentials are the whole point here: a stale token in a script's headers must not
    # stand in the way of getting a new one.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [LoginRateThrottle]
    parser_classes = [LenientJSONParser, parsers.FormParser, parsers.MultiPartParser]
    renderer_classes = [renderers.JSONRenderer]

    @extend_schema(request=TokenRequestSerializer, responses=IssuedTokenSerializer)
    def post(self, request: Request) -> Response:
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        username = given.validated_data["username"]
        wait = login_lockout_seconds(request=request, username=username)
        if wait:
            raise exceptions.Throttled(wait=wait, detail=lockout_message(wait))
        user = authenticate(
            request=request, username=username, password=given.validated_data["password"]
        )
        if user is None:
            raise exceptions.ValidationError(
                "Unable to log in with the username and password given.", code="authorization"
            )
        issued = services.api_token_create(user=user)
        payload = {"token": issued.key, "expiry": issued.token.expiry}
        return Response(IssuedTokenSerializer(payload).data)


class TokenRevokeView(APIView):
    """Revoke the API token this request carries: every later request with it gets 401."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise ApplicationError(
                "This request carries no API token to revoke: send it as "
                "`Authorization: Token <key>`, or revoke every token with "
                "/api/v1/auth/token/revoke-all/."
            )
        services.api_token_revoke(user=request.user, digest=request.auth.digest)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllView(APIView):
    """Revoke every API token of the caller (all scripts and devices)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=RevokedTokensSerializer)
    def post(self, request: Request) -> Response:
        revoked = services.api_tokens_revoke_all(user=request.user)
        return Response(RevokedTokensSerializer({"revoked": revoked}).data)
