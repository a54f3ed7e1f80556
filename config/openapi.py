"""The API schema documents the errors each operation can answer, not only its success.

Every error has one shape (config/api.py's exception handler); which statuses an operation
can give follows from what it takes: any request may carry credentials that are wrong
(401); a path parameter or a page number may name nothing (404); query parameters and
bodies may be invalid (400); writes may be refused (403), conflict with the question's
state (409), be too large (413), not JSON (415) or too frequent (429). A read that can be
refused declares its 403 itself with `FORBIDDEN`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from config.api import StrictInputSerializer


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What went wrong, in a sentence.")
    fields = serializers.DictField(
        child=serializers.CharField(),
        help_text="Each offending input field (dotted for nested ones) and its problem.",
    )


FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Not allowed to you, or not yet.")

_DESCRIPTIONS = {
    "400": "Invalid input; `fields` names each offending field.",
    "401": "Authentication needed, or the credentials given are not valid.",
    "403": "Not allowed to you, or not yet.",
    "404": "Not found (or not visible to you).",
    "409": "The question's state refuses this now (closed, resolved, changed meanwhile...).",
    "413": "The request body is larger than the API accepts.",
    "415": "The request body is not JSON.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_auth(self) -> list[dict[str, Any]]:
        """Credentials are optional (`{}`) wherever every permission lets an anonymous
        caller through; drf-spectacular only recognises DRF's own permission classes."""
        auths = super().get_auth()
        http_request = HttpRequest()
        http_request.method = self.method
        anonymous = Request(http_request)
        anonymous.user = AnonymousUser()
        permissions = self.view.get_permissions()
        if {} not in auths and all(p.has_permission(anonymous, self.view) for p in permissions):
            auths.append({})
        return auths

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(force_instance(serializer), StrictInputSerializer):
            schema["additionalProperties"] = False  # an undeclared field is a 400 naming it
        return schema

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = {
            "application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
        }
        for status in self._error_statuses(operation):
            operation["responses"].setdefault(
                status, {"description": _DESCRIPTIONS[status], "content": error}
            )
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> list[str]:
        locations = {parameter["in"] for parameter in operation.get("parameters", [])}
        statuses = ["401"]
        if "query" in locations or "requestBody" in operation:
            statuses.append("400")
        paginated = self.method == "GET" and self._is_list_view() and self._get_paginator()
        if "path" in locations or paginated:
            statuses.append("404")  # a page number past the last one is a 404 too
        if self.method not in SAFE_METHODS:
            statuses += ["400", "403", "409", "413", "415", "429"]
        return sorted(set(statuses))
