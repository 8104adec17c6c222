"""Forgetting in the ClickHouse PostStore (:class:`~veille.store.protocols.privacy.PrivacyPosts`).

Posts are deleted with ``ALTER TABLE … DELETE`` run synchronously
(``mutations_sync = 2``): the mutation rewrites every part holding a
matching row, so every stored version of a post goes (the condition names
the post, not a version: no older version is left for ``FINAL`` to bring
back), and the data is gone from disk when the call returns, not only
hidden until a merge as a lightweight ``DELETE`` leaves it.

Rollups kept by materialized views from ``posts`` only ever see inserts, so
an erased post is taken out of them here: each view's own ``SELECT`` is run
over the current version of the erased posts (as a first sighting) and the
negated sums are inserted into its table (staged first, then moved in: see
:meth:`~veille.store.clickhouse.takeout.ClickHouseTakeOut._settle_staged`),
so every rollup the store has, whichever release added it, is covered; the
table is then merged
(``OPTIMIZE … FINAL``), which drops the keys whose sums fell to zero (a
hashtag or a domain only the person used). A rollup with a ``handle`` column
is per author: its rows of the person are deleted outright, and on a
retention purge its days before the cutoff (as SQLite's ``author_rollup``),
as are a story rollup's (``cluster_id``: keyed by a post that is gone)
and the post keys' (``key_hash``: a hash of a post's id or URL).
Rows keyed by a story named after an erased post are deleted once its
other posts carry the new key (:func:`~veille.store.protocols.privacy.story_key`).

A mutation only rewrites the parts there are when it runs: a post inserted
after it is stored again. So an erasure first records whom it forgets, then
their posts (``forgotten``: hashes of the platform and handle, of each id),
and every write of posts leaves out their posts published until then and
gives a story keyed by one of their posts its new key
(:meth:`ClickHousePrivacy._unforgotten`): a collector that read a post
before the erasure and writes after it, or a batch collected before it and
written after (a collector still running, a retried import), stores nothing
of them. The check and the insert run under the store's :class:`ForgetLock`,
which an erasure takes to write its record (waiting for the writes that
checked before it), then for each chunk of the posts it deletes, letting go
between two (a collector's batch goes between them), so no write checks
before the record and inserts after a delete: in this process, and, once
the workspace has given the lock its state store's
(:meth:`ForgetLock.across`), in every process writing to the same server.
The erasure also records the person's objection to further
processing: what they publish afterwards is refused too, until
``veille privacy lift`` (SQLite does the same).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.store.clickhouse.filters import POSTS
from veille.store.clickhouse.purged import (
    count_from,
    hide_counts,
    keep_entity_quarters,
    let_names_go,
    mark_counted,
    mark_done,
    names_held_from,
    purge_mark,
    record_purged,
    show_counts,
    stopped_purge,
)
from veille.store.clickhouse.purged import (
    purged_until as _purged_until,
)
from veille.store.clickhouse.refused import refused
from veille.store.clickhouse.rows import (
    READ_COLUMNS,
    encode,
    to_post,
)
from veille.store.clickhouse.unlink import count_rows, rekey_stories, unlink_posts
from veille.store.protocols.privacy import (
    AUTHOR,
    LIFTED,
    OBJECTION,
    ErasureReport,
    author_key,
    now_ms,
    objecting,
    post_key,
    refusals,
)
from veille.store.purged import names_due

if TYPE_CHECKING:
    from veille.models import Post
    from veille.store.clickhouse.takeout import Rollup

SYNC = " SETTINGS mutations_sync = 2"
_CHUNK = 5000
#: The ``veille_meta`` key saying that erasures made before objections were
#: given theirs (:meth:`ClickHousePrivacy._derive_objections`).
_DERIVED_KEY = "objections_derived"
log = logging.getLogger(__name__)


class ForgetLock:
    """Orders an erasure and the writes of posts: an erasure holds it
    (:meth:`exclusive`) while it records whom it forgets, then for each chunk
    of their posts it deletes, a write (:meth:`shared`) from its check of that record to its
    insert. Within this process a reentrant lock (writes take turns too);
    across processes, the state store's lock once given by :meth:`across`
    (a ClickHouse server takes writes from many processes: without it, a
    collector that checked before an erasure's record could insert after its
    delete). A thread that holds it takes it again at no cost."""

    def __init__(self) -> None:
        self._here = threading.RLock()
        self._depth = threading.local()
        self._across: Callable[[bool], AbstractContextManager[None]] | None = None

    def across(self, lock: Callable[[bool], AbstractContextManager[None]]) -> None:
        """Also take ``lock(exclusive)`` (the state store's
        :meth:`~veille.store.protocols.privacy.PrivacyState.forget_lock`,
        which every process of the workspace shares), before this process's own."""
        self._across = lock

    def shared(self) -> AbstractContextManager[None]:
        return self._hold(exclusive=False)

    def exclusive(self) -> AbstractContextManager[None]:
        return self._hold(exclusive=True)

    @contextmanager
    def _hold(self, *, exclusive: bool) -> Iterator[None]:
        depth = getattr(self._depth, "n", 0)
        outer = nullcontext() if depth or self._across is None else self._across(exclusive)
        # The shared lock first, then this process's: a thread waiting for
        # the shared one holds nothing here.
        with outer, self._here:
            self._depth.n = depth + 1
            try:
                yield
            finally:
                self._depth.n = depth


