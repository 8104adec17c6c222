"""The aggregations analytics reads from posts (volume, tops, authors, trends, columns)."""

from __future__ import annotations

from typing import Protocol


class AnalyticsPosts(Protocol):
    """The aggregations analytics reads from posts (volume, tops, authors, trends, columns)."""


class AnalyticsPostsTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""
