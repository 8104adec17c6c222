"""The ``veille_*`` SQL functions that compiled queries call (see
:mod:`veille.store.sqlite.compiler`): the query package's own predicates, so a
condition plain SQL cannot express is decided by the same code as in memory."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from veille.query.predicates import (
    author_ok,
    field_near,
    has_item,
    lang_ok,
    links_ok,
    raw_in,
    site_ok,
    url_ok,
    wild_in,
)


def install(conn: sqlite3.Connection) -> None:
    """Register the ``veille_*`` SQL functions the compiled queries call."""

    def b(fn: Callable[..., bool]) -> Callable[..., int]:
        return lambda *a: 1 if fn(*a) else 0

    conn.create_function("veille_has", 2, b(has_item), deterministic=True)
    conn.create_function("veille_author", 2, b(author_ok), deterministic=True)
    conn.create_function("veille_lang", 2, b(lang_ok), deterministic=True)
    conn.create_function("veille_site", 3, b(site_ok), deterministic=True)
    conn.create_function("veille_url", 2, b(url_ok), deterministic=True)
    conn.create_function("veille_links", 2, b(links_ok), deterministic=True)
    conn.create_function("veille_near", 2, b(field_near), deterministic=True)
    conn.create_function("veille_wild", 2, b(wild_in), deterministic=True)
    conn.create_function("veille_raw", 3, b(raw_in), deterministic=True)
