"""REST framework plumbing shared by every app: errors, parsing, paging, throttling."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, QueryDict
from rest_framework import exceptions, pagination, parsers, serializers, throttling
from rest_framework.response import Response

from config.errors import ApplicationError

logger = logging.getLogger(__name__)


def _flatten(detail: Any, prefix: str = "") -> dict[str, str]:
    """DRF's nested error detail as {"dotted.field": "first message"}."""
    if isinstance(detail, dict):
        flat: dict[str, str] = {}
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            flat.update(_flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name))
        return flat
    if isinstance(detail, list):
        if detail and all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": " ".join(str(item) for item in detail)}
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": str(detail)}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every API error as {"error": "...", "fields": {...}}."""
    # Imported here, not at the top: rest_framework.views resolves DEFAULT_PARSER_CLASSES
    # (this module's LenientJSONParser) when it is first imported, so importing it while
    # this module loads fails whenever config.api is the first to pull in DRF's views.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, ApplicationError):
        return Response(_sendable({"error": exc.message, "fields": exc.fields}), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        summary = "; ".join(f"{name}: {message}" for name, message in fields.items())
        response.data = {"error": summary or "Invalid input.", "fields": fields}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = {"error": str(detail), "fields": {}}
    response.data = _sendable(response.data)
    return response


def _sendable(value: Any) -> Any:
    """The error with every text made encodable as UTF-8.

    A message may quote the input (a choice that is not one, a field name nobody declared),
    and a lone surrogate in it would make the response itself fail to render: a 500
    instead of the 400. It is sent as its backslash escape (U+D800 as the six characters
    backslash, u, d, 8, 0, 0).
    """
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_sendable(key): _sendable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_sendable(item) for item in value]
    return value


class LenientJSONParser(parsers.JSONParser):
    """Parses the non-standard NaN/Infinity literals instead of failing the whole body.

    The value then reaches validation, which refuses it with a message naming the field,
    rather than a parse error that names nothing. A body nested too deeply for the parser
    (thousands of brackets) is a 400 saying so, not a RecursionError.
    """

    strict = False

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error - the body is nested too deeply."
            ) from None


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:  # type: ignore[no-untyped-def]
        """`page_size` as asked, capped at API_MAX_PAGE_SIZE. Anything but a whole number
        from 1 up is a 400 naming it: DRF would quietly use the default page size instead,
        and a client would not learn that its parameter was ignored."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: "must be a whole number from 1 up"}
            )
        return min(size, self.max_page_size)


class _FailOpenThrottle(throttling.SimpleRateThrottle):
    """A throttle that lets requests through when its cache (Redis) is unreachable.

    Throttling protects the service; losing a forecast because Redis is down would defeat
    its purpose, so a cache failure is logged and the request allowed.
    """

    def allow_request(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        try:
            return super().allow_request(request, view)
        except Exception:  # redis-py raises its own ConnectionError/TimeoutError types
            logger.warning("throttle cache unreachable; allowing %s", request.path, exc_info=True)
            return True


class WriteRateThrottle(_FailOpenThrottle):
    """Limits writes (POST, PUT, PATCH, DELETE) per user, or per address when anonymous."""

    scope = "write"

    def get_cache_key(self, request, view) -> str | None:  # type: ignore[no-untyped-def]
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class CommentBurstRateThrottle(WriteRateThrottle):
    """Limits comments posted per user within a minute (THROTTLE_COMMENT_BURST_RATE)."""

    scope = "comment_burst"


class CommentDailyRateThrottle(WriteRateThrottle):
    """Limits comments posted per user within a day (THROTTLE_COMMENT_DAILY_RATE)."""

    scope = "comment_daily"


COMMENT_THROTTLES = (WriteRateThrottle, CommentBurstRateThrottle, CommentDailyRateThrottle)


class LoginRateThrottle(_FailOpenThrottle):
    """Limits token requests per address, against password guessing."""

    scope = "login"

    def get_cache_key(self, request, view) -> str | None:  # type: ignore[no-untyped-def]
        if request.method != "POST":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _json_type_problem(field: serializers.Field, value: Any) -> str | None:
    """What is wrong with the JSON type of `value` for `field`, if anything."""
    if value is None:
        return None  # the field's allow_null decides
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(field, serializers.IntegerField):
        whole = isinstance(value, int) and not isinstance(value, bool)
        return None if whole else "must be a whole number"
    text_fields = (
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
    )
    if isinstance(field, text_fields):
        return None if isinstance(value, str) else "must be text"
    return None


# An input serializer that refuses fields it does not declare, and values of another JSON
# type than the field's. Silently dropping an unknown field would hide a typo, or an attempt
# to set something the caller may not (`submitted_at`, `forecaster`, `status`); DRF would
# also coerce 5 into "5", and 0 or "no" into false, where the schema promises the type
# itself. Form-encoded bodies carry only text, so only JSON bodies are type-checked. (A
# comment, not a docstring: drf-spectacular would show a docstring as every request body's
# description.)
class StrictInputSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError(
                    {name: "is not a field that can be set here" for name in unknown}
                )
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            problems = self._json_type_problems(data)
            if problems:
                raise exceptions.ValidationError(problems)
        return super().to_internal_value(data)

    def _json_type_problems(self, data: dict) -> dict[str, str]:
        problems: dict[str, str] = {}
        for name, value in data.items():
            field = self.fields[name]
            if isinstance(field, serializers.ListField) and isinstance(value, list):
                for index, item in enumerate(value):
                    problem = _json_type_problem(field.child, item)
                    if problem:
                        problems[f"{name}.{index}"] = problem
            else:
                problem = _json_type_problem(field, value)
                if problem:
                    problems[name] = problem
        return problems


# An action that takes no fields (confirm, reject): a body naming one is refused rather than
# silently ignored. (A comment, not a docstring, for the reason above.)
class NoInputSerializer(StrictInputSerializer):
    pass
