"""The /api/v1/ routes."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from predictions.api import (
    CalibrationView,
    ForecasterForecastsView,
    LeaderboardView,
    MyForecastsView,
    QuestionCrowdView,
    QuestionForecastsView,
    QuestionScoresView,
)
from predictions.comment_api import QuestionCommentsView
from predictions.follow_api import FollowDetailView, FollowsView
from registry.api import (
    ForecasterViewSet,
    MeView,
    QuestionViewSet,
    SourceViewSet,
    TagViewSet,
    TokenRevokeAllView,
    TokenRevokeView,
    TokenView,
)
from registry.import_api import (
    ImportDetailView,
    ImportsView,
    ProposalAcceptView,
    ProposalMergeView,
    ProposalRejectView,
    SourceProposalsView,
)
from resolvers.api import (
    CheckEvidenceView,
    QuestionChecksView,
    QuestionResolutionsView,
    QuestionSourcesView,
    ResolutionConfirmView,
    ResolutionDisputesView,
    ResolutionQueueView,
)

app_name = "api-v1"

router = DefaultRouter()
router.register("questions", QuestionViewSet, basename="question")
router.register("forecasters", ForecasterViewSet, basename="forecaster")
router.register("sources", SourceViewSet, basename="source")
router.register("tags", TagViewSet, basename="tag")

urlpatterns = [
    path(
        "questions/<slug:slug>/forecasts/",
        QuestionForecastsView.as_view(),
        name="question-forecasts",
    ),
    path(
        "forecasters/<slug:handle>/forecasts/",
        ForecasterForecastsView.as_view(),
        name="forecaster-forecasts",
    ),
    path(
        "questions/<slug:slug>/comments/",
        QuestionCommentsView.as_view(),
        name="question-comments",
    ),
    path("questions/<slug:slug>/scores/", QuestionScoresView.as_view(), name="question-scores"),
    path("questions/<slug:slug>/crowd/", QuestionCrowdView.as_view(), name="question-crowd"),
    path(
        "forecasters/<slug:handle>/calibration/",
        CalibrationView.as_view(),
        name="forecaster-calibration",
    ),
    path(
        "questions/<slug:slug>/resolutions/",
        QuestionResolutionsView.as_view(),
        name="question-resolutions",
    ),
    path("questions/<slug:slug>/sources/", QuestionSourcesView.as_view(), name="question-sources"),
    path("questions/<slug:slug>/checks/", QuestionChecksView.as_view(), name="question-checks"),
    path("resolutions/<int:pk>/confirm/", ResolutionConfirmView.as_view(), name="confirm"),
    path("resolutions/<int:pk>/disputes/", ResolutionDisputesView.as_view(), name="disputes"),
    path("resolution-queue/", ResolutionQueueView.as_view(), name="resolution-queue"),
    path("checks/<int:pk>/evidence/", CheckEvidenceView.as_view(), name="check-evidence"),
    path("leaderboard/", LeaderboardView.as_view(), name="leaderboard"),
    path("follows/", FollowsView.as_view(), name="follows"),
    path("follows/<int:pk>/", FollowDetailView.as_view(), name="follow"),
    path("me/", MeView.as_view(), name="me"),
    path("me/forecasts/", MyForecastsView.as_view(), name="my-forecasts"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/token/revoke/", TokenRevokeView.as_view(), name="token-revoke"),
    path("auth/token/revoke-all/", TokenRevokeAllView.as_view(), name="token-revoke-all"),
    path("imports/", ImportsView.as_view(), name="imports"),
    path("imports/<int:pk>/", ImportDetailView.as_view(), name="import-detail"),
    path("sources/<slug:slug>/proposals/", SourceProposalsView.as_view(), name="source-proposals"),
    path("proposals/<int:pk>/accept/", ProposalAcceptView.as_view(), name="proposal-accept"),
    path("proposals/<int:pk>/reject/", ProposalRejectView.as_view(), name="proposal-reject"),
    path("proposals/<int:pk>/merge/", ProposalMergeView.as_view(), name="proposal-merge"),
    path("", include(router.urls)),
]
