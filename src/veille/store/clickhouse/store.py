"""The ClickHouse PostStore: posts in a ReplacingMergeTree (see
:mod:`veille.store.clickhouse.schema`), reached through chDB or a server
(:mod:`veille.store.clickhouse.client`)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from veille.cycles import cycles_paused
from veille.errors import NotFound, tr
from veille.models import Cursor, Post, Sentiment
from veille.store.base import Count, PostFilter, Stats, UpsertResult
from veille.store.clickhouse.analytics import ClickHouseAnalytics
from veille.store.clickhouse.client import Client
from veille.store.clickhouse.filings import ClickHouseFilings
from veille.store.clickhouse.filters import NEWEST_VERSION, POSTS, filter_where
from veille.store.clickhouse.made import ClickHouseMade
from veille.store.clickhouse.privacy import ClickHousePrivacy, ForgetLock
from veille.store.clickhouse.purged import ClickHousePurged
from veille.store.clickhouse.quarters import floor_div
from veille.store.clickhouse.refused import refused
from veille.store.clickhouse.rows import (
    BATCH,
    KNOWN_COLUMNS,
    READ,
    READ_COLUMNS,
    WRITTEN,
    derived,
    encode,
    encode_copy,
    encode_written,
    post_row,
    stored_dict,
    to_post,
)
from veille.store.clickhouse.schema import key_hash
from veille.store.clickhouse.search import ClickHouseSearch
from veille.store.clickhouse.stories import ClickHouseStories
from veille.store.clickhouse.takeout import ClickHouseTakeOut
from veille.store.clickhouse.upgrade import ClickHouseUpgrade
from veille.store.protocols.enrich import Copy
from veille.store.sqlite.rows import domains_of

# The last new posts kept for their filings, each as its publication time,
# the copy its filings carry and its version (a few batches of several
# collectors writing at once).
JUST_WRITTEN = 100_000
# Columns an update may change (the others keep their first sighting's value).
_COUNTS = ("likes", "shares", "replies", "counts_given")
_ENTITIES = ("hashtags", "mentions", "links", "media", "keywords")
_SENTIMENT = ("sentiment", "sentiment_score", "sentiment_confidence", "sentiment_source")
# A month of posts is settled this long after it ends (new posts and updates
# of its posts are rare then): :meth:`ClickHouseStore.compact_months` merges
# it into one part, and a month still written to while it holds at most
# HOT_ROWS rows (a few seconds to merge).
SETTLED_AFTER = timedelta(days=7)
HOT_ROWS = 2_000_000


def _merged(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The stored row after ``new`` is seen again over ``old``, and whether
    its counts or content changed (the same rules as SQLite's update)."""
    row = dict(old)
    for name in _COUNTS:
        row[name] = new[name]
    for name in ("views", "author_followers", "collected_at", "lang", "cluster_id"):
        if new[name] is not None:
            row[name] = new[name]
    for name in _ENTITIES:
        if new[name]:
            row[name] = new[name]
    if old["sentiment_source"] != "user" and new["sentiment"] is not None:
        for name in _SENTIMENT:
            row[name] = new[name]
    # (counts_given 2, a post stored before schema 12 with a count, is 1.)
    changed = any(
        bool(new[n]) != bool(old[n]) if n == "counts_given" else new[n] != old[n] for n in _COUNTS
    ) or (new["views"] is not None and new["views"] != old["views"])
    if new["content_hash"] != old["content_hash"]:
        for name in ("title", "text", "content_hash", "raw"):
            row[name] = new[name]
        changed = True
    return row, changed


