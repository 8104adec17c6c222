"""The Store protocol: what every storage backend offers.

SQLite implements it by default (:mod:`veille.store.sqlite`); a ClickHouse
backend will implement the same protocol for scale-out, and the same contract
tests run over every backend.

Writes go through a transaction so that posts, the cursor that covers them and
whatever else must be atomic with them (outbox rows, quarantined items, source
health) commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from veille.models import Cursor, Post, Sentiment
from veille.store.protocols.alerts import AlertState, AlertStateTx
from veille.store.protocols.analytics import AnalyticsPosts, AnalyticsPostsTx
from veille.store.protocols.enrich import EnrichState, EnrichStateTx
from veille.store.protocols.ingest import IngestPosts, IngestPostsTx
from veille.store.protocols.search import SearchPosts, SearchPostsTx
from veille.store.protocols.sources import SourceState, SourceStateTx
from veille.store.protocols.topics import TopicState, TopicStateTx


@dataclass
class UpsertResult:
    """What one upsert did. ``new`` are the posts stored for the first time
    (those that alerts fire on); ``updated`` the ids whose counts or content
    changed; ``merged`` maps an incoming id to the stored id it was folded into
    (same canonical URL under another id)."""

    new: list[Post] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    merged: dict[str, str] = field(default_factory=dict)

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.new.extend(other.new)
        self.updated.extend(other.updated)
        self.unchanged += other.unchanged
        self.merged.update(other.merged)
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


class StoreTransaction(
    AlertStateTx,
    AnalyticsPostsTx,
    EnrichStateTx,
    IngestPostsTx,
    SearchPostsTx,
    SourceStateTx,
    TopicStateTx,
    Protocol,
):
    """Writes that commit together."""

    def upsert_posts(self, posts: Iterable[Post]) -> UpsertResult: ...

    def set_cursor(self, cursor: Cursor) -> None: ...

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """Backend-specific statement on extension tables (outbox, health…)."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """The same statement for many rows."""
        ...


@runtime_checkable
class Store(
    AlertState,
    AnalyticsPosts,
    EnrichState,
    IngestPosts,
    SearchPosts,
    SourceState,
    TopicState,
    Protocol,
):
    """A place to keep posts and the state that goes with them.

    Being split (issue 16) into :class:`PostStore` (posts: search,
    aggregations, change feed, exports) and :class:`StateStore` (what the
    organization configures and works on); each domain's methods are declared
    in :mod:`veille.store.protocols`.
    """

    def transaction(self) -> AbstractContextManager[StoreTransaction]: ...

    def upsert_posts(self, posts: Iterable[Post], *, cursor: Cursor | None = None) -> UpsertResult:
        """Store ``posts`` (and ``cursor``) in one transaction."""
        ...

    def get_post(self, post_id: str) -> Post | None: ...

    def get_posts(self, post_ids: Sequence[str]) -> list[Post]: ...

    def iter_posts(
        self, flt: PostFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Post]:
        """Every post matching ``flt``, oldest first, read in batches."""
        ...

    def count_posts(self, flt: PostFilter | None = None) -> int: ...

    def search_text(
        self, text: str, flt: PostFilter | None = None, *, limit: int = 50
    ) -> list[Post]:
        """Posts holding every word of ``text`` (case and accents ignored), newest first."""
        ...

    def search(
        self, query: Any, flt: PostFilter | None = None, sort: str = "newest", limit: int = 50
    ) -> list[Post]:
        """Posts matching ``query`` (text of the query language, a compiled
        ``veille.query.Query`` or an AST node) and ``flt``; ``sort`` is
        ``newest``, ``relevance`` (bm25) or ``engagement``."""
        ...

    def stats(self, flt: PostFilter | None = None, *, timezone: str = "UTC") -> Stats: ...

    def get_cursor(self, source: str) -> Cursor | None: ...

    def set_sentiment(self, post_id: str, sentiment: Sentiment) -> None: ...

    def close(self) -> None: ...
