"""The first view of ``/trends`` or of a report at 1M posts split the
baseline's kept terms (about a million keys for ``lumio`` over 30 days)
into a Python string each to count them with ``Counter``, about a fifth of
the view's CPU: many keys are counted by Arrow over the bytes SQLite gives
back. The counts, and so the rankings, are the same."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.analytics.test_stored_terms import WEEK, _corpus, _views
from veille.analytics.topics import query_scope
from veille.analytics.trends import trending_terms
from veille.store.sqlite import SQLiteStore, terms

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
