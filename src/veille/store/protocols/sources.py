"""Sources, their cursors, health and quarantine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class SourceState(Protocol):
    """Sources, their cursors, health and quarantine."""

    # -- used by collection (pipeline/collect.py; added by engineer D) --------

    def source_schedule(self, now: int) -> tuple[set[str], set[str]]:
        """``(names due at now, names that have run at least once)``."""
        ...

    def consecutive_failures(self, source: str) -> int: ...

    def record_success(self, source: str, at: int, new_posts: int, next_due: int) -> None: ...

    def record_failure(
        self, source: str, at: int, error: str | None, failures: int, new_posts: int, next_due: int
    ) -> None: ...

    def set_quarantine_error(self, item_id: int, error: str) -> None:
        """A quarantined item failed again: keep its latest error."""
        ...


class SourceStateTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""

    # -- used by collection (pipeline/collect.py; added by engineer D) --------

    def quarantine(self, source: str, items: Sequence[tuple[str, Any]], at: int) -> None:
        """Keep each ``(error, raw item)`` that could not be mapped."""
        ...

    def count_collected(self, source: str, new_posts: int, quota_left: int | None) -> None:
        """Add ``new_posts`` to the source's total; remember the quota left."""
        ...

    def release_quarantined(self, item_ids: Sequence[int]) -> None:
        """Drop items from the quarantine (they were stored after all)."""
        ...
