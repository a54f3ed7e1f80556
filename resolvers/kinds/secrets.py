"""API keys that a source names but never holds.

A config names a key as ``{"secret": "AA_API_KEY"}``. The operator lists which keys exist
and the hosts each may be sent to (``settings.RESOLVER_SECRETS``, from the environment), so
a source can neither read other settings nor send a key to a host of its choosing. Kinds
send a key as a header through ``fetcher.fetch(secret_headers=...)``, which drops it on a
redirect to another origin; it never enters a config, a check's URL, its evidence or a log.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings

from resolvers.kinds.errors import EvaluationError

SECRET_NAME = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")

SECRET_REF = {
    "type": "object",
    "properties": {
        "secret": {
            "type": "string",
            "pattern": SECRET_NAME.pattern,
            "description": "The name of an API key the operator configured "
            "(RESOLVER_SECRETS), e.g. AA_API_KEY; never the key itself.",
        }
    },
    "required": ["secret"],
    "additionalProperties": False,
}


HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")

# The config fields of a kind that may send an API key as a header.
API_KEY_PROPERTIES = {
    "api_key": SECRET_REF,
    "api_key_header": {
        "type": "string",
        "pattern": HEADER_NAME.pattern,
        "default": "x-api-key",
        "description": "The header the key goes in (default x-api-key; Authorization for a "
        "bearer token).",
    },
    "api_key_prefix": {
        "type": "string",
        "maxLength": 20,
        "description": 'Put before the key in the header, e.g. "Bearer ".',
    },
}


def key_headers(config: dict, url: str) -> dict[str, str]:
    """The header carrying the config's API key for a request to ``url`` (none without a
    key), for ``fetcher.fetch(secret_headers=...)``."""
    ref = config.get("api_key")
    if not ref:
        return {}
    name = config.get("api_key_header") or "x-api-key"
    return {name: f"{config.get('api_key_prefix', '')}{reveal(ref, url)}"}


def _configured() -> dict[str, dict]:
    return getattr(settings, "RESOLVER_SECRETS", None) or {}


def _host_allowed(host: str, allowed: list[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == name.lower() or host.endswith("." + name.lower()) for name in allowed)


def secret_problem(ref: dict, url: str, *, configured_only: bool = False) -> str | None:
    """Why the named key cannot be used for ``url``, or None when it can.

    With ``configured_only`` a key the operator has not configured yet is no problem (a
    source may be set up, or shipped in a catalogue, before its key is): only a key that
    is configured for other hosts is. Checks always require the key."""
    name = ref.get("secret", "")
    entry = _configured().get(name)
    if entry is None:
        if configured_only:
            return None
        return f"names the key {name}, which is not configured (RESOLVER_SECRETS)"
    host = urlsplit(url).hostname or ""
    if not _host_allowed(host, entry.get("hosts") or []):
        return f"the key {name} may not be sent to {host or 'that address'}"
    return None


def reveal(ref: dict, url: str) -> str:
    """The key's value, for a header of a request to ``url``; EvaluationError when it is not
    configured, empty, or not allowed for that host."""
    problem = secret_problem(ref, url)
    if problem is not None:
        raise EvaluationError(f"the API key {problem}")
    value = _configured()[ref["secret"]].get("value") or ""
    if not value:
        raise EvaluationError(f"the API key {ref['secret']} is configured but empty")
    return value


def redact(text: str, *values: str) -> str:
    """``text`` with every key value replaced, for anything that is stored or shown."""
    for value in values:
        if value:
            text = text.replace(value, "[secret]")
    return text
