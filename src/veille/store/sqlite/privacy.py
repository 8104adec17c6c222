"""SQLite implementation of veille.store.protocols.privacy."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.store.portable.privacy import PortablePrivacy
from veille.store.protocols.privacy import ErasureReport
from veille.store.sqlite.portable import SQLitePortable
from veille.store.sqlite.rows import SEQ_BITS

_CHUNK = 400  # ids per IN (...) list, under the parameter limit of old SQLite builds


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SQLitePrivacy(SQLitePortable, PortablePrivacy):
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # given by SQLiteStore

        def transaction(self) -> AbstractContextManager[Any]: ...

    def _remove_copies(
        self, ids: Sequence[str], removed: dict[str, int], *, rekey: bool = True
    ) -> None:
        """Every copy of these posts outside the posts table (inside a transaction)."""
        for part in _chunks(ids):
            marks = _marks(len(part))
            for table in ("deliveries", "alert_marks", "sentiment_corrections", "minhash_bands"):
                cur = self.conn.execute(f"DELETE FROM {table} WHERE post_id IN ({marks})", part)
                removed[table] = removed.get(table, 0) + cur.rowcount
            cur = self.conn.execute(f"DELETE FROM minhash WHERE post_id IN ({marks})", part)
            removed["minhash"] = removed.get("minhash", 0) + cur.rowcount
            if not rekey:
                continue
            # A story is keyed by the id of its first post: other posts of the
            # story keep the story under a key that no longer names the person.
            keys = [
                k
                for (k,) in self.conn.execute(
                    f"SELECT DISTINCT cluster_id FROM minhash WHERE cluster_id IN ({marks}) "
                    f"UNION SELECT DISTINCT cluster_id FROM posts WHERE cluster_id IN ({marks})",
                    [*part, *part],
                )
            ]
            for key in keys:
                new = "c:" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
                for table in ("posts", "minhash", "deliveries"):
                    self.conn.execute(
                        f"UPDATE {table} SET cluster_id = ? WHERE cluster_id = ?", (new, key)
                    )

    def erase_author(self, handle: str, platform: str | None, *, subject: str) -> ErasureReport:
        report = ErasureReport()
        where = "lower(author_handle) = lower(?)" + (" AND platform = ?" if platform else "")
        args: list[Any] = [handle] + ([platform] if platform else [])
        with self.transaction():
            rows = self.conn.execute(f"SELECT pk, id FROM posts WHERE {where}", args).fetchall()
            ids = [r[1] for r in rows]
            self._remove_copies(ids, report.removed)
            for part in _chunks([r[0] for r in rows]):
                self.conn.execute(f"DELETE FROM posts WHERE pk IN ({_marks(len(part))})", part)
            cur = self.conn.execute(
                "DELETE FROM author_rollup WHERE lower(handle) = lower(?)"
                + (" AND platform = ?" if platform else ""),
                args,
            )
            report.removed["author_rollup"] = cur.rowcount
            # The inbox keeps its own copy of a post (so an item outlives it):
            # forgetting a person removes their items too (small local edit, inbox).
            cur = self.conn.execute(
                "DELETE FROM inbox_items WHERE lower(author) = lower(?)"
                + (" AND platform = ?" if platform else ""),
                args,
            )
            report.removed["inbox_items"] = cur.rowcount
            report.removed["quarantine"] = self._erase_quarantined(handle)
            report.posts = len(ids)
            report.post_ids = ids
            report.atom_files = self._atom_files()
            self.conn.execute(
                "INSERT INTO erasures (at, kind, platform, subject, posts, details) "
                "VALUES (?, 'author', ?, ?, ?, ?)",
                (
                    int(datetime.now(UTC).timestamp()),
                    platform,
                    subject,
                    len(ids),
                    json.dumps(report.removed),
                ),
            )
        return report

    def _erase_quarantined(self, handle: str) -> int:
        """Quarantined items that name the person (their raw payloads are copies too)."""
        who = re.compile(rf"(?<![\w.-]){re.escape(handle)}(?![\w-])", re.I)
        doomed = [
            qid
            for qid, raw in self.conn.execute(
                "SELECT id, raw FROM quarantine WHERE instr(lower(raw), lower(?)) > 0", (handle,)
            )
            if who.search(raw)
        ]
        for part in _chunks(doomed):
            self.conn.execute(f"DELETE FROM quarantine WHERE id IN ({_marks(len(part))})", part)
        return len(doomed)

    def _atom_files(self) -> list[str]:
        return [
            url[len("atom:") :]
            for (url,) in self.conn.execute(
                "SELECT DISTINCT channel_url FROM alerts WHERE channel_url LIKE 'atom:%'"
            )
        ]

    def purge_posts_before(self, cutoff: datetime, *, batch: int = 2000) -> ErasureReport:
        report = ErasureReport()
        ts = int(cutoff.timestamp())
        limit_pk = ts << SEQ_BITS  # posts are keyed by time: older posts have smaller keys
        while True:
            with self.transaction():
                rows = self.conn.execute(
                    "SELECT pk, id FROM posts WHERE pk < ? ORDER BY pk LIMIT ?", (limit_pk, batch)
                ).fetchall()
                if not rows:
                    break
                # Rollup triggers skip deletions while this row exists (this
                # transaction only): volumes and topic counts stay as they were.
                self.conn.execute("INSERT INTO privacy_purge (id) VALUES (1)")
                self._remove_copies([r[1] for r in rows], report.removed, rekey=False)
                last = rows[-1][0]
                self.conn.execute("DELETE FROM posts WHERE pk <= ?", (last,))
                self.conn.execute("DELETE FROM privacy_purge")
            report.posts += len(rows)
        with self.transaction():
            cur = self.conn.execute("DELETE FROM author_rollup WHERE day < ?", (ts // 86400,))
            report.removed["author_rollup"] = cur.rowcount
            cur = self.conn.execute("DELETE FROM quarantine WHERE created_at < ?", (ts,))
            report.removed["quarantine"] = cur.rowcount
            if report.posts:
                self.conn.execute(
                    "INSERT INTO erasures (at, kind, platform, subject, posts, details) "
                    "VALUES (?, 'retention', NULL, ?, ?, ?)",
                    (
                        int(datetime.now(UTC).timestamp()),
                        cutoff.date().isoformat(),
                        report.posts,
                        json.dumps(report.removed),
                    ),
                )
        return report

    def drop_raw_before(self, cutoff: datetime) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "UPDATE posts SET raw = '{}' WHERE pk < ? AND raw != '{}'",
                (int(cutoff.timestamp()) << SEQ_BITS,),
            )
        return cur.rowcount


class SQLitePrivacyTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
