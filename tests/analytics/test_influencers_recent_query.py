"""The newest posts shown beside the influencers of a query
(``/influencers?query=lumio+OR+vexa``, a report of a query) are read from
the shown accounts' own posts, not from every post the query matches."""

from __future__ import annotations

from pathlib import Path

from tests.analytics.conftest import make_post
from veille.analytics.influencers import influencers
from veille.analytics.scope import parse_period
from veille.analytics.topics import query_scope
from veille.store.sqlite import SQLiteStore

WEEK = parse_period("2026-03-23..2026-03-29", timezone="Europe/Paris")


def _plans(store: SQLiteStore, sent: list[str]) -> list[str]:
    """The query plans of the statements in ``sent`` that read the posts of
    named accounts."""
    plans = []
    for sql in sent:
        if "author_handle IN" in sql and "FROM posts" in sql:
            rows = store.conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            plans.append(" / ".join(r[3] for r in rows))
    return plans


def test_newest_posts_of_a_querys_influencers_are_read_by_account(tmp_path: Path) -> None:
    """At 1M posts, ``lumio OR vexa`` over 30 days: SQLite read the 56,000
    posts the query matched to keep the 4,700 of the 25 accounts shown
    (47-108 ms of the page's first view). The accounts' posts of the
    period are now found through ``posts_author_published`` and kept when
    the query matches them: the same posts are shown, the newest matching
    ones (a newer post of theirs off the query is not)."""
    store = SQLiteStore.open(tmp_path / "veille.db")
    try:
        # 25 accounts shown, as the page shows (SQLite kept to the accounts'
        # own posts for a few handles, and chose the query's from 20 on).
        posts = [
            post
            for i in range(30)
            for post in (
                make_post(f"a{i}-1", f"2026-03-24T{8 + i % 12:02d}:00", handle=f"acct{i:02d}",
                          followers=1000 + i, likes=5, text=f"Lumio avis {i}"),
                make_post(f"a{i}-2", f"2026-03-26T{8 + i % 12:02d}:00", handle=f"acct{i:02d}",
                          followers=1000 + i, likes=5, text=f"Vexa répond {i}"),
                # Newer, off the query: not shown.
                make_post(f"a{i}-3", f"2026-03-27T{8 + i % 12:02d}:00", handle=f"acct{i:02d}",
                          followers=1000 + i, text="rien à voir"),
            )
        ]  # fmt: skip
        store.upsert_posts(posts)
        scope = query_scope(store, "lumio OR vexa")
        sent: list[str] = []
        store.conn.set_trace_callback(sent.append)
        try:
            found = influencers(store, scope, WEEK, limit=25, recent=2)
        finally:
            store.conn.set_trace_callback(None)

        assert len(found) == 25
        for i in found:
            n = int(i.handle.removeprefix("acct"))
            assert [p.native_id for p in i.recent] == [f"a{n}-2", f"a{n}-1"], i.handle
        plans = _plans(store, sent)
        assert plans, "no statement read the posts of the accounts shown"
        for plan in plans:
            assert "posts_author_published" in plan, plan
    finally:
        store.close()
