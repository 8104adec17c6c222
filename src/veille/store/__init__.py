"""Storage backends behind one protocol (:class:`Store`)."""

from veille.store.base import (
    Count,
    PostFilter,
    Stats,
    Store,
    StoreTransaction,
    UpsertResult,
)

__all__ = ["Count", "PostFilter", "Stats", "Store", "StoreTransaction", "UpsertResult"]
