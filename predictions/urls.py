from django.urls import path

from predictions import views

app_name = "predictions"

urlpatterns = [
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("scoring/", views.scoring_page, name="scoring"),
    path("forecasters/<slug:handle>/", views.forecaster_page, name="forecaster"),
]
