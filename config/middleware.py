"""Middleware: an oversized API body refused before anything reads it; a database outage
answered with a clean 503."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import escape

from config.text import unstorable

logger = logging.getLogger(__name__)

# Long enough for a restarting PostgreSQL to come back, short enough that a client retrying
# on it is not kept waiting after it has.
DATABASE_RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE_MESSAGE = (
    f"The database is unavailable at the moment; try again in {DATABASE_RETRY_AFTER_SECONDS} "
    "seconds."
)
_UNAVAILABLE_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>Hindsight is briefly unavailable</title></head><body>"
    "<h1>Hindsight is briefly unavailable</h1>"
    f"<p>{escape(DATABASE_UNAVAILABLE_MESSAGE)}</p></body></html>"
)


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


class UnstorableAddressMiddleware:
    """400 for an address whose path or query holds a NUL byte or a lone surrogate: no
    lookup can use it (PostgreSQL refuses NUL in text), so it is answered before any view
    tries, with a sentence naming the part."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = None
        if unstorable(request.path):
            problem = f"The address {unstorable(request.path)}."
        else:
            for name, values in request.GET.lists():
                for value in [name, *values]:
                    if unstorable(value):
                        shown = name[:40].replace("\x00", "\\0") or "(unnamed)"
                        problem = f"The query parameter {shown} {unstorable(value)}."
                        break
                if problem:
                    break
        if problem is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"error": problem, "fields": {}}, status=400)
        return render(request, "400.html", {"message": problem}, status=400)


class DatabaseUnavailableMiddleware:
    """503 with `Retry-After` when a request finds the database unreachable.

    An OperationalError or InterfaceError escaping a view means the database went away
    (restarted, a dropped connection, a connect timeout), not that the code is wrong: the
    client should retry shortly, and a 500 would say otherwise. The API answers in its
    error shape, pages with a short self-contained page (a template could itself need the
    database, through the user in the context). Django then discards the broken connection
    at the end of the request (errors_occurred fails the usability check), and
    CONN_HEALTH_CHECKS tests a reused one first, so the next request reconnects.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error(
            "database unavailable: %s %s answered 503 (%s: %s)",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception).strip(),
            # The traceback: not every OperationalError is an outage (a deadlock, a
            # statement timeout), and the log is where the difference shows.
            exc_info=exception,
        )
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"error": DATABASE_UNAVAILABLE_MESSAGE, "fields": {}}, status=503
            )
        else:
            response = HttpResponse(
                _UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8"
            )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response


# The views whose responses carry a secret token: a new API token (the account page that
# shows it once, the API's token exchange), a password-reset or email-verification link's.
TOKEN_VIEW_NAMES = frozenset(
    {
        "accounts:token_create",
        "accounts:password_reset_confirm",
        "accounts:email_verify",
        "api-v1:token",
        "api-v1:token-revoke",
        "api-v1:token-revoke-all",
    }
)


class TokenNoStoreMiddleware:
    """`Cache-Control: no-store` on every response of a view that handles a token, so no
    browser or proxy cache keeps one where a later user of the machine could find it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in TOKEN_VIEW_NAMES:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


# Admin pages of installed apps that run an inline script of their own: django-celery-beat's
# periodic task form (its crontab's reading in words). Staff-only pages of staff-entered
# data; on them alone the policy allows inline scripts.
INLINE_SCRIPT_ADMIN_PREFIXES = ("/admin/django_celery_beat/periodictask/",)
# The browsable API's "Log out" link is an inline onclick handler (DRF's optional_logout
# tag): that one handler, by its hash, and no other.
DRF_LOGOUT_HANDLER_HASH = "'sha256-tHTC1YgZ5UbAs8E2Ib4NjuSS8R05d1nfPHtbmXq05WA='"


class CspAllowancesMiddleware:
    """The Content-Security-Policy's few exceptions, each as narrow as the page needs:
    inline scripts on the admin pages listed above, DRF's log-out handler on the browsable
    API's pages (django-csp reads `_csp_update` from the response)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(INLINE_SCRIPT_ADMIN_PREFIXES):
            response._csp_update = {"script-src": ["'unsafe-inline'"]}  # type: ignore[attr-defined]
        elif request.path.startswith(("/api/", "/api-auth/")) and response.get(
            "Content-Type", ""
        ).startswith("text/html"):
            response._csp_update = {  # type: ignore[attr-defined]
                "script-src": ["'unsafe-hashes'", DRF_LOGOUT_HANDLER_HASH]
            }
        return response
