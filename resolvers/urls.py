from django.urls import path

from resolvers import staff_views, views

app_name = "resolvers"

urlpatterns = [
    path("staff/resolutions/", views.resolution_queue, name="queue"),
    path("staff/resolutions/<slug:slug>/", views.resolution_act, name="act"),
    path("staff/questions/<slug:slug>/sources/", staff_views.question_sources, name="sources"),
    path("staff/questions/<slug:slug>/sources/<int:pk>/", staff_views.source_edit, name="source"),
    path(
        "staff/questions/<slug:slug>/sources/<int:pk>/dry-run/",
        staff_views.source_dry_run_saved,
        name="source-dry-run",
    ),
    path("questions/<slug:slug>/dispute/", views.dispute_submit, name="dispute"),
]
