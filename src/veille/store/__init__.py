"""Storage behind two protocols: :class:`PostStore` (posts) and
:class:`StateStore` (what the organization configures and works on), with
backends found by URL scheme (:mod:`veille.store.registry`)."""

from veille.store.base import (
    Count,
    PostFilter,
    PostStore,
    PostStoreTx,
    StateStore,
    StateStoreTx,
    Stats,
    Store,
    StoreTransaction,
    UpsertResult,
)

__all__ = [
    "Count",
    "PostFilter",
    "PostStore",
    "PostStoreTx",
    "StateStore",
    "StateStoreTx",
    "Stats",
    "Store",
    "StoreTransaction",
    "UpsertResult",
]
