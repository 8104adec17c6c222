"""A full-text lookup bounded by a window's start drops no post of the window,
even when posts arrive late (a low pk for a recent post, a high pk for an old one)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from tests.query.conftest import make_post
from veille.query import compile_query
from veille.store.sqlite.compiler import to_sqlite
from veille.store.sqlite.functions import install


def test_since_bound_gives_the_same_posts(store) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(3)
    words = ["lumio", "panne", "fibre", "vexa", "prix"]
    days = list(range(1, 29))
    rng.shuffle(days)  # stored in random order: pk order is not time order
    posts = [
        make_post(str(i), " ".join(rng.sample(words, 2)), day=day) for i, day in enumerate(days * 3)
    ]
    store.upsert_posts(posts)
    install(store.conn)
    found = 0
    for text in ("lumio", "lumio panne", "fibre OR vexa", "lumio -prix", '"panne fibre"'):
        node = compile_query(text).ast
        for day in (1, 10, 20, 28):
            since = int(datetime(2026, 3, day, tzinfo=UTC).timestamp())

            def ids(sql: str, params: list[object], since: int = since) -> set[str]:
                rows = store.conn.execute(
                    f"SELECT p.id FROM posts p WHERE p.published_at >= ? AND ({sql})",
                    [since, *params],
                )
                return {r[0] for r in rows}

            plain = ids(*to_sqlite(node))
            bounded = ids(*to_sqlite(node, since=since))
            assert bounded == plain, (text, day)
            found += len(plain)
    assert found > 100  # the windows are not empty
