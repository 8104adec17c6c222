"""Saved topics' filings in ClickHouse (``schema.TOPIC_FILINGS``): a
topic's backlog filed in ClickHouse, ingest's filings of the posts it has
just written, and the copy of its post each filing carries, kept up with the
post's updates.

A filing's ``version`` is the tick its filing was decided at, then the
version of the post its copy comes from (:func:`rows.filing_version`): a copy
never undoes a later filing or taking out, and the newest copy wins whatever
order copies land in. A filing and an update's copy must see each other: in
one process they hold ``filing_lock``; on a server, where other processes
write, a filing reads the posts' versions back and writes again any copy
found behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from veille.store.clickhouse.filters import POSTS
from veille.store.clickhouse.refused import forgotten_rows, purged_in
from veille.store.clickhouse.rows import BATCH, FILED, filing_line, filing_version
from veille.store.clickhouse.schema import COPY_COLUMNS
from veille.store.protocols.privacy import refusals

if TYPE_CHECKING:
    from veille.analytics.scope import Scope
    from veille.store.clickhouse.privacy import ForgetLock


def _filed_at(post_version: str) -> str:
    """:func:`rows.filing_version` in SQL: the tick ``{bv:UInt64}``, then
    ``post_version`` (a column)."""
    return f"bitOr(bitShiftLeft(toUInt128({{bv:UInt64}}), 64), toUInt128({post_version}))"


class ClickHouseFilings:
    """Mixed into :class:`veille.store.clickhouse.store.ClickHouseStore`."""

    if TYPE_CHECKING:  # provided by the store class this is mixed into
        client: Any
        forget_lock: ForgetLock
        filing_lock: Any
        just_written: dict[str, tuple[int, bytes, int]]

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...

        def tick(self) -> int: ...

        def scoped(self, scope: Scope) -> tuple[str, dict[str, Any]]: ...

        def _days(self, keys: Iterable[str]) -> dict[str, set[int]]: ...

        def _on_days(
            self, columns: str, column: str, keys: list[str], days: dict[str, set[int]]
        ) -> list[list[Any]]: ...

        def write_row(self, table: str, row: dict[str, Any], version: str = "version") -> None: ...

    def topic_filed_version(self, topic_id: int) -> int | None:
        rows = self.rows(
            "SELECT version FROM topic_sync FINAL WHERE topic_id = {t:Int64}", {"t": topic_id}
        )
        return None if not rows else int(rows[0][0])

    def file_topic_backlog(self, topic_id: int, version: int, matching: Scope) -> int:
        where, params = self.scoped(matching)
        want = dict(self.rows(f"SELECT id, published_at FROM {POSTS} WHERE {where}", params))
        have = dict(
            self.rows(
                "SELECT post_id, published_at FROM topic_filings FINAL "
                "WHERE topic_id = {t:Int64} AND filed = 1",
                {"t": topic_id},
            )
        )
        new, gone = want.keys() - have.keys(), have.keys() - want.keys()
        if new:  # filed with their copies (see schema.TOPIC_FILINGS), in ClickHouse
            params.update(bt=topic_id, bv=self.tick())
            # Not beside an erasure: copies read before its deletes would
            # name the person after them (see ClickHousePrivacy). Nor beside
            # an update's copy in this process (see file_posts).
            with self.forget_lock.shared(), self.filing_lock:
                self.client.command(
                    f"INSERT INTO topic_filings ({', '.join(FILED)}) SELECT {{bt:Int64}}, "
                    f"published_at, id, 1, {_filed_at('version')}, {', '.join(COPY_COLUMNS)} "
                    f"FROM {POSTS} WHERE {where} AND id NOT IN (SELECT post_id FROM "
                    "topic_filings FINAL WHERE topic_id = {bt:Int64} AND filed = 1)",
                    params,
                )
                if self.client.shared:
                    self._refresh_copies(where, params)
        self.write_filings((topic_id, pid, 0, have[pid], None, 0) for pid in sorted(gone))
        self.write_row("topic_sync", {"topic_id": topic_id, "version": version}, "written")
        return len(new) + len(gone)

    def _refresh_copies(self, where: str, params: dict[str, Any]) -> None:
        """The copies a backlog just filed (topic ``bt``, tick ``bv`` in
        ``params``) that an update written by another process while it read
        the posts left behind, written again from the posts (on a server
        only: in one process the backlog holds ``filing_lock``)."""
        self.client.command(
            f"INSERT INTO topic_filings ({', '.join(FILED)}) SELECT {{bt:Int64}}, "
            f"p.published_at, p.id, 1, {_filed_at('p.version')}, "
            f"{', '.join(f'p.{c}' for c in COPY_COLUMNS)} "
            f"FROM (SELECT id, published_at, version, {', '.join(COPY_COLUMNS)} FROM {POSTS} "
            f"WHERE {where}) AS p INNER JOIN (SELECT post_id, "
            "toUInt64(bitAnd(version, toUInt128(18446744073709551615))) AS pv "
            "FROM topic_filings FINAL WHERE topic_id = {bt:Int64} AND filed = 1 "
            "AND toUInt64(bitShiftRight(version, 64)) = {bv:UInt64}) AS f "
            "ON p.id = f.post_id WHERE p.version > f.pv",
            params,
        )

    def forget_topic(self, topic_id: int) -> None:
        """Its filings, filed versions and purged totals (a SQLite state gives
        a later topic the id again: it counted the removed one's posts)."""
        p = {"t": topic_id}
        with self.forget_lock.shared(), self.filing_lock:
            for table in ("topic_filings", "topic_sync", "topic_purged"):
                if self.rows(f"SELECT count() FROM {table} WHERE topic_id = {{t:Int64}}", p)[0][0]:
                    self.client.command(
                        f"ALTER TABLE {table} DELETE WHERE topic_id = {{t:Int64}} "
                        "SETTINGS mutations_sync = 2",
                        p,
                    )

    def file_posts(self, filings: Sequence[tuple[str, int]]) -> None:
        """File each ``(post id, topic id)`` (the posts a topic holds, where
        its aggregations read them).

        A filing's copy must not miss an update written meanwhile: an update
        copies itself into the filings it finds, so one that came before the
        filing was there is read again here. In this process, the filing and
        an update's copy hold one lock (``filing_lock``), so one sees the
        other; on a server other processes write too, so the posts' versions
        are read back after the filing, and a copy found behind is written
        again under the filing's tick (one query per call, on a server
        only)."""
        if not filings:
            return
        with self.forget_lock.shared(), self.filing_lock:
            ids = sorted({post_id for post_id, _topic in filings})
            # Each filing carries its post's time and copy: ingest files the
            # posts it has just written, which the store remembers.
            published = {i: self.just_written[i] for i in ids if i in self.just_written}
            # Whom an erasure forgot and the posts a purge deleted, in one
            # query (refused.py).
            rows = forgotten_rows(self, [], ids)
            if len(published) < len(ids) or refusals(rows):
                # Else looked up, which also leaves out a post erased since
                # ingest stored it (see ClickHousePrivacy): its filing would
                # name it again.
                published = self._copies(ids)
            # Nor a post a retention purge deleted, read under the lock its
            # deletes take: one that deleted the post since ingest wrote it
            # (counted then in its kept totals when a filing was there)
            # would leave this filing held for good, counted again beside
            # those totals.
            gone = purged_in(self, rows, ids, {p: c[0] for p, c in published.items()})
            if gone:
                published = {p: c for p, c in published.items() if p not in gone}
            pairs = [(p, t) for p, t in dict.fromkeys(filings) if p in published]
            # Every topic's filings in one insert (one part, not one per topic).
            filed = self.write_filings((t, p, 1, *published[p]) for p, t in pairs)
            if not self.client.shared:
                return
            behind = self._behind({p: (at, v) for p, (at, _c, v) in published.items()})
            if behind:
                fresh = self._copies(behind)
                self.write_filings(((t, p, 1, *fresh[p]) for p, t in pairs if p in fresh), filed)

    def _copies(self, ids: Sequence[str]) -> dict[str, tuple[int, bytes, int]]:
        """The publication time, filing copy and version of the stored posts
        ``ids`` (their newest versions)."""
        days = self._days(ids)
        columns = f"id, published_at, version, {', '.join(COPY_COLUMNS)}"
        return {
            r[0]: (int(r[1]), orjson.dumps(r[3:]), int(r[2]))
            for r in self._on_days(columns, "id", [i for i in ids if i in days], days)
        }

    def _copy_to_filings(self, updated: dict[str, tuple[int, int, bytes]]) -> None:
        """A new copy in each filing of the posts ``updated`` (id: their
        publication time, new version and copy), under the filing's own tick
        (:func:`~veille.store.clickhouse.rows.filing_version`): it replaces
        an older copy of that filing, whenever either was written, and
        leaves a filing decided since (the post taken out of a topic, or
        filed again) and a newer copy in place."""
        ids = list(updated)
        for i in range(0, len(ids), BATCH):
            part = ids[i : i + BATCH]
            found = self.rows(
                # (The tick computed here: a UInt128 read back as JSON
                # comes as a float.)
                "SELECT topic_id, post_id, toUInt64(bitShiftRight(version, 64)) "
                "FROM topic_filings FINAL "
                "WHERE published_at IN {at:Array(Int64)} AND post_id IN {ids:Array(String)} "
                "AND filed = 1",
                {"at": sorted({updated[p][0] for p in part}), "ids": part},
            )
            self.client.insert(
                "topic_filings",
                [
                    filing_line(
                        int(t),
                        updated[p][0],
                        p,
                        1,
                        filing_version(int(tick), updated[p][1]),
                        updated[p][2],
                    )
                    for t, p, tick in found
                ],
                columns=FILED,
            )

    def _behind(self, copied: dict[str, tuple[int, int]]) -> list[str]:
        """Those of ``copied`` (id: publication time, version copied) whose
        newest stored version is above the one copied."""
        ids = list(copied)
        out = []
        for i in range(0, len(ids), BATCH):
            part = ids[i : i + BATCH]
            for post_id, version in self.rows(
                "SELECT id, max(version) FROM posts WHERE published_at IN {at:Array(Int64)} "
                "AND id IN {ids:Array(String)} GROUP BY id",
                {"at": sorted({copied[p][0] for p in part}), "ids": part},
            ):
                if int(version) > copied[post_id][1]:
                    out.append(post_id)
        return out

    def write_filings(
        self,
        changes: Iterable[tuple[int, str, int, int, bytes | None, int]],
        tick: int | None = None,
    ) -> int:
        """``(topic id, post id, 1 filed | 0 taken out, its published_at, the
        copy of the post a filing carries, the post version it comes from (0:
        none))``, of any topics, in one insert (one part), decided at
        ``tick`` (a new one by default), which is returned."""
        tick = self.tick() if tick is None else tick
        self.client.insert(
            "topic_filings",
            [
                filing_line(t, at, pid, filed, filing_version(tick, pv), copy)
                for t, pid, filed, at, copy, pv in changes
            ],
            columns=FILED,
        )
        return tick
