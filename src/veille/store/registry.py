"""Storage backends by URL scheme, like the sources' registry.

A backend is an object with a ``scheme`` (``sqlite``), the ``roles`` it can
play (``posts``, ``state`` or both) and ``open(url, root=...)``. Built-ins are
listed here by ``module:attr`` and also declared in the ``veille.stores``
entry point group of ``pyproject.toml``; a third-party package registers its
own backend in that group the same way (``clickhouse = "pkg.mod:Backend"``).
The built-in list keeps a source checkout working when the package metadata is
not installed, and lets a lookup of a built-in scheme skip the entry point
scan (tens of milliseconds).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any, Protocol

from veille.errors import ConfigError, tr
from veille.urlmask import mask_url

BUILTIN_STORES: tuple[str, ...] = (
    "veille.store.sqlite.backend:SQLiteBackend",
    "veille.store.postgres.backend:PostgresBackend",
    "veille.store.remote.client:RemoteBackend",
    "veille.store.clickhouse.backend:ChdbBackend",
    "veille.store.clickhouse.backend:ClickHouseBackend",
)
ENTRY_POINT_GROUP = "veille.stores"
ROLES = ("posts", "state")


class StoreBackend(Protocol):
    """What a storage backend registers."""

    #: The URL scheme it answers (``sqlite`` for ``sqlite:///veille.db``).
    scheme: str
    #: ``posts`` (a PostStore), ``state`` (a StateStore) or both.
    roles: frozenset[str]

    def open(self, url: str, *, root: Path) -> Any:
        """The store at ``url``; a relative location is taken from ``root``
        (the workspace folder). It plays every role in :attr:`roles`."""
        ...

    # Optional: ``test_url(folder) -> str | None``, a fresh, empty store for
    # the contract suites that every backend runs (``None``: not here, e.g.
    # a server that is not running; its suites are skipped).
    # Optional: ``one_process = True``: one process at a time may open the
    # store (chDB's folder); the long-running commands open it as they start
    # (:func:`one_process`).
    # Optional: ``recorded_url(url, root=) -> str``, ``url`` as veille.toml
    # should name the file or folder it keeps (:func:`recorded_file_url`).


def scheme_of(url: str) -> str:
    scheme, sep, _rest = url.partition("://")
    if not sep or not scheme:
        # Not a URL mask_url can read: what comes before an "@" may be a
        # password; libpq's keyword/value form (host=… password=…) names it.
        shown = f"****@{url.rpartition('@')[2]}" if "@" in url else mask_url(url)
        raise ConfigError(
            tr("[store] %(url)r is not a store URL", url=shown),
            hint=tr('Write it as SCHEME://…, for example "sqlite:///veille.db".'),
        )
    return scheme.lower()


def _load(spec: str) -> StoreBackend | None:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None  # not in this build
        raise
    backend: StoreBackend = getattr(module, attr)()
    return backend


def _builtins() -> dict[str, StoreBackend]:
    found: dict[str, StoreBackend] = {}
    for spec in BUILTIN_STORES:
        backend = _load(spec)
        if backend is not None:
            found[backend.scheme] = backend
    return found


def registry() -> dict[str, StoreBackend]:
    """Every available backend by scheme: built-ins first, then plugins (a
    plugin may not replace a built-in of the same scheme)."""
    from importlib.metadata import entry_points

    found = _builtins()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        backend = ep.load()()
        found.setdefault(backend.scheme, backend)
    return found


def get_backend(url: str) -> StoreBackend:
    """The backend for ``url``'s scheme, or a ConfigError naming the known ones."""
    scheme = scheme_of(url)
    # The built-ins in turn, until one is the scheme's: a backend's module
    # imports its engine's client (psycopg, chdb), which the others need not.
    for spec in BUILTIN_STORES:
        backend = _load(spec)
        if backend is not None and backend.scheme == scheme:
            return backend
    known = registry()
    if scheme in known:
        return known[scheme]
    from veille.suggest import did_you_mean

    raise ConfigError(
        tr(
            "[store] no storage backend for %(scheme)s:// (in %(url)r)",
            scheme=scheme,
            url=mask_url(url),
        ),
        hint=did_you_mean(scheme, known),
    )


def one_process(url: str) -> bool:
    """Whether one process at a time may open the store at ``url`` (its
    backend says ``one_process = True``: chDB)."""
    return bool(getattr(get_backend(url), "one_process", False))


def open_store(url: str, *, role: str, root: Path) -> Any:
    """Open ``url`` for ``role`` (``posts`` or ``state``)."""
    backend = get_backend(url)
    if role not in backend.roles:
        raise ConfigError(
            tr("[store] %(role)s = %(url)r: the %(scheme)s backend does not keep %(role)s",
               role=role, url=mask_url(url), scheme=backend.scheme),
            hint=tr("It keeps %(roles)s; choose another URL for %(role)s.",
                    roles=", ".join(sorted(backend.roles)), role=role),
        )  # fmt: skip
    return backend.open(url, root=root)


def recorded_file_url(url: str, *, root: Path) -> str | None:
    """``url`` as ``veille.toml`` should name it where its backend keeps the
    store in a file or folder (``recorded_url``): one inside the workspace
    folder ``root`` by its path in it, which finds it again once that folder
    is moved or copied elsewhere (a backup restored on another machine), so
    that two spellings of one file or folder read the same. ``None`` for
    a store that is no file or folder (a server's), named by its URL."""
    record = getattr(get_backend(url), "recorded_url", None)
    return None if record is None else str(record(url, root=root))


def recorded_url(url: str, *, root: Path) -> str:
    """``url`` as ``veille.toml`` should name it: a file or folder as
    :func:`recorded_file_url` names it, other URLs as they are."""
    return recorded_file_url(url, root=root) or url


def path_in_workspace(path: Path, root: Path) -> str:
    """``path`` as a store URL names it: relative to the workspace folder
    ``root`` (``posts.chdb``) when it lies inside it, else absolute
    (``/srv/posts.chdb``, which a URL writes after its ``///``)."""
    full = Path(os.path.abspath(root / path.expanduser()))
    base = Path(os.path.abspath(root))
    # As written, then with links resolved: a workspace reached through a
    # link (/home/me/ws -> /data/ws) named either way.
    for inner, outer in ((full, base), (full.resolve(), base.resolve())):
        try:
            inside = inner.relative_to(outer)
        except ValueError:
            continue
        if inside.parts:  # (the workspace folder itself stays absolute)
            return inside.as_posix()
    return str(full)
