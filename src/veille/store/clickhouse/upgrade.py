"""Bringing a ClickHouse store made by an older veille to
:data:`~veille.store.clickhouse.schema.SCHEMA_VERSION` when it is opened."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from veille.analytics.trends import terms_version
from veille.errors import Count, Figure, SchemaTooNew, tr
from veille.store.clickhouse.purged import keep_unnamed_cutoff
from veille.store.clickhouse.rows import FILED, KNOWN_COLUMNS, stored_dict
from veille.store.clickhouse.schema import (
    COPY_COLUMNS,
    FILING_COPY,
    POST_ROLLUP_VIEW,
    ROLLUPS,
    SCHEMA_VERSION,
    TOPIC_FILINGS,
    rollup_view,
)
from veille.store.clickhouse.upgrade_lock import UpgradeLock
from veille.store.upgrading import upgrading_store
from veille.textnorm import RECUT, REFOLDED

log = logging.getLogger(__name__)

# Posts folded again per write (schema 7), and the key of ``veille_meta``
# holding the last one done.
_REFOLD_BATCH = 1000
# Posts whose terms are made per write (schema 10: every stored post).
_TERMS_BATCH = 5000
# Posts whose terms one mutation writes (their terms held in memory until
# then, in the ``Join`` table named here; at 100,000 posts the process
# peaked lower than writing them again whole: 691 MB against 777).
_TERMS_FLUSH = 200_000
_TERMS_HELD = "terms_made"
_REFOLD_KEY = "refold_done_upto"
_MENTIONS_KEY = "mentions_done_upto"
_RECUT_KEY = "recut_done_upto"
_TERMS_KEY = "terms_done_upto"
# The version of the terms the posts keep (``trends.terms_version``), and the
# last post whose terms were made again for a new one (``"VERSION DAY ID"``).
_TERMS_VERSION_KEY = "terms_version"
_TERMS_AGAIN_KEY = "terms_again_upto"
# What the folded columns are made from (``rows.derived``), as one string.
_FOLDED_FROM = (
    "concat(ifNull(title, ''), ' ', text, ' ', author_handle, ' ', ifNull(url, ''), ' ', "
    "arrayStringConcat(hashtags, ' '), ' ', arrayStringConcat(mentions, ' '), ' ', "
    "arrayStringConcat(links, ' '))"
)


class ClickHouseUpgrade:
    """Mixed into :class:`veille.store.clickhouse.store.ClickHouseStore`."""

    if TYPE_CHECKING:  # provided by the store class this is mixed into
        client: Any
        where: str

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...

        def write_row(self, table: str, row: dict[str, Any], version: str = "version") -> None: ...

        def _days(self, keys: list[str]) -> dict[str, set[int]]: ...

        def _on_days(
            self, columns: str, column: str, keys: list[str], days: dict[str, set[int]]
        ) -> list[list[Any]]: ...

        def _write(
            self,
            rows: list[dict[str, Any]],
            olds: Sequence[dict[str, Any] | None] | None = None,
        ) -> set[str]: ...

    def _schema(self) -> int:
        """The schema the store was left at (0: new, or made before it was kept)."""
        tables = self.rows(
            "SELECT 1 FROM system.tables WHERE database = currentDatabase() "
            "AND name = 'veille_meta'"
        )
        if not tables:
            return 0
        found = self.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'")
        return int(found[0][0]) if found else 0

    def _refuse_newer(self) -> None:
        """A store written by a newer veille is left as it is: this one would
        write posts it no longer reads the same way (its folded words, its
        rollups)."""
        version = self._schema()
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                tr("the ClickHouse store %(path)s was written by a newer veille "
                   "(schema %(current)s; this one knows up to %(known)s)",
                   path=self.where, current=version, known=SCHEMA_VERSION),
                hint=tr("Upgrade veille (pip install -U veille); nothing was changed."),
            )  # fmt: skip

    def _meta(self, key: str) -> str | None:
        found = self.rows("SELECT value FROM veille_meta FINAL WHERE key = {k:String}", {"k": key})
        return str(found[0][0]) if found else None

    def _upgrade(self) -> None:
        """Bring a store made by an older veille to :data:`SCHEMA_VERSION`:
        the columns added to ``posts``, then each rollup (and its view),
        filled once from the stored posts if it is new; and the posts' terms
        made by another version of ``extract_terms`` made again
        (:meth:`_terms_again`). One process at a time, across machines
        (:class:`UpgradeLock`); the others wait for it, then find the store
        up to date."""
        if self._schema() >= SCHEMA_VERSION and self._meta(_TERMS_VERSION_KEY) == terms_version():
            return
        # (Marked as upgrading, waiting for another process included: the
        # web app's pages say so, 503, rather than hang for its minutes.)
        with upgrading_store(self.where), UpgradeLock(self.client, self.where) as lock:
            version = self._schema()  # (another process may have done it meanwhile)
            if version < SCHEMA_VERSION:
                self._upgrade_from(version, lock)
            if self._meta(_TERMS_VERSION_KEY) != terms_version():
                self._terms_again(lock)

    def _upgrade_from(self, version: int, lock: UpgradeLock) -> None:
        # (The columns added to posts were given with the tables: schema.TABLES.)
        # Before any step that copies filings, whose copies carry it, and
        # where a new store has it; a store before schema 5, whose filings
        # carry no copy, is given it with the copy's other columns.
        if version >= 5:
            self.client.command(
                "ALTER TABLE topic_filings ADD COLUMN IF NOT EXISTS counts_given UInt8 DEFAULT 2 "
                "AFTER cluster_id"
            )
        tables = self.rows("SELECT name FROM system.tables WHERE database = currentDatabase()")
        existing = {r[0] for r in tables}
        for table, ddl, rows in ROLLUPS:
            self._fill_rollup(table, ddl, rows, existing)
            lock.beat()
        if version < 3:
            self._time_filings(existing)
            lock.beat()
        if version < 5:
            self._copy_filings()
            lock.beat()
        if version < 6:
            self._two_part_filing_versions()
            lock.beat()
        if version < 7:
            self._refold(lock)
        if version < 8:
            self._qualify_mentions(lock)
        if version < 9:
            self._recut(lock)
        if version < 10:
            self._keep_terms(lock)
        if version < 11:
            # Schema 10's terms (stored today, or just made) are this
            # extractor's: recorded, so that a later one is noticed.
            self.write_row("veille_meta", {"key": _TERMS_VERSION_KEY, "value": terms_version()})
        # (Schema 12 is another step's; this one runs after whatever is before it.)
        if version < 12:
            self._counts_given(lock)
        if version < 13:
            self._followers_known(lock)
        if version < 14:
            self._purged_coverage(lock)
        # (Schema 15 made `entity_purged`, a table of its own that the store
        # creates on open: no step here.)
        if version < 16:
            self._purged_sentiment(lock)
        if version < 17:
            # Purges now name the posts they delete; those before did not.
            keep_unnamed_cutoff(self)
        self.write_row("veille_meta", {"key": "schema", "value": str(SCHEMA_VERSION)})

    def _counts_given(self, lock: UpgradeLock) -> None:
        """Schema 12: each post records whether its platform gave its like,
        share and reply counts (``counts_given``; its filings' copies too),
        and ``post_rollup`` counts the posts that did (``counted``), so that
        a real 0 reads 0 and a feed's engagement unknown. The view is made
        again with the new column. The column's default in a store made
        before is 2 ("stored before"): a post with a count above 0 keeps it
        (it gave counts, and every read takes 2 as given); one whose counts
        are all 0 is read again from its raw payload
        (:func:`veille.sources.counts.gave_counts`), and one whose payload
        does not tell is unknown, as it read before. ``counted`` is filled
        with what the posts hold (and what a retention purge kept of the
        posts it removed) less what it holds already, so a run stopped
        midway and started again counts nothing twice."""
        from veille.sources.counts import gave_counts

        columns = self.rows(
            "SELECT name FROM system.columns WHERE database = currentDatabase() "
            "AND table = 'post_rollup'"
        )
        if "counted" not in {r[0] for r in columns}:
            self.client.command("ALTER TABLE post_rollup ADD COLUMN counted Int64")
        self.client.command("DROP VIEW IF EXISTS post_rollup_view")
        self.client.command(POST_ROLLUP_VIEW)
        zeros = self.rows(
            "SELECT id, raw FROM posts FINAL WHERE likes = 0 AND shares = 0 AND replies = 0 "
            "AND counts_given = 2"
        )
        unknown: list[str] = []
        given: list[str] = []
        for post_id, raw in zeros:
            try:
                payload = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                payload = None
            (given if gave_counts(payload) else unknown).append(post_id)
        if zeros:
            log.warning(
                tr(
                    "ClickHouse schema 12 of %(store)s: %(count)s stored posts have no like, "
                    "share or reply count; read again from their payloads, %(none)s gave none "
                    "(their engagement reads unknown, the others' 0).",
                    store=self.where, count=Count(len(zeros)), none=Count(len(unknown)),
                )
            )  # fmt: skip
        # Posts written before are marked 2 (the column's default there): those
        # with a count above 0 keep it (given); the others become 0 or 1.
        for value, marked in ((0, unknown), (1, given)):
            for i in range(0, len(marked), _REFOLD_BATCH * 10):
                ids = {"ids": marked[i : i + _REFOLD_BATCH * 10], "v": value}
                self.client.command(
                    "ALTER TABLE posts UPDATE counts_given = {v:UInt8} "
                    "WHERE id IN {ids:Array(String)} SETTINGS mutations_sync = 2",
                    ids,
                )
                self.client.command(
                    "ALTER TABLE topic_filings UPDATE counts_given = {v:UInt8} "
                    "WHERE post_id IN {ids:Array(String)} SETTINGS mutations_sync = 2",
                    ids,
                )
                lock.beat()
        # A retention purge removed posts and kept their rollup (the charts
        # of a period before the cutoff still show it); no payload tells
        # whether those gave counts: as for a topic's purged totals, those
        # that earned an interaction did. So a row's count is its posts'
        # that gave counts, plus its purged part (beyond the posts held)
        # where that part earned any.
        keys = "bucket, platform, lang, country, sentiment"
        counted = "p_given + if(r_engagement > p_engagement, r_posts - p_held, 0)"
        self.client.command(
            f"INSERT INTO post_rollup ({keys}, posts, engagement, reach, counted) "
            f"SELECT {keys}, 0, 0, 0, {counted} - r_counted FROM (SELECT {keys}, "
            "toInt64(sum(posts)) AS r_posts, toInt64(sum(engagement)) AS r_engagement, "
            f"toInt64(sum(counted)) AS r_counted FROM post_rollup GROUP BY {keys}) AS r "
            "LEFT JOIN (SELECT intDiv(published_at, 900) AS bucket, "
            "platform, ifNull(lang, '') AS lang, ifNull(country, '') AS country, "
            "ifNull(sentiment, '') AS sentiment, toInt64(countIf(counts_given != 0)) AS p_given, "
            "toInt64(count()) AS p_held, toInt64(sum(likes + shares + replies)) AS p_engagement "
            f"FROM posts FINAL GROUP BY {keys}) AS p USING ({keys}) "
            f"WHERE {counted} != r_counted SETTINGS join_use_nulls = 0"
        )
        lock.beat()

    def _followers_known(self, lock: UpgradeLock) -> None:
        """Schema 13: ``post_rollup`` counts the posts that gave their
        author's follower count (``followed``), so that a reach of 0
        followers reads 0 and a feed's reach unknown (before, a reach of 0
        read unknown). The posts already say it (``author_followers`` is
        NULL where none was given): the view is made again with the new
        column, and ``followed`` is filled with what the posts hold less what
        it holds already, so a run stopped midway and started again counts
        nothing twice."""
        self.client.command("ALTER TABLE post_rollup ADD COLUMN IF NOT EXISTS followed Int64")
        self.client.command("DROP VIEW IF EXISTS post_rollup_view")
        self.client.command(POST_ROLLUP_VIEW)
        keys = "bucket, platform, lang, country, sentiment"
        self.client.command(
            f"INSERT INTO post_rollup ({keys}, posts, engagement, reach, counted, followed) "
            f"SELECT {keys}, 0, 0, 0, 0, p.n - r.n FROM (SELECT intDiv(published_at, 900) "
            "AS bucket, platform, ifNull(lang, '') AS lang, ifNull(country, '') AS country, "
            "ifNull(sentiment, '') AS sentiment, "
            "toInt64(countIf(isNotNull(author_followers))) AS n "
            f"FROM posts FINAL GROUP BY {keys}) AS p "
            f"LEFT JOIN (SELECT {keys}, toInt64(sum(followed)) AS n FROM post_rollup "
            f"GROUP BY {keys}) AS r USING ({keys}) WHERE p.n != r.n "
            "SETTINGS join_use_nulls = 0"
        )
        lock.beat()

    def _purged_coverage(self, lock: UpgradeLock) -> None:
        """Schema 14: ``topic_purged`` keeps how many of the posts a retention
        purge took out of a saved topic gave like, share and reply counts
        (``counted``) and their author's follower count (``followed``), so a
        topic whose purged posts gave a known 0 reads 0 covering them, as on
        SQLite (before, it read them from the sums: a purged 0 read unknown).
        The posts of the rows written before are gone: those rows get what
        their sums tell, as they were read until now (the posts of a row
        whose engagement is above 0 gave counts, of one whose reach is above
        0 followers; a row whose sum is 0 covers none), so purges made before
        the upgrade read as they did. Run again after a stop, it writes the
        same values."""
        self.client.command(
            "ALTER TABLE topic_purged ADD COLUMN IF NOT EXISTS counted Int64 DEFAULT 0"
        )
        self.client.command(
            "ALTER TABLE topic_purged ADD COLUMN IF NOT EXISTS followed Int64 DEFAULT 0"
        )
        if int(self.rows("SELECT count() FROM topic_purged")[0][0]):
            self.client.command(
                "ALTER TABLE topic_purged UPDATE counted = if(engagement > 0, posts, 0), "
                "followed = if(reach > 0, posts, 0) WHERE 1 SETTINGS mutations_sync = 2"
            )
        lock.beat()

    def _purged_sentiment(self, lock: UpgradeLock) -> None:
        """Schema 16: ``topic_purged`` keeps the sentiment of the posts a
        retention purge took out of a saved topic (positive, negative and
        neutral posts), so its sentiment over purged days reads as before
        the purge, as the workspace's does. Rows written before get 0: their
        posts are gone. Run again after a stop, it adds nothing."""
        for mood in ("positive", "negative", "neutral"):
            self.client.command(
                f"ALTER TABLE topic_purged ADD COLUMN IF NOT EXISTS {mood} Int64 DEFAULT 0"
            )
        lock.beat()

    def _fill_rollup(self, table: str, ddl: str, rows: str, existing: set[str]) -> None:
        """A rollup new to this store, with its view, filled once from the
        stored posts. Over millions of posts that takes minutes, and an
        ``INSERT … SELECT`` stopped midway keeps the blocks it wrote: the
        fill is marked started in ``veille_meta`` before the table is made
        and done after, so that a run stopped in between empties it and
        fills it again the next time (it was taken as done, its figures, or
        the post keys that tell a stored post from a new one, short forever)."""
        key = f"rollup_filled:{table}"
        if table in existing:
            found = self.rows(
                "SELECT value FROM veille_meta FINAL WHERE key = {key:String}", {"key": key}
            )
            if not found or found[0][0] != "started":
                return  # filled (or made by a veille that filled it in one go)
            self.client.command(f"TRUNCATE TABLE {table}")
            # (Stopped between the table and its view, it has no view yet.)
            self.client.command(rollup_view(table, rows))
            again: str = tr(" again (the last fill was stopped midway)")
        else:
            self.write_row("veille_meta", {"key": key, "value": "started"})
            self.client.command(ddl)
            self.client.command(rollup_view(table, rows))
            again = ""
        rows_held = int(self.rows("SELECT count() FROM posts")[0][0])  # (every version)
        if rows_held:
            log.warning(
                tr(
                    "ClickHouse store %(store)s: filling the rollup %(table)s%(again)s from the "
                    "stored posts (%(rows)s rows). It runs once, now. It is safe to interrupt: "
                    "it starts again the next time the store opens.",
                    store=self.where, table=table, again=again, rows=Count(rows_held),
                )
            )  # fmt: skip
        # The stored posts, each a first sighting (nothing to take out).
        latest = "(SELECT * REPLACE (toInt8(0) AS prev_posts) FROM posts FINAL) AS posts"
        self.client.command(
            f"INSERT INTO {table} " + rows.replace("FROM posts ", f"FROM {latest} ", 1)
        )
        self.write_row("veille_meta", {"key": key, "value": "done"})

    def _time_filings(self, existing: set[str]) -> None:
        """Schema 3: a store made before keeps its filings in ``post_topics``
        (ordered by topic and post id, without their times); they move to
        ``topic_filings`` with their posts' times (those of posts no longer
        stored are left behind: they file nothing)."""
        if "post_topics" not in existing:
            return
        self.client.command(
            "INSERT INTO topic_filings (topic_id, published_at, post_id, filed, version) "
            "SELECT f.topic_id, p.published_at, f.post_id, f.filed, f.version "
            "FROM (SELECT * FROM post_topics FINAL) AS f "
            "INNER JOIN (SELECT id, any(published_at) AS published_at FROM posts "
            "WHERE id IN (SELECT post_id FROM post_topics) GROUP BY id) AS p "
            "ON p.id = f.post_id"
        )
        self.client.command("DROP TABLE post_topics")

    def _copy_filings(self) -> None:
        """Schema 5: each filing carries a copy of its post's columns (see
        ``schema.TOPIC_FILINGS``); a store made before gets them, and the
        copies of the posts filed so far."""
        for name, kind in (*FILING_COPY, ("id", "String ALIAS post_id")):
            self.client.command(f"ALTER TABLE topic_filings ADD COLUMN IF NOT EXISTS {name} {kind}")
        copy = ", ".join(f"p.{c}" for c in COPY_COLUMNS)
        self.client.command(
            f"INSERT INTO topic_filings ({', '.join(FILED)}) "
            "SELECT f.topic_id, f.published_at, f.post_id, 1, greatest(f.version + 1, p.version), "
            f"{copy} FROM (SELECT topic_id, published_at, post_id, version FROM topic_filings "
            "FINAL WHERE filed = 1) AS f INNER JOIN (SELECT id, version, "
            f"{', '.join(COPY_COLUMNS)} FROM posts FINAL "
            "WHERE id IN (SELECT post_id FROM topic_filings)) AS p ON p.id = f.post_id"
        )

    def _two_part_filing_versions(self) -> None:
        """Schema 6: a filing's version holds its tick and its copy's post
        version (``schema.TOPIC_FILINGS``). A store made before has one
        ``UInt64``, which a ``ReplacingMergeTree`` cannot change in place:
        the table is built again beside it, each old version as a tick
        (copy version 0), and the two are exchanged."""
        kind = self.rows(
            "SELECT type FROM system.columns WHERE database = currentDatabase() "
            "AND table = 'topic_filings' AND name = 'version'"
        )
        # (A run stopped after the exchange leaves the old table beside.)
        self.client.command("DROP TABLE IF EXISTS topic_filings_6")
        if kind and kind[0][0] == "UInt128":
            return
        self.client.command(
            TOPIC_FILINGS.replace("IF NOT EXISTS topic_filings ", "topic_filings_6 ", 1)
        )
        self.client.command(
            f"INSERT INTO topic_filings_6 ({', '.join(FILED)}) SELECT topic_id, published_at, "
            f"post_id, filed, bitShiftLeft(toUInt128(version), 64), {', '.join(COPY_COLUMNS)} "
            "FROM topic_filings"
        )
        self.client.command("EXCHANGE TABLES topic_filings AND topic_filings_6")
        self.client.command("DROP TABLE topic_filings_6")

    def _refold(self, lock: UpgradeLock) -> None:
        """Schema 7: ligatures are spelt out, the characters invisible inside
        a word left out, the modifier letter apostrophe read as an apostrophe
        (see :mod:`veille.textnorm`). Each post whose
        folded columns are made from text holding one of those characters
        (:data:`veille.textnorm.REFOLDED`) is written again as it is: a new
        version, with its folded columns made today (the rollups take out the
        version it replaces, so no figure moves; its content hash stays).
        In batches, in the order of their ids, the last one done kept in
        ``veille_meta``: a run that stops goes on from there the next time the
        store is opened. Then every saved topic is marked to be filed again."""
        done = self.rows(f"SELECT value FROM veille_meta FINAL WHERE key = '{_REFOLD_KEY}'")
        ids = [
            r[0]
            for r in self.rows(
                f"SELECT DISTINCT id FROM posts WHERE id > {{after:String}} "
                f"AND multiSearchAny({_FOLDED_FROM}, {{chars:Array(String)}}) ORDER BY id",
                {"after": done[0][0] if done else "", "chars": list(REFOLDED)},
            )
        ]
        if ids:  # over millions of posts, minutes: said, so that it does not look hung
            log.warning(
                tr(
                    "ClickHouse schema 7 of %(store)s: folding again the %(count)s posts whose "
                    "text holds œ, æ, ʼ or a soft hyphen, so that searches find them by their "
                    "spelt-out words (oeuvre finds Œuvre). It runs once, now, in batches of "
                    "%(batch)s. It is safe to interrupt: it goes on from the last batch done the "
                    "next time the store opens.",
                    store=self.where, count=Count(len(ids)), batch=Count(_REFOLD_BATCH),
                )
            )  # fmt: skip
        started = time.monotonic()
        self._write_again(ids, _REFOLD_KEY, lock)
        if ids:
            log.warning(
                tr(
                    "ClickHouse schema 7 done: %(count)s posts folded again in %(seconds)s s.",
                    count=Count(len(ids)), seconds=Figure(time.monotonic() - started, 1),
                )
            )  # fmt: skip
        # Saved topics filed their posts with the words of before: each files
        # them again the first time it is read (topic_scope), as after an edit.
        self.client.command("TRUNCATE TABLE topic_sync")

    def _qualify_mentions(self, lock: UpgradeLock) -> None:
        """Schema 8: Mastodon mentions are qualified with their instance, as
        authors are (``claire`` read on piaille.fr is ``claire@piaille.fr``),
        and the short form found in the text beside a qualified one is left
        out (:func:`veille.enrich.entities.qualified_mentions`): ``top
        mentions`` listed one person twice. Each Mastodon post holding a
        mention without an instance is written again with its mentions as a
        post collected today holds them (a new version; its content hash
        stays). In batches, in the order of their ids, the last one done kept
        in ``veille_meta``, as the refold of schema 7. Then every saved topic
        is marked to be filed again (one naming ``@claire`` filed by the old
        mentions)."""
        from veille.enrich.entities import qualified_mentions

        done = self.rows(f"SELECT value FROM veille_meta FINAL WHERE key = '{_MENTIONS_KEY}'")
        ids = [
            r[0]
            for r in self.rows(
                "SELECT DISTINCT id FROM posts WHERE id > {after:String} "
                "AND platform = 'mastodon' AND arrayExists(m -> position(m, '@') = 0, mentions) "
                "ORDER BY id",
                {"after": done[0][0] if done else ""},
            )
        ]
        if ids:
            log.warning(
                tr(
                    "ClickHouse schema 8 of %(store)s: qualifying the mentions of %(count)s "
                    "Mastodon posts stored without their instance (claire read on piaille.fr is "
                    "claire@piaille.fr), so that top mentions lists each person once. It runs "
                    "once, now, in batches of %(batch)s, and is safe to interrupt.",
                    store=self.where, count=Count(len(ids)), batch=Count(_REFOLD_BATCH),
                )
            )  # fmt: skip

        def qualified(row: dict[str, Any]) -> dict[str, Any]:
            return {**row, "mentions": list(qualified_mentions(list(row["mentions"]), row["id"]))}

        self._write_again(ids, _MENTIONS_KEY, lock, qualified)
        if ids:
            self.client.command("TRUNCATE TABLE topic_sync")

    def _recut(self, lock: UpgradeLock) -> None:
        """Schema 9: combining marks are part of their word, Arabic and
        Hebrew points are folded away, and a zero-width space beside a Thai,
        Lao, Burmese or Khmer letter separates words (see
        :mod:`veille.textnorm`). Each post whose folded columns are made from
        text holding a combining mark, a character of
        :data:`veille.textnorm.RECUT` or a zero-width space is
        written again as it is, as the refold of schema 7 does (and goes on
        from where it stopped, likewise); then every saved topic is marked to
        be filed again."""
        done = self.rows(f"SELECT value FROM veille_meta FINAL WHERE key = '{_RECUT_KEY}'")
        ids = [
            r[0]
            for r in self.rows(
                f"SELECT DISTINCT id FROM posts WHERE id > {{after:String}} "
                f"AND match({_FOLDED_FROM}, {{marks:String}}) ORDER BY id",
                # A combining mark, a character of RECUT or a zero-width space (RE2).
                {"after": done[0][0] if done else "", "marks": rf"[\p{{M}}{RECUT}\x{{200B}}]"},
            )
        ]
        if ids:
            log.warning(
                tr(
                    "ClickHouse schema 9 of %(store)s: cutting again the words of the %(count)s "
                    "posts whose text holds combining marks (Hindi, Thai, Arabic vowel points…) "
                    "or zero-width spaces, so that their words are found whole. It runs once, "
                    "now, in batches of %(batch)s, and is safe to interrupt.",
                    store=self.where, count=Count(len(ids)), batch=Count(_REFOLD_BATCH),
                )
            )  # fmt: skip
        self._write_again(ids, _RECUT_KEY, lock)
        if ids:
            self.client.command("TRUNCATE TABLE topic_sync")

    def _keep_terms(self, lock: UpgradeLock) -> None:
        """Schema 10: each post keeps its trending terms (``term_keys``,
        ``term_forms``, made on insert by ``rows.derived``), so that trends
        gather them instead of extracting them from the text at each first
        view. Every stored post without terms gets them, those two columns
        written only (:meth:`_extract_again`), in batches in the table's
        order (day, then id: a batch reads its few days, where batches in
        the order of ids each read every day), the last one done kept in
        ``veille_meta``: a run that stops goes on from there the next time
        the store opens."""
        done = self._meta(_TERMS_KEY)
        day, _, after = done.partition(" ") if done else (str(-(2**62)), "", "")
        keys = self.rows(
            "SELECT intDiv(published_at, 86400) AS day, id FROM posts FINAL "
            "WHERE (day, id) > ({day:Int64}, {after:String}) AND empty(term_keys) "
            "ORDER BY day, id",
            {"day": int(day), "after": after},
        )
        if keys:
            log.warning(
                tr(
                    "ClickHouse schema 10 of %(store)s: keeping the trending terms of the "
                    "%(count)s stored posts beside them, so that trends and reports gather them "
                    "instead of extracting them at each view. It runs once, now, in batches of "
                    "%(batch)s; over a million posts it takes minutes. It is safe to interrupt: "
                    "it goes on from the last batch done the next time the store opens.",
                    store=self.where, count=Count(len(keys)), batch=Count(_TERMS_BATCH),
                )
            )  # fmt: skip
        started = time.monotonic()
        self._extract_again(keys, lock, lambda d, i: (_TERMS_KEY, f"{d} {i}"))
        if keys:
            log.warning(
                tr(
                    "ClickHouse schema 10 done: the terms of %(count)s posts kept in %(seconds)s "
                    "s.",
                    count=Count(len(keys)), seconds=Figure(time.monotonic() - started, 1),
                )
            )  # fmt: skip

    def _terms_again(self, lock: UpgradeLock) -> None:
        """The posts' terms were made by another version of ``extract_terms``
        than this veille's (``trends.terms_version``: its ``TERMS_VERSION``
        raised, or simplemma or the stop-word lists changed what it gives):
        every stored post gets its terms made now, as schema 10 gives
        them (:meth:`_extract_again`, in the table's order, the last post done kept in
        ``veille_meta`` with the version it makes: a run that stops goes on
        from there), then the version is recorded."""
        target = terms_version()
        done = (self._meta(_TERMS_AGAIN_KEY) or "").split(" ", 2)
        day, after = (done[1], done[2]) if done[0] == target and len(done) == 3 else ("", "")
        keys = self.rows(
            "SELECT intDiv(published_at, 86400) AS day, id FROM posts FINAL "
            "WHERE (day, id) > ({day:Int64}, {after:String}) ORDER BY day, id",
            {"day": int(day or -(2**62)), "after": after},
        )
        if keys:
            log.warning(
                tr(
                    "ClickHouse store %(store)s: the trending terms of its %(count)s posts were "
                    "made by another version of veille's term extraction (%(was)s; this one is "
                    "%(version)s): they are made again, once, now, in batches of %(batch)s; over "
                    "a million posts it takes minutes. It is safe to interrupt: it goes on from "
                    "the last batch done the next time the store opens.",
                    store=self.where, count=Count(len(keys)),
                    was=self._meta(_TERMS_VERSION_KEY) or tr("none"), version=target,
                    batch=Count(_TERMS_BATCH),
                )
            )  # fmt: skip
        started = time.monotonic()
        self._extract_again(keys, lock, lambda d, i: (_TERMS_AGAIN_KEY, f"{target} {d} {i}"))
        self.write_row("veille_meta", {"key": _TERMS_VERSION_KEY, "value": target})
        if keys:
            log.warning(
                tr(
                    "ClickHouse terms made again: %(count)s posts in %(seconds)s s.",
                    count=Count(len(keys)), seconds=Figure(time.monotonic() - started, 1),
                )
            )  # fmt: skip

    def _extract_again(
        self,
        keys: list[list[Any]],
        lock: UpgradeLock,
        progress: Callable[[int, str], tuple[str, str]],
    ) -> None:
        """Give the posts ``keys`` (``(day, id)``, in that order) their terms
        made now, writing those two columns only: each batch of
        :data:`_TERMS_BATCH` has its title, text and language read and its
        terms made here, held in a ``Join`` table, and every
        :data:`_TERMS_FLUSH` posts one mutation writes them into the rows
        of those posts (``ALTER TABLE posts UPDATE``), the last one done then
        kept in ``veille_meta`` as ``progress(day, id)`` says (its key and
        value). Writing each post again whole (a new version, every column,
        the rollups' views fired to take the old one out, the filings'
        copies) took nearly three times the CPU at 100,000 posts (see
        docs/analytics.md) and left two rows a post until merges; no figure
        or copy holds the terms, so none changes."""
        from veille.analytics.trends import post_terms

        db = self.rows("SELECT currentDatabase()")[0][0]
        held = f"{db}.{_TERMS_HELD}"
        for start in range(0, len(keys), _TERMS_FLUSH):
            group = keys[start : start + _TERMS_FLUSH]
            self.client.command(f"DROP TABLE IF EXISTS {held}")
            self.client.command(
                f"CREATE TABLE {held} (id String, made UInt8, term_keys Array(String), "
                "term_forms Array(String)) ENGINE = Join(ANY, LEFT, id)"
            )
            for i in range(0, len(group), _TERMS_BATCH):
                batch = group[i : i + _TERMS_BATCH]
                days = {post_id: {int(d)} for d, post_id in batch}
                found = self._on_days("id, title, text, lang", "id", list(days), days)
                lines = [orjson.dumps([p, 1, *post_terms(t, x, lg)]) for p, t, x, lg in found]
                self.client.insert(held, lines, columns=("id", "made", "term_keys", "term_forms"))
                lock.beat()
            self.client.command(
                f"ALTER TABLE posts UPDATE term_keys = joinGet('{held}', 'term_keys', id), "
                f"term_forms = joinGet('{held}', 'term_forms', id) "
                "WHERE intDiv(published_at, 86400) BETWEEN {first:Int64} AND {last:Int64} "
                f"AND joinGet('{held}', 'made', id) = 1 SETTINGS mutations_sync = 2",
                {"first": int(group[0][0]), "last": int(group[-1][0])},
            )
            self.client.command(f"DROP TABLE {held}")
            key, value = progress(*group[-1])
            self.write_row("veille_meta", {"key": key, "value": value})
            lock.beat()

    def _write_again(
        self,
        ids: list[str],
        key: str,
        lock: UpgradeLock,
        change: Callable[[dict[str, Any]], dict[str, Any]] = dict,
    ) -> None:
        """Write the posts ``ids`` again (``change``d), a new version each, in
        batches of :data:`_REFOLD_BATCH` in the order of ``ids``, the last id
        done kept in ``veille_meta`` under ``key``, the upgrade ``lock``
        told of each batch (its holder is alive)."""
        for i in range(0, len(ids), _REFOLD_BATCH):
            batch = ids[i : i + _REFOLD_BATCH]
            days = self._days(batch)
            found = self._on_days(KNOWN_COLUMNS, "id", [k for k in batch if k in days], days)
            olds = [stored_dict(r) for r in found]
            self._write([change(old) for old in olds], olds)
            self.write_row("veille_meta", {"key": key, "value": batch[-1]})
            lock.beat()
