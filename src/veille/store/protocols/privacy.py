"""Forgetting: retention, a person's erasure, the pseudonymization key, the erasure log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Erasure:
    """One entry of the erasure log."""

    at: datetime
    kind: str  # "author" or "retention"
    platform: str | None
    subject: str  # a keyed hash of platform:handle, or the cutoff date
    posts: int
    details: dict[str, int] = field(default_factory=dict)


@dataclass
class ErasureReport:
    """What an erasure or a purge removed, and where copies may remain outside
    the store (Atom feed files that alerts write)."""

    posts: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    post_ids: list[str] = field(default_factory=list)
    atom_files: list[str] = field(default_factory=list)


class PrivacyState(Protocol):
    """Deleting people's data on request and by age, and logging that it was done."""

    def privacy_key(self) -> bytes:
        """The workspace's secret key for pseudonyms (made on first use)."""
        ...

    def erase_author(self, handle: str, platform: str | None, *, subject: str) -> ErasureReport:
        """Remove every post by ``handle`` (on ``platform``, or on every platform),
        their raw payloads, filings, cluster keys, outbox rows, marks, corrections,
        per-author aggregates and quarantined items naming them; log it under ``subject``."""
        ...

    def purge_posts_before(self, cutoff: datetime, *, batch: int = 2000) -> ErasureReport:
        """Delete posts published before ``cutoff`` (aggregates of volume, topics
        and entities are kept; per-author aggregates go), in bounded transactions."""
        ...

    def drop_raw_before(self, cutoff: datetime) -> int:
        """Empty the raw payloads of posts published before ``cutoff``; the count."""
        ...

    def erasures(self, limit: int = 100) -> list[Erasure]:
        """The erasure log, newest first."""
        ...


class PrivacyStateTx(Protocol):
    """No privacy writes join another transaction."""