def _author(handle: str, platform: str | None) -> tuple[str, dict[str, Any]]:
    where = "lowerUTF8(author_handle) = lowerUTF8({h:String})"
    params: dict[str, Any] = {"h": handle}
    if platform:
        where += " AND platform = {pf:String}"
        params["pf"] = platform
    return where, params


class ClickHousePrivacy:
    """Mixed into :class:`~veille.store.clickhouse.store.ClickHouseStore`."""

    if TYPE_CHECKING:  # given by ClickHouseStore
        client: Any
        where: str
        #: Held by an erasure for its record, then for each chunk it deletes; by a
        #: write of posts from its check of the forgotten to its insert.
        forget_lock: ForgetLock

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...

        def _insert_versions(self, pairs: list[tuple[dict[str, Any], Any]]) -> None: ...

        def write_row(self, table: str, row: dict[str, Any], version: str = "version") -> None: ...

        # given by ClickHouseTakeOut (veille.store.clickhouse.takeout)
        def _rollups(self) -> list[Rollup]: ...

        def _stage_take_out(
            self, rollups: list[Rollup], ids: list[str], removed: dict[str, int], token: str
        ) -> list[tuple[str, str]]: ...

        def _settle_staged(self, marked: list[tuple[str, str]] | None = None) -> None: ...

    def _delete(self, table: str, where: str, params: dict[str, Any]) -> int:
        n = int(self.rows(f"SELECT count() FROM {table} WHERE {where}", params)[0][0])
        if n:
            self.client.command(f"ALTER TABLE {table} DELETE WHERE {where}{SYNC}", params)
        return n

    # -- whom an erasure forgot ------------------------------------------------

    def _forgotten(self) -> dict[str, int]:
        """``author_key`` -> the time (seconds) until which their posts are
        refused (:func:`~veille.store.protocols.privacy.refusals`). None
        forgotten: no post was either."""
        return refusals(
            self.rows(
                "SELECT kind, key, max(erased_at) FROM forgotten "
                "WHERE kind IN ('author', 'objection', 'lifted') GROUP BY kind, key"
            )
        )

    def _forgotten_posts(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` that name an erased post."""
        keys = {post_key(i): i for i in ids}
        if not keys:
            return set()
        found = self.rows(
            "SELECT DISTINCT key FROM forgotten WHERE kind = 'post' AND key IN {k:Array(String)}",
            {"k": list(keys)},
        )
        return {keys[r[0]] for r in found}

    def _unforgotten(
        self, pairs: Iterable[tuple[dict[str, Any], dict[str, Any] | None]]
    ) -> tuple[list[tuple[dict[str, Any], dict[str, Any] | None]], set[str]]:
        """``(row, old)`` pairs (a post version to write, the stored one it
        replaces) less those of a forgotten person published until their
        erasure, a story keyed by an erased post under its new key in both;
        and the ids left out (:func:`~veille.store.clickhouse.refused.refused`).
        Call it under :attr:`forget_lock` (shared), with the insert."""
        kept, dropped, _expired = refused(self, list(pairs), purges=False)
        return kept, dropped

    def forgotten_ids(self, posts: Iterable[Post]) -> list[str]:
        """The ids of ``posts`` an erasure forgot (a write stores nothing of
        them): a split ingest takes their copies out of the state again."""
        return self.forgotten_among(
            (p.id, p.platform, p.author.handle, int(p.published_at.timestamp())) for p in posts
        )

    def forgotten_among(self, keys: Iterable[Sequence[Any]]) -> list[str]:
        """:meth:`forgotten_ids` of ``(id, platform, handle, published_at)``."""
        _kept, dropped = self._unforgotten(
            ({"id": i, "platform": pf, "author_handle": h, "published_at": int(t)}, None)
            for i, pf, h, t in keys
        )
        return sorted(dropped)

    def forgotten_posts(self, post_ids: Iterable[str]) -> list[str]:
        """Those of ``post_ids`` that name an erased post (a story keyed by
        one gets another key: :func:`~veille.store.protocols.privacy.story_key`)."""
        return sorted(self._forgotten_posts(post_ids))

    def _derive_objections(self) -> None:
        """Once per store (``veille_meta`` key ``objections_derived``): give
        an erasure made before erasures objected to further processing
        (``forgotten`` holds whom it forgot, no objection, no lifting) the
        objection an erasure records today, dated at the erasure, so that
        the person's later posts are refused; and say what cannot be
        derived (as SQLite's migration 0540 does)."""
        if self.rows("SELECT 1 FROM veille_meta FINAL WHERE key = {k:String}", {"k": _DERIVED_KEY}):
            return
        erased = self.rows(
            "SELECT key, max(erased_at) FROM forgotten WHERE kind = 'author' AND key NOT IN "
            "(SELECT key FROM forgotten WHERE kind IN ('objection', 'lifted')) GROUP BY key"
        )
        # An objection's time is in milliseconds, an erasure's in seconds.
        self.record_forgotten([(OBJECTION, str(k), int(at) * 1000) for k, at in erased])
        if erased:
            first = min(int(at) for _k, at in erased)
            since = datetime.fromtimestamp(first, UTC).date().isoformat()
            log.warning(
                "the ClickHouse store %s: the objection to further processing of %d %s "
                "erased before erasures recorded one is recorded: their later posts are not "
                "stored until 'veille privacy lift'. Posts they published between their erasure "
                "and now were stored: erase them again (veille privacy erase --author ...) to "
                "remove those. An erasure logged (veille privacy log --kind author) before %s "
                "may name a person this store has no record of (the log names each by a keyed "
                "hash alone): no objection can be derived for it; erase that person again.",
                self.where, len(erased), "person" if len(erased) == 1 else "people", since,
            )  # fmt: skip
        self.write_row("veille_meta", {"key": _DERIVED_KEY, "value": str(len(erased))})

    # -- a person --------------------------------------------------------------

    def author_post_ids(self, handle: str, platform: str | None) -> list[str]:
        # Every version, not only the last: none may name them after.
        where, params = _author(handle, platform)
        return [r[0] for r in self.rows(f"SELECT DISTINCT id FROM posts WHERE {where}", params)]

    def erase_author_posts(self, handle: str, platform: str | None) -> ErasureReport:
        with self.forget_lock.exclusive():
            # First whom it forgets: a write after this stores nothing of
            # theirs, nor anything they publish while their objection holds.
            # Taking the lock waits for the writes that checked before it
            # (each holds it shared from its check to its insert): once it
            # is let go, every write reads the record, so the deletes need
            # not keep writers waiting (see _erase_posts_of).
            who = author_key(platform, handle)
            self.record_forgotten([(AUTHOR, who, int(time.time())), (OBJECTION, who, now_ms())])
        return self._erase_posts_of(handle, platform)

    def objections(self, keys: Sequence[str]) -> list[str]:
        if not keys:
            return []
        rows = self.rows(
            "SELECT kind, key, max(erased_at) FROM forgotten WHERE kind IN "
            "('objection', 'lifted') AND key IN {k:Array(String)} GROUP BY kind, key",
            {"k": list(keys)},
        )
        return sorted(objecting(rows))

    def lift_objection(self, keys: Sequence[str]) -> list[str]:
        if not keys:
            return []
        with self.forget_lock.exclusive():
            lifted = self.objections(keys)
            # What they published until now stays refused (the objection held).
            at, ms = int(time.time()), now_ms()
            self.record_forgotten([r for k in lifted for r in ((LIFTED, k, ms), (AUTHOR, k, at))])
        return lifted

    def forgotten_records(self) -> list[tuple[str, str, int]]:
        """Every ``(kind, key, erased_at)`` of ``forgotten``, the last erasure
        of each (``veille store migrate`` carries them with the posts)."""
        return [
            (kind, key, int(at))
            for kind, key, at in self.rows(
                "SELECT kind, key, max(erased_at) FROM forgotten GROUP BY kind, key "
                "ORDER BY kind, key"
            )
        ]

    def record_forgotten(
        self, records: Sequence[tuple[str, str, int]], *, whole: bool = False
    ) -> None:
        """Add ``(kind, key, erased_at)`` records to ``forgotten`` (``whole``:
        in one insert, so that all or none of them are there)."""
        step = max(len(records), 1) if whole else _CHUNK
        for i in range(0, len(records), step):
            rows = [
                encode({"kind": kind, "key": key, "erased_at": at})
                for kind, key, at in records[i : i + step]
            ]
            self.client.insert("forgotten", rows)

    def _erase_posts_of(self, handle: str, platform: str | None) -> ErasureReport:
        """Delete the posts of a person whose record is written, by chunks of
        :data:`_CHUNK`, each under :attr:`forget_lock`, let go between two:
        a collector of this process (or of another, across) writes its batch
        between two chunks instead of waiting for the whole erasure (the
        chunk's rollup take-out, story re-keying and deletes rewrite versions
        of posts as a write does, so they do not run beside one). Resumable:
        run again after a crash, it finds the posts left, and takes each
        post out of the rollups once: a chunk's take-out is staged, marked
        (``taken`` and ``staged`` in ``forgotten``, one insert), then moved
        in (:meth:`_settle_staged`); marked after it went straight into the
        rollups, a kill between the two took the chunk out twice."""
        report = ErasureReport()
        # After the record: no post of theirs comes in any more.
        ids = self.author_post_ids(handle, platform)
        report.post_ids, report.posts = ids, len(ids)
        rollups = self._rollups()
        removed = report.removed
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            keys = {post_key(x): x for x in part}
            with self.forget_lock.exclusive():
                # A take-out a killed run staged is finished (or undone) first.
                self._settle_staged()
                at = int(time.time())
                done = self.rows(
                    "SELECT DISTINCT key FROM forgotten WHERE kind = 'taken' "
                    "AND key IN {k:Array(String)}",
                    {"k": list(keys)},
                )
                taken = {keys[k] for (k,) in done}
                left = [x for x in part if x not in taken]
                # Stories keyed by one of them take another key: so will a
                # write after (this hold lets go once they are deleted).
                # Recorded with the take-out's mark, in one insert: nothing
                # between reads them, and killed before it, the posts and
                # their stories are all still there.
                records = [("post", k, at) for k in keys]
                staging: list[tuple[str, str]] = []
                if left:
                    # Staged, then marked (the posts taken and the staging,
                    # in one insert), then moved into the rollups: killed at
                    # any point, a run again takes each post out once.
                    token = uuid.uuid4().hex
                    volumes = [r for r in rollups if not r.per_author]
                    staging = self._stage_take_out(volumes, left, removed, token)
                    records += [("staged", token, at), *(("taken", post_key(x), at) for x in left)]
                self.record_forgotten(records, whole=True)
                # (Only this take-out is staged now: the first settling took the others.)
                self._settle_staged(staging)
                p = {"ids": part}
                removed["post_topics"] = removed.get("post_topics", 0) + self._delete(
                    "topic_filings", "post_id IN {ids:Array(String)}", p
                )
                # Before the delete: killed after it, the references went
                # with the posts; before it, both are still there.
                unlink_posts(self, part, removed)
                # Not counted first: these are posts read above, each stored.
                self.client.command(
                    f"ALTER TABLE posts DELETE WHERE id IN {{ids:Array(String)}}{SYNC}", p
                )
                rekey_stories(self, part, rollups, removed)
        with self.forget_lock.exclusive():
            self._forget_person(handle, platform, rollups, removed)
        return report

    def _forget_person(
        self, handle: str, platform: str | None, rollups: list[Rollup], removed: dict[str, int]
    ) -> None:
        """Their per-author rollups and the account links naming them (what
        each holds of them counted in one read)."""
        params: dict[str, Any] = {"h": handle, **({"pf": platform} if platform else {})}
        gone: list[tuple[str, str]] = []  # (table, where)
        for r in rollups:
            if r.per_author:
                where = "lowerUTF8(handle) = lowerUTF8({h:String})"
                if platform and "platform" in r.columns:
                    where += " AND platform = {pf:String}"
                gone.append((r.table, where))
        side = "lowerUTF8(handle_{s}) = lowerUTF8({{h:String}})" + (
            " AND platform_{s} = {{pf:String}}" if platform else ""
        )
        gone.append(("author_links", f"({side.format(s='a')}) OR ({side.format(s='b')})"))
        counts = count_rows(self, gone, params)
        for (table, where), n in zip(gone, counts, strict=True):
            if n:
                self.client.command(f"ALTER TABLE {table} DELETE WHERE {where}{SYNC}", params)
            if table == "author_links":
                removed[table] = n
            else:
                removed[table] = removed.get(table, 0) + n

    # -- by age ----------------------------------------------------------------

    def post_ids_before(self, cutoff: datetime, *, after: str = "", limit: int = 2000) -> list[str]:
        return [
            r[0]
            for r in self.rows(
                "SELECT DISTINCT id FROM posts WHERE published_at < {t:Int64} "
                "AND id > {after:String} ORDER BY id LIMIT {n:UInt64}",
                {"t": int(cutoff.timestamp()), "after": after, "n": limit},
            )
        ]

    def delete_posts_before(
        self, cutoff: datetime, *, batch: int = 2000, names_from: datetime | None = None
    ) -> ErasureReport:
        report = ErasureReport()
        p = {"t": int(cutoff.timestamp())}
        since = None if names_from is None else min(int(names_from.timestamp()), p["t"])
        held = names_held_from(self)
        if since is not None and names_due(held, since, p["t"]):
            # The names of posts published a retention period before the
            # cutoff go, those posts all left out from then on (it moves
            # every few days); under the lock writes read them with.
            with self.forget_lock.exclusive():
                let_names_go(self, since)
            held = since
        with self.forget_lock.exclusive():
            # One stopped after its counts (killed, a delete of the server's
            # carried on or not) is finished first, at its cutoff, whatever
            # this one's (retention lengthened since): its counts then go
            # with its posts, as SQLite's one transaction does.
            self._finish_stopped(held, report)
        count = f"SELECT count() FROM {POSTS} WHERE published_at < {{t:Int64}}"
        if int(self.rows(count, p)[0][0]):
            # Under the lock a topic's filing takes (see file_topic_backlog):
            # one written between the two deletes filed the doomed posts
            # again, counted then in the kept totals and in the filings left.
            # And the lock a write of posts takes, which reads the mark
            # below (ClickHouseStore._write): a write before this is counted
            # and deleted here, one after leaves these posts out.
            with self.forget_lock.exclusive():
                n = int(self.rows(count, p)[0][0])
                # A read adds a topic's counts once its filings are gone
                # (show_counts below): never both, stopped or running.
                hide_counts(self)
                # Its rows' mark: above every earlier purge's.
                mark = purge_mark(self, p["t"])
                self._keep_topic_totals(p["t"], mark)
                keep_entity_quarters(self, p["t"], mark)
                # Its counts written: stopped from here on (killed during a
                # delete, which a server finishes all the same), the next
                # purge finishes this one rather than counting the posts again.
                mark_counted(self, mark, p["t"])
                # Named before their deletes: written again, they are left
                # out (counted above), whatever the retention says then.
                record_purged(self, p["t"], held)
                self._finish(p["t"], mark, report)
                report.posts += n
        day = {"d": int(cutoff.timestamp()) // 86400}
        for r in self._rollups():
            # Per-author days go (they name people), story days (keyed by a
            # post that is gone) and post keys; volumes and entities stay.
            if (r.per_author or r.per_post or "cluster_id" in r.columns) and "day" in r.columns:
                report.removed[r.table] = self._delete(r.table, "day < {d:Int64}", day)
        return report

    def _finish_stopped(self, names_from: int | None, report: ErasureReport) -> None:
        """Finish a purge stopped after its counts (:func:`stopped_purge`):
        its posts named (once: it may have named some), their filings and
        the posts deleted, each step marked as a running purge marks it."""
        stopped = stopped_purge(self)
        if stopped is None:
            return
        mark, cutoff = stopped
        p = {"t": cutoff}
        report.posts += int(
            self.rows(f"SELECT count() FROM {POSTS} WHERE published_at < {{t:Int64}}", p)[0][0]
        )
        record_purged(self, cutoff, names_from, again=True)
        self._finish(cutoff, mark, report)

    def _finish(self, cutoff: int, mark: int, report: ErasureReport) -> None:
        """A purge's deletes, once its counts are written under ``mark``: the
        filings of the posts published before ``cutoff``, then a read adds
        its topics' counts; the posts, then a read adds their hashtags' and
        domains' (never both, stopped or running)."""
        p = {"t": cutoff}
        report.removed["post_topics"] = report.removed.get("post_topics", 0) + self._delete(
            "topic_filings", "post_id IN (SELECT id FROM posts WHERE published_at < {t:Int64})", p
        )
        show_counts(self, mark)
        self._delete("posts", "published_at < {t:Int64}", p)
        mark_done(self, mark)

    def _keep_topic_totals(self, cutoff: int, mark: int) -> None:
        """Add what the filings of posts published before ``cutoff`` count to
        ``topic_purged``, under ``mark``
        (:func:`~veille.store.clickhouse.purged.purge_mark`): a topic's
        volume, engagement and reach, how many posts the last two cover, and
        its sentiment, stay as they were once they go. Every post held that
        old is counted (one stored after the last purge, older than its
        cutoff, included); rows of a purge that stopped while it counted go
        first, and one that stopped once it had counted was finished
        before, as ``entity_purged``'s are
        (:func:`~veille.store.clickhouse.purged.count_from`). A store whose
        purges all ran before the marks (schema 15) counts from where the
        last one stopped."""
        found = count_from(self, "topic_purged")
        if found is not None:
            since = found
        else:
            since = int(self.rows("SELECT max(upto) FROM topic_purged")[0][0] or 0)
        span = {"since": since, "t": cutoff, "m": mark}
        self.client.command(
            "INSERT INTO topic_purged (topic_id, bucket, posts, engagement, reach, upto, "
            "counted, followed, positive, negative, neutral) "
            "SELECT f.topic_id, intDiv(p.published_at, 900) AS b, count(), "
            "sum(p.likes + p.shares + p.replies), sum(ifNull(p.author_followers, 0)), {m:Int64}, "
            # What the topic's engagement and reach cover (a known 0 included).
            "countIf(p.counts_given != 0), countIf(isNotNull(p.author_followers)), "
            # Its sentiment (the workspace's rollup keeps the purged posts' too).
            "countIf(p.sentiment = 'positive'), countIf(p.sentiment = 'negative'), "
            "countIf(p.sentiment = 'neutral') "
            # The filings on the right: the side a join holds in memory.
            f"FROM (SELECT id, published_at, likes, shares, replies, author_followers, "
            "counts_given, sentiment "
            f"FROM {POSTS} WHERE published_at >= {{since:Int64}} AND published_at < {{t:Int64}}) "
            "AS p INNER JOIN (SELECT topic_id, post_id FROM topic_filings FINAL WHERE filed = 1 "
            "AND published_at >= {since:Int64} AND published_at < {t:Int64}) AS f "
            "ON p.id = f.post_id GROUP BY f.topic_id, b",
            span,
        )

    def purged_until(self) -> datetime | None:
        until = _purged_until(self)
        return None if until is None else datetime.fromtimestamp(until, UTC)

    def drop_raw_before(self, cutoff: datetime) -> int:
        p = {"t": int(cutoff.timestamp())}
        where = "published_at < {t:Int64} AND raw != '{}'"
        n = int(self.rows(f"SELECT count() FROM {POSTS} WHERE {where}", p)[0][0])
        if n:
            # Every version's payload, not only the last one's.
            self.client.command(f"ALTER TABLE posts UPDATE raw = '{{}}' WHERE {where}{SYNC}", p)
        return n

    # -- the thread under an inbox item ----------------------------------------

    def replies_to(self, post_id: str, *, limit: int = 200) -> list[Post]:
        return [
            to_post(r)
            for r in self.rows(
                f"SELECT {READ_COLUMNS} FROM {POSTS} WHERE parent_id = {{id:String}} "
                "ORDER BY published_at, id LIMIT {n:UInt64}",
                {"id": post_id, "n": limit},
            )
        ]
