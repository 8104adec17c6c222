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

from veille.errors import ConfigError, tr
from veille.store.base import PostStore
from veille.store.protocols.analytics import AnalyticsPosts
from veille.store.protocols.privacy import KeptPosts
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
# queries, which are state; ``close`` is each store's own. ``KeptPosts``: what
# erasures forgot and the figures of purged posts, which the posts store keeps
# (a SQLite state store has empty tables of the same names).
POST_NAMES = _declared(PostStore, AnalyticsPosts, SearchPosts, KeptPosts) - {
    "rules_version",
    "close",
}

# Calls that change posts and state together, which two backends cannot do in
# one transaction: refused through a JoinedStores rather than half done (an
# erasure that forgot the state's copy of a person would be worse than none:
# veille.services.privacy forgets through each store's part in turn).
# State-only writes go through ``Workspace.state.transaction()``.
JOINT_NAMES = frozenset({"transaction", "erase_author", "purge_posts_before"})


class JoinedStores:
    """One object over a posts store and a state store (see the module docstring)."""

    def __init__(self, posts: Any, state: Any) -> None:
        self.posts = posts
        self.state = state

    def __getattr__(self, name: str) -> Any:
        if name in JOINT_NAMES:
            raise ConfigError(
                tr("%(call)s needs posts and state in one store (a transaction over both)",
                   call=name),
                hint=tr("Set [store] posts and state to the same URL, or run it where they are."),
            )  # fmt: skip
        target = self.posts if name in POST_NAMES else self.state
        return getattr(target, name)

    def close(self) -> None:
        """The workspace closes each store."""


def joined(posts: Any, state: Any) -> Any:
    """``posts`` itself when one backend keeps both, else a :class:`JoinedStores`."""
    return posts if posts is state else JoinedStores(posts, state)


# Writes the ingest stages make in the state transaction that the posts store
# needs as well when it is another backend: its aggregations read a post's
# cluster (top stories, trends count stories) and a topic's filings (a topic's
# volume, share of voice) where the posts are.
ECHOED = ("set_clusters", "file_posts")


def takes(posts: Any, name: str) -> bool:
    """Whether the posts store takes the :data:`ECHOED` write ``name``. Topic
    filings only where it says it keeps those of topics held elsewhere
    (``keeps_topic_filings``: SQLite, chDB, ClickHouse, a served store); a
    third-party posts store that does not say so is left without them."""
    return name != "file_posts" or bool(getattr(posts, "keeps_topic_filings", False))


def write_to_posts(posts: Any, name: str, rows: Any) -> None:
    """``posts.<name>(rows)``, in a transaction of its own where the store
    takes such writes only inside one (SQLite); nothing where it does not
    take them (:func:`takes`)."""
    if not rows or not takes(posts, name):
        return
    opener = getattr(posts, "transaction", None)
    if opener is not None:
        with opener() as tx:
            getattr(tx, name)(rows)
    else:
        getattr(posts, name)(rows)


class EchoTx:
    """The state transaction the ingest stages write to when posts are in
    another backend: :data:`ECHOED` writes also go to the posts store, at
    once, before the state commits. They are idempotent, so a state
    transaction that fails and is run again (a held batch) repeats them
    harmlessly."""

    def __init__(self, tx: Any, posts: Any) -> None:
        self._tx = tx
        self._posts = posts

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._tx, name)
        if name not in ECHOED:
            return found

        def both(rows: Any) -> Any:
            write_to_posts(self._posts, name, rows)
            return found(rows)

        return both
