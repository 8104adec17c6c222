"""The SQLite backend (the embedded default)."""

from veille.store.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
