"""Middleware that refuses an oversized API body before anything reads it."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestBodyLimitMiddleware:
    """413 for an /api/ request whose declared body exceeds API_MAX_BODY_BYTES.

    DRF parses from the request stream, which bypasses Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE check, so the limit is enforced here, up front.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            limit = settings.API_MAX_BODY_BYTES
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse(
                    {"error": "Content-Length is not a number.", "fields": {}}, status=400
                )
            if length > limit:
                return JsonResponse(
                    {
                        "error": f"Request body is {length} bytes; the limit is {limit} bytes.",
                        "fields": {},
                    },
                    status=413,
                )
        return self.get_response(request)
