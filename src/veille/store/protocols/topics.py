"""Topics, their versions and their filings (which posts each topic holds)."""

from __future__ import annotations

from typing import Protocol


class TopicState(Protocol):
    """Topics, their versions and their filings (which posts each topic holds)."""


class TopicStateTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""
