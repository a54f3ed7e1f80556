"""REST API v1 for forecasts: submit, a question's log, the caller's history."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from knox.models import AuthToken
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import PageNumberPagination, StrictInputSerializer
from config.errors import ApplicationError
from config.openapi import FORBIDDEN
from predictions import selectors, services
from predictions.models import Forecast
from registry import selectors as registry_selectors
from registry.models import Forecaster
from registry.services import forecaster_for_user


class RawValueField(serializers.Field):
    """Passes the JSON value through untouched so the service can say exactly what is
    wrong with it (a string, a boolean, NaN ...) instead of coercing it. Subclasses say
    in the schema what the service accepts."""

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        return data

    def to_representation(self, value):  # type: ignore[no-untyped-def]
        return value


_PROBABILITY = {
    "type": "number",
    "minimum": services.MIN_PROBABILITY,
    "maximum": services.MAX_PROBABILITY,
}


@extend_schema_field(_PROBABILITY)
class RawProbabilityField(RawValueField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": _PROBABILITY})
class RawProbabilitiesField(RawValueField):
    pass


@extend_schema_field({"type": "string", "maxLength": services.MAX_RATIONALE_CHARS})
class RawTextField(RawValueField):
    pass


class ForecastInputSerializer(StrictInputSerializer):
    probability = RawProbabilityField(
        required=False, help_text="Binary questions: the probability of Yes, in [0.001, 0.999]."
    )
    probabilities = RawProbabilitiesField(
        required=False,
        help_text="Multiple-choice questions: every option label mapped to its probability; "
        "they must sum to 1.",
    )
    rationale = RawTextField(required=False, help_text="Why, in your own words (optional).")
    forecaster = serializers.CharField(
        required=False, help_text="Optional; if given it must be your own handle."
    )


class ForecastSerializer(serializers.ModelSerializer):
    forecaster = serializers.SlugRelatedField(slug_field="handle", read_only=True)
    question = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    probabilities = serializers.SerializerMethodField()

    class Meta:
        model = Forecast
        fields = ["id", "question", "forecaster", "probabilities", "rationale", "submitted_at"]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "number"}})
    def get_probabilities(self, forecast: Forecast) -> dict[str, float]:
        """Each option label (Yes / No for binary) mapped to its probability."""
        return dict(
            zip(forecast.question.option_labels(), forecast.probability_vector, strict=True)
        )


def _token_forecaster(request: Request) -> Forecaster | None:
    """The caller's forecaster profile as API token authentication loaded it in this
    request, with the token and its user (config/tokens.py), if it did."""
    if not isinstance(request.auth, AuthToken):
        return None
    return request.user._state.fields_cache.get("forecaster")


class QuestionForecastsView(generics.ListAPIView):
    """A question's forecasts, and submitting one.

    GET lists every forecast once the question has closed; before that, only your own
    (staff see all). POST records your forecast: `{"probability": 0.7}` on a binary
    question, `{"probabilities": {"<label>": 0.2, ...}}` on a multiple-choice one.
    """

    serializer_class = ForecastSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Forecast.objects.none()
        question = registry_selectors.question_get(slug=self.kwargs["slug"], user=self.request.user)
        return selectors.question_forecasts_visible_to(question=question, user=self.request.user)

    @extend_schema(
        request=ForecastInputSerializer,
        responses={201: ForecastSerializer},
        examples=[
            OpenApiExample(
                "Binary question",
                value={"probability": 0.7, "rationale": "Base rate of similar releases."},
                request_only=True,
            ),
            OpenApiExample(
                "Multiple-choice question",
                value={"probabilities": {"United States": 0.5, "China": 0.3, "Europe": 0.2}},
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        question = registry_selectors.question_to_forecast_on(slug=slug, user=request.user)
        data = ForecastInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # One transaction: a refused forecast leaves nothing behind, not even the forecaster
        # profile made for a caller's first one.
        with transaction.atomic():
            forecaster = _token_forecaster(request) or forecaster_for_user(user=request.user)
            claimed = data.validated_data.pop("forecaster", None)
            if claimed is not None and claimed != forecaster.handle:
                raise ApplicationError(
                    "You may only forecast as yourself.",
                    code="forbidden",
                    fields={"forecaster": f"is not your handle ({forecaster.handle})"},
                )
            forecast = services.forecast_submit(
                forecaster=forecaster,
                question=question,
                origin=Forecast.Origin.API,
                **data.validated_data,
            )
        return Response(self.get_serializer(forecast).data, status=status.HTTP_201_CREATED)


class MyForecastsView(generics.ListAPIView):
    """Your own forecasts, newest first; `?question=<slug>` narrows to one question."""

    serializer_class = ForecastSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("question", str, description="Question slug")])
    def get(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Forecast.objects.none()
        forecasts = selectors.forecaster_history_of_user(user=self.request.user)
        question = self.request.query_params.get("question")
        if question:
            forecasts = forecasts.filter(question__slug=question)
        return forecasts


class ForecasterForecastsView(generics.ListAPIView):
    """A forecaster's forecasts on closed questions; all of them for the forecaster
    themself and for staff."""

    serializer_class = ForecastSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Forecast.objects.none()
        forecaster = generics.get_object_or_404(
            registry_selectors.forecasters_list(), handle=self.kwargs["handle"]
        )
        user = self.request.user
        if user.is_authenticated and (user.is_staff or forecaster.user_id == user.pk):
            return selectors.forecaster_history(forecaster=forecaster)
        return selectors.forecaster_public_forecasts(forecaster=forecaster)


# --- Scores, crowd, leaderboard, calibration


class QuestionScoreSerializer(serializers.Serializer):
    forecaster = serializers.CharField(source="forecaster.handle")
    brier = serializers.FloatField()
    relative_score = serializers.FloatField()
    log_loss = serializers.FloatField()
    spherical = serializers.FloatField()
    days = serializers.IntegerField()


class QuestionScoresView(APIView):
    """Every forecaster's score on a resolved question, best relative score first.

    Empty until the question has a final outcome; an annulled question scores nothing.
    """

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=QuestionScoreSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        question = registry_selectors.question_get(slug=slug, user=request.user)
        scores = selectors.question_scores(question=question)
        return Response(QuestionScoreSerializer(scores, many=True).data)


class CrowdDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    probabilities = serializers.DictField(child=serializers.FloatField())
    forecasters = serializers.IntegerField()


class QuestionCrowdView(APIView):
    """The crowd forecast per day: the per-option median of the people's standing forecasts
    (bots and pundits are not in the crowd)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: CrowdDaySerializer(many=True), 403: FORBIDDEN})
    def get(self, request: Request, slug: str) -> Response:
        question = registry_selectors.question_get(slug=slug, user=request.user)
        if selectors.crowd_hidden_from(question=question, user=request.user):
            raise ApplicationError(
                "This question shows its crowd forecast once you have forecast on it, or once "
                "it closes.",
                code="forbidden",
            )
        return Response(
            CrowdDaySerializer(selectors.crowd_series(question=question), many=True).data
        )


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    forecaster = serializers.CharField(source="forecaster.handle")
    display_name = serializers.CharField(source="forecaster.display_name")
    kind = serializers.CharField(source="forecaster.kind")
    questions = serializers.IntegerField()
    mean_relative_score = serializers.FloatField()
    relative_score_interval = serializers.SerializerMethodField()
    mean_brier = serializers.FloatField()
    mean_log_loss = serializers.FloatField()

    @extend_schema_field({"type": "array", "items": {"type": "number"}, "minItems": 2})
    def get_relative_score_interval(self, total) -> list[float]:  # type: ignore[no-untyped-def]
        """Bootstrap 95% interval of the mean relative score."""
        return [total.relative_score_low, total.relative_score_high]


