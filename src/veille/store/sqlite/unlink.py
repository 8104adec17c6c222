"""SQLite's part of veille.store.unlinked: what an erasure takes out of
the posts (and inbox items) that point at the posts it deletes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from veille.store.portable.privacy import unlink_inbox
from veille.store.sqlite.portable import SQLiteSql
from veille.store.sqlite.rows import domains_of
from veille.store.unlinked import ErasedPosts

_CHUNK = 400  # ids per IN (...) list, under the parameter limit of old SQLite builds


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def unlink_posts(conn: sqlite3.Connection, part: Sequence[str], removed: dict[str, int]) -> None:
    """Take the posts ``part`` out of the other posts that point at them
    and the inbox items kept of those (inside a transaction, before they
    are deleted: veille.store.unlinked)."""
    found: list[tuple[str, str, str | None, str | None]] = []
    for ids in _chunks(part):
        found += conn.execute(
            f"SELECT id, native_id, url, canonical_url FROM posts WHERE id IN ({_marks(len(ids))})",
            ids,
        ).fetchall()
    erased = ErasedPosts.of(found)
    hosts = sorted({f" {h} " for u in erased.urls for h in domains_of((u,)).split()})
    # One scan of the posts per chunk the erasure deletes (replies by the
    # index on parent_id; threads, reposts and links to their hosts read
    # alongside), inside its transaction: not one per id or address.
    named, linked = json.dumps(sorted(erased.ids)), json.dumps(hosts)
    refs = {
        pk
        for (pk,) in conn.execute(
            "SELECT pk FROM posts WHERE parent_id IN (SELECT value FROM json_each(?1)) UNION "
            "SELECT pk FROM posts WHERE thread_id IN (SELECT value FROM json_each(?1)) "
            "OR repost_of IN (SELECT value FROM json_each(?1)) OR (links != '' AND EXISTS "
            "(SELECT 1 FROM json_each(?2) h WHERE instr(' ' || domains || ' ', h.value) > 0))",
            (named, linked),
        )
    }
    changed = 0
    for pks in _chunks(sorted(refs)):
        rows = conn.execute(
            "SELECT pk, id, parent_id, thread_id, repost_of, links, raw FROM posts "
            f"WHERE pk IN ({_marks(len(pks))})",
            pks,
        ).fetchall()
        for pk, post_id, parent, thread, repost, links, raw in rows:
            if post_id in erased.ids:
                continue
            new = (
                erased.ref(parent),
                erased.ref(thread),
                erased.ref(repost),
                " ".join(erased.links(links.split())) if links else links,
                erased.raw(raw) if raw else raw,
            )
            if new != (parent, thread, repost, links, raw):
                conn.execute(
                    "UPDATE posts SET parent_id = ?, thread_id = ?, repost_of = ?, "
                    "links = ?, raw = ? WHERE pk = ?",
                    (*new, pk),
                )
                changed += 1
    removed["post_references"] = removed.get("post_references", 0) + changed
    items = unlink_inbox(SQLiteSql(conn), sorted(erased.ids))
    removed["inbox_references"] = removed.get("inbox_references", 0) + items
