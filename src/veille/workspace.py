"""A workspace: a folder holding ``veille.toml`` and the database.

Commands find it from ``--workspace DIR``, then ``VEILLE_WORKSPACE``, then the
current directory when it holds a ``veille.toml``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from veille.config import CONFIG_NAME, TEMPLATE, Settings, load_settings
from veille.errors import StoreUpgrading, UsageError, tr
from veille.workspace_folder import find_workspace

if TYPE_CHECKING:
    # The stores (and their models, protocols and backends) are imported
    # when one is opened: finding a workspace, as every command's language
    # does before it runs (`veille --help` too), needs none of them.
    from veille.store.base import PostStore, StateStore, Store


def init_workspace(path: str | Path) -> Path:
    """Create ``path`` with a commented ``veille.toml`` and an empty database.

    Idempotent on an existing workspace: the settings file is never overwritten.
    """
    root = Path(path).expanduser()
    if root.exists() and not root.is_dir():
        raise UsageError(
            tr("%(path)s exists and is not a folder", path=str(root)),
            hint=tr("Choose another path."),
        )
    root.mkdir(parents=True, exist_ok=True)
    config = root / CONFIG_NAME
    if not config.exists():
        config.write_text(TEMPLATE, encoding="utf-8")
    Workspace.open(root).close()
    return root.resolve()


@dataclass
class Workspace:
    """An opened workspace: its settings and its stores (opened on first use).

    ``posts`` is the :class:`PostStore`, ``state`` the :class:`StateStore`,
    each chosen by URL in ``[store]`` (see :mod:`veille.store.registry`); the
    same URL for both (the default: one SQLite file) gives one object.
    """

    root: Path
    settings: Settings
    # URL -> the store opened for it; shared by posts and state when equal.
    _opened: dict[str, Any] = field(default_factory=dict, repr=False)
    # Threads of a web server may ask for a store at the same time.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: What time it is, for what reads "today" (the periods of the pages and
    #: the API, the day their kept figures belong to): this machine's clock;
    #: a test sets a fixed one.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), repr=False)
    #: Whether a store asked for while this process upgrades one (a
    #: migration, the posts' terms made again: minutes on a large
    #: workspace) raises :class:`~veille.errors.StoreUpgrading` at once
    #: rather than waiting for it: the web app's pages, which would
    #: otherwise hang (or time out behind a proxy) until it is done.
    answer_while_upgrading: bool = False

    def today(self) -> date:
        """Today on the organization's calendar (``[workspace] timezone``)."""
        return self.clock().astimezone(ZoneInfo(self.settings.workspace.timezone)).date()

    @classmethod
    def open(cls, path: str | Path | None = None) -> Workspace:
        root = find_workspace(path)
        return cls(root=root, settings=load_settings(root / CONFIG_NAME))

    @property
    def db_path(self) -> Path:
        """The SQLite file of the older ``[store] path`` setting."""
        p = Path(self.settings.store.path).expanduser()
        return p if p.is_absolute() else self.root / p

    def _store_for(self, role: str, until: threading.Event | None = None) -> Any:
        """The store for ``role``, opened (and upgraded) at its first use.
        ``until``: an upgrade under way in another thread is waited for,
        however long, unless ``until`` is set first (None is then returned);
        a daemon's wait beside the web app (:meth:`open_stores`)."""
        posts_url, state_url = self.settings.store.urls()
        url = posts_url if role == "posts" else state_url
        found = self._opened.get(url)
        if found is not None:
            return found
        # Another thread may be opening a store, which upgrades it first: a
        # few seconds are waited for, by a page `[web] upgrade_wait_seconds`
        # (a new workspace's database is made by its migrations, in about a
        # second), an upgrade's minutes are not.
        from veille.store.registry import open_store
        from veille.store.upgrading import any_upgrading, upgrading_for

        asked = time.monotonic()
        answers = self.answer_while_upgrading and until is None
        grace = self.settings.web.upgrade_wait_seconds
        while not self._lock.acquire(timeout=0.1):
            if until is not None and until.is_set():
                return None
            if not (answers and any_upgrading()):
                continue
            # `[web] upgrade_wait_seconds`, counted from the request, or from
            # the upgrade's start when it began earlier: once an upgrade has
            # lasted that long, every page says so at once rather than each
            # waiting it again (a proxy's timeout is per request).
            if max(time.monotonic() - asked, upgrading_for()) >= grace:
                raise StoreUpgrading()
        try:
            found = self._opened.get(url)
            if found is None:
                found = self._opened[url] = open_store(url, role=role, root=self.root)
                if role == "posts" and posts_url != state_url:
                    self._share_forget_lock(found)
            return found
        finally:
            self._lock.release()

    def opened_store(self, url: str) -> Any | None:
        """The store this workspace has opened for ``url`` (None: not yet):
        a backup taken in the process holding a chDB folder goes through it."""
        with self._lock:
            return self._opened.get(url)

    def _share_forget_lock(self, posts: Any) -> None:
        """A posts store that other processes may write too (ClickHouse)
        orders its erasures and writes with the state store's lock, which
        every process of the workspace shares (opened at its first use)."""
        share = getattr(getattr(posts, "forget_lock", None), "across", None)
        if share is not None:

            def across(exclusive: bool) -> AbstractContextManager[None]:
                return self.state.forget_lock(exclusive=exclusive)

            share(across)

    def open_one_process_stores(self) -> None:
        """Open now the stores that one process at a time may open (a chDB
        folder), for a command that runs until stopped (``veille serve``,
        ``veille run``): started beside the process that holds one, it is
        refused as it starts, naming that process, rather than listening
        (or saying "Collecting") and then failing at every page or pass."""
        from veille.store.registry import one_process

        posts_url, state_url = self.settings.store.urls()
        for role, url in (("posts", posts_url), ("state", state_url)):
            if one_process(url):
                self._store_for(role)

    def open_stores(
        self, until: threading.Event, roles: tuple[str, ...] = ("posts", "state")
    ) -> bool:
        """Open the stores of ``roles`` now, waiting for an upgrade another
        thread has under way (the web app's warm-up beside the collection,
        ``veille run --serve``), as a command waits, where a page says so
        (:attr:`answer_while_upgrading`); False when ``until`` was set
        first (the daemon is stopped meanwhile)."""
        return all(self._store_for(role, until) is not None for role in roles)

    @property
    def posts(self) -> PostStore:
        """Where posts are kept (search, aggregations, exports)."""
        store: PostStore = self._store_for("posts")
        return store

    @property
    def state(self) -> StateStore:
        """Where sources, topics, alerts and the rest of the state are kept."""
        store: StateStore = self._store_for("state")
        return store

    @property
    def store(self) -> Store:
        """Posts and state as one object, for code that reads both (a topic's
        query and the aggregations over its posts, say): the store itself when
        one backend keeps both, else a :class:`~veille.store.split.JoinedStores`
        sending each call to the backend that keeps it (posts calls to
        :attr:`posts`, the rest to :attr:`state`). Nothing written through it
        is atomic across two backends: a write that must be names its store."""
        from veille.store.split import joined

        store: Store = joined(self._store_for("posts"), self._store_for("state"))
        return store

    def close(self) -> None:
        # A thread opening a store may be upgrading it (minutes): the stores
        # opened are closed without waiting for it (that one, not opened
        # yet, is left to it, or to the process's end, which undoes it).
        from veille.store.upgrading import any_upgrading

        while not self._lock.acquire(timeout=0.1):
            if any_upgrading():
                opened, self._opened = list(self._opened.values()), {}
                break
        else:
            try:
                opened, self._opened = list(self._opened.values()), {}
            finally:
                self._lock.release()
        for store in opened:
            store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
