from django.urls import path

from predictions import my_data, views

app_name = "predictions"

urlpatterns = [
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("scoring/", views.scoring_page, name="scoring"),
    path("forecasters/<slug:handle>/", views.forecaster_page, name="forecaster"),
    path("accounts/data.json", my_data.my_data_json, name="my-data-json"),
    path("accounts/data.csv", my_data.my_data_csv, name="my-data-csv"),
]
