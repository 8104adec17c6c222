"""Moved to :mod:`veille.store.sqlite.compiler`: the backend owns its query
compiler. Kept until callers outside ``store/`` have moved (issue 16)."""

from veille.store.sqlite.compiler import fts_driver, fts_expr, relevance_expr, to_sqlite

__all__ = ["fts_driver", "fts_expr", "relevance_expr", "to_sqlite"]
