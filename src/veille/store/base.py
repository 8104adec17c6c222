"""The two storage protocols: :class:`PostStore` and :class:`StateStore`.

Systems that listen at scale keep events in a column store and what the
organization configures in a transactional database; veille follows them.
A :class:`PostStore` keeps posts (full-text search compiled from the query
AST, the aggregations analytics reads, the change feed, exports); a
:class:`StateStore` keeps sources, cursors, health, quarantine, topics and
their filings, alerts and the outbox, clusters and corrections. Each is
composed from the per-domain protocols of :mod:`veille.store.protocols`, so
every backend implements the same names; backends are found by URL scheme
(:mod:`veille.store.registry`).

SQLite implements both over one file (:mod:`veille.store.sqlite`), so that
posts and the state that goes with them (the cursor that covers them, outbox
rows, filings, health) commit in one transaction. A split deployment
(ClickHouse posts, PostgreSQL state) writes posts idempotently first and then
the state in one state transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from veille.models import Cursor, Post, Sentiment
from veille.store.protocols.accounts import AccountState, AccountStateTx
from veille.store.protocols.alerts import AlertState, AlertStateTx
from veille.store.protocols.analytics import AnalyticsPosts, AnalyticsPostsTx
from veille.store.protocols.calendar import CalendarState, CalendarStateTx
from veille.store.protocols.collection import CollectionState, CollectionStateTx
from veille.store.protocols.enrich import EnrichPosts, EnrichState, EnrichStateTx
from veille.store.protocols.inbox import InboxPosts, InboxState, InboxStateTx
from veille.store.protocols.ingest import IngestPosts, IngestPostsTx
from veille.store.protocols.plan import PlanState, PlanStateTx
from veille.store.protocols.privacy import (
    PrivacyPosts,
    PrivacyState,
    PrivacyStateTx,
    PrivacyStore,
)
from veille.store.protocols.search import SearchPosts, SearchPostsTx
from veille.store.protocols.sources import SourceState, SourceStateTx
from veille.store.protocols.topics import TopicState, TopicStateTx


@dataclass
class UpsertResult:
    """What one upsert did. ``new`` are the posts stored for the first time
    (those that alerts fire on); ``updated`` the ids whose counts or content
    changed; ``merged`` maps an incoming id to the stored id it was folded into
    (same canonical URL under another id); ``clusters`` maps a new post's id
    to its story cluster, once the clustering stage has assigned it (the
    stages after it read the story there: the posts in ``new`` are those
    stored, whose ``cluster_id`` was written after them); ``refused`` the
    ids not stored because an erasure forgot their author (posts published
    until the erasure, see ``veille privacy erase``); ``ahead`` the new posts
    that were dated ahead of their collection, with the date they gave (the
    ingest path dated them when collected); ``failed`` the posts a stage
    raised on, left out (see :meth:`veille.pipeline.ingest.Pipeline.ingest`);
    ``expired`` the ids not stored because they were published before the
    retention cutoff (``[privacy] retention_days``: a purge deleted them or
    would at once, and its kept aggregates would count them twice)."""

    new: list[Post] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    merged: dict[str, str] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    ahead: dict[str, datetime] = field(default_factory=dict)
    # Set by the ingest path, not a store: the posts a stage raised on (not
    # stored), each with the sentence naming the stage.
    failed: list[tuple[Post, str]] = field(default_factory=list)
    # Set by the ingest path, not a store: the posts older than the retention
    # cutoff, left out.
    expired: list[str] = field(default_factory=list)

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.expired.extend(other.expired)
        self.ahead.update(other.ahead)
        self.failed.extend(other.failed)
        self.new.extend(other.new)
        self.updated.extend(other.updated)
        self.refused.extend(other.refused)
        self.unchanged += other.unchanged
        self.merged.update(other.merged)
        self.clusters.update(other.clusters)
        return self

    @property
    def inserted(self) -> int:
        return len(self.new)


@dataclass(frozen=True)
class PostFilter:
    """Plain filters shared by listing, search and export."""

    since: datetime | None = None
    until: datetime | None = None
    platforms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Count:
    key: str
    count: int


@dataclass(frozen=True)
class Stats:
    total: int
    by_platform: list[Count]
    by_language: list[Count]
    by_day: list[Count]
    first: datetime | None
    last: datetime | None


class PostStoreTx(AnalyticsPostsTx, SearchPostsTx, Protocol):
    """Writes to posts inside a transaction."""

    def upsert_posts(self, posts: Iterable[Post]) -> UpsertResult: ...


class StateStoreTx(
    AccountStateTx,
    AlertStateTx,
    CalendarStateTx,
    CollectionStateTx,
    EnrichStateTx,
    InboxStateTx,
    IngestPostsTx,
    PlanStateTx,
    SourceStateTx,
    TopicStateTx,
    Protocol,
):
    """Writes to the state that commit together."""

    def set_cursor(self, cursor: Cursor) -> None: ...


class StoreTransaction(PostStoreTx, StateStoreTx, PrivacyStateTx, Protocol):
    """One transaction over posts and state, where one backend holds both
    (SQLite: one file)."""


@runtime_checkable
class PostStore(
    AnalyticsPosts, EnrichPosts, InboxPosts, IngestPosts, PrivacyPosts, SearchPosts, Protocol
):
    """Where posts are kept: upserts, reads, search, aggregations, exports."""

    #: The engine, as messages name it (``SQLite``, ``ClickHouse``,
    #: ``PostgreSQL``, ``veille+http``).
    engine: str
    #: Where the store is, as messages show it (never a password or token).
    where: str

    def upsert_posts(self, posts: Iterable[Post], *, cursor: Cursor | None = None) -> UpsertResult:
        """Store ``posts`` idempotently (and ``cursor``, where the same backend
        keeps the state) in one transaction. The posts a retention purge of
        this store deleted are left out, read where that purge's deletes are
        ordered with this write (stored again, they were counted twice beside
        the aggregates it kept), their ids in ``expired``."""
        ...

    def get_post(self, post_id: str) -> Post | None: ...

    def get_posts(self, post_ids: Sequence[str]) -> list[Post]: ...

    def iter_posts(
        self, flt: PostFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Post]:
        """Every post matching ``flt``, oldest first, read in batches."""
        ...

    def post_digests(self, *, batch_size: int = 5000) -> Iterator[tuple[str, str]]:
        """``(id, content_hash)`` of every post, in any order, read in batches:
        what ``veille store migrate`` checks both sides by (two columns, not
        whole posts)."""
        ...

    def count_posts(self, flt: PostFilter | None = None) -> int: ...

    def stats(self, flt: PostFilter | None = None, *, timezone: str = "UTC") -> Stats: ...

    def set_sentiment(self, post_id: str, sentiment: Sentiment) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class StateStore(
    AccountState,
    AlertState,
    CalendarState,
    CollectionState,
    EnrichState,
    InboxState,
    PlanState,
    PrivacyState,
    SourceState,
    TopicState,
    Protocol,
):
    """What the organization configures and works on. Transactional."""

    #: The engine, as messages name it (``SQLite``, ``ClickHouse``,
    #: ``PostgreSQL``, ``veille+http``).
    engine: str
    #: Where the store is, as messages show it (never a password or token).
    where: str

    def transaction(self) -> AbstractContextManager[StateStoreTx]: ...

    def get_cursor(self, source: str) -> Cursor | None: ...

    def close(self) -> None: ...


@runtime_checkable
class Store(PostStore, StateStore, PrivacyStore, Protocol):
    """Posts and state in one backend (SQLite: one file), so one transaction
    covers both. Code written before the split uses it through
    ``Workspace.store``; new code takes a :class:`PostStore` or a
    :class:`StateStore`. Forgetting in one transaction (:class:`PrivacyStore`)
    spans both, so it is declared here; a split workspace forgets through
    each store's part in turn (:mod:`veille.services.privacy`)."""

    def transaction(self) -> AbstractContextManager[StoreTransaction]: ...
