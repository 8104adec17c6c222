"""``sqlite:///PATH``: the embedded default, posts and state in one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from veille.errors import ConfigError, tr
from veille.store.sqlite.store import SQLiteStore
from veille.urlmask import mask_url

PREFIX = "sqlite:///"


def sqlite_path(url: str, root: Path) -> str:
    """The file of ``sqlite:///PATH`` (relative to ``root``; ``sqlite:////abs``
    is absolute; ``sqlite:///:memory:`` a private in-memory database)."""
    if not url.lower().startswith(PREFIX):
        raise ConfigError(
            tr("[store] %(url)r is not a SQLite URL", url=mask_url(url)),
            hint=tr('Write "sqlite:///veille.db" (relative to the workspace) or '
                    '"sqlite:////abs/path.db".'),
        )  # fmt: skip
    rest = url[len(PREFIX) :]
    if not rest:
        raise ConfigError(
            tr("[store] %(url)r names no file", url=mask_url(url)),
            hint=tr('Write "sqlite:///veille.db".'),
        )
    if rest == ":memory:":
        return rest
    path = Path(rest).expanduser()
    return str(path if path.is_absolute() else root / path)


class SQLiteBackend:
    """Registered under the ``sqlite`` scheme (see :mod:`veille.store.registry`)."""

    scheme = "sqlite"
    roles = frozenset({"posts", "state"})

    def open(self, url: str, *, root: Path) -> SQLiteStore:
        return SQLiteStore.open(sqlite_path(url, root))

    def recorded_url(self, url: str, *, root: Path) -> str:
        """``url`` as veille.toml records it: a file inside the workspace
        ``root`` relative to it (``sqlite:///veille.db``), one outside by
        its absolute path (see :func:`veille.store.registry.recorded_url`)."""
        from veille.store.registry import path_in_workspace

        path = sqlite_path(url, root)
        if path == ":memory:":
            return url
        return PREFIX + path_in_workspace(Path(path), root)

    def backup(
        self, url: str, *, root: Path, into: Path, opened: Any = None, stop: Any = None
    ) -> tuple[Path, Path]:
        """A copy of the database at ``url`` written into the folder ``into``,
        at its place relative to the workspace ``root`` (by its name when it
        is outside): the file written and the file copied. The copy is the
        database as it was at one moment while other processes go on
        writing (``VACUUM INTO`` reads it in one transaction: each batch a
        collector committed is in it whole, or not at all). Opened read-only
        and not migrated: a copy of an older veille's database, taken before
        an upgrade, is what that veille can open again. ``opened`` (the
        store this process has open on it) is not needed: it is read anew;
        nor is ``stop`` (one ``VACUUM INTO``, not cut short)."""
        import sqlite3

        from veille.errors import StoreError

        source = Path(sqlite_path(url, root))
        if str(source) == ":memory:" or not source.is_file():
            raise StoreError(
                tr("[store] %(url)r: no database file at %(path)s", url=mask_url(url),
                   path=str(source)),
                hint=tr("Check [store] in veille.toml (or --workspace)."),
            )  # fmt: skip
        try:
            written = into / source.resolve().relative_to(root.resolve())
        except ValueError:
            written = into / source.name
        written.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
        try:
            conn.execute("VACUUM INTO ?", (str(written),))
        except sqlite3.Error as exc:
            raise StoreError(
                tr("cannot back up %(path)s to %(copy)s: %(error)s", path=str(source),
                   copy=str(written), error=str(exc))
            ) from exc  # fmt: skip
        finally:
            conn.close()
        return written, source

    def test_url(self, folder: Path) -> str:
        """A fresh store for the contract suites (tests/store/test_contract_*.py)."""
        return PREFIX + str(folder / "contract.db")
