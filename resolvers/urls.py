from django.urls import path

from resolvers import views

app_name = "resolvers"

urlpatterns = [
    path("staff/resolutions/", views.resolution_queue, name="queue"),
    path("staff/resolutions/<slug:slug>/", views.resolution_act, name="act"),
    path("questions/<slug:slug>/dispute/", views.dispute_submit, name="dispute"),
]
