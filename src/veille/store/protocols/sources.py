"""Sources, their cursors, health and quarantine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from veille.sources.base import Source


@dataclass(frozen=True)
class SourceRecord:
    """A configured source: what to collect, how often, whether it is on."""

    name: str
    kind: str
    config: dict[str, Any]
    every: int
    enabled: bool
    created_at: datetime

    def source(self) -> Source[Any]:
        from veille.sources.base import get_source

        return get_source(self.kind)

    def typed_config(self) -> Any:
        return self.source().config_from_dict(self.config)


@dataclass(frozen=True)
class Health:
    """How a source's collection went: last runs, failures, posts, quota."""

    source: str
    kind: str
    enabled: bool
    last_run: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    last_posts: int
    total_posts: int
    runs: int
    quota_left: int | None
    #: ``None``: never run, collected at the daemon's next round.
    next_due: datetime | None
    quarantined: int
    #: Posts it gave dated ahead of their collection (a site's clock or
    #: settings wrong), stored dated when collected; the date the last one
    #: gave (kept in its payload too).
    dated_ahead: int = 0
    dated_ahead_last: datetime | None = None
    #: Posts it gave by people who object to further processing (erased,
    #: objection not lifted: ``veille privacy lift``), not stored.
    suppressed: int = 0
    #: Posts it gave published before the retention cutoff (``[privacy]
    #: retention_days``, or the last purge's), not stored: a purge deleted
    #: them already and its aggregates count them, or would delete them.
    expired: int = 0


@dataclass(frozen=True)
class QuarantinedItem:
    """An item a source fetched but could not map to a post, kept whole."""

    id: int
    source: str
    error: str
    raw: dict[str, Any]
    created_at: datetime
    #: What names the item across runs (a page's URL, a file's line), where
    #: its source can say: it is kept once under it (see ``Source.item_key``).
    key: str | None = None


class SourceState(Protocol):
    """Sources, their cursors, health and quarantine."""

    def list_sources(self) -> list[SourceRecord]:
        """Every configured source, by name."""
        ...

    def find_source(self, name: str) -> SourceRecord | None: ...

    def due_sources(self, now: datetime) -> set[str]:
        """Names of the sources due at ``now`` (or never run)."""
        ...

    def source_health(self, name: str | None = None) -> list[Health]:
        """Health of every source (or of ``name``), by name."""
        ...

    def consecutive_failures(self, name: str) -> int: ...

    def quarantined(self, source: str | None = None, limit: int = 1000) -> list[QuarantinedItem]:
        """Quarantined items (of ``source``), oldest first."""
        ...


class SourceStateTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""

    def add_source(self, record: SourceRecord) -> None:
        """Store a new source (its health starts due now)."""
        ...

    def remove_source(self, name: str, *, cursor: str) -> None:
        """Remove a source, its health and its cursor (named ``cursor``)."""
        ...

    def set_source_enabled(self, name: str, enabled: bool) -> None: ...

    def quarantine(
        self,
        source: str,
        failed: Sequence[tuple[str, Any]],
        at: datetime,
        keys: Sequence[str | None] = (),
    ) -> None:
        """Keep ``failed`` items (``(error, raw)``) of ``source``. ``keys``,
        one per item where given: an item with a key replaces (error, raw,
        time) the one kept under that key, so it is never kept twice."""
        ...

    def set_quarantine_error(self, item_id: int, error: str) -> None: ...

    def release_quarantined(self, item_ids: Sequence[int]) -> None:
        """Drop items that now map (their posts are stored)."""
        ...

    def release_quarantined_keys(self, source: str, keys: Sequence[str]) -> None:
        """Drop the items of ``source`` kept under ``keys`` (they map again)."""
        ...

    def count_collected(
        self,
        source: str,
        new_posts: int,
        quota_left: int | None,
        *,
        dated_ahead: int = 0,
        dated_ahead_last: datetime | None = None,
        suppressed: int = 0,
        expired: int = 0,
    ) -> None:
        """Add a committed batch's new posts to the source's total; note its
        quota; add the posts of it dated ahead of their collection (and the
        date the last of them gave), those not stored because their author
        objects (erased, objection not lifted), and those not stored because
        they were published before the retention cutoff."""
        ...

    def record_success(
        self, source: str, at: datetime, *, new_posts: int, next_due: datetime
    ) -> None: ...

    def record_failure(
        self,
        source: str,
        at: datetime,
        *,
        error: str,
        failures: int,
        new_posts: int,
        next_due: datetime,
    ) -> None: ...
