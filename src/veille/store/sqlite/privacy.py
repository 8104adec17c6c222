"""SQLite implementation of veille.store.protocols.privacy."""

from __future__ import annotations

import fcntl
import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.models import Post
from veille.store.portable.privacy import (
    PortablePrivacy,
    PortablePrivacyTx,
    add_to_log,
    end_unfinished,
    forget_item_details,
    redact_event_payloads,
)
from veille.store.protocols.analytics import story_bucket
from veille.store.protocols.privacy import (
    AUTHOR,
    LIFTED,
    NAMING_POSTS,
    OBJECTION,
    ErasureReport,
    author_key,
    erased_until,
    left_stored,
    now_ms,
    objecting,
    post_key,
    refusals,
    story_key,
)
from veille.store.purged import names_due, topic_totals
from veille.store.sqlite import purged
from veille.store.sqlite.portable import SQLitePortable, SQLitePortableTx, SQLiteSql
from veille.store.sqlite.rows import SEQ_BITS
from veille.store.sqlite.unlink import unlink_posts

_CHUNK = 400  # ids per IN (...) list, under the parameter limit of old SQLite builds
#: Posts an erasure deletes per transaction: a collector's batch beside it
#: waits for one such transaction, not for the whole erasure (a person with
#: 41,560 posts at 1M posts: the longest wait went from 15.1 s to 1.6 s,
#: bench/upkeep.py --erase 50000).
ERASE_CHUNK = 2000


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def record_forgotten(conn: sqlite3.Connection, records: Iterable[tuple[str, str, int]]) -> None:
    """Record ``(kind, key, erased_at)`` in ``forgotten`` (inside a
    transaction): what an erasure forgets, and when."""
    conn.executemany(
        "INSERT INTO forgotten (kind, key, erased_at) VALUES (?, ?, ?) "
        "ON CONFLICT (kind, key) DO UPDATE SET erased_at = max(erased_at, excluded.erased_at)",
        records,
    )


def erased_among(conn: sqlite3.Connection, post_ids: Iterable[str]) -> set[str]:
    """Those of ``post_ids`` that name an erased post."""
    keys = {post_key(i): i for i in post_ids}
    found: set[str] = set()
    names = list(keys)
    for part in _chunks(names):
        found.update(
            keys[k]
            for (k,) in conn.execute(
                f"SELECT key FROM forgotten WHERE kind = 'post' AND key IN ({_marks(len(part))})",
                part,
            )
        )
    return found


def unforgotten(conn: sqlite3.Connection, posts: list[Post]) -> tuple[list[Post], set[str]]:
    """``posts`` less those of a person an erasure forgot, published until
    then (or whenever, while their objection holds), a story keyed by an
    erased post under its new key; and the ids left out (as the ClickHouse
    store's write does)."""
    forgotten = refusals(
        conn.execute(
            "SELECT kind, key, erased_at FROM forgotten WHERE kind IN (?, ?, ?)",
            (AUTHOR, OBJECTION, LIFTED),
        )
    )
    if not forgotten:
        return posts, set()
    kept, dropped = [], set()
    for post in posts:
        at = erased_until(forgotten, post.platform, post.author.handle)
        if at is not None and int(post.published_at.timestamp()) <= at:
            dropped.add(post.id)
        else:
            kept.append(post)
    gone = erased_among(conn, {p.cluster_id for p in kept if p.cluster_id})
    if gone:
        kept = [
            replace(p, cluster_id=story_key(p.cluster_id)) if p.cluster_id in gone else p
            for p in kept
        ]
    return kept, dropped


