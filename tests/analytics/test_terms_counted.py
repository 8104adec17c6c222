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
from veille.analytics.scope import Scope
from veille.analytics.topics import query_scope
from veille.analytics.trends import trending_terms
from veille.store.base import PostFilter
from veille.store.sqlite import SQLiteStore
from veille.store.sqlite import terms_counted as terms

POSTS = [
    ["lumio", "fibre", "service client", "déçu"],
    [""],
    ["lumio", "débit", "naïve café", "日本"],
    ["fibre", "lumio"],
    ["🙂", "déçu", "service client"],
]


@pytest.mark.parametrize("arrow_from", [0, 1, 1 << 30])
def test_the_keys_are_counted_as_counter_counts_them(arrow_from: int) -> None:
    joined = "".join("\n".join(keys) + "\n" for keys in POSTS).encode()
    expected = Counter("\n".join("\n".join(k) for k in POSTS).split("\n"))
    found = terms.key_counts(joined, arrow_from=arrow_from)
    assert found == expected
    assert isinstance(found, Counter)
    assert terms.key_counts(b"", arrow_from=arrow_from) == Counter()
    assert terms.key_counts(b"\n", arrow_from=arrow_from) == Counter({"": 1})


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
        for arrow_from in (None, 0):
            if arrow_from is not None:
                monkeypatch.setattr(terms, "ARROW_FROM", arrow_from)
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
