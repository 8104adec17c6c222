"""A first view of ``/trends`` or of a report on ClickHouse (chDB) at 1M
posts spent most of its time counting, for each term, the stories holding
it: ``uniqExact`` over the story's key, a text, hashed again on every row
the ``ARRAY JOIN`` of the posts' terms made (a post's dozen terms) and
carried along each. The story is now its 128-bit SipHash, made once a post
before the terms are joined (what ``uniqExact`` of a text keeps of each
value anyway): the same counts, the rows of the join carry a number."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.test_stored_terms import WEEK, _corpus
from veille.analytics.scope import Scope, words_scope
from veille.analytics.trends import trending_terms


@pytest.fixture
def chdb(tmp_path: Path) -> Any:
    pytest.importorskip("chdb")
    from veille.store.clickhouse.backend import ChdbBackend

    store = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    store.upsert_posts(_corpus())
    yield store
    store.close()


def _joined_columns(store: Any, sql: str, params: dict[str, Any]) -> dict[str, str]:
    """The columns (name: type) of the rows the ``ARRAY JOIN`` of ``sql``
    makes, as ClickHouse's plan says."""
    plan = [r[0] for r in store.rows(f"EXPLAIN header = 1 {sql}", params)]
    at = next(i for i, line in enumerate(plan) if "ArrayJoin" in line)
    columns: dict[str, str] = {}
    for line in plan[at + 1 :]:
        found = re.match(r"^[\s│]*(?:Header:)?\s+(\S+) (\S.*)$", line)
        if "ARRAY JOIN" in line or found is None:
            break
        columns[found.group(1)] = found.group(2)
    return columns


def test_the_stories_holding_each_term_are_counted_from_a_number(
    chdb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, dict[str, Any]]] = []
    rows = chdb.rows

    def recorded(sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        asked.append((sql, dict(params or {})))
        return rows(sql, params)

    for scope in (Scope(), words_scope("lumio")):
        for kw in ({}, {"max_posts": 300}, {"phrases": False}):
            asked.clear()
            with monkeypatch.context() as m:
                m.setattr(chdb, "rows", recorded)
                ranked = trending_terms(chdb, scope, WEEK, limit=40, **kw)  # type: ignore[arg-type]
            extracted = trending_terms(chdb, scope, WEEK, limit=40, extract=True, **kw)  # type: ignore[arg-type]
            # The same ranking and counts as the posts' text gives, stories of
            # several posts (the corpus's clusters) counted once.
            assert ranked and [(t.key, t.stories, t.baseline) for t in ranked] == [
                (t.key, t.stories, t.baseline) for t in extracted
            ]
            counted = [(s, p) for s, p in asked if "ARRAY JOIN term_keys AS k " in s]
            assert counted, "no count of the stories by term"
            for sql, params in counted:
                joined = _joined_columns(chdb, sql, params)
                story = [kind for name, kind in joined.items() if name.endswith("story")]
                assert story == ["UInt128"], joined
