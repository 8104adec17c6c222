"""The first view of ``/trends`` or of a report at 1M posts split the
baseline's kept terms (about a million keys for ``lumio`` over 30 days)
into a Python string each to count them with ``Counter``, about a fifth of
the view's CPU, and read the period's posts a row each: the period comes
in one row too, and many keys are counted by Arrow over the bytes SQLite
gives back. The counts, and so the rankings, are the same."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.analytics.test_stored_terms import (
    PLATFORMS,
    WEEK,
    _corpus,
    _RowsRead,
    _same_counts,
    _views,
)
from tests.query.conftest import make_post
from veille.analytics.scope import Scope
from veille.analytics.topics import query_scope
from veille.analytics.trends import trending_terms
from veille.models import Post
from veille.store.base import PostFilter
from veille.store.protocols.analytics import count_terms
from veille.store.sqlite import SQLiteStore
from veille.store.sqlite import terms_counted as terms

POSTS = [
    ["lumio", "fibre", "service client", "déçu"],
    [""],
    ["lumio", "débit", "naïve café", "日本"],
    ["fibre", "lumio"],
    ["🙂", "déçu", "service client"],
]


def _arrow_from(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Arrow reads from ``size`` bytes on, imported or not (0: always; a
    huge size: never, Python does)."""
    monkeypatch.setattr(terms, "ARROW_FROM", size)
    monkeypatch.setattr(terms, "ARROW_LOADED_FROM", size)


@pytest.mark.parametrize("arrow_from", [0, 1, 1 << 30])
def test_the_keys_are_counted_as_counter_counts_them(arrow_from: int) -> None:
    joined = "".join("\n".join(keys) + "\n" for keys in POSTS).encode()
    expected = Counter("\n".join("\n".join(k) for k in POSTS).split("\n"))
    found = terms.key_counts(joined, arrow_from=arrow_from)
    assert found == expected
    assert isinstance(found, Counter)
    assert terms.key_counts(b"", arrow_from=arrow_from) == Counter()
    assert terms.key_counts(b"\n", arrow_from=arrow_from) == Counter({"": 1})


