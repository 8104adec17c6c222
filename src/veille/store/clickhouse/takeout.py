"""Taking erased posts out of the rollups ClickHouse keeps from posts, and
what a cut or staged erasure leaves (the ``erasing_*`` staging tables) and
how it is settled: the rollups there are (:class:`Rollup`), the take-out of
a chunk of posts staged in tables of its own, then moved in once marked
(:meth:`ClickHouseTakeOut._settle_staged`), and the erasures a killed
process cut (:meth:`ClickHouseTakeOut.settle_cut_erasures`). The erasure
itself is :mod:`veille.store.clickhouse.privacy`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from veille.errors import StoreError, tr
from veille.store.clickhouse.filters import POSTS
from veille.store.protocols.privacy import author_key, erased_until, left_stored

if TYPE_CHECKING:
    from veille.store.clickhouse.privacy import ForgetLock

_TARGET = re.compile(r"^CREATE MATERIALIZED VIEW \S+ TO (?:`?[^`.\s]+`?\.)?`?([^`\s(]+)`?")
_SUMMED = re.compile(r"SummingMergeTree\(\(?([^)]*)\)?\)")
#: The names of the tables an erasure stages a take-out from the rollups in
#: (:meth:`ClickHouseTakeOut._stage_take_out`) begin so.
_STAGING = "erasing_"
#: The ``veille_meta`` key saying that the posts were read once for erasures
#: cut before they were recorded (:meth:`ClickHouseTakeOut.erasures_left`).
_SCANNED = "erasures_scanned"


@dataclass(frozen=True)
class Rollup:
    """A table a materialized view keeps from ``posts``."""

    table: str
    select: str  # the view's SELECT, reading ``posts``
    keys: tuple[str, ...]
    sums: tuple[str, ...]
    columns: frozenset[str]

    @property
    def per_author(self) -> bool:
        return "handle" in self.columns

    @property
    def per_post(self) -> bool:
        """Keyed by a hash of each post's id (``post_keys``)."""
        return "key_hash" in self.columns


