"""Analytics reads posts only through the store's analytics protocol: no SQL,
no connection, no SQLite import in the analytics modules, and the column copy
belongs to the store object that keeps it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from veille.analytics import tops
from veille.analytics.influencers import influencers
from veille.analytics.scope import Period, Scope, words_scope
from veille.analytics.topics import query_scope
from veille.analytics.trends import trending_terms
from veille.analytics.volume import breakdown, net_sentiment, share_of_voice, volume
from veille.store.base import Store
from veille.store.protocols.analytics import AnalyticsPosts
from veille.store.sqlite import SQLiteStore

ANALYTICS = Path(__file__).parents[2] / "src" / "veille" / "analytics"
MINE = ("scope", "volume", "topics", "tops", "trends", "influencers", "columns", "authors")
SQL = re.compile(r"\bsqlite3\b|\.conn\b|\bSELECT\b|\bFROM posts\b|\bconnection\(")


def test_no_sql_in_the_analytics_modules() -> None:
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for name in MINE
        if (path := ANALYTICS / f"{name}.py").exists()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SQL.search(line)
    ]
    assert found == []
    # The column copy is the SQLite backend's own business.
    assert not (ANALYTICS / "columns.py").exists()


def _protocol_names() -> set[str]:
    names: set[str] = set()
    for proto in (AnalyticsPosts, Store):
        for klass in proto.__mro__:
            names |= {n for n in vars(klass) if not n.startswith("_")}
    return names


class OnlyTheProtocol:
    """A store that offers the protocol's methods and nothing else (no ``conn``)."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        self._names = _protocol_names()

    def __getattr__(self, name: str) -> Any:
        if name not in self._names:
            raise AttributeError(name)
        return getattr(self._store, name)


def _panels(store: Any, scope: Scope, week: Period) -> list[Any]:
    tz = "Europe/Paris"
    return [
        volume(store, scope, week, timezone=tz),
        net_sentiment(store, scope, week, timezone=tz),
        breakdown(store, scope, week, "platform"),
        tops.headline(store, scope, week),
        [p.id for p in tops.top_posts(store, scope, week)],
        tops.top_authors(store, scope, week),
        tops.top_entities(store, scope, week, "hashtags"),
        [(s.key, s.posts, s.first.id) for s in tops.stories(store, scope, week)],
        trending_terms(store, scope, week, min_stories=1),
        [(i.handle, i.score, i.why()) for i in influencers(store, scope, week)],
    ]


def test_every_panel_goes_through_the_protocol(store: SQLiteStore, week: Period) -> None:
    only = OnlyTheProtocol(store)
    assert not hasattr(only, "conn")
    for scope in (Scope(), query_scope(store, "lumio OR fibre"), words_scope("lumio")):
        assert _panels(only, scope, week) == _panels(store, scope, week)
    sov = {"a": query_scope(store, "lumio"), "b": words_scope("fibre")}
    assert share_of_voice(only, sov, week) == share_of_voice(store, sov, week)


def test_the_column_copy_belongs_to_its_store(store: SQLiteStore, tmp_path: Path) -> None:
    other = SQLiteStore.open(tmp_path / "other.db")
    try:
        copy = store.keep_columns()
        assert store.keep_columns() is copy  # kept by this store object
        assert other.analytics_copy().columns is None  # and by no other
        store.drop_columns()
        assert store.analytics_copy().columns is None
    finally:
        other.close()
