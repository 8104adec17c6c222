"""What ClickHouse's rollups count of posts it no longer holds (a retention
purge deletes posts, not their rows there), and adding such figures from
another store: ``veille store migrate`` carries them with the posts
(:mod:`veille.store.purged`). ``store`` is a :class:`ClickHouseStore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from veille.store.clickhouse.filters import POSTS
from veille.store.clickhouse.rows import encode
from veille.store.protocols.privacy import PURGED, PURGED_UNNAMED, post_key
from veille.store.purged import topic_totals

_CHUNK = 5000
CUBE = ("bucket", "platform", "lang", "country", "sentiment",
        "posts", "engagement", "reach", "counted", "followed")  # fmt: skip
ENTITY = ("kind", "day", "value", "posts", "engagement")
ENG = "(likes + shares + replies)"


def purged_cube(store: Any) -> list[tuple[Any, ...]]:
    """``(quarter-hour, platform, language, country, sentiment, posts,
    engagement, reach, posts that gave counts, posts that gave followers)``
    that ``post_rollup`` counts beyond the posts held."""
    return [
        (int(b), str(pf), str(lg), str(c), str(s), *map(int, m))
        for b, pf, lg, c, s, *m in store.rows(
            "SELECT b, pf, lg, c, s, sum(n) AS sn, sum(e) AS se, sum(r) AS sr, sum(g) AS sg, "
            "sum(f) AS sf FROM ("
            "SELECT bucket AS b, toString(platform) AS pf, toString(lang) AS lg, "
            "toString(country) AS c, toString(sentiment) AS s, toInt64(posts) AS n, "
            "toInt64(engagement) AS e, toInt64(reach) AS r, toInt64(counted) AS g, "
            "toInt64(followed) AS f FROM post_rollup UNION ALL "
            "SELECT intDiv(published_at, 900), toString(platform), ifNull(lang, ''), "
            "ifNull(country, ''), ifNull(sentiment, ''), toInt64(-1), "
            f"-toInt64{ENG}, -toInt64(ifNull(author_followers, 0)), "
            "-toInt64(counts_given != 0), -toInt64(isNotNull(author_followers)) "
            f"FROM {POSTS}) GROUP BY b, pf, lg, c, s "
            "HAVING sn != 0 OR se != 0 OR sr != 0 OR sg != 0 OR sf != 0 "
            "ORDER BY b, pf, lg, c, s"
        )
    ]


def add_cube(store: Any, rows: Sequence[Sequence[Any]]) -> None:
    """Add rows of :func:`purged_cube`'s shape to ``post_rollup``."""
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i : i + _CHUNK]
        store.client.insert("post_rollup", [encode(dict(zip(CUBE, r, strict=True))) for r in chunk])


# ``veille_meta``'s key naming the mark (:func:`purge_mark`) of the last
# purge whose deletes finished (see schema.ENTITY_PURGED).
ENTITY_PURGED_DONE = "entity_purged_done"
# ``veille_meta``'s key naming the mark of the last purge whose counts
# (``topic_purged`` and ``entity_purged``) were all written, before its
# deletes: see :func:`stopped_purge`.
ENTITY_PURGED_COUNTED = "entity_purged_counted"
# ``veille_meta``'s key naming the latest mark of a purge whose filings are
# deleted: a read of a saved topic adds the ``topic_purged`` rows of that
# mark or an earlier one (:data:`SHOWN`), not those of a purge stopped (or
# running) before then, whose posts its filings still count.
TOPIC_PURGED_SHOWN = "topic_purged_shown"
# ``veille_meta``'s key naming the cutoff (seconds) of the purge whose mark
# :data:`ENTITY_PURGED_COUNTED` is (its rows' ``upto``, which may lie above
# it: :func:`purge_mark`), written with it.
PURGE_CUTOFF = "entity_purged_cutoff"


