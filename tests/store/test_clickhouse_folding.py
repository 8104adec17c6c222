"""ClickHouse folds ligatures and invisible characters as the other engines
do (tests/query/test_ligatures.py), and a store written before they were
folded is folded again when it is opened, without losing or changing a post."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.query.conftest import make_post
from tests.query.test_ligatures import CASES, POSTS
from veille.query import compile_query
from veille.store.clickhouse.schema import SCHEMA_VERSION
from veille.textnorm import fold_accents, hash_text

pytest.importorskip("chdb")

TAGGED = make_post("20", "Avec tout mon cœur", hashtags=("Cœur", "Œuvre"), day=20)
TAG_CASES = {"#coeur": {"20"}, "#œuvre": {"20"}, "coeur": {"4", "3", "20"}}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    from veille.store.clickhouse.backend import ChdbBackend

    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    yield ch
    ch.close()


def _found(store: Any, query: str) -> set[str]:
    ast = compile_query(query).ast
    found = {p.id for p in store.search(ast, limit=100)}
    assert store.count_matches(ast) == len(found), query
    return found


def _expected(cases: dict[str, set[str]], query: str) -> set[str]:
    return {f"mastodon:{n}" for n in cases[query]}


def test_clickhouse_folds_as_the_other_engines(store: Any) -> None:
    store.upsert_posts([*POSTS, TAGGED])
    for cases in (CASES, TAG_CASES):
        for query in cases:
            assert _found(store, query) == _expected(cases, query), query


def _as_before(store: Any, after: str = "") -> None:
    """The folded columns as an earlier veille wrote them (case and accents
    only; of the posts whose id sorts after ``after``), and the schema it left."""
    for pk, title, text, tags in store.rows(
        "SELECT id, title, text, hashtags FROM posts WHERE id > {after:String}", {"after": after}
    ):
        store.client.command(
            "ALTER TABLE posts UPDATE title_f = {title:String}, text_f = {text:String}, "
            "tags_f = {tags:Array(String)} WHERE id = {id:String} SETTINGS mutations_sync = 2",
            {
                "id": pk,
                "title": f" {hash_text(title)} " if title else "",
                "text": f" {hash_text(text)} ",
                "tags": [fold_accents(t).lstrip("#") for t in tags],
            },
        )
    store.write_row("veille_meta", {"key": "schema", "value": "6"})


def test_a_store_folded_before_is_folded_again_when_opened(store: Any) -> None:
    from veille.store.clickhouse.store import ClickHouseStore

    store.upsert_posts([*POSTS, TAGGED])
    before = store.rows("SELECT id, content_hash FROM posts FINAL ORDER BY id")
    counts = store.stats()
    _as_before(store)
    # What the user hit: an older store misses the ligatures and soft hyphens.
    assert _found(store, "oeuvre") == {"mastodon:2"}
    assert _found(store, "#coeur") == set()

    reopened = ClickHouseStore(store.client, store.where)
    for cases in (CASES, TAG_CASES):
        for query in cases:
            assert _found(reopened, query) == _expected(cases, query), query
    # Nothing lost, no hash moved, no figure changed, nothing looks changed.
    assert reopened.rows("SELECT id, content_hash FROM posts FINAL ORDER BY id") == before
    assert reopened.stats() == counts
    again = reopened.upsert_posts([*POSTS, TAGGED])
    assert again.updated == [] and again.new == []
    schema = reopened.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'")
    assert schema == [[str(SCHEMA_VERSION)]]


def test_a_refold_that_stopped_goes_on_from_the_last_post_it_did(store: Any) -> None:
    """A run stopped (the process killed, the machine down) after the posts
    up to ``mastodon:3`` (in id order): the next opening folds the others and
    does not write those again."""
    from veille.store.clickhouse.store import ClickHouseStore

    store.upsert_posts([*POSTS, TAGGED])
    _as_before(store, after="mastodon:3")
    store.write_row("veille_meta", {"key": "refold_done_upto", "value": "mastodon:3"})
    # (Schema 9, which writes again the posts holding a zero-width space such
    # as mastodon:11, done already: this test is schema 7's.)
    store.write_row("veille_meta", {"key": "recut_done_upto", "value": "mastodon:99"})
    versions = dict(store.rows("SELECT id, max(version) FROM posts GROUP BY id"))

    reopened = ClickHouseStore(store.client, store.where)
    for cases in (CASES, TAG_CASES):
        for query in cases:
            assert _found(reopened, query) == _expected(cases, query), query
    now = dict(reopened.rows("SELECT id, max(version) FROM posts GROUP BY id"))
    assert {i for i in now if now[i] != versions[i]} == {"mastodon:5", "mastodon:9"}


def test_saved_topics_are_filed_again_after_the_refold(store: Any) -> None:
    """A topic ``oeuvre`` filed before left out the ``œuvre`` posts: its mark
    goes, so its first read files them (as the SQLite workspace does)."""
    from veille.analytics.scope import Scope
    from veille.store.clickhouse.store import ClickHouseStore

    store.upsert_posts([*POSTS, TAGGED])
    _as_before(store)
    art = Scope(queries=(compile_query("oeuvre").ast,))
    store.file_topic_backlog(1, 1, art)
    assert store.topic_filed_version(1) == 1

    reopened = ClickHouseStore(store.client, store.where)
    assert reopened.topic_filed_version(1) is None
    reopened.file_topic_backlog(1, 1, art)
    filed = Scope().within_topic(1, label="art")
    assert reopened.post_totals(filed)[0][-3] == 3  # 1, 2 and 14


def test_the_refold_says_what_it_does_and_when_it_is_done(
    store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Over millions of posts the refold takes minutes as the store opens:
    it says what and why before, and how many posts and how long after; an
    up-to-date store opens in silence."""
    import logging

    from veille.store.clickhouse.store import ClickHouseStore

    store.upsert_posts([*POSTS, TAGGED])
    _as_before(store)
    with caplog.at_level(logging.WARNING, logger="veille.store.clickhouse"):
        ClickHouseStore(store.client, store.where)  # upgraded as it opens
    said = " ".join(r.getMessage() for r in caplog.records)
    refolded = {"1", "3", "5", "9", "11", "14", "20"}  # those holding œ, æ, ʼ or a hidden mark
    assert f"folding again the {len(refolded)} posts whose text holds œ, æ" in said
    assert "safe to interrupt: it goes on from the last batch done" in said
    assert f"ClickHouse schema 7 done: {len(refolded)} posts folded again in" in said
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="veille.store.clickhouse"):
        ClickHouseStore(store.client, store.where)  # upgraded as it opens
    assert caplog.records == []


def test_the_refold_speaks_the_workspaces_language(
    store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """As the command line says it for a workspace whose ui_language is
    "fr": it was English whatever the language."""
    import logging

    from veille.cli.common import say_notices_in
    from veille.store.clickhouse.store import ClickHouseStore

    store.upsert_posts([*POSTS, TAGGED])
    _as_before(store)
    with caplog.at_level(logging.WARNING, logger="veille.store.clickhouse"):
        say_notices_in("fr")
        try:
            ClickHouseStore(store.client, store.where)  # upgraded as it opens
        finally:
            say_notices_in("en")
    said = " ".join(r.getMessage() for r in caplog.records)
    n = "\u202f"
    assert "nouvelle normalisation des 7 publications dont le texte contient œ, æ" in said
    assert f"peut être interrompue sans risque{n}: elle reprend après le dernier lot" in said
    assert f"schéma ClickHouse 7 terminé{n}: 7 publications normalisées à nouveau en" in said
    assert "folding again" not in said and "safe to interrupt" not in said