class ClickHouseTakeOut:
    """Mixed into :class:`~veille.store.clickhouse.store.ClickHouseStore`."""

    if TYPE_CHECKING:  # given by ClickHouseStore
        client: Any
        forget_lock: ForgetLock

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...

        def _forgotten(self) -> dict[str, int]: ...

        def write_row(self, table: str, row: dict[str, Any], version: str = "version") -> None: ...

    # -- the rollups there are -------------------------------------------------

    def _rollups(self) -> list[Rollup]:
        """Every rollup kept from ``posts``: two reads (the views; then the
        columns and engine of every table they keep), whatever their number
        (a read of the system tables per rollup cost an erasure ten queries)."""
        found: list[Rollup] = []
        views = self.rows(
            "SELECT name, as_select, create_table_query, currentDatabase() FROM system.tables "
            "WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY name"
        )
        kept: list[tuple[str, str, str]] = []  # (view, table, select)
        for name, select, create, db in views:
            source = f"FROM {db}.posts"
            match = _TARGET.match(create)
            if match is not None and source in select:
                kept.append(
                    (name, match.group(1), select.replace(source, "FROM ({latest}) AS posts"))
                )
        if not kept:
            return found
        engines: dict[str, str] = {}
        columns: dict[str, list[tuple[str, str, int]]] = {}
        for table, engine, column, kind, key in self.rows(
            "SELECT c.table, t.engine_full, c.name, c.type, c.is_in_sorting_key "
            "FROM system.columns AS c INNER JOIN system.tables AS t "
            "ON t.database = c.database AND t.name = c.table "
            "WHERE c.database = currentDatabase() AND c.table IN {t:Array(String)} "
            "ORDER BY c.table, c.position",
            {"t": sorted({table for _n, table, _s in kept})},
        ):
            engines[table] = engine
            columns.setdefault(table, []).append((column, kind, key))
        for name, table, body in kept:
            engine = engines.get(table, "")
            if not engine.startswith("SummingMergeTree"):
                raise StoreError(
                    tr(
                        "the view %(name)s keeps %(table)s (%(value)s), which "
                        "erasure cannot take posts out of",
                        name=name,
                        table=table,
                        value=engine or tr("no table"),
                    ),
                    hint=tr("Keep rollups of posts in SummingMergeTree tables."),
                )
            cols = columns[table]
            named = _SUMMED.match(engine)
            listed = [c.strip() for c in named.group(1).split(",")] if named else []
            if listed and listed != [""]:
                sums = tuple(listed)
            else:
                sums = tuple(
                    c for c, t, key in cols if not key and re.match(r"U?Int|Float|Decimal", t)
                )
            keys = tuple(c for c, _t, _k in cols if c not in sums)
            found.append(Rollup(table, body, keys, sums, frozenset(c for c, _t, _k in cols)))
        return found

    def _stage_take_out(
        self, rollups: list[Rollup], ids: list[str], removed: dict[str, int], token: str
    ) -> list[tuple[str, str]]:
        """Write the current versions of ``ids``, negated, as each of
        ``rollups`` would count them, into staging tables of their own
        (``erasing_<token>__<rollup>``, made like the rollup): nothing is
        taken out of a rollup yet (:meth:`_settle_staged` moves them in).
        The ``(staging table, rollup)`` pairs made, a staging left empty
        dropped. What each rollup counts of them is read from the staging
        tables, in one query: the posts are read once per rollup, to stage
        (a read of them per rollup counted it first, scanning the posts
        again)."""
        latest = (
            f"SELECT * REPLACE (toInt8(0) AS prev_posts) FROM {POSTS} "
            "WHERE id IN {ids:Array(String)}"
        )
        made = []
        for r in rollups:
            select = r.select.replace("{latest}", latest)
            cols = ", ".join([*r.keys, *r.sums])
            picked = ", ".join([*r.keys, *(f"-{s} AS {s}" for s in r.sums)])
            staging = f"{_STAGING}{token}__{r.table}"
            self.client.command(f"CREATE TABLE IF NOT EXISTS {staging} AS {r.table}")
            self.client.command(
                f"INSERT INTO {staging} ({cols}) SELECT {picked} FROM ({select})", {"ids": ids}
            )
            made.append((staging, r.table))
        if not made:
            return []
        counts = self.rows(
            "SELECT " + ", ".join(f"(SELECT count() FROM {staging})" for staging, _t in made)
        )[0]
        kept = []
        for (staging, table), n in zip(made, counts, strict=True):
            if n:
                removed[table] = removed.get(table, 0) + int(n)
                kept.append((staging, table))
            else:  # nothing of theirs there: no move, no merge of the rollup
                self.client.command(f"DROP TABLE IF EXISTS {staging} SYNC")
        return kept

    def _settle_staged(self, marked: list[tuple[str, str]] | None = None) -> None:
        """Finish or undo the take-outs staged by :meth:`_stage_take_out`: one
        whose mark (``staged`` in ``forgotten``, written in one insert with
        its posts' ``taken``) is there has its staging tables moved into the
        rollups (``MOVE PARTITION``: each part leaves the staging table as it
        joins the rollup, so a part is never counted twice, and one already
        moved is not moved again); one without (its process was killed
        before the mark) is dropped, and its posts, not marked taken, are
        taken out again. Either way no post is taken out of a rollup twice,
        whenever a process is killed. Call it under :attr:`forget_lock`
        (exclusive). ``marked``: the ``(staging table, rollup)`` pairs of a
        take-out this hold of the lock staged and marked, moved in without
        looking for others (the hold began by settling those)."""
        if marked is None:
            found: dict[str, list[tuple[str, str]]] = {}
            for (name,) in self.rows(
                "SELECT name FROM system.tables WHERE database = currentDatabase() "
                "AND startsWith(name, {p:String}) ORDER BY name",
                {"p": _STAGING},
            ):
                token, _, table = name[len(_STAGING) :].partition("__")
                found.setdefault(token, []).append((name, table))
            if not found:
                return
            tokens = sorted(found)
        else:
            if not marked:
                return
            found, tokens = {"": marked}, []
        # The marks and the staged parts in one read: ("staged", token) and
        # (staging table, partition id) rows (a table's name begins with
        # erasing_, never "staged").
        staged = [name for pairs in found.values() for name, _t in pairs]
        read = self.rows(
            "SELECT 'staged', key FROM forgotten WHERE kind = 'staged' "
            "AND key IN {k:Array(String)} "
            "UNION ALL SELECT DISTINCT table, partition_id FROM system.parts WHERE active "
            "AND database = currentDatabase() AND table IN {t:Array(String)}",
            {"k": tokens, "t": staged},
        )
        done = {str(k) for kind, k in read if kind == "staged"}
        parts: dict[str, list[str]] = {}
        for table, part in read:
            if table != "staged":
                parts.setdefault(str(table), []).append(str(part))
        for token, tables in sorted(found.items()):
            for staging, table in tables:
                if marked is not None or token in done:
                    for part in sorted(parts.get(staging, [])):
                        # (A partition id is made of letters, digits, _ and -.)
                        pid = re.sub(r"[^\w-]", "", part)
                        self.client.command(
                            f"ALTER TABLE {staging} MOVE PARTITION ID '{pid}' TO TABLE {table}"
                        )
                    # Keys whose sums are now zero (a hashtag or a link only
                    # they used) would stay until a merge: merge now, which
                    # drops them.
                    self.client.command(f"OPTIMIZE TABLE {table} FINAL")
                self.client.command(f"DROP TABLE IF EXISTS {staging} SYNC")

    def erasures_left(self) -> list[tuple[str | None, str]] | None:
        """Whose erasure was cut midway, their posts still stored
        (:func:`~veille.store.protocols.privacy.left_stored`), with no
        take-out staged: one read of the posts by author, none where no
        erasure was recorded. None, reading nothing, once
        :meth:`mark_erasures_scanned` said that what it found was recorded
        (``veille_meta`` key ``erasures_scanned``)."""
        if self.rows("SELECT 1 FROM veille_meta FINAL WHERE key = {k:String}", {"k": _SCANNED}):
            return None
        records = self.rows(
            "SELECT kind, key, max(erased_at) FROM forgotten WHERE kind = 'author' "
            "GROUP BY kind, key"
        )
        if not records:
            return []
        firsts = self.rows(
            f"SELECT platform, lowerUTF8(author_handle), min(published_at) FROM {POSTS} "
            "GROUP BY platform, lowerUTF8(author_handle)"
        )
        return left_stored(records, firsts)

    def mark_erasures_scanned(self) -> None:
        """What :meth:`erasures_left` found is recorded unfinished: an
        erasure begun since is recorded so as it begins (PostgreSQL 0130),
        so it need not read the posts again."""
        self.write_row("veille_meta", {"key": _SCANNED, "value": "done"})

    def settle_cut_erasures(self) -> list[tuple[str | None, str]]:
        """Settle the take-outs a killed erasure staged (``erasing_*``,
        :meth:`_settle_staged`: moved in where marked, dropped where not, so
        no post is taken out twice and none that was not the person's), and
        name whose erasure was cut: ``(platform, or None for every one,
        handle)`` of each person an erasure recorded whose posts are still
        stored. An erasure killed before it was recorded unfinished (a
        release before SQLite migration 0640, PostgreSQL 0130) leaves no
        other trace. One read when nothing is staged. Under the forget lock:
        a running erasure stages and settles within one hold of it, so only
        a dead one's tables are found."""
        staged = self.rows(
            "SELECT count() FROM system.tables WHERE database = currentDatabase() "
            "AND startsWith(name, {p:String})",
            {"p": _STAGING},
        )
        if not staged[0][0]:
            return []
        with self.forget_lock.exclusive():
            self._settle_staged()
        # Read after letting go: a scan of every post keeps no writer waiting.
        forgotten = self._forgotten()
        cut: set[tuple[str | None, str]] = set()
        for platform, handle, first in self.rows(
            f"SELECT platform, lowerUTF8(author_handle), min(published_at) FROM {POSTS} "
            "GROUP BY platform, lowerUTF8(author_handle)"
        ):
            until = erased_until(forgotten, str(platform), str(handle))
            if until is not None and int(first) <= until:
                everywhere = author_key(None, str(handle)) in forgotten
                cut.add((None if everywhere else str(platform), str(handle)))
        return sorted(cut, key=lambda c: (c[1], c[0] or ""))