#: The ``topic_purged`` rows a read adds to the filings held (every row
#: where no purge said which: a store no purge of this release ran on).
SHOWN = (
    "upto <= ifNull((SELECT max(toInt64OrNull(value)) FROM veille_meta FINAL "
    f"WHERE key = '{TOPIC_PURGED_SHOWN}'), {2**63 - 1})"
)
#: The ``entity_purged`` rows a read adds to the posts held at a period's
#: edge: those of purges whose posts' delete finished
#: (:data:`ENTITY_PURGED_DONE`, written once it did), not those of a purge
#: stopped (or running) before then, whose posts are still held; where no
#: purge finished, those counted by none (``upto`` 0: carried by
#: ``veille store migrate``).
ENTITY_SHOWN = (
    "upto <= ifNull((SELECT max(toInt64OrNull(value)) FROM veille_meta FINAL "
    f"WHERE key = '{ENTITY_PURGED_DONE}'), 0)"
)
# A post's hashtags (lower-cased, as entity_rollup's view) and domains, each
# value once per post, as ``(kind, value)`` tuples.
_VALUES = (
    "arrayConcat(arrayMap(v -> ('hashtags', v), arrayDistinct(arrayMap(x -> lower(x), "
    "hashtags))), arrayMap(v -> ('domains', v), arrayDistinct(domains)))"
)


#: Where a purge counts from when it need not leave any post out.
EVERY = -(2**62)


def _meta(store: Any, key: str) -> int | None:
    found = store.rows("SELECT value FROM veille_meta FINAL WHERE key = {k:String}", {"k": key})
    return int(found[0][0]) if found else None


def count_from(store: Any, table: str) -> int | None:
    """Where a purge's count into ``table`` (``topic_purged``,
    ``entity_purged``) starts: every post held published before its cutoff
    is counted (:data:`EVERY`; a post that came in after a purge, older
    than its cutoff, with them), a purge stopped after its counts being
    finished first (:func:`stopped_purge`). ``None``: no purge of this store
    marked anything (each table then goes as it did before the marks).

    Rows above both marks (:data:`ENTITY_PURGED_DONE`,
    :data:`ENTITY_PURGED_COUNTED`) are those of a purge that stopped while
    it counted: they go first."""
    done, counted = _meta(store, ENTITY_PURGED_DONE), _meta(store, ENTITY_PURGED_COUNTED)
    if done is None and counted is None:
        return None
    floor = max(m for m in (done, counted) if m is not None)
    if store.rows(f"SELECT count() FROM {table} WHERE upto > {{d:Int64}}", {"d": floor})[0][0]:
        store.client.command(
            f"ALTER TABLE {table} DELETE WHERE upto > {{d:Int64}} SETTINGS mutations_sync = 2",
            {"d": floor},
        )
    return EVERY


def purge_mark(store: Any, cutoff: int) -> int:
    """The ``upto`` a purge at ``cutoff`` (seconds) writes its counts under
    and marks (:func:`mark_counted`, :func:`show_counts`, :func:`mark_done`):
    its cutoff, or just above every mark where an earlier purge reached
    further (retention lengthened since). A read tells its rows from every
    earlier purge's by it (until 2026-12-07 they went under the cutoff:
    below the marks, a read added them while their posts were held, and a
    purge stopped while it counted left them there to be counted again)."""
    marks = [
        _meta(store, k) for k in (ENTITY_PURGED_DONE, ENTITY_PURGED_COUNTED, TOPIC_PURGED_SHOWN)
    ]
    return max([cutoff, *(m + 1 for m in marks if m is not None)])


def stopped_purge(store: Any) -> tuple[int, int] | None:
    """``(mark, cutoff)`` of the last purge where it marked its counts
    written and not its deletes done (stopped between the two): its rows'
    ``upto`` and the cutoff (seconds) before which it counted the posts.
    (A purge of a release before 2026-12-07 marked no cutoff: it wrote
    its rows under it.)"""
    if not stopped_after_counts(store):
        return None
    counted = _meta(store, ENTITY_PURGED_COUNTED)
    assert counted is not None
    cutoff = _meta(store, PURGE_CUTOFF)
    return counted, counted if cutoff is None else cutoff


