"""A column copy of the posts, for dashboards over ad-hoc queries.

The whole workspace and saved topics are answered from rollup tables, kept
exact by triggers. An ad-hoc query (words typed into a search box) has none:
SQLite then reads every matching post, about 1 µs apiece, so a query that
matches 100,000 posts a month takes 200–600 ms per panel at 1M posts.

A long-lived process that serves dashboards (the web app to come, the
benchmark) calls ``keep_columns()`` on its store: the copy then belongs to that
store object (no module-level cache), and a lock lets one thread at a time
bring it up to date and cut a selection from it. From then on, an aggregation
over a scope restricted by full-text queries or by a saved topic:

1. reads the keys of the matching posts of its period from the index (or from
   ``post_topics``) as one string, parsed by NumPy;
2. finds them by binary search in this copy, which is sorted by key (posts are
   keyed by time, :mod:`veille.store.sqlite.rows`);
3. adds up their columns with NumPy.

The copy holds the fields that aggregations group and add: platform,
language, country, sentiment label, engagement, reach, author and their name,
story cluster, and the lists (hashtags, mentions, links, domains). It covers
the keys from the earliest period asked for onwards, and reads older posts
only when a period needs them.

It stays exact. Triggers (migration 0052) log the key of every post inserted,
deleted or changed in one of these fields. Before each aggregation, the copy
reads again the posts logged since it last looked. If the store has pruned
entries it never saw, it reads itself again whole.

The copy is read through the store's own connection, one aggregate per column
(``group_concat`` for integers, ``json_group_array`` for text), so no Python
object is made per row. A connection inside a write transaction keeps the
plain SQL path (the copy would hold writes that may yet roll back). A
selection keeps the arrays it was cut from, so a thread reads it while another
brings the copy up to date.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

import numpy as np

from veille.store.protocols.analytics import figures_of
from veille.store.protocols.known import handle_key
from veille.store.sqlite.analytics_sql import fts_match
from veille.store.sqlite.rows import SEQ_BITS, key_floor

if TYPE_CHECKING:
    from veille.analytics.scope import Scope

# Codes of the text fields (index into Columns.values[name]).
TEXT_FIELDS = ("platform", "lang", "country", "sentiment", "author", "name", "cluster")
NO_NAME = "\x00"  # the code of an author name that is NULL
NUMBER_FIELDS = ("eng", "reach", "given", "followed")
# Space-separated lists: each kept as (post key, value code) pairs in key order,
# a value once per post (hashtags and mentions in ASCII lower case, as SQL's lower()).
ENTITY_FIELDS = ("hashtags", "mentions", "links", "domains")
_FOLDED = ("hashtags", "mentions")
# What the copy reads, one aggregate per column: integers as one comma-separated
# string (NumPy parses it), text as one JSON array (orjson parses it), so that
# no Python object is made per row.
_INTEGERS = {
    "pk": "pk",
    "eng": "coalesce(likes + shares + replies, 0)",
    "reach": "coalesce(author_followers, 0)",
    # 1 where the post's platform gave its counts (migration 0410).
    "given": "counts_given",
    # 1 where the post gave its author's follower count (a 0 included).
    "followed": "author_followers IS NOT NULL",
    "clustered": "cluster_id IS NOT NULL",
}
_TEXTS = {
    "platform": "platform",
    "lang": "coalesce(lang, '')",
    "country": "coalesce(country, '')",
    "sentiment": "coalesce(sentiment, '')",
    "author": "platform || char(31) || author_handle",
    "name": "coalesce(author_name, char(0))",
    # A post outside any cluster gets the code of "" and is told apart by its flag.
    "cluster": "coalesce(cluster_id, '')",
    **{f: f"coalesce({f}, '')" for f in ENTITY_FIELDS},
}
_SELECT = "SELECT " + ", ".join(
    [f"group_concat({x})" for x in _INTEGERS.values()]
    + [f"json_group_array(CAST({x} AS TEXT))" for x in _TEXTS.values()]
)
# Above this many logged posts, reading the copy again is quicker than patching.
_PATCH_MAX = 50_000


class Columns:
    """The copy itself: NumPy arrays sorted by post key, text fields as codes."""

    def __init__(self) -> None:
        self.lo: int | None = None  # the smallest key covered
        self.seen = 0  # the last change-log entry applied
        self.pk = np.zeros(0, dtype=np.int64)
        self.arrays: dict[str, np.ndarray] = {}
        self.items: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.values: dict[str, list[str]] = {}
        self._codes: dict[str, dict[str, int]] = {}
        self._clear()

    def _clear(self) -> None:
        self.values = {f: [] for f in (*TEXT_FIELDS, *ENTITY_FIELDS)}
        self._codes = {f: {} for f in self.values}
        self.pk = np.zeros(0, dtype=np.int64)
        self.arrays = {f: np.zeros(0, dtype=np.int64) for f in NUMBER_FIELDS}
        self.arrays.update({f: np.zeros(0, dtype=np.int32) for f in TEXT_FIELDS})
        self.arrays["clustered"] = np.zeros(0, dtype=bool)
        self.items = {
            f: (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)) for f in ENTITY_FIELDS
        }
        self.lo = None

    def nbytes(self) -> int:
        """Bytes held in NumPy arrays (the distinct values are Python strings)."""
        arrays = [
            self.pk,
            *self.arrays.values(),
            *(a for pair in self.items.values() for a in pair),
        ]
        return sum(a.nbytes for a in arrays)

    def distinct(self) -> int:
        return sum(len(v) for v in self.values.values())

    # -- reading -----------------------------------------------------------------

    def _read(
        self, conn: sqlite3.Connection, where: str, params: tuple[Any, ...]
    ) -> dict[str, np.ndarray]:
        """Rows of ``posts`` under ``where``, as columns in key order."""
        import orjson
        import pyarrow as pa
        import pyarrow.compute as pc

        row = conn.execute(f"{_SELECT} FROM posts WHERE {where}", params).fetchone()
        out: dict[str, np.ndarray] = {}
        if row[0] is None:
            return out
        for name, text in zip(_INTEGERS, row[: len(_INTEGERS)], strict=True):
            out[name] = np.fromstring(text, dtype=np.int64, sep=",")
        texts = dict(zip(_TEXTS, row[len(_INTEGERS) :], strict=True))
        # The table is read in key order; should a plan ever differ, sort.
        order = None if np.all(out["pk"][1:] > out["pk"][:-1]) else np.argsort(out["pk"])
        if order is not None:
            out = {k: v[order] for k, v in out.items()}
        out["clustered"] = out["clustered"].astype(bool)

        def column(name: str) -> Any:
            array = pa.array(orjson.loads(texts[name]), type=pa.string())
            return array if order is None else array.take(pa.array(order))

        for name in TEXT_FIELDS:
            out[name] = self._encode(name, column(name))
        for name in ENTITY_FIELDS:
            lists = pc.split_pattern(column(name), " ")
            flat = pc.list_flatten(lists)
            parent = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
            kept = pc.not_equal(flat, "")
            flat, parent = pc.filter(flat, kept), parent[kept.to_numpy(zero_copy_only=False)]
            if name in _FOLDED:
                flat = pc.ascii_lower(flat)
            codes = self._encode(name, flat).astype(np.int64)
            # Once per post: unique (row, code) pairs, still in key order.
            width = int(codes.max()) + 1 if len(codes) else 1
            pairs = np.sort(parent * width + codes)
            if len(pairs):
                pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]
            out[f"{name}.pk"] = out["pk"][pairs // width]
            out[f"{name}.code"] = (pairs % width).astype(np.int32)
        # Arrow keeps freed buffers for reuse: give them back (a whole read is large).
        pa.default_memory_pool().release_unused()
        return out

    def _encode(self, name: str, array: Any) -> np.ndarray:
        """Codes of an Arrow string array's values (new values get new codes)."""
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(array)
        codes = self._codes[name]
        values = self.values[name]
        lookup = np.empty(len(enc.dictionary), dtype=np.int32)
        for i, value in enumerate(enc.dictionary.to_pylist()):
            code = codes.get(value)
            if code is None:
                code = codes[value] = len(values)
                values.append(value)
            lookup[i] = code
        return lookup[enc.indices.to_numpy(zero_copy_only=False)]

    def _merge(self, drop: np.ndarray, rows: dict[str, np.ndarray]) -> None:
        """Take out the posts keyed ``drop`` (sorted), then put in ``rows``."""
        keep = None
        if len(drop) and len(self.pk):
            pos = np.searchsorted(self.pk, drop)
            inside = pos < len(self.pk)
            pos = pos[inside]
            pos = pos[self.pk[pos] == drop[inside]]  # the keys the copy holds
            if len(pos):
                keep = np.ones(len(self.pk), dtype=bool)
                keep[pos] = False
        pk = self.pk if keep is None else self.pk[keep]
        arrays = self.arrays if keep is None else {k: v[keep] for k, v in self.arrays.items()}
        if rows:
            at = np.searchsorted(pk, rows["pk"])
            pk = np.insert(pk, at, rows["pk"])
            arrays = {k: np.insert(v, at, rows[k]) for k, v in arrays.items()}
        self.pk = pk
        self.arrays = arrays
        items = {}
        for name, (owner, codes) in self.items.items():
            gone = _spans(owner, drop)
            if len(gone):
                keep_items = np.ones(len(owner), dtype=bool)
                keep_items[gone] = False
                owner, codes = owner[keep_items], codes[keep_items]
            if rows:
                at = np.searchsorted(owner, rows[f"{name}.pk"])
                owner = np.insert(owner, at, rows[f"{name}.pk"])
                codes = np.insert(codes, at, rows[f"{name}.code"])
            items[name] = (owner, codes)
        self.items = items

    def _version(self, conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT max(seq) FROM post_changes").fetchone()
        return int(row[0] or 0)

    def cover(self, conn: sqlite3.Connection, lo: int) -> None:
        """Bring the copy up to date, covering every key from ``lo`` on."""
        top = self._version(conn)
        if self.lo is not None and top != self.seen:
            oldest = conn.execute("SELECT min(seq) FROM post_changes").fetchone()[0]
            missed = oldest is None or oldest > self.seen + 1 or top < self.seen
            if missed or top - self.seen > _PATCH_MAX:
                self._clear()  # entries pruned before we saw them (or too many)
            else:
                pks = conn.execute(
                    "SELECT DISTINCT pk FROM post_changes WHERE seq > ? AND seq <= ? "
                    "AND pk >= ? ORDER BY pk",
                    (self.seen, top, self.lo),
                ).fetchall()
                drop = np.array([p for (p,) in pks], dtype=np.int64)
                if len(drop):
                    fresh = self._read(
                        conn, "pk IN (SELECT value FROM json_each(?))", (json.dumps(drop.tolist()),)
                    )
                    self._merge(drop, fresh)
        self.seen = top
        if self.lo is None:
            self._merge(np.zeros(0, dtype=np.int64), self._read(conn, "pk >= ?", (lo,)))
            self.lo = lo
        elif lo < self.lo:
            older = self._read(conn, "pk >= ? AND pk < ?", (lo, self.lo))
            self._merge(np.zeros(0, dtype=np.int64), older)
            self.lo = lo


def _spans(owner: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Positions in ``owner`` (sorted, repeats allowed) of the values in ``keys``."""
    if not len(keys) or not len(owner):
        return np.zeros(0, dtype=np.int64)
    starts = np.searchsorted(owner, keys, side="left")
    lengths = np.searchsorted(owner, keys, side="right") - starts
    starts, lengths = starts[lengths > 0], lengths[lengths > 0]
    ends = np.cumsum(lengths)
    # Each span's positions, all at once: starts[i] + 0 .. lengths[i] - 1.
    total = int(ends[-1]) if len(ends) else 0
    return np.arange(total) + np.repeat(starts - ends + lengths, lengths)


class Selection:
    """The rows of a :class:`Columns` copy that a scope holds (``rows``, in key
    order), with the copy's columns cut to them on first use. It keeps the
    arrays it was made from: a later catch-up of the copy replaces them."""

    def __init__(self, cols: Columns, rows: np.ndarray) -> None:
        self.rows = rows
        self.pk = cols.pk
        self.arrays = cols.arrays
        self.items_of = cols.items
        self.values = cols.values
        self.codes = cols._codes
        self._cut: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, name: str) -> np.ndarray:
        found = self._cut.get(name)
        if found is None:
            source = self.pk if name == "pk" else self.arrays[name]
            found = self._cut[name] = source[self.rows]
        return found

    def value(self, name: str, code: int) -> str:
        return self.values[name][code]

    def items(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(selected row, value code)`` of each value of the list ``name``
        (hashtags, mentions, links, domains) the selected posts hold."""
        owner, codes = self.items_of[name]
        keys = self["pk"]
        if not len(keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        a, b = np.searchsorted(owner, [keys[0], keys[-1] + 1])
        owner, codes = owner[a:b], codes[a:b]
        at = np.searchsorted(keys, owner)
        inside = at < len(keys)
        mine = np.zeros(len(owner), dtype=bool)
        mine[inside] = keys[at[inside]] == owner[inside]
        return at[mine], codes[mine]


def _keys(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> np.ndarray:
    """The keys ``sql`` gives as one comma-separated string (``group_concat``):
    NumPy parses it without a Python object per key."""
    text = conn.execute(sql, params).fetchone()[0]
    return np.fromstring(text or "", dtype=np.int64, sep=",")


def select(cols: Columns, conn: sqlite3.Connection, scope: Scope) -> Selection | None:
    """The posts of ``scope`` (bounded to a period) in the column copy ``cols``,
    or ``None`` when the plain SQL path should answer: no restriction (rollups
    answer), or a restriction other than full-text queries and one saved topic."""
    if not scope.restricted or scope.words or scope.scan or len(scope.topics) > 1:
        return None  # rollups answer, or SQL the copy cannot evaluate
    if conn.in_transaction:
        return None  # writes that may yet roll back
    match = fts_match(conn, scope)
    if scope.queries and match is None:
        return None
    topic = scope.topics[0] if scope.topics else None
    f = scope.flt
    lo = 0 if f.since is None else key_floor(int(f.since.timestamp()))
    hi = (1 << 62) if f.until is None else key_floor(int(f.until.timestamp()))
    sources: list[tuple[str, tuple[Any, ...]]] = []
    if match is not None:
        sources.append((
            "SELECT group_concat(rowid) FROM posts_fts "
            "WHERE posts_fts MATCH ? AND rowid >= ? AND rowid < ?",
            (match, lo, hi),
        ))  # fmt: skip
    if topic is not None:
        sources.append((
            "SELECT group_concat(post_pk) FROM post_topics "
            "WHERE topic_id = ? AND post_pk >= ? AND post_pk < ?",
            (topic, lo, hi),
        ))  # fmt: skip
    cols.cover(conn, lo)
    a, b = (int(x) for x in np.searchsorted(cols.pk, [lo, hi]))
    window = cols.pk[a:b]
    held: np.ndarray | None = None  # positions in the window; None: all of them
    for sql, params in sources:
        keys = _keys(conn, sql, params)
        pos = np.searchsorted(window, keys)
        inside = pos < len(window)
        pos = pos[inside]
        pos = pos[window[pos] == keys[inside]]  # keys of posts the copy holds
        held = pos if held is None else np.intersect1d(held, pos, assume_unique=True)
    rows = (np.arange(b - a, dtype=np.int64) if held is None else held) + a
    for name, wanted in (("platform", f.platforms), ("lang", f.languages)):
        if wanted:
            codes = [cols._codes[name][v] for v in wanted if v in cols._codes[name]]
            rows = rows[np.isin(cols.arrays[name][rows], codes)]
    return Selection(cols, rows)


def quarter(sel: Selection) -> np.ndarray:
    """Each selected post's quarter-hour (its key holds its second)."""
    return (sel["pk"] >> SEQ_BITS) // 900


# -- aggregations over a selection -----------------------------------------------------


def _groups(keys: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(first row of each group, group of each row)`` for rows grouped by
    ``keys`` (integer arrays of length ``n``), groups in key order."""
    if not keys:
        return np.zeros(1 if n else 0, dtype=np.int64), np.zeros(n, dtype=np.int64)
    lows = [int(k.min()) if n else 0 for k in keys]
    spans = [int(k.max()) - low + 1 if n else 1 for k, low in zip(keys, lows, strict=True)]
    if np.prod(np.array(spans, dtype=np.float64)) < 2.0**62:
        combined = np.zeros(n, dtype=np.int64)
        for k, low, span in zip(keys, lows, spans, strict=True):
            combined = combined * span + (k.astype(np.int64) - low)
        _u, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    else:
        _u, first, inverse = np.unique(
            np.stack(keys, axis=1), axis=0, return_index=True, return_inverse=True
        )
    return first, inverse.reshape(-1)


def grouped(
    sel: Selection, dims: tuple[str, ...], buckets: Any = None, *, coverage: bool = False
) -> list[tuple[Any, ...]]:
    """What ``post_totals`` returns, from the copy:
    rows ``([bucket,] *dims, posts, engagement, reach)`` (engagement ``None``
    where no post gave counts, reach where none gave followers); ``buckets`` is
    ``True`` for quarter-hours or a ``_Buckets`` (local hours, days, weeks);
    ``coverage`` adds the posts that gave counts and those that gave followers."""
    n = len(sel)
    if not n:
        return []
    keys: list[np.ndarray] = []
    if buckets is not None and buckets is not False:
        q = quarter(sel)
        keys.append(q if buckets is True else buckets.numpy(q))
    keys += [sel[d] for d in dims]
    first, group = _groups(keys, n)
    count = np.bincount(group, minlength=len(first))
    eng = np.bincount(group, weights=sel["eng"], minlength=len(first))
    reach = np.bincount(group, weights=sel["reach"], minlength=len(first))
    given = np.bincount(group, weights=sel["given"], minlength=len(first))
    followed = np.bincount(group, weights=sel["followed"], minlength=len(first))
    lead = [k[first].tolist() for k in keys[: len(keys) - len(dims)]]
    names = [[sel.value(d, c) for c in sel[d][first].tolist()] for d in dims]
    # Engagement is unknown (None) where none of the group's posts gave counts,
    # reach where none gave a follower count.
    return [
        (
            *head,
            int(c),
            int(e) if g else None,
            int(r) if f else None,
            *((int(g), int(f)) if coverage else ()),
        )
        for *head, c, e, r, g, f in zip(
            *lead,
            *names,
            count.tolist(),
            eng.tolist(),
            reach.tolist(),
            given.tolist(),
            followed.tolist(),
            strict=True,
        )
    ]


def _best(primary: np.ndarray, secondary: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` largest ``(primary, secondary)`` pairs, best
    first, plus every index tied with the last of them (the caller breaks ties)."""
    if len(primary) <= limit:
        return np.lexsort((-secondary, -primary))
    order = np.lexsort((-secondary, -primary))
    last = order[limit - 1]
    p, q = primary[last], secondary[last]
    return order[(primary[order] > p) | ((primary[order] == p) & (secondary[order] >= q))]


AuthorFigures = tuple[str, str, str | None, int, int | None, int | None]


def top_authors(sel: Selection, by: str, limit: int) -> list[AuthorFigures]:
    """The ``limit`` best authors by ``by`` (posts, engagement or followers):
    ``(platform, handle, name, posts, engagement, followers)``, ordered as the
    SQL path orders them (:func:`~veille.store.protocols.known.author_key`);
    the name is the greatest of their posts' (as SQL's ``max``). Engagement
    is ``None`` where none of their posts gave counts, followers where none
    gave one: ranked after every known value (the copy records which posts
    gave them)."""
    authored = _authored(sel)
    authors = sel["author"][authored]
    if not len(authors):
        return []
    first, group = _groups([authors], len(authors))
    count = np.bincount(group, minlength=len(first))
    eng = np.bincount(group, weights=sel["eng"][authored], minlength=len(first)).astype(np.int64)
    followers = np.zeros(len(first), dtype=np.int64)
    np.maximum.at(followers, group, sel["reach"][authored])
    given = np.bincount(group, weights=sel["given"][authored], minlength=len(first)) > 0
    followed = np.bincount(group, weights=sel["followed"][authored], minlength=len(first)) > 0
    # Unknown ranks after every known value, 0 included (counts are never negative).
    metric = {
        "posts": count,
        "engagement": np.where(given, eng, -1),
        "followers": np.where(followed, followers, -1),
    }[by]
    chosen = []
    for g in _best(metric, count, limit).tolist():
        platform, handle = sel.value("author", int(authors[first[g]])).split("\x1f", 1)
        chosen.append((
            -int(metric[g]), -int(count[g]), -int(eng[g]) if given[g] else 1,
            -int(followers[g]) if followed[g] else 1, *handle_key(handle), platform, g,
        ))  # fmt: skip
    chosen.sort()
    out: list[AuthorFigures] = []
    names = sel["name"][authored]
    for *_ranks, handle, platform, g in chosen[:limit]:
        named = [sel.value("name", c) for c in np.unique(names[group == g]).tolist()]
        name = max((n for n in named if n != NO_NAME), default=None)
        out.append((
            platform, handle, name, int(count[g]), int(eng[g]) if given[g] else None,
            int(followers[g]) if followed[g] else None,
        ))  # fmt: skip
    return out


def _authored(sel: Selection) -> np.ndarray:
    """Which selected posts have an author: a post without one (an empty
    handle) counts in every figure but the per-author ones."""
    codes = sel.codes["author"]
    nobody = [c for p in sel.values["platform"] if (c := codes.get(p + "\x1f")) is not None]
    if not nobody:
        return np.ones(len(sel), dtype=bool)
    return ~np.isin(sel["author"], np.array(nobody))


def _distinct(codes: np.ndarray) -> int:
    return int(np.count_nonzero(np.bincount(codes))) if len(codes) else 0


def figures(sel: Selection) -> dict[str, float]:
    """The headline figures of the selection (as ``headline_figures`` reads them for a period)."""
    n = len(sel)
    labels = sel.codes["sentiment"]
    sentiment = sel["sentiment"]

    def labelled(name: str) -> int:
        code = labels.get(name)
        return 0 if code is None else int(np.count_nonzero(sentiment == code))

    clustered = sel["clustered"]
    stories = n - int(clustered.sum()) + _distinct(sel["cluster"][clustered])
    authors = _distinct(sel["author"][_authored(sel)])
    return figures_of(
        n, int(sel["eng"].sum()) if sel["given"].any() else None,
        int(sel["reach"].sum()) if sel["followed"].any() else None, authors, stories,
        labelled("positive"), labelled("negative"), labelled("neutral"),
        int(sel["given"].sum()), int(sel["followed"].sum()),
    )  # fmt: skip


def top_keys(sel: Selection, by: str, limit: int, *, unclustered: bool = False) -> list[int]:
    """Keys of the ``limit`` posts with the most engagement (or reach), the
    newest first among equals, a post that gave no count (held as 0) after
    those that gave 0."""
    rows = np.arange(len(sel))
    if unclustered:
        rows = rows[~sel["clustered"]]
    metric = sel["eng" if by == "engagement" else "reach"][rows]
    given = sel["given" if by == "engagement" else "followed"][rows] > 0
    metric = np.where(given | (metric != 0), metric, -0.5)
    keys = sel["pk"][rows]
    if len(rows) > limit:
        part = np.argpartition(-metric, limit - 1)[:limit]
        cut = metric[part].min()
        # Every post tied with the last one competes on its date.
        part = np.flatnonzero(metric >= cut)
        metric, keys = metric[part], keys[part]
    order = np.lexsort((-keys, -metric))[:limit]
    return keys[order].tolist()


def story_rows(sel: Selection, by: str, limit: int) -> list[tuple[Any, ...]]:
    """Clusters of the selection as ``top_clusters`` reads them from SQL:
    ``(cluster, posts, reach, engagement, "platform,platform", first key)``,
    reach ``None`` where none of the cluster's posts gave a follower count,
    engagement where none gave counts, ranked after every known value."""
    clustered = np.flatnonzero(sel["clustered"])
    if not len(clustered):
        return []
    codes = sel["cluster"][clustered]
    first, group = _groups([codes], len(codes))
    count = np.bincount(group, minlength=len(first))
    reach = np.bincount(group, weights=sel["reach"][clustered], minlength=len(first))
    eng = np.bincount(group, weights=sel["eng"][clustered], minlength=len(first))
    given = np.bincount(group, weights=sel["given"][clustered], minlength=len(first)) > 0
    followed = np.bincount(group, weights=sel["followed"][clustered], minlength=len(first)) > 0
    metric = {
        "reach": np.where(followed, reach, -1),
        "posts": count,
        "engagement": np.where(given, eng, -1),
    }[by]
    keys = sel["pk"][clustered]
    platforms = sel["platform"][clustered]
    chosen = []
    for g in _best(metric, count, limit).tolist():
        name = sel.value("cluster", int(codes[first[g]]))
        chosen.append((-float(metric[g]), -int(count[g]), name, g))
    chosen.sort()
    out = []
    for _m, _c, name, g in chosen[:limit]:
        mine = group == g
        pf = sorted({sel.value("platform", c) for c in np.unique(platforms[mine]).tolist()})
        out.append((
            name, int(count[g]), int(reach[g]) if followed[g] else None,
            int(eng[g]) if given[g] else None, ",".join(pf), int(keys[mine].min()),
        ))  # fmt: skip
    return out


def top_entities(sel: Selection, name: str, limit: int | None) -> list[tuple[str, int, int | None]]:
    """``(value, posts, engagement)`` of the values of the list ``name`` held
    by the most selected posts (then by engagement, ``None`` where none of
    the value's posts gave counts and ranked after a known 0, then by value);
    every value when ``limit`` is ``None``."""
    rows, codes = sel.items(name)
    if not len(codes):
        return []
    posts = np.bincount(codes)
    eng = np.bincount(codes, weights=sel["eng"][rows]).astype(np.int64)
    given = np.bincount(codes, weights=sel["given"][rows], minlength=len(posts)) > 0
    ranked = np.where(given, eng, -1)
    present = np.flatnonzero(posts)
    most = len(present) if limit is None else limit
    chosen = [
        (-int(posts[c]), -int(ranked[c]), sel.value(name, int(c)), c)
        for c in present[_best(posts[present], ranked[present], most)].tolist()
    ]
    chosen.sort()
    return [(value, -n, int(eng[c]) if given[c] else None) for n, _e, value, c in chosen[:most]]
