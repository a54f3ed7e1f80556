"""The registry of kinds: a name, the dotted path of its class, loaded on first use.

A new kind is one module, one line here and its test file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from resolvers.kinds.errors import ConfigError

if TYPE_CHECKING:
    from resolvers.kinds.base import ResolverKind

KIND_PATHS: dict[str, str] = {
    "manual": "resolvers.kinds.manual.ManualKind",
    "http_json": "resolvers.kinds.http_json.HttpJsonKind",
    "http_text": "resolvers.kinds.http_text.HttpTextKind",
    "feed": "resolvers.kinds.feed.FeedKind",
    "huggingface": "resolvers.kinds.huggingface.HuggingFaceKind",
    "github_releases": "resolvers.kinds.github_releases.GitHubReleasesKind",
    "wikipedia": "resolvers.kinds.wikipedia.WikipediaKind",
    "federal_register": "resolvers.kinds.federal_register.FederalRegisterKind",
    "openrouter": "resolvers.kinds.openrouter.OpenRouterKind",
    "forecast_platform": "resolvers.kinds.forecast_platform.ForecastPlatformKind",
    "tabular": "resolvers.kinds.tabular.TabularKind",
    "news_search": "resolvers.kinds.news_search.NewsSearchKind",
    "web_traffic": "resolvers.kinds.web_traffic.WebTrafficKind",
}


@cache
def _load(name: str) -> ResolverKind:
    kind = import_string(KIND_PATHS[name])()
    if kind.name != name:  # a registry line that points at the wrong class
        raise LookupError(f"{KIND_PATHS[name]} is named {kind.name!r}, registered as {name!r}")
    return kind


class _Kinds(Mapping):
    """Name -> kind instance, each kind imported when it is first asked for."""

    def __getitem__(self, name: str) -> ResolverKind:
        if not isinstance(name, str) or name not in KIND_PATHS:
            raise KeyError(name)
        return _load(name)

    def __iter__(self) -> Iterator[str]:
        return iter(KIND_PATHS)

    def __len__(self) -> int:
        return len(KIND_PATHS)


REGISTRY: Mapping[str, ResolverKind] = _Kinds()


def get_kind(name: str) -> ResolverKind:
    """The registered kind called ``name``; a ConfigError naming ``kind`` otherwise."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ConfigError(
            {"kind": f"unknown resolver kind {name!r}; one of {', '.join(KIND_PATHS)}"}
        ) from None


def kind_choices() -> tuple[tuple[str, str], ...]:
    """(name, label) for a choice list, in the registry's order."""
    return tuple((name, REGISTRY[name].label) for name in KIND_PATHS)