class ClickHouseStore(
    ClickHouseSearch,
    ClickHouseAnalytics,
    ClickHouseStories,
    ClickHouseFilings,
    ClickHousePrivacy,
    ClickHouseTakeOut,
    ClickHousePurged,
    ClickHouseUpgrade,
    ClickHouseMade,
):
    """A :class:`~veille.store.base.PostStore` in ClickHouse."""

    #: The engine, as messages name it.
    engine = "ClickHouse"

    # Its filings table names topics by id only (the topics are the state
    # store's): ingest sends it every post's filings (veille.store.split).
    keeps_topic_filings = True

    def __init__(self, client: Client, where: str) -> None:
        self.client = client
        self.where = where
        self._clock_lock = threading.Lock()
        self.forget_lock = ForgetLock()
        self._last_tick = 0
        # The posts this process wrote last (new ones), which ingest files
        # under topics next (ClickHouseFilings.file_posts): their
        # publication times, filing copies and versions, oldest first, at
        # most JUST_WRITTEN.
        self.just_written: dict[str, tuple[int, bytes, int]] = {}
        # Taken by a filing (from its copy to its insert) and by an update
        # (from its copy to the filings it copies into): in this process,
        # one sees the other (see ClickHouseFilings.file_posts).
        self.filing_lock = threading.Lock()
        self._open_tables()

    def tick(self) -> int:
        """A number larger than every one this store gave before (nanoseconds
        since 1970): row versions and first-insert order."""
        return self.ticks(1)[0]

    def ticks(self, n: int) -> range:
        """``n`` numbers in increasing order, each larger than every one this
        store gave before (:meth:`tick` for a whole batch, one lock taken)."""
        with self._clock_lock:
            first = max(time.time_ns(), self._last_tick + 1)
            self._last_tick = first + n - 1
            return range(first, first + n)

    def _passed(self, version: int) -> None:
        """Later ticks go above ``version`` (a version given above the clock)."""
        with self._clock_lock:
            self._last_tick = max(self._last_tick, version)

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        return self.client.rows(sql, params)

    # -- writes ---------------------------------------------------------------

    def upsert_posts(self, posts: Iterable[Post], *, cursor: Cursor | None = None) -> UpsertResult:
        """Store ``posts`` idempotently. ``cursor`` is state, which this
        backend does not keep: a split deployment writes it to the StateStore
        after this returns. The posts a retention purge deleted are left
        out, read with the insert under the lock its deletes take (see
        :meth:`_write`), their ids in ``expired``."""
        result = UpsertResult()
        batch: list[Post] = []
        for post in posts:
            batch.append(post)
            if len(batch) >= BATCH:
                result += self._upsert_batch(batch)
                batch = []
        if batch:
            result += self._upsert_batch(batch)
        return result

    def _days(self, keys: Iterable[str]) -> dict[str, set[int]]:
        """The UTC days of the stored posts whose id or canonical URL is
        one of ``keys``, as ``post_keys`` holds them (see its schema): a key
        not here is no stored post's; one here is, most likely."""
        by_hash: dict[int, list[str]] = {}
        for key in keys:
            by_hash.setdefault(key_hash(key), []).append(key)
        hashes = list(by_hash)
        days: dict[str, set[int]] = {}
        for i in range(0, len(hashes), BATCH):
            for h, day in self.rows(
                "SELECT DISTINCT key_hash, day FROM post_keys WHERE key_hash IN {h:Array(UInt64)}",
                {"h": hashes[i : i + BATCH]},
            ):
                for key in by_hash[int(h)]:
                    days.setdefault(key, set()).add(int(day))
        return days

    def _on_days(
        self, columns: str, column: str, keys: list[str], days: dict[str, set[int]]
    ) -> list[list[Any]]:
        """``columns`` of the newest version of each stored post whose
        ``column`` is one of ``keys``, read on their ``days`` only (the sorting
        key of ``posts``), through the column's bloom filter index; without
        ``FINAL``, which would read whole every granule it reads."""
        found: list[list[Any]] = []
        for i in range(0, len(keys), BATCH):
            part = keys[i : i + BATCH]
            on = sorted(set().union(*(days[k] for k in part)))
            found += self.rows(
                f"SELECT {columns} FROM posts "
                "WHERE intDiv(published_at, 86400) IN {d:Array(Int64)} "
                f"AND {column} IN {{k:Array(String)}} {NEWEST_VERSION}",
                {"d": on, "k": part},
            )
        return found

    def _stored(self, ids: list[str], urls: list[str]) -> list[dict[str, Any]]:
        """The stored rows of ``ids``, and of ``urls`` (canonical) not among
        them: new posts read nothing from ``posts`` (:meth:`_days`), stored
        ones their days only, by id then by URL (an ``OR`` of the two would
        read every granule of those days). A post keeps its id, canonical
        URL and day from one version to the next."""
        days = self._days([*ids, *urls])
        found = [
            stored_dict(r)
            for r in self._on_days(KNOWN_COLUMNS, "id", [i for i in ids if i in days], days)
        ]
        known = {row["canonical_url"] for row in found}
        rest = [u for u in urls if u in days and u not in known]
        found += [stored_dict(r) for r in self._on_days(KNOWN_COLUMNS, "canonical_url", rest, days)]
        return found

    @cycles_paused  # (veille.cycles) a batch at a time: posts may come from a long stream
    def _upsert_batch(self, batch: list[Post]) -> UpsertResult:
        result = UpsertResult()
        by_id: dict[str, Post] = {p.id: p for p in batch}
        urls = [p.canonical_url for p in by_id.values() if p.canonical_url]
        existing: dict[str, dict[str, Any]] = {}
        by_url: dict[str, dict[str, Any]] = {}
        for row in self._stored(list(by_id), urls):
            existing[row["id"]] = row
            if row["canonical_url"] is not None:
                by_url[row["canonical_url"]] = row
        out: list[dict[str, Any]] = []
        olds: list[dict[str, Any] | None] = []
        seen_urls: dict[str, str] = {}
        seqs = iter(self.ticks(len(by_id)))  # first-insert order, one lock taken
        for post in by_id.values():
            old = existing.get(post.id)
            if old is None and post.canonical_url:
                old = by_url.get(post.canonical_url)
                if old is None and post.canonical_url in seen_urls:
                    result.merged[post.id] = seen_urls[post.canonical_url]
                    continue
                if old is not None:
                    result.merged[post.id] = old["id"]
            new = post_row(post)
            if old is None:
                new["seq"] = next(seqs)
                out.append(new)
                olds.append(None)
                if post.canonical_url:
                    seen_urls[post.canonical_url] = post.id
                result.new.append(post)
                continue
            row, changed = _merged(old, new)
            if changed:
                result.updated.append(old["id"])
            else:
                result.unchanged += 1
            if row != old:
                row["_terms"] = new["_terms"]  # (kept by ``derived`` if still its text's)
                out.append(row)
                olds.append(old)
                # A later sighting in this batch (by URL) compares with this one.
                existing[row["id"]] = row
                if row["canonical_url"] is not None:
                    by_url[row["canonical_url"]] = row
        expired: set[str] = set()
        dropped = self._write(out, olds, expired)
        if expired:  # a purge deleted them (before the caller's read, or since)
            result.expired = sorted(expired)
            # (A post read as unchanged, written again for its derived columns.)
            result.unchanged -= sum(
                1
                for o in olds
                if o is not None and o["id"] in expired and o["id"] not in result.updated
            )
            dropped |= expired
        if dropped:  # an erasure forgot them (see ClickHousePrivacy): not stored
            result.new = [p for p in result.new if p.id not in dropped]
            result.updated = [i for i in result.updated if i not in dropped]
            result.merged = {k: v for k, v in result.merged.items() if v not in dropped}
            result.refused = sorted(dropped - expired)
        return result

    def _write(
        self,
        rows: list[dict[str, Any]],
        olds: Sequence[dict[str, Any] | None] | None = None,
        expired: set[str] | None = None,
    ) -> set[str]:
        """Insert ``rows`` (new versions of posts); ``olds``: the stored
        version each replaces (``None``: a new post), which the rollup view
        takes out. Rows of a person an erasure forgot are left out: their
        ids are returned. Given ``expired``, rows of posts a retention
        purge deleted are left out too, their ids added to it.

        Those are read under the lock a purge holds from its count to its
        last delete (:meth:`delete_posts_before`), which names its posts
        before it deletes them: a write that took the lock first is deleted
        (and counted) by the purge; one after finds them named. Stored
        again, they were held and counted in the aggregates it kept, twice.
        (Until 2026-12-06 the largest cutoff a purge ever reached was read
        instead: after the retention was made longer, posts within it
        were left out until the new cutoff passed that one.)"""
        if not rows:
            return set()
        with self.forget_lock.shared():
            # (Both asked of ``forgotten`` in one query: see refused.py.)
            pairs, dropped, gone = refused(
                self, list(zip(rows, olds or [None] * len(rows), strict=True)),
                purges=expired is not None,
            )  # fmt: skip
            if expired is not None:
                expired.update(gone)
            self._insert_versions(pairs)
        return dropped

    def _insert_versions(self, pairs: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> None:
        if not pairs:
            return
        lines = []
        floors = []
        for row, old in pairs:
            row.pop("version", None)
            floors.append(0 if old is None else old.get("version") or 0)
            derived(row, old)
            if old is None:
                row.update(prev_posts=0, prev_lang=None, prev_sentiment=None)
                row.update(prev_engagement=0, prev_reach=0, prev_author_name=None)
                row.update(prev_hashtags=[], prev_domains=[], prev_cluster_id=None)
                row["prev_counted"] = row["prev_followed"] = 0
            else:
                row.update(prev_posts=1, prev_lang=old["lang"], prev_sentiment=old["sentiment"])
                row["prev_engagement"] = old["likes"] + old["shares"] + old["replies"]
                row["prev_reach"] = old["author_followers"] or 0
                row["prev_author_name"] = old["author_name"]
                row["prev_hashtags"] = old["hashtags"]
                row["prev_domains"] = domains_of(tuple(old["links"])).split()
                row["prev_cluster_id"] = old["cluster_id"]
                row["prev_counted"] = 1 if old["counts_given"] else 0
                row["prev_followed"] = 0 if old["author_followers"] is None else 1
            lines.append(encode_written(row))
        # The same rows sent again (a retry) are the same block: stored once.
        token = hashlib.sha1(b"\n".join(lines)).hexdigest()
        # A version per row: two versions of one post in a block stay
        # ordered, and each goes above the one it replaces, which a writer
        # whose clock runs ahead of this one's may have given (else FINAL
        # would keep the older row, and the update would be lost).
        versions = list(self.ticks(len(lines)))
        above: dict[str, int] = {}
        for i, ((row, _old), floor) in enumerate(zip(pairs, floors, strict=True)):
            floor = max(floor, above.get(row["id"], 0))
            if versions[i] <= floor:
                versions[i] = floor + 1
            above[row["id"]] = versions[i]
        self._passed(max(versions))
        versioned = [line[:-1] + b",%d]" % v for line, v in zip(lines, versions, strict=True)]
        self.client.insert("posts", versioned, token=token, columns=WRITTEN)
        written = self.just_written
        updated: dict[str, tuple[int, int, bytes]] = {}
        with self.filing_lock:
            for (row, old), version in zip(pairs, versions, strict=True):
                post_id, copy = row["id"], encode_copy(row)
                if old is None or post_id in written:
                    written[post_id] = (row["published_at"], copy, version)
                if old is not None:  # (a later version in the block replaces an earlier one)
                    updated[post_id] = (row["published_at"], version, copy)
            for post_id in list(islice(written, max(0, len(written) - JUST_WRITTEN))):
                del written[post_id]
            if updated:
                self._copy_to_filings(updated)

    def set_sentiment(self, post_id: str, sentiment: Sentiment) -> None:
        found = self.rows(
            f"SELECT {KNOWN_COLUMNS} FROM posts WHERE id = {{id:String}} "
            "ORDER BY version DESC LIMIT 1",
            {"id": post_id},
        )
        if not found:
            raise NotFound(tr("no post with id %(post_id)r", post_id=post_id))
        old = stored_dict(found[0])
        row = dict(old)
        row.update(
            sentiment=sentiment.label,
            sentiment_score=sentiment.score,
            sentiment_confidence=sentiment.confidence,
            sentiment_source=sentiment.source,
        )
        # A purge that deleted the post since it was read above (found with
        # the write) would have it stored again, counted twice.
        purged: set[str] = set()
        # (Its author's erasure since the read: not stored again either.)
        erased = self._write([row], [old], purged)
        if purged or erased:
            raise NotFound(tr("no post with id %(post_id)r", post_id=post_id))

    def set_clusters(self, clusters: Sequence[tuple[str, str]]) -> None:
        """``(post id, cluster id)`` pairs written to the posts."""
        wanted = dict(clusters)
        rows, olds = [], []
        # Read on the posts' days only (``post_keys``), as ingest's lookups:
        # by id alone, the bloom filter of every part is read (ingest clusters
        # every new post: 2,000 read that way took longer than their upsert).
        days = self._days(wanted)
        for r in self._on_days(KNOWN_COLUMNS, "id", [i for i in wanted if i in days], days):
            old = stored_dict(r)
            if old["cluster_id"] != wanted[old["id"]]:
                rows.append({**old, "cluster_id": wanted[old["id"]]})
                olds.append(old)
        # (A post a purge deleted since its read is left out, not stored again.)
        self._write(rows, olds, set())

    def write_row(self, table: str, row: dict[str, Any], version: str = "version") -> None:
        """One row of a small ReplacingMergeTree table (a later one replaces it)."""
        self.client.insert(table, [encode({**row, version: self.tick()})])

    # -- reads ----------------------------------------------------------------

    def get_post(self, post_id: str) -> Post | None:
        found = self.rows(
            f"SELECT {READ_COLUMNS} FROM posts WHERE id = {{id:String}} "
            "ORDER BY version DESC LIMIT 1",
            {"id": post_id},
        )
        return to_post(found[0]) if found else None

    def get_posts(self, post_ids: Sequence[str]) -> list[Post]:
        found: dict[str, Post] = {}
        ids = list(dict.fromkeys(post_ids))
        for i in range(0, len(ids), BATCH):
            for r in self.rows(
                f"SELECT {READ_COLUMNS} FROM posts WHERE id IN {{ids:Array(String)}} "
                f"{NEWEST_VERSION}",
                {"ids": ids[i : i + BATCH]},
            ):
                found[r[0]] = to_post(r)
        return [found[i] for i in post_ids if i in found]

    def story_copies(self, post_id: str) -> tuple[str | None, list[Copy]]:
        found = self.rows(
            "SELECT cluster_id FROM posts WHERE id = {id:String} ORDER BY version DESC LIMIT 1",
            {"id": post_id},
        )
        if not found:
            return None, []
        cluster = found[0][0] or post_id
        rows = self.rows(
            f"SELECT id, platform, author_handle, url, published_at FROM {POSTS} "
            "WHERE cluster_id = {c:String} OR id = {c:String} ORDER BY published_at, seq",
            {"c": cluster},
        )
        return cluster, [Copy(str(r[0]), str(r[1]), str(r[2]), r[3], int(r[4])) for r in rows]

    def iter_posts(
        self, flt: PostFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Post]:
        where = filter_where(flt)
        last = (-(2**62), 0)
        while True:
            # Keyset pagination: constant memory, no long-lived read.
            params = {**where.params, "lt": last[0], "ls": last[1], "n": batch_size}
            rows = self.rows(
                f"SELECT {READ_COLUMNS}, seq FROM {POSTS} WHERE {where.sql} "
                "AND (published_at, seq) > ({lt:Int64}, {ls:UInt64}) "
                "ORDER BY published_at, seq LIMIT {n:UInt64}",
                params,
            )
            if not rows:
                return
            for row in rows:
                yield to_post(row[:-1])
            last = (rows[-1][READ.index("published_at")], rows[-1][-1])

    def post_digests(self, *, batch_size: int = 5000) -> Iterator[tuple[str, str]]:
        # In the sorting key's order: each page starts where the last ended.
        last: tuple[int, str] = (-(2**62), "")
        while True:
            rows = self.rows(
                "SELECT intDiv(published_at, 86400) AS d, id, content_hash FROM posts FINAL "
                "WHERE (intDiv(published_at, 86400), id) > ({ld:Int64}, {li:String}) "
                "ORDER BY d, id LIMIT {n:UInt64}",
                {"ld": last[0], "li": last[1], "n": batch_size},
            )
            if not rows:
                return
            for _day, post_id, digest in rows:
                yield post_id, digest
            last = (int(rows[-1][0]), rows[-1][1])

    def count_posts(self, flt: PostFilter | None = None) -> int:
        where = filter_where(flt)
        return int(self.rows(f"SELECT count() FROM {POSTS} WHERE {where.sql}", where.params)[0][0])

    def stats(self, flt: PostFilter | None = None, *, timezone: str = "UTC") -> Stats:
        where = filter_where(flt)
        sql, params = where.sql, where.params
        total, first, last = self.rows(
            f"SELECT count(), min(published_at), max(published_at) FROM {POSTS} WHERE {sql}",
            params,
        )[0]

        def group(expr: str) -> list[Count]:
            rows = self.rows(
                f"SELECT {expr} AS k, count() AS n FROM {POSTS} WHERE {sql} "
                "GROUP BY k ORDER BY n DESC, k",
                params,
            )
            return [Count(str(k) if k is not None else "und", int(n)) for k, n in rows]

        # Quarter-hour buckets in SQL, local days in Python: exact for every
        # time zone offset, DST included.
        tz = ZoneInfo(timezone)
        days: Counter[str] = Counter()
        for bucket, n in self.rows(
            f"SELECT {floor_div('published_at', 900)} AS b, count() FROM {POSTS} "
            f"WHERE {sql} GROUP BY b",
            params,
        ):
            day = datetime.fromtimestamp(bucket * 900, UTC).astimezone(tz).date().isoformat()
            days[day] += int(n)
        empty = not total
        return Stats(
            total=int(total),
            by_platform=group("platform"),
            by_language=group("lang"),
            by_day=[Count(d, days[d]) for d in sorted(days)],
            first=None if empty else datetime.fromtimestamp(first, UTC),
            last=None if empty else datetime.fromtimestamp(last, UTC),
        )

    # -- ingest ---------------------------------------------------------------

    def stored_content(self, posts: Sequence[Post]) -> dict[str, str]:
        by_url: dict[str, list[str]] = {}
        ids = []
        for p in posts:
            ids.append(p.id)
            if p.canonical_url:
                by_url.setdefault(p.canonical_url, []).append(p.id)
        days = self._days([*ids, *by_url])
        found: dict[str, str] = dict(
            (r[0], r[1])
            for r in self._on_days("id, content_hash", "id", [i for i in ids if i in days], days)
        )
        urls = [
            u for u, owners in by_url.items() if u in days and any(o not in found for o in owners)
        ]
        for url, digest in self._on_days(
            "canonical_url, content_hash", "canonical_url", urls, days
        ):
            for owner in by_url[url]:
                found.setdefault(owner, digest)
        return found

    def rules_version(self) -> int:
        """Topics and alerts are state: their change counter is the
        StateStore's. A posts-only store has none that changes."""
        return 0

    # -- upkeep ---------------------------------------------------------------

    def compact_months(
        self, now: datetime | None = None, *, budget: float = 60.0, hot_rows: int = HOT_ROWS
    ) -> list[str]:
        """Merge months of posts into one merged part each (``OPTIMIZE …
        FINAL``: the last version of each post only); the months merged, as
        ``YYYYMM``. A settled month (one that ended :data:`SETTLED_AFTER`
        before ``now``) is merged when it is in several parts or in one
        never merged; a month still written to, when it is in several parts
        and holds at most ``hot_rows`` rows (a larger one is left to
        ClickHouse's own merges: merging it every hour would rewrite it
        again and again). No month is started after ``budget`` seconds (the
        next run goes on). The scheduler runs it hourly
        (veille.pipeline.collect).

        ``FINAL`` reads a month in one merged part without merging it, and a
        read of a few whole posts opens one part instead of one per part of
        the month: at 10M posts, where merges had left 5 to 7 parts a month,
        an ad-hoc query's aggregations over the last 30 days took about half
        as long (see docs/clickhouse.md). Merging a month of 850,000 posts
        took 2 s here.
        """
        now = now or datetime.now(UTC)
        settled = now - SETTLED_AFTER
        found = self.rows(
            "SELECT partition_id FROM system.parts WHERE active AND table = 'posts' "
            "AND database = currentDatabase() GROUP BY partition_id "
            "HAVING (partition_id < {before:String} AND (count() > 1 OR min(level) = 0)) "
            "OR (count() > 1 AND sum(rows) <= {hot:UInt64}) ORDER BY partition_id",
            {"before": f"{settled.year:04d}{settled.month:02d}", "hot": hot_rows},
        )
        deadline = time.monotonic() + budget
        done: list[str] = []
        for (month,) in found:
            if time.monotonic() > deadline:
                break
            if not str(month).isdigit():  # a partition id is YYYYMM
                continue
            self.client.command(f"OPTIMIZE TABLE posts PARTITION ID '{month}' FINAL")
            done.append(str(month))
        return done

    def ping(self) -> None:
        """Ask the server the least that shows it answers (``/healthz``)."""
        self.client.rows("SELECT 1")

    def close(self) -> None:
        self.client.close()
