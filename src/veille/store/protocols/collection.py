"""Collection across machines: source leases and the split ingest's pending batches.

A source is collected by one collector at a time: the one holding its lease.
A lease runs until ``expires_at``; its holder renews it (a heartbeat) while
it works and releases it when done; a collector that dies stops renewing and
another takes the source over once the lease has expired, resuming from the
committed cursor. An expired lease nobody took over is still its holder's
(a heartbeat late on a loaded machine renews it). Every grant has an
``epoch`` (growing per name) that the holder's commits check inside their
transaction (a fencing token): a collector whose source was taken over
(paused past its expiry) cannot commit over its successor. Every grant is
logged, for :data:`LEASE_LOG_DAYS` after it ended.

When posts and state are two backends, a batch's new post ids are held in
the state (``hold_pending``) before the posts are written and released by the
state transaction that files and queues them; a batch interrupted between
the two is finished from there (:mod:`veille.pipeline.split`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

#: Days a grant stays in the lease log after it ended: it goes when its name
#: is next granted. Each collection of a source is a grant (a source collected
#: every five minutes logs 2,016 a week): kept for ever, the log grew without
#: bound under ``veille run``.
LEASE_LOG_DAYS = 7


@dataclass(frozen=True)
class Lease:
    """The current grant of one name (Unix seconds)."""

    name: str
    holder: str
    epoch: int
    acquired_at: float
    heartbeat_at: float
    expires_at: float


@dataclass(frozen=True)
class LeaseGrant:
    """One entry of the lease log: who held ``name`` from when to when
    (``ended_at``: released, or expired and taken over; ``None``: still held)."""

    name: str
    epoch: int
    holder: str
    acquired_at: float
    ended_at: float | None


class CollectionState(Protocol):
    """Leases and pending split-ingest batches."""

    def acquire_lease(
        self, name: str, holder: str, *, ttl: float, now: float, replacing: str | None = None
    ) -> int | None:
        """Grant ``name`` to ``holder`` until ``now + ttl`` when it is free,
        expired, already ``holder``'s or held by ``replacing`` (a holder known
        to be dead); the grant's epoch, or ``None`` while another holder's
        lease runs."""
        ...

    def renew_leases(
        self, names: Sequence[str], holder: str, *, ttl: float, now: float
    ) -> set[str]:
        """Extend ``holder``'s leases among ``names`` (expired ones too, while
        nobody took them over); those still held."""
        ...

    def release_lease(self, name: str, holder: str, *, now: float) -> None:
        """End ``holder``'s lease on ``name`` (anyone may take it at once)."""
        ...

    def forget_leases(self, names: Sequence[str], *, before: float) -> list[str]:
        """Delete the leases among ``names`` that nobody holds (released, or
        expired before ``before``) with their log: a lease named after
        something done (an erasure's) is not kept forever; one taken again
        later starts at epoch 1. The names deleted."""
        ...

    def leases(self, prefix: str = "") -> list[Lease]:
        """Every lease ever granted (expired ones too), by name; with
        ``prefix``, those whose name starts with it (read without the
        others: a source's lease each, thousands)."""
        ...

    def lease_log(self, name: str | None = None) -> list[LeaseGrant]:
        """Every grant (of ``name``), by name then epoch."""
        ...

    def pending_ingests(self, owner: str | None = None) -> list[tuple[int, str, list[str]]]:
        """``(id, owner, post ids)`` of the batches held and not released, oldest first."""
        ...

    def clock(self) -> float:
        """The store's own time (seconds since the epoch): the one clock the
        collectors of every machine measure leases and schedules by, so that
        one whose clock drifted neither takes live leases over nor runs
        sources early (SQLite, on one machine: that machine's)."""
        ...


class CollectionStateTx(Protocol):
    """Writes that commit with a batch's state."""

    def holds_lease(self, name: str, holder: str, epoch: int, *, now: float) -> bool:
        """Whether grant ``epoch`` of ``name`` is still ``holder``'s (not
        released, not taken over; ``now`` is when it is asked); the lease
        cannot be taken over until this transaction ends."""
        ...

    def hold_pending(self, owner: str, post_ids: Sequence[str], now: float) -> int:
        """Keep a batch's new post ids until its state commits; the hold's id."""
        ...

    def release_pending(self, hold_ids: Sequence[int]) -> None: ...
