from django.urls import path

from registry import views

app_name = "registry"

urlpatterns = [
    path("", views.home, name="home"),
    path("questions/<slug:slug>/", views.question, name="question"),
    path("sources/", views.source_index, name="sources"),
    path("sources/<slug:slug>/", views.source, name="source"),
]
