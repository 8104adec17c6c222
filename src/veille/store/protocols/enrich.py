"""Enrichment state: near-duplicate clusters, sentiment corrections, re-runs."""

from __future__ import annotations

from typing import Protocol


class EnrichState(Protocol):
    """Enrichment state: near-duplicate clusters, sentiment corrections, re-runs."""


class EnrichStateTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""
