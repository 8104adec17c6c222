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

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.analytics.test_stored_terms import WEEK, _corpus, _plans
from veille.analytics.scope import Scope
from veille.analytics.topics import query_scope
from veille.analytics.trends import trending_terms
from veille.store.sqlite import SQLiteStore, terms_counted

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


def _merged(sent: list[str]) -> bool:
    """Whether the baseline's posts of the sample were read without their
    lists (told apart in NumPy): no statement reading kept terms asks a
    query's matches or a topic's filings for each post read."""
    bulk = [s for s in sent if "term_keys" in s and "story_bucket IN b" in s]
    return any("posts_fts MATCH" not in s and "post_topics" not in s for s in bulk)


@pytest.mark.parametrize("arrow_from", [None, 0])
def test_a_very_common_querys_baseline_is_told_apart_from_its_matches_in_numpy(
    store: Any, arrow_from: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lumio OR vexa`` at 1M posts, 30 days: each of the baseline's
    116,000 posts of the sample was checked by SQLite against its 225,000
    matches (about 75 ms of CPU of 0.22 s). A query whose matches are
    many more than the sample's posts reads its baseline's posts of the
    sample without them, and keeps its matches in NumPy: the same
    ranking, whole or sampled, with stories of several posts and posts
    whose part or terms were written by other means; a topic's filings
    likewise, with a query or alone."""
    from veille.query import compile_query

    if arrow_from is not None:  # (counted by Arrow, as at 1M posts)
        monkeypatch.setattr(terms_counted, "ARROW_FROM", arrow_from)
    store.file_topic_backlog(3, 1, Scope(queries=(compile_query("lumio OR vexa").ast,)))
    seen = set()
    for scope, kw in (
        (query_scope(store, "lumio OR vexa"), {"max_posts": 300}),
        (query_scope(store, "lumio OR vexa OR orbita"), {"max_posts": 300}),
        (query_scope(store, "lumio OR vexa OR orbita"), {"max_posts": 300, "phrases": False}),
        (Scope(topics=(3,)), {"max_posts": 400}),
        (
            Scope(topics=(3,), queries=query_scope(store, "lumio OR vexa OR orbita").queries),
            {"max_posts": 400},
        ),
    ):
        ranked, sent = _sent(store, scope, **kw)
        assert ranked and ranked == trending_terms(
            store, scope, WEEK, limit=40, extract=True, **kw
        ), (scope, kw)
        assert _merged(sent), (scope, kw, sent)
        seen.add(scope.topics)
    assert seen == {(), (3,)}
    # A query about as common as the sample's posts keeps SQLite's check.
    _ranked, sent = _sent(store, query_scope(store, "lumio"), max_posts=300)
    assert not _merged(sent), sent


@pytest.mark.parametrize("arrow_from", [0, 1 << 30])
def test_the_posts_of_a_list_are_counted_as_counter_counts_them(arrow_from: int) -> None:
    posts = {
        7: ["lumio", "fibre", "service client"],
        -3: [""],
        12: ["lumio", "débit", "naïve café", "日本"],
        40: ["fibre"],
        5: ["🙂", "déçu", "service client"],
    }
    pks = ",".join(map(str, posts))
    joined = "".join("\n".join(keys) + chr(terms_counted.ROW_END) for keys in posts.values())
    for listed in ([], [5], [-3, 7, 40], [-3, 5, 7, 12, 40, 41], [1, 2, 3]):
        kept = [keys for pk, keys in posts.items() if pk in listed]
        found = terms_counted.listed_key_counts(
            pks, joined.encode(), np.array(listed, np.int64), arrow_from=arrow_from
        )
        assert found == (len(kept), Counter(k for keys in kept for k in keys)), listed
    assert terms_counted.listed_key_counts(None, None, np.array([1])) == (0, Counter())
    # A term holding the byte that ends a post's terms: not told apart
    # here, read with the lists in SQLite instead; one holding another
    # control byte, by Arrow, likewise.
    end = chr(terms_counted.ROW_END)
    for odd, expected in (
        ("a\x0bb", None),
        ("a\x01b", None if arrow_from == 0 else (2, Counter(["lumio", "a\x01b", "fibre"]))),
    ):
        joined = f"lumio\n{odd}{end}fibre{end}".encode()
        found = terms_counted.listed_key_counts(
            "1,2", joined, np.array([1, 2]), arrow_from=arrow_from
        )
        assert found == expected, odd


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