def test_once_arrow_is_imported_a_periods_few_kb_are_read_by_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A topic's week at 1M posts holds about 1 MB of kept terms and 0.6
    MB of forms, under the 1 MB from which Arrow was imported to read them:
    Python split them, 34 ms of a report's first view (Arrow: 6). Once the
    process has imported Arrow (the web app's warm-up does), it reads them
    from a few KB on; the same values and codes, a post's terms as many."""
    import pyarrow.compute  # noqa: F401  (as the server's warm-up has by now)

    posts = [[f"lumio{i % 7}", f"term {i % 13}", "déçu", "日本"] for i in range(300)]
    joined = "".join("\n".join(keys) + chr(terms.ROW_END) for keys in posts).encode()
    assert terms.ARROW_LOADED_FROM < len(joined) < terms.ARROW_FROM
    read = []
    arrow = terms._arrow_codes
    monkeypatch.setattr(terms, "_arrow_codes", lambda *a: read.append(1) or arrow(*a))
    found = terms._post_codes(joined, len(posts))
    counted = terms.key_counts(joined.replace(bytes([terms.ROW_END]), b"\n"))
    assert len(read) == 2
    _arrow_from(monkeypatch, 1 << 40)
    expected = terms._post_codes(joined, len(posts))
    assert found is not None and expected is not None
    assert found[0] == expected[0]
    assert found[1].tolist() == expected[1].tolist()
    assert found[2].tolist() == expected[2].tolist() == [4] * len(posts)
    assert counted == terms.key_counts(joined.replace(bytes([terms.ROW_END]), b"\n"))
    assert len(read) == 2  # (Python's, this time)


def test_the_rankings_are_the_same_when_arrow_counts_every_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        store.upsert_posts(_corpus())
        by_counter = _views(store)
        extracted = _views(store, extract=True)
        monkeypatch.setattr(terms, "ARROW_FROM", 0)
        assert _views(store) == by_counter == extracted
        for text in ("lumio OR vexa", "lumio lang:fr"):
            scope = query_scope(store, text)
            assert trending_terms(store, scope, WEEK, limit=40) == trending_terms(
                store, scope, WEEK, limit=40, extract=True
            )
    finally:
        store.close()


def test_the_period_is_counted_without_a_row_per_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first view of ``/trends?q=lumio`` at 1M posts handed each of the
    period's 20,000 matches to Python as a row, then split and counted
    their keys and forms in Python: most come in one row now. The rankings
    stay those extraction gives (forms in the same order), with stories
    keyed by their first post in the period, posts without kept terms or
    sample part, whole or sampled, by Counter or by Arrow."""
    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        posts = _corpus()
        lumio = [p for p in posts if "lumio" in p.text.lower()]
        first = next(p for p in lumio if p.published_at >= WEEK.since + timedelta(days=1))
        posts = [
            replace(p, cluster_id=first.id) if i % 17 == 0 and p.id != first.id else p
            for i, p in enumerate(posts)
        ]
        store.upsert_posts(posts)
        since, until = int(WEEK.since.timestamp()), int(WEEK.until.timestamp())
        in_period = store.conn.execute(
            "SELECT count(*) FROM posts WHERE published_at >= ? AND published_at < ?",
            (since, until),
        ).fetchone()[0]
        assert in_period > 200
        for text in ("lumio", "lumio OR vexa", None):
            scope = query_scope(store, text) if text else Scope()
            counting = _RowsRead(store.conn)
            store.conn = counting  # type: ignore[assignment]
            try:
                trending_terms(store, scope, WEEK, limit=40)
            finally:
                store.conn = counting.conn
            assert counting.rows < in_period // 4, (text, counting.rows, in_period)
        texts = ("lumio", "lumio OR vexa", '"service client"', "lumio -promo", "lumio lang:fr")
        for arrow_from in (None, 0, 1 << 40):
            if arrow_from is not None:
                _arrow_from(monkeypatch, arrow_from)
            assert _views(store) == _views(store, extract=True)
            for text in texts:
                for kw in ({}, {"max_posts": 300}, {"phrases": False}):
                    scope = query_scope(store, text)
                    ranked = trending_terms(store, scope, WEEK, limit=40, **kw)  # type: ignore[arg-type]
                    extracted = trending_terms(store, scope, WEEK, limit=40, extract=True, **kw)  # type: ignore[arg-type]
                    assert ranked and ranked == extracted, (text, kw)
        conn = store.conn
        conn.execute("UPDATE posts SET story_bucket = NULL WHERE pk % 5 = 0")
        conn.execute("UPDATE posts SET term_keys = NULL, term_forms = NULL WHERE pk % 6 = 0")
        assert _views(store) == _views(store, extract=True)
        for kw in ({}, {"max_posts": 300}):
            _same_counts(store, Scope(flt=PostFilter(platforms=PLATFORMS)), **kw)
    finally:
        store.close()


# Forms written as often (a tie the first written breaks), terms not all
# ASCII, a post without terms.
_TIED = ["Lumio fibre Déçu", "lumio Fibre déçu", "LUMIO FIBRE DÉÇU", "Straße 日本 🙂 naïve",
         "strasse 日本 🙂 Naïve", "", "ﬁbre İstanbul", "fibre istanbul"]  # fmt: skip


def _stored_rows(store: SQLiteStore, split: int) -> list[tuple[str, bool, list[str], list[str]]]:
    """The posts' kept terms as the store keeps them, in the posts' key
    order (their time order), for :func:`count_terms`."""
    rows = []
    for story, at, keys, forms in store.conn.execute(
        "SELECT coalesce(cluster_id, id), published_at, term_keys, term_forms FROM posts "
        "ORDER BY pk"
    ):
        split_keys = keys.split("\n") if keys else []  # ('': a post without terms)
        rows.append(
            (story, at >= split, split_keys, forms.split("\n") if forms else [""] * len(split_keys))
        )
    return rows


def _tied_posts() -> list[Post]:
    """Posts of :data:`_TIED` five hours apart from the week's start,
    copies of a story before the edge (``len(_TIED)`` posts on) whose first
    post is after it, and of one after it whose first post is before."""
    day = WEEK.since
    posts = [
        replace(make_post(str(i), _TIED[i % len(_TIED)]), published_at=day + timedelta(hours=5 * i))
        for i in range(3 * len(_TIED))
    ]
    edge = day + timedelta(hours=5 * len(_TIED))
    after = next(p for p in posts if p.published_at >= edge)
    before = posts[1]
    posts = [
        replace(p, cluster_id=after.id if i % 3 == 0 else before.id)
        if i % 3 != 2 and p.id not in (after.id, before.id)
        else p
        for i, p in enumerate(posts)
    ]
    return posts


@pytest.mark.parametrize("arrow_from", [None, 0, 1 << 40])
def test_ties_non_ascii_terms_and_stories_across_the_edge_count_as_in_python(
    monkeypatch: pytest.MonkeyPatch, arrow_from: int | None
) -> None:
    """The period read in one row (by Counter or by Arrow) gives the counts
    and the forms, in their order, that counting each stored post in Python
    gives: forms written as often (the first written first), terms with
    accents, ß, a ligature, CJK and emoji, stories whose copies straddle
    the period's edge either way, a period with no post."""
    if arrow_from is not None:
        _arrow_from(monkeypatch, arrow_from)
    posts = _tied_posts()
    edge = WEEK.since + timedelta(hours=5 * len(_TIED))
    store = SQLiteStore.open(":memory:")
    try:
        store.upsert_posts(posts)
        last = max(p.published_at for p in posts)
        for at in (edge, edge + timedelta(hours=3), last + timedelta(days=1)):
            split = int(at.timestamp())
            rows = _stored_rows(store, split)
            for kw in ({"phrases": True, "min_stories": 1}, {"phrases": False, "min_stories": 2}):
                found = store.term_counts(Scope(), split, **kw)  # type: ignore[arg-type]
                expected = count_terms(rows, **kw)  # type: ignore[arg-type]
                assert (found.stories_now, found.stories_before) == (
                    expected.stories_now,
                    expected.stories_before,
                ), (at, kw)
                assert dict(found.held) == dict(expected.held), (at, kw)
                assert dict(found.forms) == dict(expected.forms), (at, kw)
        assert found.stories_now == 0 and not found.held  # (the last: a period with no post)
    finally:
        store.close()


@pytest.mark.parametrize("arrow_from", [None, 0, 1 << 40])
def test_a_term_holding_the_end_of_a_posts_terms_counts_as_in_python(
    monkeypatch: pytest.MonkeyPatch, arrow_from: int | None
) -> None:
    """The period's posts each end their terms and forms with a byte that
    no term veille writes holds: where one does (terms written by other
    means), the period is read with each post's terms counted by SQLite,
    and counts as counting each stored post in Python does."""
    if arrow_from is not None:
        _arrow_from(monkeypatch, arrow_from)
    posts = _tied_posts()
    edge = WEEK.since + timedelta(hours=5 * len(_TIED))
    store = SQLiteStore.open(":memory:")
    try:
        store.upsert_posts(posts)
        split = int(edge.timestamp())
        for odd in (chr(terms.ROW_END), "\x01"):
            pk, keys, forms = store.conn.execute(
                "SELECT pk, term_keys, term_forms FROM posts WHERE published_at >= ? "
                "AND cluster_id IS NULL AND term_keys != '' ORDER BY pk LIMIT 1",
                (split,),
            ).fetchone()
            store.conn.execute(
                "UPDATE posts SET term_keys = ?, term_forms = ? WHERE pk = ?",
                (f"{keys}\nodd{odd}term", f"{forms}\n" if forms else "", pk),
            )
            rows = _stored_rows(store, split)
            assert any(f"odd{odd}term" in keys for _s, _now, keys, _f in rows)
            for kw in ({"phrases": True, "min_stories": 1}, {"phrases": False, "min_stories": 2}):
                found = store.term_counts(Scope(), split, **kw)  # type: ignore[arg-type]
                expected = count_terms(rows, **kw)  # type: ignore[arg-type]
                assert (found.stories_now, found.stories_before) == (
                    expected.stories_now,
                    expected.stories_before,
                ), (odd, kw)
                assert dict(found.held) == dict(expected.held), (odd, kw)
                assert dict(found.forms) == dict(expected.forms), (odd, kw)
    finally:
        store.close()


def test_a_workspace_on_clickhouse_counts_the_same_terms_and_forms(tmp_path: Path) -> None:
    """The same posts on ClickHouse (chDB) and on SQLite give the same
    trends' counts and forms in the same order: ties, terms not all ASCII,
    stories across the period's edge, a period with no post."""
    pytest.importorskip("chdb", reason="chdb is not installed (the clickhouse extra)")
    from veille.store.clickhouse.backend import ChdbBackend

    posts = _tied_posts()
    edge = WEEK.since + timedelta(hours=5 * len(_TIED))
    chdb = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    sqlite = SQLiteStore.open(":memory:")
    try:
        chdb.upsert_posts(posts)
        sqlite.upsert_posts(posts)
        last = max(p.published_at for p in posts)
        for at in (edge, edge + timedelta(hours=3), last + timedelta(days=1)):
            split = int(at.timestamp())
            for kw in ({"phrases": True, "min_stories": 1}, {"phrases": False, "min_stories": 2}):
                a = sqlite.term_counts(Scope(), split, **kw)  # type: ignore[arg-type]
                b = chdb.term_counts(Scope(), split, **kw)  # type: ignore[arg-type]
                assert (a.stories_now, a.stories_before) == (b.stories_now, b.stories_before)
                assert (dict(a.held), dict(a.forms)) == (dict(b.held), dict(b.forms)), (at, kw)
    finally:
        chdb.close()
        sqlite.close()