def record_purged(
    store: Any, cutoff: int, names_from: int | None = None, *, again: bool = False
) -> None:
    """Name the posts published before ``cutoff`` (seconds) in ``forgotten``
    as a retention purge's (``PURGED``), before it deletes them, under the
    lock writes of posts share: a write after the purge leaves them out
    (:func:`purged_among`), whatever the retention then, and one before it
    is deleted and counted with them. Not those published before
    ``names_from``, all left out (:func:`let_names_go`). ``again``: a purge
    stopped after its counts (:func:`stopped_purge`) is finished, and may
    have named some: they are not named twice (the table keeps every
    row)."""
    found = store.rows(
        f"SELECT id, min(published_at) FROM {POSTS} WHERE published_at < {{t:Int64}} "
        "AND published_at >= {f:Int64} GROUP BY id",
        {"t": cutoff, "f": -(2**62) if names_from is None else names_from},
    )
    rows = [(post_key(str(post_id)), int(at)) for post_id, at in found]
    if again:
        named: set[str] = set()
        for start in range(0, len(rows), _CHUNK):
            named.update(
                str(r[0])
                for r in store.rows(
                    "SELECT DISTINCT key FROM forgotten WHERE kind = {kind:String} "
                    "AND key IN {k:Array(String)}",
                    {"kind": PURGED, "k": [k for k, _at in rows[start : start + _CHUNK]]},
                )
            )
        rows = [(k, at) for k, at in rows if k not in named]
    for start in range(0, len(rows), _CHUNK * 10):
        store.client.insert(
            "forgotten",
            [
                encode({"kind": PURGED, "key": key, "erased_at": at})
                for key, at in rows[start : start + _CHUNK * 10]
            ],
        )


def stopped_after_counts(store: Any) -> bool:
    """Whether the last purge marked its counts written and not its deletes
    done (stopped between the two)."""
    done, counted = _meta(store, ENTITY_PURGED_DONE), _meta(store, ENTITY_PURGED_COUNTED)
    return counted is not None and (done is None or counted > done)


def names_held_from(store: Any) -> int | None:
    """The second before which no purged post is named (``PURGED_UNNAMED``)."""
    found = store.rows(
        "SELECT max(erased_at) FROM forgotten WHERE kind = {k:String} HAVING count() > 0",
        {"k": PURGED_UNNAMED},
    )
    return int(found[0][0]) if found else None


def let_names_go(store: Any, before: int) -> None:
    """Leave out every post published before ``before`` (seconds) from the
    writes (``PURGED_UNNAMED``), then let the names of those a purge deleted
    go: a name is kept as long as its post was (a purge passes its cutoff
    less the retention period). One mutation of ``forgotten`` a day."""
    row = {"kind": PURGED_UNNAMED, "key": "", "erased_at": before}
    store.client.insert("forgotten", [encode(row)])
    where = "kind = {k:String} AND erased_at < {t:Int64}"
    p = {"k": PURGED, "t": before}
    if store.rows(f"SELECT count() FROM forgotten WHERE {where}", p)[0][0]:
        store.client.command(
            f"ALTER TABLE forgotten DELETE WHERE {where} SETTINGS mutations_sync = 2", p
        )


def purged_until(store: Any) -> int | None:
    """The second from which no post a retention purge deleted was
    published: just after the latest named, or the cutoff before which
    none is named."""
    found = store.rows(
        "SELECT max(if(kind = {named:String}, erased_at + 1, erased_at)) FROM forgotten "
        "WHERE kind IN ({named:String}, {old:String}) HAVING count() > 0",
        {"named": PURGED, "old": PURGED_UNNAMED},
    )
    return int(found[0][0]) if found else None


def purged_among(store: Any, posts: Sequence[tuple[str, int]]) -> set[str]:
    """The ids of ``posts`` (``(id, publication in seconds)``) that a
    retention purge deleted (:func:`record_purged`), or published before the
    cutoff of one made before purges named their posts
    (:func:`keep_unnamed_cutoff`). Read under the lock a purge holds from
    its counts to its last delete."""
    if not posts:
        return set()
    keys = {post_key(i): i for i, _at in posts}
    names = list(keys)
    found: set[str] = set()
    before: int | None = None
    for start in range(0, len(names), _CHUNK):
        # (One query: the names and the older purges' cutoff.)
        for kind, key, at in store.rows(
            "SELECT kind, key, max(erased_at) FROM forgotten "
            "WHERE (kind = {kind:String} AND key IN {k:Array(String)}) OR kind = {old:String} "
            "GROUP BY kind, key",
            {"kind": PURGED, "k": names[start : start + _CHUNK], "old": PURGED_UNNAMED},
        ):
            if kind == PURGED_UNNAMED:
                before = int(at)
            else:
                found.add(keys[key])
    if before is not None:
        found.update(i for i, at in posts if at < before)
    return found


