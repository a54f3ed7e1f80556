from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config.views import ApiDocsView, favicon, healthz
from resolvers.feeds import ResolutionsFeed

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", favicon, name="favicon"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's settings script as a file (?script): the
    # Content-Security-Policy allows no inline script.
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("config.api_urls")),
    path("api-auth/", include("rest_framework.urls")),
    path("feeds/resolutions/", ResolutionsFeed(), name="resolutions-feed"),
    path("", include("predictions.urls")),
    path("accounts/", include("registry.account_urls")),
    path("", include("resolvers.urls")),
    path("", include("registry.urls")),
]

handler400 = "config.views.bad_request"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
