"""SQLite implementation of veille.store.protocols.ingest."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from veille.models import Post
from veille.store.protocols.analytics import story_bucket

# Bound parameters per statement (SQLite's historical minimum limit is 999).
_CHUNK = 450


class SQLiteIngest:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    def stored_content(self, posts: Sequence[Post]) -> dict[str, str]:
        found: dict[str, str] = {}
        by_url: dict[str, list[str]] = {}
        ids: list[str] = []
        for p in posts:
            ids.append(p.id)
            if p.canonical_url:
                by_url.setdefault(p.canonical_url, []).append(p.id)
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            sql = f"SELECT id, content_hash FROM posts WHERE id IN ({','.join('?' * len(chunk))})"
            found.update(self.conn.execute(sql, chunk))
        urls = [u for u, owners in by_url.items() if any(o not in found for o in owners)]
        for i in range(0, len(urls), _CHUNK):
            chunk = urls[i : i + _CHUNK]
            sql = (
                "SELECT canonical_url, content_hash FROM posts "
                f"WHERE canonical_url IN ({','.join('?' * len(chunk))})"
            )
            for url, digest in self.conn.execute(sql, chunk):
                for owner in by_url[url]:
                    found.setdefault(owner, digest)
        return found

    def rules_version(self) -> int:
        row = self.conn.execute("SELECT n FROM rules_version WHERE id = 1").fetchone()
        return int(row[0]) if row else 0


class SQLiteIngestTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection

    def duplicate_candidates(
        self, band_keys: Sequence[int], *, per_band: int
    ) -> list[tuple[str, str, bytes]]:
        if not band_keys:
            return []
        # Each bucket is read newest first through its index, at most
        # per_band rows: the lookup never scans a crowded bucket.
        bucket = (
            "SELECT * FROM (SELECT post_id FROM minhash_bands WHERE band_key = ? "
            "ORDER BY rowid DESC LIMIT ?)"
        )
        union = " UNION ".join([bucket] * len(band_keys))
        params: list[int] = []
        for key in band_keys:
            params += (key, per_band)
        return self.conn.execute(
            f"SELECT post_id, cluster_id, signature FROM minhash WHERE post_id IN ({union})",
            params,
        ).fetchall()

    def duplicate_candidates_many(
        self, key_lists: Sequence[Sequence[int]], *, per_band: int
    ) -> list[list[tuple[str, str, bytes]]]:
        wanted = sorted({key for keys in key_lists for key in keys})
        if not wanted:
            return [[] for _ in key_lists]
        # Most new posts are like nothing stored: one indexed probe of the
        # whole batch's keys spares them their own bucket query.
        filed = {
            row[0]
            for row in self.conn.execute(
                "SELECT DISTINCT band_key FROM minhash_bands "
                "WHERE band_key IN (SELECT value FROM json_each(?))",
                (json.dumps(wanted),),
            )
        }
        return [
            self.duplicate_candidates([k for k in keys if k in filed], per_band=per_band)
            if any(k in filed for k in keys)
            else []
            for keys in key_lists
        ]

    def file_signatures(self, filed: Sequence[tuple[str, str, bytes, Sequence[int]]]) -> None:
        if not filed:
            return
        self.conn.executemany(
            "INSERT OR REPLACE INTO minhash (post_id, cluster_id, signature) VALUES (?, ?, ?)",
            [(post_id, cluster, sig) for post_id, cluster, sig, _keys in filed],
        )
        # A post clustered again (enrich --rerun) leaves its old buckets.
        self.conn.execute(
            "DELETE FROM minhash_bands WHERE post_id IN (SELECT value FROM json_each(?))",
            (json.dumps([f[0] for f in filed]),),
        )
        self.conn.executemany(
            "INSERT INTO minhash_bands (band_key, post_id) VALUES (?, ?)",
            [(key, post_id) for post_id, _c, _s, keys in filed for key in keys],
        )

    def set_clusters(self, clusters: Sequence[tuple[str, str]]) -> None:
        self.conn.executemany(
            "UPDATE posts SET cluster_id = ?, story_bucket = ? WHERE id = ?",
            [(c, story_bucket(c or p), p) for p, c in clusters],
        )
