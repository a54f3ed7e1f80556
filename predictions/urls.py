from django.urls import path

from predictions import comment_views, follow_views, my_data, sharing, views

app_name = "predictions"

urlpatterns = [
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("scoring/", views.scoring_page, name="scoring"),
    path("forecasters/<slug:handle>/", views.forecaster_page, name="forecaster"),
    path("forecasters/<slug:handle>/card.png", sharing.forecaster_card, name="forecaster-card"),
    path("questions/<slug:slug>/card.png", sharing.question_card, name="question-card"),
    path("questions/<slug:slug>/embed/", sharing.question_embed, name="question-embed"),
    path("questions/<slug:slug>/comments/", comment_views.comment_post, name="comment-post"),
    path("comments/<int:pk>/edit/", comment_views.comment_edit, name="comment-edit"),
    path("comments/<int:pk>/hide/", comment_views.comment_hide, name="comment-hide"),
    path("comments/<int:pk>/unhide/", comment_views.comment_unhide, name="comment-unhide"),
    path(
        "questions/<slug:key>/follow/",
        follow_views.follow_toggle,
        {"target_type": "question"},
        name="follow-question",
    ),
    path(
        "forecasters/<slug:key>/follow/",
        follow_views.follow_toggle,
        {"target_type": "forecaster"},
        name="follow-forecaster",
    ),
    path(
        "sources/<slug:key>/follow/",
        follow_views.follow_toggle,
        {"target_type": "source"},
        name="follow-source",
    ),
    path(
        "accounts/notification-settings/",
        follow_views.notification_settings_save,
        name="notification-settings",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        follow_views.unsubscribe,
        name="unsubscribe",
    ),
    path("accounts/data.json", my_data.my_data_json, name="my-data-json"),
    path("accounts/data.csv", my_data.my_data_csv, name="my-data-csv"),
]