def keep_unnamed_cutoff(store: Any) -> None:
    """Schema 17: the purges made before named no post; the latest cutoff
    they reached (their marks in ``veille_meta``) is kept in ``forgotten``,
    and a write leaves out every post published before it, as it did."""
    found = store.rows(
        "SELECT max(toInt64OrNull(value)) FROM veille_meta FINAL WHERE key IN {k:Array(String)}",
        {"k": [ENTITY_PURGED_COUNTED, ENTITY_PURGED_DONE]},
    )
    if found and found[0][0] is not None:
        row = {"kind": PURGED_UNNAMED, "key": "", "erased_at": int(found[0][0])}
        store.client.insert("forgotten", [encode(row)])


def mark_counted(store: Any, mark: int, cutoff: int) -> None:
    """Say that a purge at ``cutoff`` (seconds) wrote all its counts, under
    ``mark`` (:func:`purge_mark`), before its deletes (see
    :func:`stopped_purge`): both in one insert, never one without the
    other."""
    rows = [
        {"key": ENTITY_PURGED_COUNTED, "value": str(mark), "version": store.tick()},
        {"key": PURGE_CUTOFF, "value": str(cutoff), "version": store.tick()},
    ]
    store.client.insert("veille_meta", [encode(r) for r in rows])


def mark_done(store: Any, mark: int) -> None:
    """Say that the purge that counted under ``mark`` (:func:`purge_mark`)
    deleted its posts: a read adds its rows of ``entity_purged``
    (:data:`ENTITY_SHOWN`)."""
    done = _meta(store, ENTITY_PURGED_DONE)
    upto = max(mark, done if done is not None else mark)
    store.write_row("veille_meta", {"key": ENTITY_PURGED_DONE, "value": str(upto)})


def hide_counts(store: Any) -> None:
    """Before a purge's first counts: where no purge said which rows of
    ``topic_purged`` a read adds (:data:`SHOWN`), every row there until now
    (those of the latest cutoff whose deletes finished, or every one where
    none is marked), not the ones it is about to write."""
    if _meta(store, TOPIC_PURGED_SHOWN) is not None:
        return
    done = _meta(store, ENTITY_PURGED_DONE)
    if done is None:
        done = int(store.rows("SELECT max(upto) FROM topic_purged")[0][0] or 0)
    store.write_row("veille_meta", {"key": TOPIC_PURGED_SHOWN, "value": str(done)})


def show_counts(store: Any, mark: int) -> None:
    """Once the purge that counted under ``mark`` (:func:`purge_mark`)
    deleted the filings it counted: a read adds its rows of
    ``topic_purged`` (and those of every earlier purge) from now on."""
    shown = _meta(store, TOPIC_PURGED_SHOWN)
    upto = max(mark, shown if shown is not None else mark)
    store.write_row("veille_meta", {"key": TOPIC_PURGED_SHOWN, "value": str(upto)})


def keep_entity_quarters(store: Any, cutoff: int, mark: int) -> None:
    """Add the hashtags and domains of every post published before
    ``cutoff`` (seconds) to ``entity_purged``, per quarter-hour, under
    ``mark`` (:func:`purge_mark`), before a retention purge deletes them: a
    period's edge inside a purged day reads them there. Rows of a purge
    that stopped before its counts were all written count posts still held:
    they go first, so nothing counts twice, and a post that came in after a
    purge, older than its cutoff, is counted by the next one
    (:func:`count_from`)."""
    since = count_from(store, "entity_purged")
    if since is None:  # no purge marked yet: rows above 0 are a stopped one's
        if store.rows("SELECT count() FROM entity_purged WHERE upto > 0")[0][0]:
            store.client.command(
                "ALTER TABLE entity_purged DELETE WHERE upto > 0 SETTINGS mutations_sync = 2"
            )
        since = EVERY
    store.client.command(
        "INSERT INTO entity_purged (kind, bucket, value, posts, engagement, upto) "
        "SELECT kv.1, intDiv(published_at, 900) AS b, kv.2, count(), sum(e), {m:Int64} "
        f"FROM (SELECT published_at, {ENG} AS e, arrayJoin({_VALUES}) AS kv FROM {POSTS} "
        "WHERE published_at >= {since:Int64} AND published_at < {t:Int64}) "
        "GROUP BY kv.1, b, kv.2",
        {"t": cutoff, "since": since, "m": mark},
    )


