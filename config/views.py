"""Operational endpoints."""

import time

import redis
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views import defaults
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; report it, don't raise
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}".strip()}
    return {"status": "ok", "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def _check_redis() -> dict:
    started = time.monotonic()
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=settings.REDIS_TIMEOUT,
        socket_timeout=settings.REDIS_TIMEOUT,
    )
    try:
        client.ping()
    except Exception as exc:
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}".strip()}
    finally:
        client.close()
    return {"status": "ok", "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def healthz(request: HttpRequest) -> JsonResponse:
    """The database and Redis, each reported on its own.

    503 when the database is down (nothing works without it); 200 with status "degraded"
    when only Redis is down, since forecasts are still taken and the site still served.
    """
    database = _check_database()
    redis_state = _check_redis()
    if database["status"] != "ok":
        overall, http_status = "down", 503
    elif redis_state["status"] != "ok":
        overall, http_status = "degraded", 200
    else:
        overall, http_status = "ok", 200
    return JsonResponse(
        {"status": overall, "database": database, "redis": redis_state}, status=http_status
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: send them to the icon (its
    hashed static name is known only once the app runs, so it is looked up here)."""
    return HttpResponsePermanentRedirect(static("hindsight/favicon.svg"))


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a URL that routes nowhere: the API's JSON error under /api/, else the page.

    DRF answers 404s inside its views; a path no route matches (`/api/v1/checks/x/`)
    never reaches one, and an API client should not get an HTML page for it.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "Not found.", "fields": {}}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for a request Django could not read: a sentence saying why, not a bare title.

    The one a person meets is a form over DATA_UPLOAD_MAX_MEMORY_SIZE (a very long pasted
    text on the import page).
    """
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        message = (
            f"What was sent is larger than the {limit:g} MB a form takes; paste a shorter "
            "text, or upload the document as a file."
        )
    else:
        message = "The request could not be read; go back and try again."
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message, "fields": {}}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 for an unexpected failure: the API's JSON error under /api/, else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "Something went wrong on our side; it has been logged.", "fields": {}},
            status=500,
        )
    try:  # the page in the site's layout; the bare one if even that cannot render
        return render(request, "500.html", status=500)
    except Exception:
        return defaults.server_error(request)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI's page (and its settings script, `?script`, a file for the CSP).

    Its one renderer is Swagger UI's template, whose context reads `request.user`: an error
    (a token that is wrong, with a `?format=` the page has no renderer for) was rendered
    through it, authentication failed again inside the template, and the page answered
    500. An error is the API's JSON error instead."""

    def finalize_response(self, request, response, *args, **kwargs):  # type: ignore[no-untyped-def]
        if getattr(response, "exception", False):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
