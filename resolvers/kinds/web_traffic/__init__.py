"""Web traffic: monthly total visits per domain from Similarweb's REST API, summed over a
group of domains, or one group's share of the visits of two."""

from resolvers.kinds.web_traffic.kind import WebTrafficKind

__all__ = ["WebTrafficKind"]
