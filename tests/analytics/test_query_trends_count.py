"""The first view of ``/trends`` for an ad-hoc query (``lumio OR vexa`` over
30 days at 1M posts) read every match of the period and its baseline from
the posts table (about 0.27 s of CPU) only to count them, to size the
sample: a query the full-text index answers alone is counted there, no post
read, and the ranking stays the one extraction gives."""

from __future__ import annotations

import re
from pathlib import Path

from tests.analytics.test_stored_terms import WEEK, _corpus
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
