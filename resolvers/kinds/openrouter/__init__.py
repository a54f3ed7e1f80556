"""OpenRouter: token shares of the top models, and the ranks of models and apps."""

from resolvers.kinds.openrouter.kind import OpenRouterKind

__all__ = ["OpenRouterKind"]
