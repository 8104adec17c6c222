"""The embedded default backend: one SQLite file in WAL mode."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from veille.errors import StoreError, tr
from veille.models import Cursor, Post, Sentiment, now_utc
from veille.store.base import Count, PostFilter, Stats, UpsertResult
from veille.store.protocols.analytics import story_bucket
from veille.store.sqlite.accounts import SQLiteAccounts, SQLiteAccountsTx
from veille.store.sqlite.alerts import SQLiteAlerts, SQLiteAlertsTx
from veille.store.sqlite.analytics import SQLiteAnalytics, SQLiteAnalyticsTx
from veille.store.sqlite.analytics_sql import floor_div
from veille.store.sqlite.calendar import SQLiteCalendar, SQLiteCalendarTx
from veille.store.sqlite.collection import SQLiteCollection, SQLiteCollectionTx
from veille.store.sqlite.enrich import SQLiteEnrich, SQLiteEnrichTx
from veille.store.sqlite.filters import Answering, filter_sql, translate_error, write_ahead
from veille.store.sqlite.functions import install as install_functions
from veille.store.sqlite.inbox import SQLiteInbox, SQLiteInboxTx
from veille.store.sqlite.ingest import SQLiteIngest, SQLiteIngestTx
from veille.store.sqlite.migrations import migrate
from veille.store.sqlite.plan import SQLitePlan, SQLitePlanTx
from veille.store.sqlite.privacy import SQLitePrivacy, SQLitePrivacyTx, unforgotten
from veille.store.sqlite.purged import purged_among
from veille.store.sqlite.rows import (
    POST_COLUMNS,
    READ_COLUMNS,
    SEQ_BITS,
    STORY_COLUMNS,
    TERM_COLUMNS,
    TIME_LIMIT,
    fts_row,
    next_key,
    post_terms_row,
    post_to_row,
    row_to_post,
    stored_row,
)
from veille.store.sqlite.search import SQLiteSearch, SQLiteSearchTx
from veille.store.sqlite.sources import SQLiteSources, SQLiteSourcesTx
from veille.store.sqlite.terms import terms_again
from veille.store.sqlite.topics import SQLiteTopics, SQLiteTopicsTx
from veille.store.sqlite.transfer import SQLiteTransfer

# Posts per upsert statement group; each looks up 2 * BATCH keys in one query.
BATCH = 2000
_WRITTEN = (*POST_COLUMNS, *TERM_COLUMNS, *STORY_COLUMNS)
_INSERT_POST = (
    f"INSERT INTO posts ({', '.join(_WRITTEN)}) VALUES ({', '.join('?' * len(_WRITTEN))})"
)
_UPDATE_TERMS = "UPDATE posts SET term_keys = ?, term_forms = ? WHERE pk = ?"
_INSERT_FTS = "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)"
# The page cache of a connection that ingests (see SQLiteStore.batch_transaction).
BATCH_CACHE_KIB = 32 * 1024
# The change log read by the analytics column copy keeps this many entries.
CHANGES_KEPT = 100_000
_PRUNE_CHANGES = "DELETE FROM post_changes WHERE seq <= (SELECT max(seq) FROM post_changes) - ?"
_DELETE_FTS = "INSERT INTO posts_fts (posts_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)"
# Counts and enrichment of a post seen again. Enrichment columns keep their old
# value when the new sighting has none; a user's sentiment correction is kept.
_UPDATE_SEEN = """
UPDATE posts SET
    likes = ?, shares = ?, replies = ?, counts_given = ?, views = coalesce(?, views),
    author_followers = coalesce(?, author_followers),
    collected_at = coalesce(?, collected_at),
    lang = coalesce(?, lang),
    hashtags = CASE WHEN ? != '' THEN ? ELSE hashtags END,
    mentions = CASE WHEN ? != '' THEN ? ELSE mentions END,
    links = CASE WHEN ? != '' THEN ? ELSE links END,
    domains = CASE WHEN ? != '' THEN ? ELSE domains END,
    media = CASE WHEN ? != '' THEN ? ELSE media END,
    keywords = CASE WHEN ? != '' THEN ? ELSE keywords END,
    sentiment = CASE WHEN sentiment_source = 'user' OR ? IS NULL THEN sentiment ELSE ? END,
    sentiment_score = CASE WHEN sentiment_source = 'user' OR ? IS NULL
        THEN sentiment_score ELSE ? END,
    sentiment_confidence = CASE WHEN sentiment_source = 'user' OR ? IS NULL
        THEN sentiment_confidence ELSE ? END,
    sentiment_source = CASE WHEN sentiment_source = 'user' OR ? IS NULL
        THEN sentiment_source ELSE ? END,
    cluster_id = coalesce(?, cluster_id),
    story_bucket = coalesce(?, story_bucket)
