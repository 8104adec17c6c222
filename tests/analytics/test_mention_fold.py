"""One person is one line of ``veille top mentions``.

A Mastodon client shows a mention as ``@claire`` in the text, and the status
gives the account (``claire@piaille.fr``, or ``claire`` for an account of the
instance read, which veille qualifies as it qualifies authors). Enrichment
found the short form in the text beside the account, so every Mastodon post
listed the same person twice. Same answers from SQLite and chDB."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.analytics.conftest import local, make_post
from tests.platforms.conftest import fixture
from veille.analytics.scope import Period, Scope
from veille.analytics.tops import top_entities
from veille.config import EnrichSettings
from veille.enrich import Enricher
from veille.enrich.entities import extract_entities
from veille.sources.mastodon import MastodonConfig, to_post
from veille.store.sqlite import SQLiteStore

CFG = MastodonConfig("https://piaille.fr", "tag", "lumio")
EVER = Period(local("2020-01-01T00:00"), local("2030-01-01T00:00"))


@pytest.fixture(params=["sqlite", "chdb"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    if request.param == "sqlite":
        opened: Any = SQLiteStore.open(tmp_path / "t.db")
    else:
        pytest.importorskip("chdb")
        from tests.store.test_clickhouse import open_clickhouse

        opened = open_clickhouse("chdb", tmp_path, request)
    yield opened
    opened.close()


def _mentions(store: Any) -> list[tuple[str, int]]:
    return [(r.value, r.posts) for r in top_entities(store, Scope(), EVER, "mentions")]


def test_a_mastodon_mention_is_one_person_not_two(store: Any) -> None:
    # quote.json mentions claire of the instance read, status.json
    # claire_tech of another; each text shows the short form.
    posts = Enricher(EnrichSettings()).enrich(
        [to_post(fixture("mastodon", name), CFG) for name in ("quote.json", "status.json")]
    )
    assert [p.mentions for p in posts] == [("claire@piaille.fr",), ("claire_tech@mastodon.social",)]
    store.upsert_posts(posts)
    assert sorted(_mentions(store)) == [
        ("claire@piaille.fr", 1),
        ("claire_tech@mastodon.social", 1),
    ]


def test_a_short_form_nothing_qualifies_stays() -> None:
    got = extract_entities("@bob et @Claire merci", lambda u: None)
    assert got.mentions == ("bob", "Claire")
    post = to_post(fixture("mastodon", "quote.json"), CFG)
    got = extract_entities("@CLAIRE et @bob, merci", lambda u: None, post)
    assert got.mentions == ("claire@piaille.fr", "bob")


def test_a_post_id_without_its_instance_qualifies_nothing() -> None:
    """A Mastodon post imported from a file (``mastodon:12345``, no
    ``host/``) has no instance to qualify its mentions with: its status
    number is not one (``alice@12345`` was written)."""
    from veille.enrich.entities import qualified_mentions

    assert qualified_mentions(["alice", "Bob"], "mastodon:12345") == ("alice", "Bob")
    assert qualified_mentions(["alice"], "mastodon:piaille.fr/12345") == ("alice@piaille.fr",)


def _stored_before() -> list[Any]:
    """Mastodon posts as an older veille stored them: an account of the
    instance read without its host, another instance's with the short form
    from the text beside it; and what is not Mastodon's to change."""
    return [
        make_post("piaille.fr/1", "2026-03-24T10:00", mentions=("claire",)),
        make_post("piaille.fr/2", "2026-03-24T11:00", mentions=("claire@piaille.fr",)),
        make_post(
            "piaille.fr/3",
            "2026-03-24T12:00",
            mentions=("claire_tech@mastodon.social", "claire_tech"),
        ),
        make_post("mastodon.social/4", "2026-03-24T13:00", mentions=("claire@piaille.fr", "zoe")),
        make_post("5", "2026-03-24T14:00", platform="bluesky", mentions=("bob",)),
    ]


def _reopened(store: Any, path: Any) -> Any:
    """``store`` opened again as if an older veille had left it: the
    mentions' migration (SQLite 0290, ClickHouse schema 8) not applied."""
    if isinstance(store, SQLiteStore):
        store.conn.execute("DELETE FROM schema_migrations WHERE number = 290")
        store.conn.commit()
        store.close()
        return SQLiteStore.open(path / "t.db")
    from veille.store.clickhouse.store import ClickHouseStore

    store.write_row("veille_meta", {"key": "schema", "value": "7"})
    return ClickHouseStore(store.client, store.where)


def test_mentions_stored_before_are_qualified_when_the_store_opens(
    store: Any, tmp_path: Any
) -> None:
    from veille.query import compile_query

    every = compile_query("message").ast  # each post's text
    store.upsert_posts(_stored_before())
    hashes = {p.id: p.content_hash for p in store.search(every, limit=100)}
    assert len(hashes) == 5
    # What the user hit: one person on two lines.
    assert ("claire", 1) in _mentions(store) and ("claire@piaille.fr", 2) in _mentions(store)
    store = _reopened(store, tmp_path)
    try:
        assert sorted(_mentions(store)) == [
            ("bob", 1),
            ("claire@piaille.fr", 3),
            ("claire_tech@mastodon.social", 1),
            ("zoe@mastodon.social", 1),
        ]
        ast = compile_query("@claire@piaille.fr").ast
        assert store.count_matches(ast) == 3
        # Nothing lost, no hash moved.
        assert {p.id: p.content_hash for p in store.search(every, limit=100)} == hashes
    finally:
        store.close()
