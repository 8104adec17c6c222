"""``sqlite:///PATH``: the embedded default, posts and state in one file."""

from __future__ import annotations

from pathlib import Path

from veille.errors import ConfigError
from veille.store.sqlite.store import SQLiteStore

PREFIX = "sqlite:///"


def sqlite_path(url: str, root: Path) -> str:
    """The file of ``sqlite:///PATH`` (relative to ``root``; ``sqlite:////abs``
    is absolute; ``sqlite:///:memory:`` a private in-memory database)."""
    if not url.lower().startswith(PREFIX):
        raise ConfigError(
            f"[store] {url!r} is not a SQLite URL",
            hint='Write "sqlite:///veille.db" (relative to the workspace) or "sqlite:////abs/path.db".',
        )
    rest = url[len(PREFIX) :]
    if not rest:
        raise ConfigError(f"[store] {url!r} names no file", hint='Write "sqlite:///veille.db".')
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

    def test_url(self, folder: Path) -> str:
        """A fresh store for the contract suites (tests/store/test_contract_*.py)."""
        return PREFIX + str(folder / "contract.db")