WHERE pk = ?
"""
_SELECT_BY_ID = (
    "SELECT pk, id, canonical_url, content_hash, likes, shares, replies, views, lang, "
    "counts_given "
    "FROM posts WHERE id IN ({})"
)
_OR_URL = " OR canonical_url IN ({})"
_UPDATE_CONTENT = "UPDATE posts SET title = ?, text = ?, content_hash = ?, raw = ? WHERE pk = ?"
_COL = {name: i for i, name in enumerate(POST_COLUMNS)}


class _Tx(
    SQLitePlanTx,
    SQLiteAccountsTx,
    SQLiteCalendarTx,
    SQLitePrivacyTx,
    SQLiteAlertsTx,
    SQLiteAnalyticsTx,
    SQLiteCollectionTx,
    SQLiteEnrichTx,
    SQLiteInboxTx,
    SQLiteIngestTx,
    SQLiteSearchTx,
    SQLiteSourcesTx,
    SQLiteTopicsTx,
):
    """One write transaction (see :class:`veille.store.base.StoreTransaction`)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        # Its statements say the database away as the store's error (see
        # Answering): a stage's hook that writes passes it through.
        self.conn = cast(sqlite3.Connection, Answering(store.conn, store.path))
        # Second -> the last key given in it (this transaction is the only writer).
        self._last_key: dict[int, int] = {}

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """A statement in this transaction: for the SQLite domain modules and
        tests only (the protocols name every write in the domain's words)."""
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def set_cursor(self, cursor: Cursor) -> None:
        self.conn.execute(
            "INSERT INTO cursors (source, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (source) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at",
            (cursor.source, json.dumps(dict(cursor.value)), int(now_utc().timestamp())),
        )

    def upsert_posts(self, posts: Iterable[Post]) -> UpsertResult:
        result = UpsertResult()
        batch: list[Post] = []
        size = self.store.batch
        for post in posts:
            batch.append(post)
            if len(batch) >= size:
                result += self._upsert_batch(batch)
                batch = []
        if batch:
            result += self._upsert_batch(batch)
        return result

    def _keys(self, posts: list[Post]) -> list[int]:
        """Time-ordered keys for ``posts`` (new ones), in their order."""
        seconds = [int(p.published_at.timestamp()) for p in posts]
        last = self._last_key
        unknown = sorted({t for t in seconds if t not in last})
        for t in unknown:
            if not -TIME_LIMIT <= t < TIME_LIMIT:
                raise StoreError(
                    tr("a post is dated %(t)s seconds from 1970, which veille cannot store", t=t),
                    hint=tr("Check the date column of the import (or the source's dates)."),
                )
        for i in range(0, len(unknown), 500):
            chunk = unknown[i : i + 500]
            # The last key of each second, found by a range lookup on the table.
            rows = self.conn.execute(
                f"SELECT s.value, (SELECT max(pk) FROM posts WHERE pk >= s.value << {SEQ_BITS} "
                f"AND pk < (s.value + 1) << {SEQ_BITS}) FROM json_each(?) s",
                (json.dumps(chunk),),
            )
            # A second with no post yet: the key before its first one.
            last.update((t, (t << SEQ_BITS) - 1 if found is None else found) for t, found in rows)
        return [next_key(t, last) for t in seconds]

    def flush_fts_deletes(self) -> None:
        """Take the posts deleted since the last write out of the full-text index."""
        rows = self.conn.execute("SELECT pk, title, text FROM posts_fts_pending").fetchall()
        if rows:
            self.conn.executemany(_DELETE_FTS, [fts_row(pk, t, x) for pk, t, x in rows])
            self.conn.execute("DELETE FROM posts_fts_pending")

    def _upsert_batch(self, batch: list[Post]) -> UpsertResult:
        result = UpsertResult()
        # Nothing of a person an erasure forgot, published until then.
        batch, dropped = unforgotten(self.conn, batch)
        result.refused = sorted(dropped)
        # Nor a post a retention purge deleted: it is counted in what the
        # purge kept (read in this transaction, ordered with its deletes).
        gone = purged_among(self.conn, batch)
        if gone:
            result.expired = sorted(gone)
            batch = [p for p in batch if p.id not in gone]
        if not batch:
            return result
        # A deleted post's key may be given again: its index row goes first.
        self.flush_fts_deletes()
        # The last sighting of an id in a batch wins.
        by_id: dict[str, Post] = {p.id: p for p in batch}
        ids = list(by_id)
        curls = [p.canonical_url for p in by_id.values() if p.canonical_url]
        existing: dict[str, tuple[Any, ...]] = {}
        existing_by_url: dict[str, tuple[Any, ...]] = {}
        # One query for both keys (SQLite unions the two index lookups).
        sql = _SELECT_BY_ID.format(",".join("?" * len(ids)))
        if curls:
            sql += _OR_URL.format(",".join("?" * len(curls)))
            params = ids + curls
        else:
            params = ids
        for row in self.conn.execute(sql, params):
            existing[row[1]] = row
            if row[2] is not None:
                existing_by_url[row[2]] = row
        fresh: list[Post] = []
        seen_urls: dict[str, str] = {}
        for post in by_id.values():
            old = existing.get(post.id)
            if old is None and post.canonical_url:
                old = existing_by_url.get(post.canonical_url)
                if old is None and post.canonical_url in seen_urls:
                    # Two ids for one URL in the same batch: keep the first.
                    result.merged[post.id] = seen_urls[post.canonical_url]
                    continue
                if old is not None:
                    result.merged[post.id] = old[1]
            if old is None:
                fresh.append(post)
                if post.canonical_url:
                    seen_urls[post.canonical_url] = post.id
                result.new.append(post)
            elif self._update(post, old):
                result.updated.append(old[1])
            else:
                result.unchanged += 1
        if fresh:
            keys = self._keys(fresh)
            self.conn.executemany(_INSERT_POST, map(stored_row, fresh, keys))
            self.conn.executemany(
                _INSERT_FTS, [fts_row(k, p.title, p.text) for p, k in zip(fresh, keys, strict=True)]
            )
        return result

    def _update(self, post: Post, old: tuple[Any, ...]) -> bool:
        pk, _id, _url, old_hash, likes, shares, replies, views, old_lang, given = old
        row = post_to_row(post, pk)
        e = post.engagement
        s = post.sentiment
        changed = (e.likes, e.shares, e.replies, e.given) != (likes, shares, replies, given) or (
            e.views is not None and e.views != views
        )

        def col(name: str) -> Any:
            return row[_COL[name]]

        label = s.label if s else None
        self.conn.execute(
            _UPDATE_SEEN,
            (
                e.likes, e.shares, e.replies, col("counts_given"), e.views,
                post.author.followers, col("collected_at"), post.lang,
                col("hashtags"), col("hashtags"), col("mentions"), col("mentions"),
                col("links"), col("links"), col("domains"), col("domains"),
                col("media"), col("media"), col("keywords"), col("keywords"),
                label, label, label, col("sentiment_score"),
                label, col("sentiment_confidence"), label, col("sentiment_source"),
                post.cluster_id, None if post.cluster_id is None else story_bucket(post.cluster_id),
                pk,
            ),
        )  # fmt: skip
        if post.content_hash != old_hash:
            prev = self.conn.execute("SELECT title, text FROM posts WHERE pk = ?", (pk,)).fetchone()
            self.conn.execute(_DELETE_FTS, fts_row(pk, prev[0], prev[1]))
            self.conn.execute(
                _UPDATE_CONTENT, (post.title, post.text, post.content_hash, col("raw"), pk)
            )
            self.conn.execute(_INSERT_FTS, fts_row(pk, post.title, post.text))
            changed = True
        lang = old_lang if post.lang is None else post.lang
        if post.content_hash != old_hash or lang != old_lang:
            # A post's terms are those of its text in its language.
            self.conn.execute(_UPDATE_TERMS, (*post_terms_row(post, lang), pk))
        return changed


