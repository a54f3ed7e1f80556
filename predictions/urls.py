from django.urls import path

from predictions import my_data, sharing, views

app_name = "predictions"

urlpatterns = [
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("scoring/", views.scoring_page, name="scoring"),
    path("forecasters/<slug:handle>/", views.forecaster_page, name="forecaster"),
    path("forecasters/<slug:handle>/card.png", sharing.forecaster_card, name="forecaster-card"),
    path("questions/<slug:slug>/card.png", sharing.question_card, name="question-card"),
    path("questions/<slug:slug>/embed/", sharing.question_embed, name="question-embed"),
    path("accounts/data.json", my_data.my_data_json, name="my-data-json"),
    path("accounts/data.csv", my_data.my_data_csv, name="my-data-csv"),
]
