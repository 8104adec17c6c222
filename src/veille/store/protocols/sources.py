"""Sources, their cursors, health and quarantine."""

from __future__ import annotations

from typing import Protocol


class SourceState(Protocol):
    """Sources, their cursors, health and quarantine."""


class SourceStateTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""