def _connect(name: str, timeout: float) -> sqlite3.Connection:
    try:
        # check_same_thread off: each thread uses its own connection, and
        # close() may run on another thread than the one that opened it.
        return sqlite3.connect(name, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(
            tr("cannot open the database %(name)s: %(exc)s", name=name, exc=exc),
            hint=tr("Check that the folder exists and is writable."),
        ) from exc


def _configure(conn: sqlite3.Connection, timeout: float) -> None:
    """Settings kept per connection (the WAL journal mode is kept by the file)."""
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    # The functions compiled queries call, on every connection.
    install_functions(conn)


class SQLiteStore(
    SQLitePlan,
    SQLiteAccounts,
    SQLiteCalendar,
    SQLitePrivacy,
    SQLiteAlerts,
    SQLiteAnalytics,
    SQLiteCollection,
    SQLiteEnrich,
    SQLiteInbox,
    SQLiteIngest,
    SQLiteSearch,
    SQLiteSources,
    SQLiteTopics,
    SQLiteTransfer,
):
    """The :class:`~veille.store.base.Store` over one SQLite file."""

    #: The engine, as messages name it.
    engine = "SQLite"

    # Its filings name topics by id only (migration 0250): as a posts store
    # beside another state store, ingest sends it every post's filings
    # (veille.store.split) and a topic's first read files the rest here.
    keeps_topic_filings = True

    def __init__(self, conn: sqlite3.Connection, path: str, *, timeout: float = 10.0) -> None:
        self.path = path
        #: Where messages say the store is: its file.
        self.where = path
        self.timeout = timeout
        # One connection per thread (a file database): sqlite3 connections are
        # not to be shared between threads, and in WAL mode each reader sees
        # a snapshot without waiting for the writer. A private in-memory
        # database exists only in its one connection, so it is shared.
        self._local = threading.local()
        self._local.conn = conn
        self._shared = conn if path == ":memory:" else None
        self._conns_lock = threading.Lock()
        self._conns: dict[int, sqlite3.Connection] = {threading.get_ident(): conn}
        # The API's rate-limit counts, in a file of their own (one connection,
        # its writes a few microseconds each; see accounts.counts_path).
        self._counts: sqlite3.Connection | None = None
        self._counts_lock = threading.Lock()
        # While that file cannot be written: the minute it last failed, and
        # each token's (minute, requests) counted in memory meanwhile.
        self._counts_away: int | None = None
        self._counts_here: dict[int, tuple[int, int]] = {}
        # Older SQLite builds allow only 999 parameters in one statement.
        self.batch = max(1, min(BATCH, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 2))

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on its first use)."""
        if self._shared is not None:
            return self._shared
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect_thread()
        return conn

    @conn.setter
    def conn(self, conn: sqlite3.Connection) -> None:
        # The domain mixins declare ``conn`` as a plain attribute; a setter
        # keeps the property a valid override of it.
        self._local.conn = conn

    def _connect_thread(self) -> sqlite3.Connection:
        conn = _connect(self.path, self.timeout)
        try:
            _configure(conn, self.timeout)
        except sqlite3.Error as exc:
            conn.close()
            raise translate_error(exc, self.path) from exc
        self._local.conn = conn
        with self._conns_lock:
            # Connections of threads that have ended are closed here, so a
            # server that starts threads over and over keeps few open.
            # A thread id may be given again to a new thread: the connection
            # of its ended namesake goes too. The living are listed under the
            # lock: listed before it, a thread that started and connected in
            # between was taken for ended and its connection closed under it.
            alive = {t.ident for t in threading.enumerate()}
            me = threading.get_ident()
            for ident in [i for i in self._conns if i not in alive or i == me]:
                self._conns.pop(ident).close()
            self._conns[me] = conn
        return conn

    @classmethod
    def open(cls, path: str | Path, *, timeout: float = 10.0) -> SQLiteStore:
        """Open (creating and migrating if needed) the database at ``path``;
        ``":memory:"`` gives a private in-memory database."""
        name = str(path)
        conn = _connect(name, timeout)
        try:
            if name != ":memory:":
                write_ahead(conn, timeout)
            _configure(conn, timeout)
            migrate(conn, path=name)
            terms_again(conn, path=name)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "file is not a database" in str(exc):
                raise StoreError(
                    tr("%(name)s is not a veille database (or it is damaged)", name=name),
                    hint=tr("Point --workspace at the right folder, or restore a backup."),
                ) from exc
            raise translate_error(exc, name) from exc
        except BaseException:
            conn.close()
            raise
        return cls(conn, name, timeout=timeout)

    # -- writes ---------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise translate_error(exc, self.path) from exc
        try:
            tx = _Tx(self)
            yield tx
            tx.flush_fts_deletes()
            self.conn.execute(_PRUNE_CHANGES, (CHANGES_KEPT,))
        except BaseException as exc:
            self.conn.rollback()
            if isinstance(exc, sqlite3.OperationalError):
                raise translate_error(exc, self.path) from exc
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.conn.rollback()
            raise translate_error(exc, self.path) from exc

    @contextmanager
    def batch_transaction(self) -> Iterator[_Tx]:
        """:meth:`transaction` for one batch of the ingest path, with SQLite's
        statement journals kept in memory.

        Each row a batch inserts is a statement with triggers (rollups, change
        log), so SQLite journals the pages it touches in case it must be
        undone alone; past 64 KiB that journal is a temporary file, written
        and truncated row after row: nine tenths of the bytes the whole path
        wrote (1.1 GB for 10,000 posts, against 0.17 GB to the database and
        its WAL). In memory, a statement's journal is the pages that one row
        touched. Other transactions keep files: a long delete or a rebuild
        may journal much of the database.

        The connection's page cache is raised to :data:`BATCH_CACHE_KIB` (and
        stays so): a batch inserts into indexes at random keys (band keys,
        post ids, filings), which SQLite's default 2 MiB cache kept reading
        back and writing out within one transaction.
        """
        if self.conn.execute("PRAGMA cache_size").fetchone()[0] > -BATCH_CACHE_KIB:
            self.conn.execute(f"PRAGMA cache_size = -{BATCH_CACHE_KIB}")
        old = self.conn.execute("PRAGMA temp_store").fetchone()[0]
        self.conn.execute("PRAGMA temp_store = MEMORY")
        try:
            with self.transaction() as tx:
                yield tx
        finally:
            self.conn.execute(f"PRAGMA temp_store = {int(old)}")

    def upsert_posts(self, posts: Iterable[Post], *, cursor: Cursor | None = None) -> UpsertResult:
        """Every write leaves out the posts a retention purge deleted, their
        ids in ``expired``."""
        with self.batch_transaction() as tx:
            result = tx.upsert_posts(posts)
            if cursor is not None:
                tx.set_cursor(cursor)
        return result

    def set_sentiment(self, post_id: str, sentiment: Sentiment) -> None:
        with self.transaction() as tx:
            cur = tx.execute(
                "UPDATE posts SET sentiment = ?, sentiment_score = ?, sentiment_confidence = ?,"
                " sentiment_source = ? WHERE id = ?",
                (sentiment.label, sentiment.score, sentiment.confidence, sentiment.source, post_id),
            )
            if cur.rowcount == 0:
                from veille.errors import NotFound

                raise NotFound(tr("no post with id %(post_id)r", post_id=post_id))

    # -- reads ----------------------------------------------------------------

    def get_post(self, post_id: str) -> Post | None:
        row = self.conn.execute(f"SELECT {READ_COLUMNS} FROM posts WHERE id = ?", (post_id,))
        found = row.fetchone()
        return row_to_post(found) if found else None

    def get_posts(self, post_ids: Sequence[str]) -> list[Post]:
        found: dict[str, Post] = {}
        for i in range(0, len(post_ids), self.batch):
            chunk = list(post_ids[i : i + self.batch])
            q = self.conn.execute(
                f"SELECT {READ_COLUMNS} FROM posts WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for row in q:
                found[row[0]] = row_to_post(row)
        return [found[i] for i in post_ids if i in found]

    def iter_posts(
        self, flt: PostFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Post]:
        where, params = filter_sql(flt)
        last = (-(2**62), 0)
        while True:
            # Keyset pagination: constant memory, no long-lived read cursor.
            rows = self.conn.execute(
                f"SELECT pk, {READ_COLUMNS} FROM posts WHERE {where} "
                "AND (published_at, pk) > (?, ?) ORDER BY published_at, pk LIMIT ?",
                [*params, *last, batch_size],
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield row_to_post(row[1:])
            last = (rows[-1][_COL["published_at"]], rows[-1][0])

    def post_digests(self, *, batch_size: int = 5000) -> Iterator[tuple[str, str]]:
        last = -(2**63)
        while True:
            rows = self.conn.execute(
                "SELECT pk, id, content_hash FROM posts WHERE pk > ? ORDER BY pk LIMIT ?",
                (last, batch_size),
            ).fetchall()
            if not rows:
                return
            for _pk, post_id, digest in rows:
                yield post_id, digest
            last = rows[-1][0]

    def ping(self) -> None:
        """Whether the database answers (``/healthz``)."""
        self.conn.execute("SELECT 1").fetchone()

    def count_posts(self, flt: PostFilter | None = None) -> int:
        where, params = filter_sql(flt)
        return int(
            self.conn.execute(f"SELECT count(*) FROM posts WHERE {where}", params).fetchone()[0]
        )

    def stats(self, flt: PostFilter | None = None, *, timezone: str = "UTC") -> Stats:
        where, params = filter_sql(flt)
        total, first, last = self.conn.execute(
            f"SELECT count(*), min(published_at), max(published_at) FROM posts WHERE {where}",
            params,
        ).fetchone()

        def group(expr: str) -> list[Count]:
            rows = self.conn.execute(
                f"SELECT {expr}, count(*) FROM posts WHERE {where} GROUP BY 1 ORDER BY 2 DESC",
                params,
            )
            return [Count(str(k) if k is not None else "und", n) for k, n in rows]

        # Quarter-hour buckets in SQL, then local days in Python: exact for
        # every time zone offset, DST included.
        tz = ZoneInfo(timezone)
        days: Counter[str] = Counter()
        for bucket, n in self.conn.execute(
            f"SELECT {floor_div('published_at', 900)}, count(*) FROM posts WHERE {where} "
            "GROUP BY 1",
            params,
        ):
            day = datetime.fromtimestamp(bucket * 900, UTC).astimezone(tz).date().isoformat()
            days[day] += n
        return Stats(
            total=total,
            by_platform=group("platform"),
            by_language=group("lang"),
            by_day=[Count(d, days[d]) for d in sorted(days)],
            first=datetime.fromtimestamp(first, UTC) if first is not None else None,
            last=datetime.fromtimestamp(last, UTC) if last is not None else None,
        )

    def get_cursor(self, source: str) -> Cursor | None:
        row = self.conn.execute(
            "SELECT value, updated_at FROM cursors WHERE source = ?", (source,)
        ).fetchone()
        if row is None:
            return None
        return Cursor(source, json.loads(row[0]), datetime.fromtimestamp(row[1], UTC))

    def close(self) -> None:
        """Close every thread's connection."""
        with self._conns_lock:
            conns, self._conns = list(self._conns.values()), {}
        with self._counts_lock:
            if self._counts is not None:
                conns.append(self._counts)
                self._counts = None
        self._local = threading.local()
        for conn in conns:
            conn.close()
