from django.urls import path

from registry import import_views, question_list, views

app_name = "registry"

urlpatterns = [
    path("", views.home, name="home"),
    path("questions/", question_list.question_list, name="questions"),
    path("questions/<slug:slug>/", views.question, name="question"),
    path("sources/", views.source_index, name="sources"),
    path("sources/<slug:slug>/", views.source, name="source"),
    path("staff/imports/", import_views.import_index, name="imports"),
    path("staff/imports/<slug:slug>/", import_views.import_review, name="import-review"),
    path(
        "staff/imports/<slug:slug>/progress/",
        import_views.import_progress,
        name="import-progress",
    ),
    path(
        "staff/imports/<slug:slug>/claims/<int:pk>/",
        import_views.claim_act,
        name="claim-act",
    ),
]
