"""Tabular data files: an aggregate over the rows of a CSV, TSV or JSON file at a URL."""

from resolvers.kinds.tabular.kind import TabularKind

__all__ = ["TabularKind"]
