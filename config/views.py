"""Operational endpoints."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


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


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a URL that routes nowhere: the API's JSON error under /api/, else the page.

    DRF answers 404s inside its views; a path no route matches (`/api/v1/checks/x/`)
    never reaches one, and an API client should not get an HTML page for it.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "Not found.", "fields": {}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 for an unexpected failure: the API's JSON error under /api/, else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "Something went wrong on our side; it has been logged.", "fields": {}},
            status=500,
        )
    return defaults.server_error(request)
