"""Forecasting platforms: the resolution of the same question on Manifold, Metaculus or
Polymarket, mapped to yes / no / annulled (or an option)."""

from resolvers.kinds.forecast_platform.kind import ForecastPlatformKind

__all__ = ["ForecastPlatformKind"]
