"""The first view of ``/trends`` for an ad-hoc query (``lumio OR vexa`` over
30 days at 1M posts) read every match of the period and its baseline from
the posts table (about 0.27 s of CPU) only to count them, to size the
sample: a query the full-text index answers alone is counted there, no post
read. Then it read each match of the baseline as a row (about 0.2 s more):
a query's baseline is counted in one row, as a topic's is. The ranking
stays the one extraction gives."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from tests.analytics.test_stored_terms import WEEK, _corpus, _RowsRead
from veille.analytics.topics import query_scope
from veille.analytics.trends import trending_terms
from veille.store.sqlite import SQLiteStore

#: A step of a query plan that reads the posts table (aliased ``p`` or not).
READS_POSTS = re.compile(r"\b(SCAN|SEARCH) (p|posts)\b(?! VIRTUAL)")


def _posts_read_besides_terms(store: SQLiteStore, text: str, **kw: object) -> list[str]:
    """The statements of the trends of ``text`` that read the posts table,
    but the one reading the matches' kept terms (``term_keys``)."""
    sent: list[str] = []
    store.conn.set_trace_callback(sent.append)
    try:
        trending_terms(store, query_scope(store, text), WEEK, **kw)  # type: ignore[arg-type]
    finally:
        store.conn.set_trace_callback(None)
    reading = []
    for sql in sent:
        if "term_keys" in sql or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        plan = " / ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        if READS_POSTS.search(plan):
            reading.append(f"{sql} -> {plan}")
    return reading


def test_a_query_of_words_is_counted_in_the_index_to_size_its_sample(tmp_path: Path) -> None:
    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        store.upsert_posts(_corpus())
        for text in ("lumio", "lumio OR vexa", '"service client"', "lumio -promo"):
            for kw in ({}, {"max_posts": 300}):
                assert _posts_read_besides_terms(store, text, **kw) == [], (text, kw)
                scope = query_scope(store, text)
                ranked = trending_terms(store, scope, WEEK, limit=40, **kw)  # type: ignore[arg-type]
                extracted = trending_terms(store, scope, WEEK, limit=40, extract=True, **kw)  # type: ignore[arg-type]
                assert ranked == extracted, (text, kw)
        # A query the index cannot say alone (a language) still reads its posts.
        assert _posts_read_besides_terms(store, "lumio lang:fr")
    finally:
        store.close()


def test_a_querys_baseline_is_counted_without_a_row_per_post(tmp_path: Path) -> None:
    """With stories of several matches (their first post, keyed by its own
    key, in the baseline or in the period), whole or sampled, a query the
    index says alone and one it does not."""
    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        posts = _corpus()
        lumio = [p for p in posts if "lumio" in p.text.lower()]
        first = next(p for p in lumio if p.published_at < WEEK.since - timedelta(days=14))
        later = next(p for p in reversed(lumio) if p.published_at >= WEEK.since + timedelta(days=2))
        story = {first.id, later.id}
        posts = [
            replace(p, cluster_id=first.id if i % 13 == 0 else later.id)
            if i % 13 in (0, 1) and p.id not in story
            else p
            for i, p in enumerate(posts)
        ]
        store.upsert_posts(posts)
        baseline = (int((WEEK.since - timedelta(days=28)).timestamp()), int(WEEK.since.timestamp()))
        for text in ("lumio", "lumio OR vexa lang:fr"):
            scope = query_scope(store, text)
            matched = store.count_matches(text)
            in_baseline = sum(
                1
                for p in store.search(text, limit=matched)
                if baseline[0] <= int(p.published_at.timestamp()) < baseline[1]
            )
            assert in_baseline > 100, text
            counting = _RowsRead(store.conn)
            store.conn = counting  # type: ignore[assignment]
            try:
                trending_terms(store, scope, WEEK, limit=40)
            finally:
                store.conn = counting.conn
            assert counting.rows < in_baseline // 2, (text, counting.rows, in_baseline)
            for kw in ({}, {"max_posts": 300}, {"phrases": False}):
                ranked = trending_terms(store, scope, WEEK, limit=40, **kw)  # type: ignore[arg-type]
                extracted = trending_terms(store, scope, WEEK, limit=40, extract=True, **kw)  # type: ignore[arg-type]
                assert ranked and ranked == extracted, (text, kw)
    finally:
        store.close()
