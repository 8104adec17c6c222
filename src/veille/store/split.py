"""Posts and state in two backends, seen as one store where older code needs both.

:class:`JoinedStores` sends each call to the store that keeps it: the names
the :class:`~veille.store.base.PostStore` protocol declares go to the posts
store, everything else (and ``transaction()``) to the state store. The alert
engine, the monitors and the reports read posts and state through it when a
workspace keeps them apart ([store] posts = chdb://…, state =
postgresql://…). Writes that must be atomic across both do not exist in a
split deployment: ingest writes posts idempotently first and then one state
transaction (:mod:`veille.pipeline.ingest`).
"""

from __future__ import annotations

from typing import Any

from veille.store.base import PostStore
from veille.store.protocols.analytics import AnalyticsPosts
from veille.store.protocols.search import SearchPosts


def _declared(*protocols: type) -> frozenset[str]:
    names: set[str] = set()
    for proto in protocols:
        for cls in proto.__mro__:
            if cls is object or cls.__name__ in ("Protocol", "Generic"):
                continue
            names.update(n for n in vars(cls) if not n.startswith("_"))
    return frozenset(names)


# ``rules_version`` is declared with the ingest reads but counts the saved
# queries, which are state; ``close`` is each store's own.
POST_NAMES = _declared(PostStore, AnalyticsPosts, SearchPosts) - {"rules_version", "close"}


class JoinedStores:
    """One object over a posts store and a state store (see the module docstring)."""

    def __init__(self, posts: Any, state: Any) -> None:
        self.posts = posts
        self.state = state

    def __getattr__(self, name: str) -> Any:
        target = self.posts if name in POST_NAMES else self.state
        return getattr(target, name)

    def close(self) -> None:
        """The workspace closes each store."""


def joined(posts: Any, state: Any) -> Any:
    """``posts`` itself when one backend keeps both, else a :class:`JoinedStores`."""
    return posts if posts is state else JoinedStores(posts, state)
