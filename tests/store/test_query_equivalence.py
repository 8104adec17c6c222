"""Random queries over random posts: SQLite and ClickHouse (chDB, in this
process and over HTTP) return the same posts, the same counts and the same
newest first, and both agree with the in-memory engine (the strategies of
tests/query/test_engines_agree.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.query.test_engines_agree import posts_st, query_st
from veille.query.ast import to_text
from veille.query.evaluate import Query, compile_node
from veille.store.sqlite import SQLiteStore

pytest.importorskip("chdb")


@pytest.fixture(scope="module", params=["chdb", "clickhouse"])
def chdb_store(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    # One chDB folder per process: one store for every example, emptied each
    # time; in this process, or over HTTP (tests/store/test_clickhouse.py).
    from tests.store.test_clickhouse import open_clickhouse

    store = open_clickhouse(request.param, tmp_path_factory.mktemp("equivalence"), request)
    yield store
    store.close()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    posts=st.integers(3, 14).flatmap(lambda n: st.tuples(*[posts_st(i) for i in range(n)])),
    queries=st.lists(query_st, min_size=1, max_size=4),
)
def test_sqlite_and_clickhouse_find_the_same_posts(
    chdb_store: Any, memory_store: Callable[[], SQLiteStore], posts: tuple, queries: list
) -> None:
    chdb_store.client.command("TRUNCATE TABLE posts")
    chdb_store.upsert_posts(posts)
    lite = memory_store()
    try:
        lite.upsert_posts(posts)
        for ast in queries:
            text = to_text(ast)
            expected = {p.id for p in posts if Query("", ast, (), compile_node(ast)).matches(p)}
            found = {p.id for p in chdb_store.search(ast, limit=1000)}
            assert found == {p.id for p in lite.search(ast, limit=1000)} == expected, text
            assert chdb_store.count_matches(ast) == lite.count_matches(ast) == len(expected), text
            newest = [p.id for p in chdb_store.search(ast, limit=2)]
            assert newest == [p.id for p in lite.search(ast, limit=2)], text
    finally:
        lite.close()


def test_a_long_exclusion_list_finds_the_same_posts_planned_as_one_condition(
    chdb_store: Any,
) -> None:
    """400 excluded words (a spam list) and an OR of words, phrases and
    prefixes: the same posts as SQLite and the evaluator, and one condition per
    column and kind for them, where a condition per item took ClickHouse 15 s
    to plan over 50 posts (8 s for an OR of 400 phrases)."""
    from tests.query.conftest import make_post
    from veille.query import compile_query
    from veille.store.clickhouse.compiler import to_clickhouse

    spam = " ".join(f"-spam{i}" for i in range(400))
    query = compile_query(
        "lumio (panne OR outage OR title:vexa OR title:orbita OR « hors service » "
        f'OR "service client" OR fibr* OR rése* OR title:cyber* OR title:abo*) {spam}'
    )
    posts = [
        make_post("1", "lumio panne"),
        make_post("2", "lumio outage spam399"),
        make_post("3", "lumio panne Spam0"),
        make_post("4", "lumio", title="Vexa"),
        make_post("5", "vexa panne"),
        make_post("6", "Lumio hors-service"),
        make_post("7", "lumio service hors client"),
        make_post("8", "lumio Fibré"),
        make_post("9", "lumio réseaux spam7"),
        make_post("10", "lumio cyberattaque", title="Abonnés"),
        make_post("11", "lumio", title="la cybersécurité"),
        make_post("12", "lumio afibre"),
    ]
    chdb_store.client.command("TRUNCATE TABLE posts")
    chdb_store.upsert_posts(posts)
    lite = SQLiteStore.open(":memory:")
    try:
        lite.upsert_posts(posts)
        expected = {p.id for p in posts if query.matches(p)}
        assert expected == {f"mastodon:{n}" for n in (1, 4, 6, 8, 10, 11)}
        assert {p.id for p in chdb_store.search(query.ast, limit=10)} == expected
        assert {p.id for p in lite.search(query.ast, limit=10)} == expected
    finally:
        lite.close()
    sql = to_clickhouse(query.ast).sql
    assert sql.count("hasAnyTokens") <= 10  # lumio, the words, the phrases, the NOT
    assert sql.count("multiSearchAny") <= 6  # the phrases and prefixes of each field
    assert "position(" not in sql and "hasAllTokens" not in sql  # not one per item
