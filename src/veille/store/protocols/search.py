"""Full-text search of posts compiled from the query AST, and exports."""

from __future__ import annotations

from typing import Protocol


class SearchPosts(Protocol):
    """Full-text search of posts compiled from the query AST, and exports."""


class SearchPostsTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""
