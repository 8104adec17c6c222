"""Queries no engine can run are refused when they are parsed (so by `query
check`, search, topics and alerts alike), with the limit they pass; queries
within the limits run in every engine."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.query import Matcher, compile_query
from veille.query.ast import (
    MAX_NESTING,
    MAX_NUMBER,
    And,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    Range,
    Term,
    Wildcard,
    nesting,
    to_text,
)
from veille.query.parser import QueryError
from veille.store.sqlite import SQLiteStore

from .conftest import make_post


@pytest.mark.parametrize(
    "query, message",
    [
        ("NOT " * 2000 + "x", f"nests more than {MAX_NESTING} operators"),
        ("-(" * 25 + "x" + ")" * 25, f"nests more than {MAX_NESTING} operators"),
        ("NOT " * 300 + "x", f"nests more than {MAX_NESTING} operators"),
        ("(likes:>2 OR b " * 14 + "c" + ")" * 14, "nests 28 operators"),
        ("followers:>99999999999999999999999", "out of range"),
        (f"likes:[0 TO {MAX_NUMBER + 1}]", "out of range"),
        (f"shares:<-{MAX_NUMBER + 1}", "out of range"),
        ("replies:>" + "9" * 5000, "out of range"),
    ],
)
def test_queries_no_engine_can_run_are_refused(query: str, message: str) -> None:
    with pytest.raises(QueryError) as err:
        compile_query(query)
    assert message in err.value.message
    assert err.value.hint and ("at most" in err.value.hint or "numbers go from" in err.value.hint)


def test_the_largest_numbers_run_everywhere() -> None:
    posts = [make_post("1", "a", followers=MAX_NUMBER, likes=3)]
    query = f"followers:>={MAX_NUMBER} likes:>-{MAX_NUMBER}"
    assert compile_query(query).matches(posts[0])
    store = SQLiteStore.open(":memory:")
    try:
        store.upsert_posts(posts)
        assert len(store.search(query)) == 1
    finally:
        store.close()
    m = Matcher()
    m.add("q", query)
    assert m.match(posts[0])


_LEAVES: list[Node] = [Term("a"), Range("likes", low=2), Field("site", "x.com"), Phrase(("a", "b"))]
_SIDES: list[Node] = [Term("c"), Range("likes", high=1), Wildcard("a?c")]


def _nest(pattern: tuple[str, ...], depth: int, leaf: Node, side: Node) -> Node:
    node = leaf
    for i in range(depth):
        op = pattern[i % len(pattern)]
        node = Not(node) if op == "not" else (And if op == "and" else Or)((side, node))
    return node


def test_every_shape_nested_to_the_limit_runs_in_every_engine() -> None:
    """NOT, AND and OR nested to the limit in every repeating order of up to
    three (the shapes that overflowed SQLite's parsers first), over words,
    phrases, numbers and fields: SQLite, the evaluator and the matcher agree."""
    posts = [
        make_post("1", "a b c x", likes=5, url="https://x.com/1"),
        make_post("2", "other abc", likes=1),
        make_post("3", "a", likes=0),
    ]
    store = SQLiteStore.open(":memory:")
    m = Matcher()
    expected: dict[str, set[str]] = {p.id: set() for p in posts}
    try:
        store.upsert_posts(posts)
        for size in (1, 2, 3):
            for pattern in itertools.product(("and", "or", "not"), repeat=size):
                for leaf, side in itertools.product(_LEAVES, _SIDES):
                    node = _nest(pattern, MAX_NESTING, leaf, side)
                    assert nesting(node) == MAX_NESTING
                    query = compile_query(to_text(node))
                    found = {p.id for p in posts if query.matches(p)}
                    sort = "relevance" if leaf == Phrase(("a", "b")) else "newest"
                    assert {p.id for p in store.search(query, sort=sort)} == found
                    m.add(query.text, query.text)
                    for pid in found:
                        expected[pid].add(query.text)
                    # One more is refused, unless the parser flattens it
                    # (a (b (c …)) is one AND) to within the limit.
                    deeper = to_text(_nest(pattern, MAX_NESTING + 1, leaf, side))
                    try:
                        assert nesting(compile_query(deeper).ast) <= MAX_NESTING
                    except QueryError as err:
                        assert "nests" in err.message
        for p in posts:
            assert set(m.match(p)) == expected[p.id]
    finally:
        store.close()


def test_query_check_and_search_refuse_with_the_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    app = build_app()
    runner = CliRunner()
    assert runner.invoke(app, ["init", "ws"]).exit_code == 0
    src = tmp_path / "in.jsonl"
    row = {"platform": "rss", "id": "1", "text": "x", "published_at": "2026-03-01T12:00:00Z"}
    src.write_text(json.dumps(row) + "\n")
    assert runner.invoke(app, ["import", str(src), "-w", "ws", "--no-enrich"]).exit_code == 0
    for query in ("NOT " * 2000 + "x", "NOT " * 300 + "x", "followers:>99999999999999999999999"):
        for args in (["query", "check", query], ["search", "-w", "ws", query]):
            result = runner.invoke(app, args)
            assert result.exit_code == 2, (args[:2], result.output, result.exception)
            assert "nests more than" in result.output or "out of range" in result.output
            assert "Traceback" not in result.output


def test_a_long_exclusion_list_runs_in_every_engine() -> None:
    """A monitoring query that leaves out a long list of spam words (well
    within 10,000 characters): SQLite refused it past about 60 with "fts5:
    parser stack overflow", one parenthesis per excluded word."""
    spam = [f"spam{i}" for i in range(400)]
    query = compile_query("lumio (panne OR outage) " + " ".join(f"-{w}" for w in spam))
    posts = [
        make_post("1", "lumio panne"),
        make_post("2", "lumio outage spam399"),
        make_post("3", "lumio panne spam0", likes=3),
        make_post("4", "lumio outage Spam17 promo"),
        make_post("5", "vexa panne"),
    ]
    assert {p.id for p in posts if query.matches(p)} == {"mastodon:1"}
    store = SQLiteStore.open(":memory:")
    try:
        store.upsert_posts(posts)
        for sort in ("newest", "relevance", "engagement"):
            assert [p.id for p in store.search(query, sort=sort)] == ["mastodon:1"], sort
        assert store.count_matches(query.ast) == 1
    finally:
        store.close()
    m = Matcher()
    m.add("q", query.text)
    assert [p.id for p in posts if m.match(p)] == ["mastodon:1"]


def test_wildcards_match_as_their_regex_reads_them() -> None:
    """The wildcard matcher (linear, where the regex backtracked) says what
    ``*`` = letters or digits and ``?`` = one of them say, on every small
    pattern and word."""
    import random
    import re

    from veille.query.predicates import wildcard_matcher

    def regex(pattern: str) -> re.Pattern[str]:
        body = "".join(
            r"[^\W_]*" if c == "*" else r"[^\W_]" if c == "?" else re.escape(c) for c in pattern
        )
        return re.compile(body + r"\Z")

    rng = random.Random(7)
    for _ in range(4000):
        pattern = rng.choice("ab") + "".join(rng.choice("ab*?") for _ in range(rng.randrange(6)))
        pattern = re.sub(r"\*+", "*", pattern)
        word = "".join(rng.choice("ab_-é") for _ in range(rng.randrange(9)))
        expected = bool(regex(pattern).match(word))
        assert wildcard_matcher(pattern).match(word) is expected, (pattern, word)
