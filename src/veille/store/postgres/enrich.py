"""PostgreSQL implementation of veille.store.protocols.enrich and of the
state half of veille.store.protocols.ingest (the near-duplicate index and
the rules' change counter).

The posts live in the PostStore: a correction is kept here and the post's
sentiment is written there (:func:`veille.services.enrich.correct_sentiment`);
cluster ids are kept with the signatures here, and a story's copies are read
from the PostStore (:func:`veille.services.enrich.copies`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from veille.models import Sentiment
from veille.store.postgres.base import Runner, pg_array
from veille.store.protocols.enrich import Correction


class PgEnrich(Runner):
    def list_corrections(self, *, limit: int = 100) -> list[Correction]:
        rows = self.rows(
            "SELECT post_id, old_label, new_label, corrected_by, corrected_at"
            " FROM sentiment_corrections ORDER BY id DESC LIMIT %s",
            (limit,),
        )
        return [Correction(r[0], r[1], r[2], r[3], datetime.fromtimestamp(r[4], UTC)) for r in rows]

    def reviewed_sentiments(self) -> list[tuple[str | None, str | None]]:
        # A user's correction stands until corrected again: the label now is
        # the last correction's.
        rows = self.rows(
            "SELECT f.old_label, l.new_label FROM sentiment_corrections f"
            " JOIN sentiment_corrections l ON l.id = ("
            "   SELECT max(id) FROM sentiment_corrections WHERE post_id = f.post_id)"
            " WHERE f.id IN (SELECT min(id) FROM sentiment_corrections GROUP BY post_id)"
        )
        return [(old, now) for old, now in rows]

    def rules_version(self) -> int:
        row = self.one("SELECT n FROM rules_version WHERE id = 1")
        return int(row[0]) if row else 0

    def cluster_of(self, post_id: str) -> str | None:
        row = self.one("SELECT cluster_id FROM minhash WHERE post_id = %s", (post_id,))
        return row[0] if row else None


class PgEnrichTx(Runner):
    def correct_sentiment(
        self,
        post_id: str,
        sentiment: Sentiment,
        *,
        by: str,
        at: datetime,
        was: str | None = None,
        elsewhere: bool = True,
    ) -> Correction | None:
        # This store keeps no posts (``elsewhere`` is always so): the label
        # before is the post's, which the PostStore holds, and the caller
        # reads it there (``was``). Without it, the last correction's label
        # is the best this store knows.
        old = was
        if old is None:
            prev = self.one(
                "SELECT new_label FROM sentiment_corrections WHERE post_id = %s "
                "ORDER BY id DESC LIMIT 1",
                (post_id,),
            )
            old = prev[0] if prev else None
        self.run(
            "INSERT INTO sentiment_corrections"
            " (post_id, old_label, new_label, corrected_by, corrected_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (post_id, old, sentiment.label, by, int(at.timestamp())),
        )
        return Correction(post_id, old, sentiment.label, by, at)

    def signed_posts(self, post_ids: Sequence[str]) -> set[str]:
        if not post_ids:
            return set()
        rows = self.rows("SELECT post_id FROM minhash WHERE post_id = ANY(%s)", (list(post_ids),))
        return {r[0] for r in rows}

    def duplicate_candidates(
        self, band_keys: Sequence[int], *, per_band: int
    ) -> list[tuple[str, str, bytes]]:
        if not band_keys:
            return []
        # Each bucket read newest first through its index, at most per_band rows.
        return [
            (r[0], r[1], bytes(r[2]))
            for r in self.rows(
                "SELECT m.post_id, m.cluster_id, m.signature FROM minhash m WHERE m.post_id IN ("
                " SELECT b.post_id FROM unnest(%s::bigint[]) k(key), LATERAL ("
                "   SELECT post_id FROM minhash_bands WHERE band_key = k.key"
                "   ORDER BY id DESC LIMIT %s) b)",
                (list(band_keys), per_band),
            )
        ]

    def duplicate_candidates_many(
        self, key_lists: Sequence[Sequence[int]], *, per_band: int
    ) -> list[list[tuple[str, str, bytes]]]:
        wanted = sorted({key for keys in key_lists for key in keys})
        if not wanted:
            return [[] for _ in key_lists]
        # One probe of the batch's keys: posts like nothing stored need no query.
        filed = {
            r[0]
            for r in self.rows(
                "SELECT DISTINCT band_key FROM minhash_bands WHERE band_key = ANY(%s::bigint[])",
                (pg_array(wanted),),
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
        # One row per post (its last filing wins): one statement cannot
        # update a row twice.
        last = {post_id: (post_id, cluster, sig) for post_id, cluster, sig, _keys in filed}
        self.run_columns(
            "INSERT INTO minhash (post_id, cluster_id, signature) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::bytea[]) "
            "ON CONFLICT (post_id) DO UPDATE SET cluster_id = excluded.cluster_id, "
            "signature = excluded.signature",
            last.values(),
        )
        # A post clustered again (enrich --rerun) leaves its old buckets.
        self.run(
            "DELETE FROM minhash_bands WHERE post_id = ANY(%s::text[])", (pg_array(list(last)),)
        )
        self.copy_rows(
            "minhash_bands",
            ("band_key", "post_id"),
            ((key, post_id) for post_id, _c, _s, keys in filed for key in keys),
        )

    def set_clusters(self, clusters: Sequence[tuple[str, str]]) -> None:
        """Kept with the signatures (``file_signatures``); the posts' own
        cluster column is the PostStore's."""