class SQLitePrivacy(SQLitePortable, PortablePrivacy):
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection
    path: str

    if TYPE_CHECKING:  # given by SQLiteStore

        def transaction(self) -> AbstractContextManager[Any]: ...

    @contextmanager
    def forget_lock(self, *, exclusive: bool) -> Iterator[None]:
        """A lock on the file ``<database>-forget.lock`` beside the database
        (``flock``: every process that opens this database shares it, and a
        process that dies lets go of it); this process's alone for an
        in-memory database."""
        if self.path == ":memory:":
            yield
            return
        with open(self.path + "-forget.lock", "ab") as f:
            fcntl.flock(f, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield  # closing the file lets go of the lock

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
                new = story_key(key)
                self.conn.execute(
                    "UPDATE posts SET cluster_id = ?, story_bucket = ? WHERE cluster_id = ?",
                    (new, story_bucket(new), key),
                )
                for table in ("minhash", "deliveries"):
                    self.conn.execute(
                        f"UPDATE {table} SET cluster_id = ? WHERE cluster_id = ?", (new, key)
                    )

    def _erase_posts_of(
        self, handle: str, platform: str | None, report: ErasureReport
    ) -> list[str]:
        """Delete ``handle``'s posts and their copies (outside a transaction:
        one each for the record of whom it forgets, then for every
        :data:`ERASE_CHUNK` posts, so that a collector writes its batch
        between two rather than after the whole erasure; run again after a
        crash, it finds the posts left); their ids. The caller deletes the
        per-author aggregates (:meth:`_forget_person`) in its last transaction."""
        where = "lower(author_handle) = lower(?)" + (" AND platform = ?" if platform else "")
        args: list[Any] = [handle] + ([platform] if platform else [])
        # A write after this transaction stores nothing of theirs published
        # until now, nor after while their objection holds.
        at = int(time.time())
        who = author_key(platform, handle)
        with self.transaction():
            record_forgotten(self.conn, [(AUTHOR, who, at), (OBJECTION, who, now_ms())])
        # Read once, without the write lock (a scan of every post): no post of
        # theirs comes in after the record.
        rows = self.conn.execute(f"SELECT pk, id FROM posts WHERE {where}", args).fetchall()
        ids = [r[1] for r in rows]
        for i in range(0, len(rows), ERASE_CHUNK):
            chunk = rows[i : i + ERASE_CHUNK]
            part = [r[1] for r in chunk]
            with self.transaction():
                # A write after this gives a story keyed by one of them its new key.
                record_forgotten(self.conn, [("post", post_key(x), at) for x in part])
                # Before the delete, in its transaction: killed after, the
                # references went with the posts; before, both are still there.
                unlink_posts(self.conn, part, report.removed)
                self._remove_copies(part, report.removed)
                for pks in _chunks([r[0] for r in chunk]):
                    self.conn.execute(f"DELETE FROM posts WHERE pk IN ({_marks(len(pks))})", pks)
        report.posts = len(ids)
        report.post_ids = ids
        return ids

    def _forget_person(self, handle: str, platform: str | None, report: ErasureReport) -> None:
        """Their per-author aggregates and account links (inside a transaction)."""
        args: list[Any] = [handle] + ([platform] if platform else [])
        cur = self.conn.execute(
            "DELETE FROM author_rollup WHERE lower(handle) = lower(?)"
            + (" AND platform = ?" if platform else ""),
            args,
        )
        report.removed["author_rollup"] = cur.rowcount
        # Decisions that an account of theirs is (not) another one name them too.
        side = "lower(handle_{s}) = lower(?)" + (" AND platform_{s} = ?" if platform else "")
        cur = self.conn.execute(
            f"DELETE FROM author_links WHERE ({side.format(s='a')}) OR ({side.format(s='b')})",
            [*args, *args],
        )
        report.removed["author_links"] = cur.rowcount

    def forgotten_ids(self, posts: Iterable[Post]) -> list[str]:
        """The ids of ``posts`` an erasure forgot (a write stores nothing of
        them): with the state in another store, ingest takes their copies
        out of it again, in case the erasure came between its write of the
        posts and its state's commit."""
        return sorted(unforgotten(self.conn, list(posts))[1])

    def forgotten_posts(self, post_ids: Iterable[str]) -> list[str]:
        """Those of ``post_ids`` that name an erased post."""
        return sorted(erased_among(self.conn, post_ids))

    def objections(self, keys: Sequence[str]) -> list[str]:
        if not keys:
            return []
        rows = self.conn.execute(
            f"SELECT kind, key, erased_at FROM forgotten WHERE kind IN (?, ?) "
            f"AND key IN ({_marks(len(keys))})",
            (OBJECTION, LIFTED, *keys),
        )
        return sorted(objecting(rows))

    def lift_objection(self, keys: Sequence[str]) -> list[str]:
        if not keys:
            return []
        with self.transaction():
            lifted = self.objections(keys)
            # What they published until now stays refused (the objection held).
            at, ms = int(time.time()), now_ms()
            record_forgotten(
                self.conn, [r for k in lifted for r in ((LIFTED, k, ms), (AUTHOR, k, at))]
            )
        return lifted

    def forgotten_records(self) -> list[tuple[str, str, int]]:
        """Every ``(kind, key, erased_at)`` of ``forgotten`` (``veille store
        migrate`` carries them with the posts)."""
        return list(self.conn.execute("SELECT kind, key, erased_at FROM forgotten ORDER BY 1, 2"))

    def erasures_left(self) -> list[tuple[str | None, str]] | None:
        """Whose erasure was cut midway, their posts still stored
        (:func:`~veille.store.protocols.privacy.left_stored`): one read of
        the posts by author (index ``posts_author_published``), none where
        no erasure was recorded. Handles are put in lower case here, not by
        SQLite's ``lower()``, which leaves non-ASCII letters as they are.
        None, reading nothing, once :meth:`mark_erasures_scanned` said that
        what it found was recorded (migration 0690)."""
        if self.conn.execute("SELECT 1 FROM erasures_scanned LIMIT 1").fetchone():
            return None
        records = self.conn.execute(
            "SELECT kind, key, erased_at FROM forgotten WHERE kind = ?", (AUTHOR,)
        ).fetchall()
        if not records:
            return []
        firsts = self.conn.execute(
            "SELECT platform, author_handle, min(published_at) FROM posts "
            "GROUP BY platform, author_handle"
        )
        return left_stored(records, firsts)

    def mark_erasures_scanned(self) -> None:
        """What :meth:`erasures_left` found is recorded unfinished: an
        erasure begun since is recorded so as it begins, so it need not read
        the posts again."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO erasures_scanned SELECT ? "
                "WHERE NOT EXISTS (SELECT 1 FROM erasures_scanned)",
                (now_ms() // 1000,),
            )

    def record_forgotten(self, records: Sequence[tuple[str, str, int]]) -> None:
        """Add ``(kind, key, erased_at)`` records to ``forgotten``."""
        with self.transaction():
            record_forgotten(self.conn, records)

    def purged_topic_totals(self) -> list[tuple[int, ...]]:
        """What each saved topic counts of posts this store no longer holds
        (a retention purge leaves them in ``topic_rollup``, and their
        sentiment in ``topic_purged_sentiment``): ``(topic id, quarter-hour,
        posts, engagement, reach, posts that gave counts, posts that gave
        followers, positive, negative, neutral)`` beyond what its filings
        count. ``veille store migrate`` carries them with the posts."""
        totals = {
            (int(row[0]), int(row[1])): tuple(int(v) for v in row[2:])
            for row in self.conn.execute(
                "WITH held AS (SELECT f.topic_id, p.published_at / 900 AS bucket, "
                "count(*) AS posts, sum(p.likes + p.shares + p.replies) AS engagement, "
                "sum(coalesce(p.author_followers, 0)) AS reach, "
                "sum(p.counts_given) AS counted, sum(p.author_followers IS NOT NULL) AS followed "
                "FROM post_topics f JOIN posts p ON p.pk = f.post_pk GROUP BY 1, 2) "
                "SELECT * FROM (SELECT r.topic_id, r.bucket, "
                "r.posts - coalesce(h.posts, 0) AS n, "
                "r.engagement - coalesce(h.engagement, 0) AS e, "
                "r.reach - coalesce(h.reach, 0) AS r, "
                "r.counted - coalesce(h.counted, 0) AS g, "
                "r.followed - coalesce(h.followed, 0) AS f "
                "FROM topic_rollup r LEFT JOIN held h "
                "ON h.topic_id = r.topic_id AND h.bucket = r.bucket) "
                "WHERE n != 0 OR e != 0 OR r != 0 OR g != 0 OR f != 0"
            )
        }
        moods = purged.topic_sentiments(self.conn)
        return [
            (*key, *totals.get(key, (0,) * 5), *moods.get(key, (0, 0, 0)))
            for key in sorted(totals.keys() | moods.keys())
        ]

    def add_purged_topic_totals(self, rows: Sequence[tuple[int, ...]]) -> None:
        """Add rows of :meth:`purged_topic_totals`'s shape (of posts held
        elsewhere before) to the topics' figures. A row without its last
        counts (from a store of an older veille) covers what its sums tell
        (:func:`veille.store.purged.topic_totals`)."""
        full = [topic_totals(r) for r in rows]
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO topic_rollup (topic_id, bucket, posts, engagement, reach, counted, "
                "followed) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (topic_id, bucket) DO UPDATE SET "
                "posts = posts + excluded.posts, engagement = engagement + excluded.engagement, "
                "reach = reach + excluded.reach, counted = counted + excluded.counted, "
                "followed = followed + excluded.followed",
                [r[:7] for r in full if any(r[2:7])],
            )
            purged.add_topic_sentiment(self.conn, [(*r[:2], *r[7:]) for r in full])

    def purged_rollup(self) -> list[tuple[Any, ...]]:
        """What ``post_rollup`` counts of posts this store no longer holds (a
        retention purge leaves them there), as ``(quarter-hour, platform,
        language, country, sentiment, posts, engagement, reach, posts that
        gave counts, posts that gave followers)``, rebuilt from its
        dimensions and pairs (:mod:`veille.store.purged`). ``veille store
        migrate`` carries them with the posts."""
        return purged.purged_cube(self.conn)

    def purged_rollup_dims(self) -> list[tuple[Any, ...]]:
        """:meth:`purged_rollup` as this store keeps it: ``(dim, quarter-hour,
        v1, v2, *measures)`` (what ``veille store migrate`` compares)."""
        return purged.purged_dims(self.conn)

    def add_purged_rollup(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_rollup`'s shape (of posts held
        elsewhere before) to every dimension and pair of ``post_rollup``."""
        with self.transaction():
            purged.add_cube(self.conn, rows)

    def purged_entities(self) -> list[tuple[str, int, str, int, int]]:
        """``(kind, UTC day, value, posts, engagement)`` the hashtags and
        domains rollup counts of posts this store no longer holds."""
        return purged.purged_entities(self.conn)

    def add_purged_entities(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_entities`'s shape to the entities' day rows."""
        with self.transaction():
            purged.add_entities(self.conn, rows)

    def purged_entity_quarters(self) -> list[tuple[str, int, str, int, int]]:
        """``(kind, quarter-hour, value, posts, engagement)`` the hashtags and
        domains rollup counts of posts this store no longer holds."""
        return purged.purged_entity_quarters(self.conn)

    def add_purged_entity_quarters(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_entity_quarters`' shape to the entities'
        quarter-hour rows."""
        with self.transaction():
            purged.add_entity_quarters(self.conn, rows)

    def purged_authors(self) -> list[tuple[Any, ...]]:
        """``(UTC day, platform, handle, posts, engagement, followers, name)``
        the authors' rollup counts of posts this store no longer holds."""
        return purged.purged_authors(self.conn)

    def add_purged_authors(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_authors`'s shape to the authors' rollup."""
        with self.transaction():
            purged.add_authors(self.conn, rows)

    def author_post_ids(self, handle: str, platform: str | None) -> list[str]:
        where = "lower(author_handle) = lower(?)" + (" AND platform = ?" if platform else "")
        args: list[Any] = [handle] + ([platform] if platform else [])
        return [r[0] for r in self.conn.execute(f"SELECT id FROM posts WHERE {where}", args)]

    def erase_author_posts(self, handle: str, platform: str | None) -> ErasureReport:
        report = ErasureReport()
        self._erase_posts_of(handle, platform, report)
        with self.transaction():
            self._forget_person(handle, platform, report)
        return report

    def erase_author(
        self,
        handle: str,
        platform: str | None,
        *,
        subject: str,
        before_done: Callable[[ErasureReport], None] | None = None,
    ) -> ErasureReport:
        report = ErasureReport()
        args: list[Any] = [handle] + ([platform] if platform else [])
        ids = self._erase_posts_of(handle, platform, report)
        if before_done is not None:
            # What must be done before it is marked done (the alerts' Atom
            # feeds): killed meanwhile, the erasure is still unfinished.
            before_done(report)
        with self.transaction():
            self._forget_person(handle, platform, report)
            # The inbox keeps its own copy of a post (so an item outlives it):
            # forgetting a person removes their items too (small local edit, inbox),
            # and what the audit log copied of them (a note's text).
            where = "lower(author) = lower(?)" + (" AND platform = ?" if platform else "")
            report.removed["audit_details"] = forget_item_details(SQLiteSql(self.conn), where, args)
            cur = self.conn.execute(f"DELETE FROM inbox_items WHERE {where}", args)
            report.removed["inbox_items"] = cur.rowcount
            report.removed["alert_payloads"] = redact_event_payloads(SQLiteSql(self.conn), handle)
            report.removed["quarantine"] = self._erase_quarantined(handle)
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
            # Done with its log entry, in one transaction (it was recorded
            # unfinished as it began: veille.services.privacy.erase_author).
            end_unfinished(SQLiteSql(self.conn), handle, platform)
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

    def post_ids_before(self, cutoff: datetime, *, after: str = "", limit: int = 2000) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM posts WHERE pk < ? AND id > ? ORDER BY id LIMIT ?",
                (int(cutoff.timestamp()) << SEQ_BITS, after, limit),
            )
        ]

    def delete_posts_before(
        self, cutoff: datetime, *, batch: int = 2000, names_from: datetime | None = None
    ) -> ErasureReport:
        report = ErasureReport()
        ts = int(cutoff.timestamp())
        since = None if names_from is None else min(int(names_from.timestamp()), ts)
        # The names of posts published a retention period before the cutoff
        # go, those posts all left out from then on (read first: it moves
        # every few days).
        held = purged.names_held_from(self.conn)
        if since is not None and names_due(held, since, ts):
            with self.transaction():
                purged.let_names_go(self.conn, since)
            held = since
        limit_pk = ts << SEQ_BITS  # posts are keyed by time: older posts have smaller keys
        first = "SELECT 1 FROM posts WHERE pk < ? LIMIT 1"
        logged = False
        # Read first: an upkeep with nothing to purge (23 a day) takes no write lock.
        while self.conn.execute(first, (limit_pk,)).fetchone():
            with self.transaction():
                rows = self.conn.execute(
                    "SELECT pk, id FROM posts WHERE pk < ? ORDER BY pk LIMIT ?", (limit_pk, batch)
                ).fetchall()
                if not rows:
                    break
                if not logged:
                    # Logged with the first delete (its posts added in the
                    # day's entry once counted: purge_posts_before, or the
                    # state store's log where another keeps it): a write of
                    # posts in a transaction after this one reads the cutoff
                    # in it and leaves out what the purge deletes
                    # (Pipeline.ingest, where another store keeps the
                    # posts); one before is deleted here.
                    sql, subject = SQLiteSql(self.conn), cutoff.date().isoformat()
                    add_to_log(sql, "retention", None, subject, 0, {}, hold=self._hold_erasure_log)
                    logged = True
                # Rollup triggers skip deletions while this row exists (this
                # transaction only): volumes and topic counts stay as they were.
                self.conn.execute("INSERT INTO privacy_purge (id) VALUES (1)")
                # Named with their delete: a write after it leaves them out
                # (they stay counted in the rollups), whatever the retention.
                purged.record_purged(self.conn, rows, held)
                last = rows[-1][0]
                # The topics' sentiment of the days whose author rollup goes
                # below (that of the cutoff's day stays there).
                purged.keep_topic_sentiment(self.conn, last, ts // 86400 * 86400)
                # In this transaction: a purge killed after it counts each
                # post once (in the author rollup or in the topic's purged
                # sentiment), not in both until the days below go.
                purged.take_out_author_days(self.conn, last, ts // 86400 * 86400)
                self._remove_copies([r[1] for r in rows], report.removed, rekey=False)
                self.conn.execute("DELETE FROM posts WHERE pk <= ?", (last,))
                self.conn.execute("DELETE FROM privacy_purge")
            report.posts += len(rows)
        day = ts // 86400
        report.removed["author_rollup"] = 0
        if self.conn.execute(
            "SELECT 1 FROM author_rollup WHERE day < ? LIMIT 1", (day,)
        ).fetchone():
            with self.transaction():
                cur = self.conn.execute("DELETE FROM author_rollup WHERE day < ?", (day,))
                report.removed["author_rollup"] = cur.rowcount
        return report

    def purge_posts_before(
        self, cutoff: datetime, *, batch: int = 2000, names_from: datetime | None = None
    ) -> ErasureReport:
        day = cutoff.date().isoformat()
        # (Its cutoff logged before the first delete: see delete_posts_before.)
        report = self.delete_posts_before(cutoff, batch=batch, names_from=names_from)
        # Added to what the deletes counted (rows and marks of the posts).
        for name, n in self.forget_before(cutoff).items():
            report.removed[name] = report.removed.get(name, 0) + n
        if report.posts or any(report.removed.get(name) for name in NAMING_POSTS):
            self.log_erasure("retention", None, day, report.posts, report.removed)
        return report

    def purged_until(self) -> datetime | None:
        until = purged.purged_until(self.conn)
        return None if until is None else datetime.fromtimestamp(until, UTC)

    def drop_raw_before(self, cutoff: datetime) -> int:
        where, at = "pk < ? AND raw != '{}'", (int(cutoff.timestamp()) << SEQ_BITS,)
        # Read first (every old post, without the write lock): most upkeeps find none.
        if not self.conn.execute(f"SELECT 1 FROM posts WHERE {where} LIMIT 1", at).fetchone():
            return 0
        with self.transaction():
            cur = self.conn.execute(f"UPDATE posts SET raw = '{{}}' WHERE {where}", at)
        return cur.rowcount


class SQLitePrivacyTx(SQLitePortableTx, PortablePrivacyTx):
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection
