"""The posts' kept terms made again when ``extract_terms`` changed.

Each post keeps its trending terms (migration 0300), and ``kept_terms``
the version of the extraction that made them (migration 0360). A veille
whose extraction gives other terms (``trends.TERMS_VERSION`` raised, or a
new simplemma or stop-word list: see ``trends.terms_version``) makes every
post's terms again when it opens the workspace, as a migration does: one
transaction (a run that stops changes nothing and starts again the next
time), said before and after, one process at a time.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from veille.errors import Count, Figure, tr
from veille.store.protocols.analytics import STORY_SAMPLE, TermCounts, story_bucket
from veille.store.sqlite.analytics_sql import fts_match, scope_sql
from veille.store.sqlite.migrations import _migrating

if TYPE_CHECKING:
    # (terms_counted imports NumPy: a trend imports it, not the opening of a
    # store, which every command does.)
    from veille.analytics.scope import Scope
    from veille.store.base import PostFilter
    from veille.store.sqlite.terms_counted import Joined

log = logging.getLogger(__name__)


def _kept(conn: sqlite3.Connection) -> str | None:
    found = conn.execute("SELECT version FROM kept_terms").fetchone()
    return None if found is None else str(found[0])


def fill_terms(conn: sqlite3.Connection) -> int:
    """Make every stored post's terms from its title, text and language, as
    a post written today gets them (inside the caller's transaction);
    return how many posts got theirs."""
    from veille.store.sqlite.rows import terms_row

    last, done = -(2**63), 0
    while True:
        # Keyset pages, so no cursor stays open on posts while they change.
        chunk = conn.execute(
            "SELECT pk, title, text, lang FROM posts WHERE pk > ? ORDER BY pk LIMIT 2000",
            (last,),
        ).fetchall()
        if not chunk:
            return done
        last = chunk[-1][0]
        conn.executemany(
            "UPDATE posts SET term_keys = ?, term_forms = ? WHERE pk = ?",
            [(*terms_row(title, text, lang), pk) for pk, title, text, lang in chunk],
        )
        done += len(chunk)


def terms_again(conn: sqlite3.Connection, *, path: str = "the database") -> int:
    """Make every post's terms again if they are another version's than
    this veille's; return how many posts got theirs (0: none to make)."""
    from veille.analytics.trends import terms_version

    target = terms_version()
    if _kept(conn) == target:
        return 0
    with _migrating(path):
        conn.execute("BEGIN IMMEDIATE")
        try:
            kept = _kept(conn)  # (another process may have done it meanwhile)
            if kept == target:
                conn.execute("COMMIT")
                return 0
            started = time.monotonic()
            total = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
            if total:
                # Said as a sentence (tr), so the CLI says it in its reader's
                # language (veille.cli.common.say_notices_in), as a migration's.
                log.warning(
                    tr(
                        "%(path)s: the trending terms of its %(count)s posts were made by "
                        "another version of veille's term extraction (%(was)s; this one is "
                        "%(version)s): they are made again, once, now; over a million posts "
                        "it takes minutes; commands wait for it, web pages say so. It is safe to "
                        "interrupt: nothing changes until it ends, and it starts again the "
                        "next time the workspace opens.",
                        path=path, count=Count(total), was=kept or tr("none"), version=target,
                    )
                )  # fmt: skip
            done = fill_terms(conn)
            conn.execute("DELETE FROM kept_terms")
            conn.execute("INSERT INTO kept_terms VALUES (?)", (target,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
    if total:
        log.warning(
            tr(
                "%(path)s: the trending terms of %(count)s posts made again in %(seconds)s s.",
                path=path, count=Count(done), seconds=Figure(time.monotonic() - started, 1),
            )
        )  # fmt: skip
    return done


# The sample parts 0 .. n-1, for ``story_bucket IN b``: one index range per
# part, each bounded by the period's dates, rather than every date of the
# parts below n (all of a year's posts' parts for a period of a month).
_PARTS = "WITH RECURSIVE b(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM b WHERE n + 1 < ?) "
# Posts read through the index of their story's sample part, which holds
# what trends count (migration 0400): no row of the posts table is read.
_BY_PART = "posts p INDEXED BY posts_story_terms"
_STORY = "coalesce(p.cluster_id, p.id)"

# A post read for its terms: (pk, story, in the period, keys, forms, sample part).
_Row = tuple[int, str, int, str | None, str | None, int | None]


def kept_term_counts(
    conn: sqlite3.Connection,
    scope: Scope,
    split: int,
    *,
    sample: int,
    phrases: bool,
    min_stories: int,
    matches: Callable[[str, PostFilter], int | None] | None = None,
) -> TermCounts:
    """:meth:`~veille.store.protocols.analytics.AnalyticsPosts.term_counts`
    from the terms kept with each post: the counts
    :func:`~veille.store.protocols.analytics.count_terms` gives over them.

    The posts of the sample (all of them when ``sample`` is
    :data:`STORY_SAMPLE`) are read through the index of their story's
    sample part (``story_bucket``), which holds their terms, when the scope
    says nothing that index cannot (its period, topics, words, a query the
    full-text index says alone with matches enough: see ``_words_by_part``,
    whose count ``matches`` gives); a scope with another query, platforms
    or languages reads its posts as any aggregation does. A post whose
    part is not stored (NULL: written by other means) is kept or not by its
    story's part computed here; one without kept terms has them extracted
    from its text."""
    f = scope.flt
    by_part = not (f.platforms or f.languages or scope.scan)
    sampled_posts = (
        _sampled_posts(conn, f, sample) if by_part and (scope.topics or scope.queries) else 0
    )
    # A topic's filings looked up for each post of the sample read, or
    # listed once for each half (see ``_listed``); or, for a topic filed
    # with fewer posts than half the sample's, its posts read from its
    # filings of the period, once (see ``_driven_by_filings``).
    listed = False
    if by_part and scope.topics:
        filed = _filed(conn, scope)
        by_part = not _driven_by_filings(filed, sampled_posts)
        listed = by_part and _listed(filed, sampled_posts)
    # A query read from the sample's index, its matches listed once for
    # each half, when they are many beside the sample's posts.
    words = None
    if by_part and scope.queries:
        words = _words_by_part(conn, scope, sampled_posts, matches)
        by_part = words is not None
    sampled = sample < STORY_SAMPLE
    part = " AND (+p.story_bucket < ? OR p.story_bucket IS NULL)" if sampled else ""
    # The baseline is read apart from the period, in one row (see
    # ``_baseline``), a query's too: its matches were read with the
    # period, a row a post, which at 1M posts (lumio OR vexa, 30 days)
    # cost more than listing its baseline's matches again to look the
    # first posts of its stories up (0.68 s of CPU against 0.49).
    # Each read is narrowed to its dates, and so to its posts' keys (a
    # post's key is made from its date, which the store never changes:
    # see ``rows.next_key``), a topic's filings or a query's matches
    # listed for each half.
    before_scope = replace(scope, flt=replace(f, until=datetime.fromtimestamp(split, UTC)))
    source: tuple[str, str, list[Any]] = ("", "", [])
    # A query's baseline: the posts of the sample read whatever their
    # matches, the matches read apart and asked in NumPy (see
    # ``_baseline_listed``).
    apart: tuple[tuple[str, str, list[Any]], list[tuple[str, list[Any]]]] | None = None
    rows: list[_Row]
    if not by_part:
        read = replace(scope, flt=replace(f, since=before_scope.flt.until))
        where, params = scope_sql(conn, read)
        period = (
            "",
            f"FROM posts p WHERE {where}{part}",
            [*params, *([sample] if sampled else [])],
        )
        rows = []
        where, params = scope_sql(conn, before_scope)
        source = (
            "",
            f"FROM posts p WHERE {where}{part}",
            [*params, *([sample] if sampled else [])],
        )
    else:
        read = replace(scope, flt=replace(f, since=before_scope.flt.until))
        where, params = _part_sql(conn, read, words, listed)
        period = (
            _PARTS,
            f"FROM {_BY_PART} WHERE {where} AND p.story_bucket IN b",
            [sample, *params],
        )
        # (Few rows, if any: a query's or a topic's list is made only if
        # one is.)
        where, params = _part_sql(conn, scope, words, listed)
        rows = conn.execute(
            f"SELECT p.pk, {_STORY}, p.published_at >= ?, p.term_keys, "
            "CASE WHEN p.published_at >= ? THEN p.term_forms END, NULL "
            f"FROM {_BY_PART} WHERE {where} AND p.story_bucket IS NULL",
            [split, split, *params],
        ).fetchall()
        where, params = _part_sql(conn, before_scope, words, listed)
        source = (
            _PARTS,
            f"FROM {_BY_PART} WHERE {where} AND p.story_bucket IN b",
            [sample, *params],
        )
        if words is not None:
            where, params, lists = _part_lists(conn, before_scope, words, listed)
            apart = (
                (
                    _PARTS,
                    f"FROM {_BY_PART} WHERE {where} AND p.story_bucket IN b",
                    [sample, *params],
                ),
                lists,
            )
    # Most of the period's posts in one row (see ``joined_period``), the
    # others a row each, as the baseline's.
    from veille.store.sqlite.terms_counted import joined_period

    joined = joined_period(conn, period)
    rows += joined.odd
    if sampled:
        rows = [r for r in rows if r[5] is not None or story_bucket(r[1]) < sample]
    rows.sort()
    unkept = [r[0] for r in rows if r[3] is None]
    made = _made(conn, unkept) if unkept else {}
    now: list[tuple[int, str, str, str]] = []
    counted: list[tuple[str, str | int]] = []
    for pk, story, current, keys, forms, _part in rows:
        if keys is None:
            keys, forms = made[pk]
        if current:
            now.append((pk, story, keys, forms or ""))
        else:
            counted.append((story, keys))
    roots = _period_roots(conn, period, sample, joined, {r[1] for r in now})
    before = _baseline(conn, source, before_scope, sample, counted, apart)
    return _count(joined, now, roots, before, phrases=phrases, min_stories=min_stories)


def _baseline(
    conn: sqlite3.Connection,
    source: tuple[str, str, list[Any]],
    scope: Scope,
    sample: int,
    read: list[tuple[str, str | int]],
    apart: tuple[tuple[str, str, list[Any]], list[tuple[str, list[Any]]]] | None = None,
) -> tuple[int, Counter[str]]:
    """The stories of the baseline's posts of the sample (``scope``, read
    from ``source``: the SQL before the ``SELECT``, the ``FROM`` and
    ``WHERE``, their values; with ``read``, those read before as ``(story,
    keys)``), and how many of them hold each key.

    The posts are read once, in one row: those each their own story (no
    cluster) with kept terms and a sample part, their keys joined by
    SQLite and counted in C, a post a story; the others one by one, as
    JSON: a story's copies are counted by the union of their keys,
    a post without kept terms by its text's, a post without a stored part
    kept or not by its story's part, as the period's are. The first post of
    a story whose copies are read too keyed the story with its own key and
    no cluster: it is looked up by that key and counted with them instead.
    Reading each post of the baseline as a row (about 80,000 of them at 1M
    posts, 30 days) and joining their keys again cost more than counting
    them.

    ``apart``: the same posts as ``source``'s but for the list of a
    query's matches (the ``FROM`` and ``WHERE`` without it), and that list
    (a ``SELECT`` of the keys in it, its values): read so by
    :func:`_baseline_listed`, by ``source`` where that cannot."""
    from veille.store.sqlite.terms_counted import ODD, key_counts

    found = _baseline_listed(conn, apart) if apart is not None else None
    if found is None:
        before, sql, values = source
        odd = ODD
        found = conn.execute(
            f"{before}SELECT count(CASE WHEN NOT ({odd}) THEN 1 END), "
            f"CAST(group_concat(CASE WHEN NOT ({odd}) THEN p.term_keys || char(10) END, '') "
            "AS BLOB), "
            f"group_concat(CASE WHEN {odd} THEN json_array("
            f"{_STORY}, ifnull(p.term_keys, p.pk), p.story_bucket) END) {sql}",
            values,
        ).fetchone()
    stories, joined, others = found[0], found[1], found[2]
    held = key_counts(joined or b"") if stories else Counter[str]()
    posts = list(read)
    if others:
        posts += [
            (story, keys)
            for story, keys, part in json.loads(f"[{others}]")
            if part is not None or sample >= STORY_SAMPLE or story_bucket(story) < sample
        ]
    if posts:
        roots = _roots(conn, scope, sample, {story for story, _k in posts})
        for _story, keys in roots:
            held.subtract(keys.split("\n"))
        stories -= len(roots)
        posts += roots
        unkept = [keys for _story, keys in posts if isinstance(keys, int)]
        if unkept:
            made = _made(conn, unkept)
            posts = [(s, made[k][0] if isinstance(k, int) else k) for s, k in posts]
        more, held_more, _keys = _held(cast(list[tuple[str, str]], posts))
        stories += more
        held.update(held_more)
    return stories, held


def _baseline_listed(
    conn: sqlite3.Connection,
    apart: tuple[tuple[str, str, list[Any]], list[tuple[str, list[Any]]]],
) -> tuple[int, bytes, str | None] | None:
    """What :func:`_baseline`'s statement gives (how many posts its one row
    counts, their keys each ended by a newline, the others as JSON), each
    post's membership of a query's matches asked in NumPy: ``apart`` is
    the posts of the sample whatever their matches, and the lists of those
    matches (see :func:`_baseline`). None where the posts' keys cannot be
    told apart (a key holding :data:`ROW_END`, which none that veille
    writes does): the caller asks SQLite.

    SQLite asked each post of the sample read whether it is in the list of
    matches, an index it made in memory for them: at 1M posts, ``lumio OR
    vexa`` over 30 days read its baseline in about 250 ms of CPU, of which
    about 45 read the posts. Read apart, its first view costs about a fifth
    less (best of 5, same process: 246 ms against 307). A topic's filings
    are still asked by SQLite: listed in NumPy so, ``lumio``'s cost as
    much (313 ms against 319)."""
    import numpy as np

    from veille.store.sqlite.terms_counted import ODD, ROW_END, keys_of

    (before, sql, values), lists = apart
    simple = f"CASE WHEN NOT ({ODD}) THEN"
    pks, joined, others = conn.execute(
        f"{before}SELECT group_concat({simple} p.pk END), "
        f"CAST(group_concat({simple} p.term_keys || char({ROW_END}) END, '') AS BLOB), "
        f"group_concat(CASE WHEN {ODD} THEN json_array("
        f"{_STORY}, ifnull(p.term_keys, p.pk), p.story_bucket, p.pk) END) {sql}",
        values,
    ).fetchone()
    posts = keys_of(pks)
    raw = np.frombuffer(joined or b"", np.uint8)
    ends = np.flatnonzero(raw == ROW_END)
    if len(ends) != len(posts):
        return None
    listed = [keys_of(conn.execute(select, params).fetchone()[0]) for select, params in lists]
    for keys in listed:
        keys.sort()  # (as the index gave them, most likely: quick)
    inside = np.ones(len(posts), bool)
    for keys in listed:
        inside &= _within(posts, keys)
    kept = raw[np.repeat(inside, np.diff(ends, prepend=-1))]
    kept[kept == ROW_END] = 10
    if others:
        odd = json.loads(f"[{others}]")
        asked = np.array([row[3] for row in odd], np.int64)
        held = np.ones(len(odd), bool)
        for keys in listed:
            held &= _within(asked, keys)
        odd = [row[:3] for row, k in zip(odd, held.tolist(), strict=True) if k]
        others = json.dumps(odd)[1:-1] if odd else None
    return int(inside.sum()), kept.tobytes(), others


def _within(posts: Any, keys: Any) -> Any:
    """Whether each of ``posts`` (post keys) is in ``keys`` (sorted), by a
    binary search of each: NumPy's ``isin`` sorted both (for the ``lumio``
    topic's baseline at 1M posts, 170,000 posts in 155,000 filings: 0.27 s
    of CPU against about 0.02)."""
    import numpy as np

    if not len(keys):
        return np.zeros(len(posts), bool)
    at = np.minimum(np.searchsorted(keys, posts), len(keys) - 1)
    return keys[at] == posts


def _roots(
    conn: sqlite3.Connection, scope: Scope, sample: int, stories: set[str]
) -> list[tuple[str, str]]:
    """The baseline's posts of the sample (``scope``) that key one of
    ``stories`` with their own key, without a cluster, with kept terms and
    a sample part (read through that part: their key's)."""
    parts = sorted({story_bucket(s) for s in stories} & set(range(sample)))
    if not parts:
        return []
    where, params = scope_sql(conn, scope, lookup=True)
    found = conn.execute(
        f"SELECT {_STORY}, p.term_keys FROM {_BY_PART} WHERE {where} "
        "AND p.story_bucket IN (SELECT value FROM json_each(?)) AND p.cluster_id IS NULL "
        "AND p.term_keys IS NOT NULL AND p.id IN (SELECT value FROM json_each(?))",
        [*params, json.dumps(parts), json.dumps(sorted(stories))],
    ).fetchall()
    return [(story, keys) for story, keys in found]


# Per row, reading a filed post from the table (by its key) costs about
# twice reading one of the sample's from the index and looking its filing
# up: at 1M posts, 30 days and their baseline, 1.6-2.4 µs against 1.0-1.2.
_DRIVE_COST = 2

# Listing a topic's filings of a half once (a list SQLite makes in memory)
# and asking it for each post of the sample read costs less than looking
# each of those posts up in the filings' index while the filings are fewer
# than twice the sample's posts: at 1M posts, the ``lumio`` topic's
# baseline (155,000 filings, 170,000 posts of the sample) took 110-117 ms
# of CPU listed against 156-166 looked up.
_LISTED_UP_TO = 2

# A query the full-text index says alone is read from the index of the
# sample's parts (each post of the sample asked of the list of its matches)
# rather than each match looked up in the posts table for its part and
# terms once its matches are at least this share of the sample's posts: at
# 1M posts, 150 days, ``lumio OR vexa`` (281,000 matches, 146,000 posts of
# the sample) read its baseline in 112-121 ms of CPU against 161-170,
# ``lumio`` (193,000 against 212,000) in 104-109 against 123, where
# ``vexa`` (88,000, against the whole 411,000) took 127-129 against 74-75.
_WORDS_FROM = 0.75


def _sampled_posts(conn: sqlite3.Connection, f: Any, sample: int) -> int:
    """About how many posts of ``f``'s period the sample holds (the
    period's posts by the rollup, a share of them by ``sample``): a few ms
    at 1M posts."""
    span, values = "", []
    if f.since is not None:
        span += " AND bucket >= ?"
        values.append(int(f.since.timestamp()) // 900)
    if f.until is not None:
        span += " AND bucket < ?"
        values.append(-(-int(f.until.timestamp()) // 900))
    posts = conn.execute(
        f"SELECT ifnull(sum(posts), 0) FROM post_rollup WHERE dim = ''{span}", values
    ).fetchone()[0]
    return int(posts) * min(sample, STORY_SAMPLE) // STORY_SAMPLE


def _filed(conn: sqlite3.Connection, scope: Scope) -> int:
    """The filings of the period of the scope's topic that has fewest
    (counted from the filings' index)."""
    from veille.store.sqlite.filters import key_range

    keys, bounds = key_range(scope.flt, "post_pk")
    return min(
        conn.execute(
            f"SELECT count(*) FROM post_topics WHERE topic_id = ?{keys}", [topic, *bounds]
        ).fetchone()[0]
        for topic in scope.topics
    )


def _driven_by_filings(filed: int, sampled: int) -> bool:
    """Whether a topic-scoped read costs less driven from the topic's
    filings of the period (each filed post read from the table, the sample
    kept on the rows read) than from the index of the sample's parts (each
    post of the sample, filed or not, looked up in the filings): when the
    topic's ``filed`` posts of the period are fewer than half the sample's
    posts (``sampled``).

    Both give the same rows: this only chooses the cheaper read. Counted
    from the filings' index and the period's rollup, a few ms at 1M posts.
    At 1M posts over 150 days (30 and their baseline), a topic of 70,000 or
    88,000 posts of the 411,000 read its rows in 0.17-0.21 s instead of
    0.41-0.43 (CPU, under load); one of 194,000 (its sample, half of them)
    keeps the lookups, which cost less for it (0.26 s against 0.30)."""
    return _DRIVE_COST * filed < sampled


def _listed(filed: int, sampled: int) -> bool:
    """Whether a topic read from the index of the sample's parts lists its
    filings of each half once rather than looking each post read up in
    them (see :data:`_LISTED_UP_TO`): the same rows either way."""
    return filed <= _LISTED_UP_TO * sampled


def _words_by_part(
    conn: sqlite3.Connection,
    scope: Scope,
    sampled: int,
    matches: Callable[[str, PostFilter], int | None] | None,
) -> str | None:
    """The one full-text expression that says the scope's queries, when
    they are read from the index of the sample's parts (see
    :data:`_WORDS_FROM`); None when they are read from the posts table.
    ``matches`` counts the expression's matches of the period (the store's
    count of the index, kept: the trends counted them already to size the
    sample); it only chooses the cheaper read, which gives the same rows."""
    if matches is None or scope.words:
        return None
    match = fts_match(conn, scope)
    if match is None:
        return None
    found = matches(match, scope.flt)
    return match if found is not None and found >= _WORDS_FROM * sampled else None


def _part_sql(
    conn: sqlite3.Connection, scope: Scope, words: str | None, listed: bool
) -> tuple[str, list[Any]]:
    """``scope``'s ``WHERE`` over the index of the sample's parts: its
    topics' filings looked up for each post or, ``listed``, listed once; its
    queries, with ``words`` (the one full-text expression that says them),
    as the list of that expression's matches of the scope's period."""
    if words is None:
        return scope_sql(conn, scope, lookup=not listed)
    from veille.store.sqlite.filters import key_range

    where, params = scope_sql(conn, replace(scope, queries=()), lookup=not listed)
    keys, bounds = key_range(scope.flt, "rowid")
    return (
        f"{where} AND p.pk IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?{keys})",
        [*params, words, *bounds],
    )


def _part_lists(
    conn: sqlite3.Connection, scope: Scope, words: str, listed: bool
) -> tuple[str, list[Any], list[tuple[str, list[Any]]]]:
    """:func:`_part_sql`'s ``WHERE`` without the list of the matches of
    ``words``, and that list as a ``SELECT`` of its posts' keys joined in
    one string, with its values."""
    from veille.store.sqlite.filters import key_range

    where, params = scope_sql(conn, replace(scope, queries=()), lookup=not listed)
    keys, bounds = key_range(scope.flt, "rowid")
    select = f"SELECT group_concat(rowid) FROM posts_fts WHERE posts_fts MATCH ?{keys}"
    return where, params, [(select, [words, *bounds])]


def _made(conn: sqlite3.Connection, keys: list[int]) -> dict[int, tuple[str, str]]:
    """The terms of the posts of ``keys`` (pk) kept without them, extracted
    from their title, text and language (as :func:`terms_row` writes them)."""
    from veille.store.sqlite.rows import terms_row

    made: dict[int, tuple[str, str]] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for pk, title, text, lang in conn.execute(
            f"SELECT pk, title, text, lang FROM posts WHERE pk IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            made[pk] = terms_row(title, text or "", lang)
    return made


def _period_roots(
    conn: sqlite3.Connection,
    period: tuple[str, str, list[Any]],
    sample: int,
    joined: Joined,
    stories: set[str],
) -> list[tuple[str, str]]:
    """The posts of ``joined`` (the period's, read in one row) that key one
    of ``stories`` (those of the period's other posts) with their own key,
    as ``(story, keys)``: taken out of ``joined``'s counts, to be counted
    with their story's other posts (by the union of their keys)."""
    from veille.store.sqlite.terms_counted import ODD

    parts = sorted({story_bucket(s) for s in stories} & set(range(sample)))
    if not parts or not joined.stories:
        return []
    before, sql, values = period
    found = conn.execute(
        f"{before}SELECT p.id, p.term_keys {sql} AND NOT ({ODD}) "
        "AND p.story_bucket IN (SELECT value FROM json_each(?)) "
        "AND p.id IN (SELECT value FROM json_each(?))",
        [*values, json.dumps(parts), json.dumps(sorted(stories))],
    ).fetchall()
    for _story, keys in found:
        joined.held.subtract(keys.split("\n"))
    joined.stories -= len(found)
    return [(story, keys) for story, keys in found]


def _count(
    joined: Joined,
    now: list[tuple[int, str, str, str]],
    roots: list[tuple[str, str]],
    before: tuple[int, Counter[str]],
    *,
    phrases: bool,
    min_stories: int,
) -> TermCounts:
    """:class:`TermCounts` of the period's posts (``joined``: those counted
    in one row; ``now``: the others, ``(pk, story, keys, forms)``, keys and
    forms as :func:`~veille.store.sqlite.rows.terms_row` joins them;
    ``roots``: posts of ``joined`` taken out of its counts, ``(story,
    keys)``) and of the baseline's stories (``before``: how many, and how
    many of them hold each key).

    A story of several posts is counted by the union of their keys; a
    term's forms are shown the most written first, of those written as
    often the first written (by the posts' keys, their time order)."""
    more, held_more, _keys = _held([(story, keys) for _pk, story, keys, _f in now] + roots)
    held_now = joined.held
    held_now.update(held_more)
    held_now.pop("", None)  # (the posts without terms)
    wanted = {
        k for k, a in held_now.items() if a >= min_stories and a > 0 and (phrases or " " not in k)
    }
    stories_before, in_before = before
    counts = {k: (held_now[k], in_before.get(k, 0)) for k in held_now if k in wanted}
    # The forms as written in each post of the period, counted per post; a
    # post whose forms are its keys wrote them as ''.
    shown = joined.shown
    for pk, _story, keys, forms in now:
        split = keys.split("\n")
        for pair in zip(split, forms.split("\n") if forms else [""] * len(split), strict=True):
            found = shown.get(pair)
            if found is None:
                shown[pair] = [1, pk]
            else:
                found[0] += 1
                found[1] = min(found[1], pk)
    written: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for (key, form), (n, first) in shown.items():
        if key in wanted:
            written[key].append((-n, first, form or key))
    forms_of = {key: tuple(f for _n, _first, f in sorted(found)) for key, found in written.items()}
    return TermCounts(joined.stories + more, stories_before, counts, forms_of)


def _held(posts: list[tuple[str, str]]) -> tuple[int, Counter[str], list[str] | None]:
    """The stories of ``posts`` (``(story, keys)``), how many of them hold
    each key, and, when each story is one post, the posts' keys in their
    order (``None`` otherwise)."""
    by_story = dict(posts)
    if len(by_story) == len(posts):  # each story one post (most)
        found = "\n".join(by_story.values()).split("\n")
        return len(by_story), Counter(found), found
    several = {s for s, n in Counter(s for s, _k in posts).items() if n > 1}
    held = Counter("\n".join([k for s, k in posts if s not in several]).split("\n"))
    union: dict[str, set[str]] = defaultdict(set)
    for story, keys in posts:
        if story in several:
            union[story].update(keys.split("\n"))
    for story_keys in union.values():
        held.update(story_keys)
    return len(by_story), held, None