def purged_entity_quarters(store: Any) -> list[tuple[str, int, str, int, int]]:
    """``(kind, quarter-hour, value, posts, engagement)`` that ``entity_purged``
    keeps of the hashtags and domains of purged posts: those a read adds
    (:data:`ENTITY_SHOWN`), not a stopped purge's whose posts are still
    held (the new store holds them)."""
    return [
        (str(k), int(b), str(v), int(n), int(e))
        for k, b, v, n, e in store.rows(
            "SELECT toString(kind) AS k, bucket, value, sum(posts) AS n, sum(engagement) AS e "
            f"FROM entity_purged WHERE {ENTITY_SHOWN} GROUP BY k, bucket, value "
            "HAVING n != 0 OR e != 0 "
            "ORDER BY k, bucket, value"
        )
    ]


def add_entity_quarters(store: Any, rows: Sequence[Sequence[Any]]) -> None:
    """Add rows of :func:`purged_entity_quarters`' shape to ``entity_purged``
    (as counted by no purge of this store: ``upto`` 0)."""
    names = ("kind", "bucket", "value", "posts", "engagement")
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i : i + _CHUNK]
        store.client.insert(
            "entity_purged",
            [encode({**dict(zip(names, r, strict=True)), "upto": 0}) for r in chunk],
        )


def purged_entities(store: Any) -> list[tuple[str, int, str, int, int]]:
    """``(kind, UTC day, value, posts, engagement)`` that ``entity_rollup``
    counts beyond the posts held (hashtags lower-cased as its view does)."""
    held = " UNION ALL ".join(
        f"SELECT '{kind}', intDiv(published_at, 86400), arrayJoin(arrayDistinct({values})), "
        f"toInt64(-1), -toInt64{ENG} FROM {POSTS}"
        for kind, values in (
            ("hashtags", "arrayMap(x -> lower(x), hashtags)"),
            ("domains", "domains"),
        )
    )
    return [
        (str(k), int(d), str(v), int(n), int(e))
        for k, d, v, n, e in store.rows(
            "SELECT k, d, v, sum(n) AS sn, sum(e) AS se FROM ("
            "SELECT toString(kind) AS k, day AS d, value AS v, toInt64(posts) AS n, "
            f"toInt64(engagement) AS e FROM entity_rollup UNION ALL {held}) "
            "GROUP BY k, d, v HAVING sn != 0 OR se != 0 ORDER BY k, d, v"
        )
    ]


def add_entities(store: Any, rows: Sequence[Sequence[Any]]) -> None:
    """Add rows of :func:`purged_entities`'s shape to ``entity_rollup``."""
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i : i + _CHUNK]
        store.client.insert(
            "entity_rollup", [encode(dict(zip(ENTITY, r, strict=True))) for r in chunk]
        )


def purged_authors(store: Any) -> list[tuple[Any, ...]]:
    """``(UTC day, platform, handle, posts, engagement, followers, name)``
    that ``author_rollup`` counts beyond the posts held (the days a purge
    keeps), with the largest follower count and name among its rows still
    counting posts."""
    return [
        (int(d), str(pf), str(h), int(n), int(e), int(f), name if named else None)
        for d, pf, h, n, e, f, named, name in store.rows(
            "SELECT d, pf, h, sum(n) AS sn, sum(e) AS se, max(f), max(nd), "
            "maxIf(nm, nd = 1) FROM ("
            "SELECT day AS d, toString(platform) AS pf, handle AS h, toInt64(sum(posts)) AS n, "
            "toInt64(sum(engagement)) AS e, if(n > 0, followers, 0) AS f, "
            "if(n > 0, named, 0) AS nd, name AS nm "
            "FROM author_rollup GROUP BY day, platform, handle, followers, named, name "
            "UNION ALL SELECT intDiv(published_at, 86400), toString(platform), author_handle, "
            f"toInt64(-1), -toInt64{ENG}, 0, 0, '' FROM {POSTS}) "
            "GROUP BY d, pf, h HAVING sn != 0 OR se != 0 ORDER BY d, pf, h"
        )
    ]


AUTHOR = ("day", "platform", "handle", "posts", "engagement", "followers", "named", "name")