class CrowdRowSerializer(serializers.Serializer):
    """The people's crowd (the daily per-option median of people's standing forecasts)
    scored as a forecaster: shown beside a board for comparison, never ranked."""

    questions = serializers.IntegerField()
    mean_relative_score = serializers.FloatField()
    mean_brier = serializers.FloatField()
    mean_log_loss = serializers.FloatField()


_CROWD_ROW_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "The people's crowd, the daily median of people's standing forecasts, "
    "scored like a forecaster on the scope's questions: for comparison, not ranked (null "
    "before any of them had a person's forecast).",
    "required": ["questions", "mean_relative_score", "mean_brier", "mean_log_loss"],
    "properties": {
        "questions": {"type": "integer"},
        "mean_relative_score": {"type": "number", "format": "double"},
        "mean_brier": {"type": "number", "format": "double"},
        "mean_log_loss": {"type": "number", "format": "double"},
    },
}


class LeaderboardPagination(PageNumberPagination):
    """The site's pages, with the crowd's row beside the results."""

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"] = {**paginated["properties"], "crowd": _CROWD_ROW_SCHEMA}
        paginated["required"] = [*paginated.get("required", []), "crowd"]
        return paginated


class LeaderboardView(generics.ListAPIView):
    """Forecasters of one kind ranked by mean relative score (lower is better; ties: more
    questions).

    `kind` is `human` (the people's board, the default), `bot` or `pundit`: everyone is
    scored against the people's crowd, and each kind has its own board. `scope` is `all`,
    `tag:<slug>`, `source:<slug>` or `year:<YYYY>`. Only forecasters with at least
    LEADERBOARD_MIN_QUESTIONS scored questions in the scope appear. `crowd` is the people's
    crowd's own record in the scope, for comparison (not ranked). Read from stored totals
    (and a short cache), never recomputed on a request.
    """

    permission_classes = [permissions.AllowAny]
    serializer_class = LeaderboardEntrySerializer
    pagination_class = LeaderboardPagination
    CACHE_SECONDS = 60
    # The query parameters a leaderboard page depends on (`format` through DRF's negotiation).
    READ_PARAMETERS = ("kind", "scope", "page", "page_size", "format")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.leaderboard(scope="all", min_questions=settings.LEADERBOARD_MIN_QUESTIONS)

    # On `get`, where drf-spectacular reads an APIView's parameters (on `list` they were
    # never in the schema).
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                enum=list(selectors.LEADERBOARD_KINDS),
                description="whose board: human (people, the default), bot or pundit",
            ),
            OpenApiParameter("scope", str, description="all | tag:X | source:Y | year:Z"),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response | HttpResponse:  # type: ignore[no-untyped-def]
        return super().get(request, *args, **kwargs)

    def list(  # type: ignore[no-untyped-def, override]
        self, request: Request, *args, **kwargs
    ) -> Response | HttpResponse:
        kind = request.query_params.get("kind", selectors.DEFAULT_LEADERBOARD_KIND)
        scope = request.query_params.get("scope", "all")
        problems = {}
        if kind not in selectors.LEADERBOARD_KINDS:
            problems["kind"] = "must be human, bot or pundit"
        if not selectors.SCOPE_PATTERN.match(scope):
            problems["scope"] = "must be all, tag:<slug>, source:<slug> or year:<YYYY>"
        if problems:
            raise ApplicationError.invalid_fields(problems)

        def page() -> dict:
            entries = selectors.leaderboard(
                scope=scope, min_questions=settings.LEADERBOARD_MIN_QUESTIONS, kind=kind
            )
            rows = self.paginate_queryset(entries)
            data = self.get_paginated_response(self.get_serializer(rows, many=True).data).data
            crowd = selectors.crowd_total(scope=scope)
            return {
                "count": data["count"],
                "next": self._read_parameters_only(data["next"]),
                "previous": self._read_parameters_only(data["previous"]),
                "crowd": None if crowd is None else CrowdRowSerializer(crowd).data,
                "results": data["results"],
            }

        # The URL, as the page's next/previous links name the host it was asked on, but
        # with only the parameters read: any other (`?x=<random>`) would make a new entry,
        # so a client could bypass the cache and fill Redis at will.
        # Hashed: a fuzzed parameter value can be kilobytes long, more than a key should be.
        url = self._read_parameters_only(request.build_absolute_uri()) or ""
        key = f"leaderboard:{hashlib.sha256(url.encode()).hexdigest()}"
        renderer = request.accepted_renderer
        # The browsable API, or JSON asked for with parameters (`; indent=4`): rendered per
        # request, so an Accept header cannot make new cache entries at will.
        if renderer.format != "json" or request.accepted_media_type != renderer.media_type:
            return Response(selectors.scores_cached(key, self.CACHE_SECONDS, page))
        # JSON, the hot path: the rendered bytes are what is cached.
        media_type = request.accepted_media_type
        body = selectors.scores_cached(
            f"{key}:json",
            self.CACHE_SECONDS,
            lambda: renderer.render(page(), media_type, self.get_renderer_context()),
        )
        charset = f"; charset={renderer.charset}" if renderer.charset else ""
        return HttpResponse(body, content_type=f"{renderer.media_type}{charset}")

    @classmethod
    def _read_parameters_only(cls, url: str | None) -> str | None:
        """`url` with only the query parameters the leaderboard reads, in one order, and
        page numbers as the paginator reads them: `page_size=002`, `+0_0_2` and ` 2` are
        all the page `page_size=2` is (int() accepts each), so they are one cache entry.
        `kind=human` is the default board, so it is left out."""
        if url is None:
            return None
        parts = urlsplit(url)
        # The last value of a repeated parameter, as DRF's query_params.get reads it.
        read = {
            name: value
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if name in cls.READ_PARAMETERS
        }
        for name in ("page", "page_size"):
            if name not in read:
                continue
            try:
                # The paginators read both with int(), which allows a sign, underscores,
                # spaces and non-ASCII digits: the key must read them the same way.
                number = int(read[name])
            except ValueError:
                continue  # refused with a 400 (page_size) or "invalid page": never cached
            # A page size past the cap is the capped page (and the same entry).
            if name == "page_size" and number > settings.API_MAX_PAGE_SIZE:
                number = settings.API_MAX_PAGE_SIZE
            read[name] = str(number)
        if read.get("kind") == selectors.DEFAULT_LEADERBOARD_KIND:
            del read["kind"]
        return urlunsplit(parts._replace(query=urlencode(sorted(read.items()))))


class CalibrationBinSerializer(serializers.Serializer):
    lower_edge = serializers.FloatField()
    upper_edge = serializers.FloatField()
    count = serializers.FloatField(help_text="Duration-weighted number of forecasts.")
    mean_forecast = serializers.FloatField(allow_null=True)
    observed = serializers.FloatField(allow_null=True)
    interval = serializers.ListField(child=serializers.FloatField(allow_null=True))


class CalibrationSerializer(serializers.Serializer):
    forecaster = serializers.CharField()
    total = serializers.FloatField()
    bins = CalibrationBinSerializer(many=True)
    reliability = serializers.FloatField(allow_null=True)
    resolution = serializers.FloatField(allow_null=True)
    uncertainty = serializers.FloatField(allow_null=True)


class CalibrationView(APIView):
    """A forecaster's calibration: 10 bins with Wilson 95% intervals and Murphy's terms."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=CalibrationSerializer)
    def get(self, request: Request, handle: str) -> Response:
        forecaster = generics.get_object_or_404(
            registry_selectors.forecasters_list(), handle=handle
        )
        payload = selectors.calibration_payload(forecaster=forecaster)
        return Response(CalibrationSerializer(payload).data)
