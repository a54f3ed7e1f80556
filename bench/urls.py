"""The service's routes plus the framework ceiling (bench only, see bench/settings.py)."""

from django.urls import path
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as service_urlpatterns


class CeilingView(APIView):
    """A constant through the whole stack (middleware, authentication, throttles, renderer):
    the fastest any API view of this service can answer on the same server."""

    permission_classes = [permissions.AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"ceiling": True})


urlpatterns = [
    path("bench/ceiling/", CeilingView.as_view(), name="bench-ceiling"),
    *service_urlpatterns,
]
