"""News search (GDELT DOC 2.0): candidate articles for staff to review, never an outcome."""

from resolvers.kinds.news_search.kind import NewsSearchKind

__all__ = ["NewsSearchKind"]
