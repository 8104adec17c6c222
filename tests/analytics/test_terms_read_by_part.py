"""The first view of ``/trends`` for a common query or a large topic at 1M
posts (``lumio OR vexa``, the ``lumio`` topic, 30 days) spent most of its
time in SQLite: each full-text match of the period and its baseline looked
up in the posts table for its sample part and terms (281,000 matches, two
thirds of them outside the sample, known only once looked up), each post
of a topic's sample looked up in its filings. A query the full-text index
says alone, whose matches are many beside the sample's posts, is now read
from the index of the sample's parts, its matches listed once for each
half; a topic's filings likewise, while they are fewer than twice the
sample's posts. A rare query, a huge topic over a small sample and a query
the index cannot say keep their read. The ranking is the one extraction
gives, with stories of several posts, posts whose part or terms were
written by other means, whole or sampled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.analytics.test_stored_terms import WEEK, _corpus, _plans
from veille.analytics.scope import Scope
from veille.analytics.topics import query_scope
from veille.analytics.trends import trending_terms
from veille.store.sqlite import SQLiteStore

#: A step that looks a post up in the posts table by its key.
LOOKED_UP = "SEARCH p USING INTEGER PRIMARY KEY"


@pytest.fixture
def store(tmp_path: Path) -> Any:
    store = SQLiteStore.open(tmp_path / "veille.db")
    store.upsert_posts(_corpus())
    conn = store.conn
    # Posts whose sample part or terms were written by other means.
    conn.execute("UPDATE posts SET story_bucket = NULL WHERE pk % 7 = 0")
    conn.execute("UPDATE posts SET term_keys = NULL, term_forms = NULL WHERE pk % 9 = 0")
    yield store
    store.close()


def _read(store: SQLiteStore, scope: Scope, **kw: Any) -> tuple[list[Any], list[str]]:
    """The trends of ``scope`` over :data:`WEEK` and the plans of the
    statements that read the posts' kept terms in bulk (not the few first
    posts of stories looked up by their key)."""
    got: list[list[Any]] = []
    plans = _plans(store, lambda: got.append(trending_terms(store, scope, WEEK, limit=40, **kw)))
    return got[0], [p for p in plans if "json_each" not in p]


def test_a_common_querys_sample_is_read_from_the_index_of_its_parts(store: Any) -> None:
    for text in ("lumio", "lumio OR vexa", "lumio OR vexa OR orbita"):
        scope = query_scope(store, text)
        for kw in ({"max_posts": 300}, {"max_posts": 300, "phrases": False}):
            ranked, plans = _read(store, scope, **kw)
            assert ranked and ranked == trending_terms(
                store, scope, WEEK, limit=40, extract=True, **kw
            ), (text, kw)
            assert plans, text
            for plan in plans:
                assert "COVERING INDEX posts_story_terms" in plan, (text, plan)
                assert LOOKED_UP not in plan, (text, plan)


def test_a_query_within_a_topic_ranks_as_extracted(store: Any) -> None:
    """A topic (every post, listed or looked up) and a common query read
    together from the index of the sample's parts."""
    store.file_topic_backlog(4, 1, Scope(scan=True))
    for text in ("lumio OR vexa", "lumio -promo", "lumio lang:fr"):
        scope = Scope(topics=(4,), queries=query_scope(store, text).queries)
        for kw in ({}, {"max_posts": 300}):
            ranked, _plans = _read(store, scope, **kw)
            assert ranked and ranked == trending_terms(
                store, scope, WEEK, limit=40, extract=True, **kw
            ), (text, kw)


def test_a_rare_query_or_one_the_index_cannot_say_keeps_its_read(store: Any) -> None:
    """Few matches beside the sample's posts (the whole of a small
    workspace: no sample) are looked up, fewer rows than the sample's; a
    language is asked of each match's post."""
    for text, kw in (
        ("vexa", {"max_posts": 300}),
        ("lumio", {}),
        ("lumio lang:fr", {"max_posts": 300}),
        ("lumio OR vexa lang:fr", {}),
    ):
        scope = query_scope(store, text)
        ranked, plans = _read(store, scope, **kw)
        assert ranked and ranked == trending_terms(
            store, scope, WEEK, limit=40, extract=True, **kw
        ), (text, kw)
        assert plans and all(LOOKED_UP in p for p in plans), (text, plans)


def test_a_large_topics_filings_are_listed_once_not_looked_up_per_post(store: Any) -> None:
    from veille.query import compile_query

    store.file_topic_backlog(3, 1, Scope(queries=(compile_query("lumio OR vexa").ast,)))
    store.file_topic_backlog(4, 1, Scope(scan=True))  # every post
    read = {}
    for topic in (3, 4):
        scope = Scope(topics=(topic,))
        for kw in ({}, {"max_posts": 300}, {"phrases": False}):
            ranked, plans = _read(store, scope, **kw)
            assert ranked and ranked == trending_terms(
                store, scope, WEEK, limit=40, extract=True, **kw
            ), (topic, kw)
            read[topic, tuple(kw)] = plans
    # Every post, and two thirds of them, whole: their filings listed once
    # for each half.
    for key in ((4, ()), (3, ())):
        assert read[key] and all(
            "posts_story_terms" in p and "LIST SUBQUERY" in p and "CORRELATED" not in p
            for p in read[key]
        ), read[key]
    # Every post over a sample of a fifth of them: each post of the sample
    # looked up in the filings.
    assert read[4, ("max_posts",)] and all(
        "posts_story_terms" in p and "CORRELATED" in p for p in read[4, ("max_posts",)]
    ), read[4, ("max_posts",)]


def _sent(store: SQLiteStore, scope: Scope, **kw: Any) -> tuple[list[Any], list[str]]:
    """The trends of ``scope`` over :data:`WEEK`, and the statements sent."""
    sent: list[str] = []
    store.conn.set_trace_callback(sent.append)
    try:
        ranked = trending_terms(store, scope, WEEK, limit=40, **kw)
    finally:
        store.conn.set_trace_callback(None)
    return ranked, sent


def test_the_periods_posts_terms_are_not_counted_by_sqlite(store: Any) -> None:
    """At 1M posts (``lumio``, 30 days) SQLite counted each of the
    period's posts' newlines, twice for a post whose forms are its terms
    (to write as many '' forms), about a fifth of the period's statement:
    each post's terms end with a byte of their own, which tells how many
    it has. The same rankings as extraction."""
    for scope, kw in (
        (Scope(), {}),
        (query_scope(store, "lumio OR vexa"), {"max_posts": 300}),
        (query_scope(store, "lumio"), {}),
    ):
        ranked, sent = _sent(store, scope, **kw)
        assert ranked and ranked == trending_terms(
            store, scope, WEEK, limit=40, extract=True, **kw
        ), (scope, kw)
        period = [s for s in sent if "term_forms" in s and "group_concat" in s]
        assert period, sent
        assert not any("zeroblob" in s or "replace(" in s for s in period), period
