"""SQLite implementation of veille.store.protocols.enrich (migration 0020)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from veille.models import Sentiment
from veille.store.protocols.enrich import Copy, Correction


class SQLiteEnrich:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection
    batch: int

    def list_corrections(self, *, limit: int = 100) -> list[Correction]:
        rows = self.conn.execute(
            "SELECT post_id, old_label, new_label, corrected_by, corrected_at"
            " FROM sentiment_corrections ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [Correction(r[0], r[1], r[2], r[3], datetime.fromtimestamp(r[4], UTC)) for r in rows]

    def reviewed_sentiments(self) -> list[tuple[str | None, str | None]]:
        rows = self.conn.execute(
            "SELECT c.old_label, p.sentiment FROM sentiment_corrections c"
            " JOIN posts p ON p.id = c.post_id"
            " WHERE c.id IN (SELECT min(id) FROM sentiment_corrections GROUP BY post_id)"
        )
        return [(old, now) for old, now in rows]

    def story_copies(self, post_id: str) -> tuple[str | None, list[Copy]]:
        row = self.conn.execute("SELECT cluster_id FROM posts WHERE id = ?", (post_id,)).fetchone()
        if row is None:
            return None, []
        cluster = row[0] or post_id
        rows = self.conn.execute(
            "SELECT id, platform, author_handle, url, published_at FROM posts"
            " WHERE cluster_id = ? OR id = ? ORDER BY published_at, pk",
            (cluster, cluster),
        )
        return cluster, [Copy(*r) for r in rows]


class SQLiteEnrichTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection

    def correct_sentiment(
        self,
        post_id: str,
        sentiment: Sentiment,
        *,
        by: str,
        at: datetime,
        was: str | None = None,
        elsewhere: bool = False,
    ) -> Correction | None:
        if elsewhere:
            # The state of a workspace whose posts another store keeps
            # (ClickHouse): this file's posts table is empty, and the
            # caller set the label there. Until 2026-12-06 every correction
            # on that layout said the post did not exist.
            self.conn.execute(
                "INSERT INTO sentiment_corrections"
                " (post_id, old_label, new_label, corrected_by, corrected_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (post_id, was, sentiment.label, by, int(at.timestamp())),
            )
            return Correction(post_id, was, sentiment.label, by, at)
        # The post is here: its label before is read with it.
        row = self.conn.execute("SELECT sentiment FROM posts WHERE id = ?", (post_id,)).fetchone()
        if row is None:
            return None
        self.conn.execute(
            "INSERT INTO sentiment_corrections"
            " (post_id, old_label, new_label, corrected_by, corrected_at) VALUES (?, ?, ?, ?, ?)",
            (post_id, row[0], sentiment.label, by, int(at.timestamp())),
        )
        self.conn.execute(
            "UPDATE posts SET sentiment = ?, sentiment_score = ?, sentiment_confidence = ?,"
            " sentiment_source = ? WHERE id = ?",
            (sentiment.label, sentiment.score, sentiment.confidence, sentiment.source, post_id),
        )
        return Correction(post_id, row[0], sentiment.label, by, at)

    def signed_posts(self, post_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        ids = list(post_ids)
        # Within the 999 parameters older SQLite builds allow.
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT post_id FROM minhash WHERE post_id IN ({marks})", chunk
            )
            found.update(r[0] for r in rows)
        return found