def add_authors(store: Any, rows: Sequence[Sequence[Any]]) -> None:
    """Add rows of :func:`purged_authors`'s shape to ``author_rollup``."""
    for i in range(0, len(rows), _CHUNK):
        chunk = [(*r[:6], int(r[6] is not None), r[6] or "") for r in rows[i : i + _CHUNK]]
        store.client.insert(
            "author_rollup", [encode(dict(zip(AUTHOR, r, strict=True))) for r in chunk]
        )


class ClickHousePurged:
    """Mixed into :class:`~veille.store.clickhouse.store.ClickHouseStore`:
    what its rollups count of the posts it no longer holds, read and added
    (the PostStore calls ``veille store migrate`` makes)."""

    if TYPE_CHECKING:  # given by ClickHouseStore
        client: Any

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...

    def purged_topic_totals(self) -> list[tuple[int, ...]]:
        """What each saved topic counts of posts this store no longer holds
        (``topic_purged``): ``(topic id, quarter-hour, posts, engagement,
        reach, posts that gave counts, posts that gave followers, positive,
        negative, neutral)``. ``veille store migrate`` carries them with the
        posts: those a read adds (:data:`SHOWN`), not a stopped purge's whose
        posts are still filed (the new store files the posts it holds)."""
        return [
            tuple(int(v) for v in row)
            for row in self.rows(
                "SELECT topic_id, bucket, sum(posts) AS n, sum(engagement) AS e, "
                "sum(reach) AS r, sum(counted) AS g, sum(followed) AS f, sum(positive) AS pos, "
                f"sum(negative) AS neg, sum(neutral) AS neu FROM topic_purged WHERE {SHOWN} "
                "GROUP BY topic_id, bucket HAVING n != 0 OR e != 0 OR r != 0 OR g != 0 "
                "OR f != 0 OR pos != 0 OR neg != 0 OR neu != 0 ORDER BY topic_id, bucket"
            )
        ]

    def add_purged_topic_totals(self, rows: Sequence[tuple[int, ...]]) -> None:
        """Add rows of :meth:`purged_topic_totals`'s shape (of posts held
        elsewhere before; a row without its last counts covers what its sums
        tell: :func:`~veille.store.purged.topic_totals`) to ``topic_purged``;
        as counted by no purge of this store (``upto`` 0), so its next purge
        counts every post it holds."""
        names = (
            "topic_id", "bucket", "posts", "engagement", "reach", "counted", "followed",
            "positive", "negative", "neutral",
        )  # fmt: skip
        for i in range(0, len(rows), _CHUNK):
            chunk = [topic_totals(r) for r in rows[i : i + _CHUNK]]
            self.client.insert(
                "topic_purged",
                [encode({**dict(zip(names, r, strict=True)), "upto": 0}) for r in chunk],
            )

    def purged_rollup(self) -> list[tuple[Any, ...]]:
        """What ``post_rollup`` counts of posts this store no longer holds (a
        retention purge deletes posts, not their rows there): ``(quarter-hour,
        platform, language, country, sentiment, posts, engagement, reach,
        posts that gave counts, posts that gave followers)``. ``veille store
        migrate`` carries them with the posts."""
        return purged_cube(self)

    def add_purged_rollup(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_rollup`'s shape (of posts held elsewhere
        before) to ``post_rollup``."""
        add_cube(self, rows)

    def purged_entities(self) -> list[tuple[str, int, str, int, int]]:
        """``(kind, UTC day, value, posts, engagement)`` the hashtags and
        domains rollup counts of posts this store no longer holds."""
        return purged_entities(self)

    def add_purged_entities(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_entities`'s shape to ``entity_rollup``."""
        add_entities(self, rows)

    def purged_entity_quarters(self) -> list[tuple[str, int, str, int, int]]:
        """``(kind, quarter-hour, value, posts, engagement)`` of the hashtags
        and domains of posts this store no longer holds (``entity_purged``)."""
        return purged_entity_quarters(self)

    def add_purged_entity_quarters(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_entity_quarters`' shape to ``entity_purged``."""
        add_entity_quarters(self, rows)

    def purged_authors(self) -> list[tuple[Any, ...]]:
        """``(UTC day, platform, handle, posts, engagement, followers, name)``
        ``author_rollup`` counts of posts this store no longer holds."""
        return purged_authors(self)

    def add_purged_authors(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_authors`'s shape to ``author_rollup``."""
        add_authors(self, rows)
