"""Ligatures and invisible characters fold the same way in every engine:
``œuvre`` finds ``oeuvre`` (and ``cœur``/``coeur``, ``ex æquo``/``ex aequo``,
``Straße``/``strasse``), and a soft hyphen or a zero-width character inside a
word does not cut it (``cyber\\u00adsécurité`` is found by ``cybersecurite``):
the SQLite index, the in-memory evaluator and the matcher's compiled core
(ClickHouse: tests/store/test_clickhouse_folding.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from veille.models import content_hash
from veille.query import compile_query
from veille.store.sqlite import SQLiteStore

from .conftest import (
    assert_every_engine_finds,
    assert_indexed_again,
    index_posts_as,
    make_post,
)

POSTS = [
    make_post("1", "Une œuvre majeure, un chef-d’Œuvre", day=1),
    make_post("2", "Une oeuvre majeure", day=2),
    make_post("3", "De tout cœur avec ma sœur", title="ŒIL POUR ŒIL", day=3),
    make_post("4", "De tout coeur avec ma soeur, oeil pour oeil", day=4),
    make_post("5", "Ex æquo au classement", day=5),
    make_post("6", "ex aequo au classement", day=6),
    make_post("7", "Die Straße ist gesperrt", day=7),
    make_post("8", "Die STRASSE ist gesperrt", day=8),
    make_post("9", "Conseils de cyber\u00adsécurité pour l’été", day=9),
    make_post("10", "La cybersécurité des PME", day=10),
    make_post("11", "Cyber\u200bsécurité, cyber\u200dsé\u2060curité, cyber\u200csécurité", day=11),
    make_post("12", "Cyber sécurité : deux mots", day=12),
    # The modifier letter apostrophe (U+02BC) some keyboards type.
    make_post("14", "Critiques contre lʼACEI et lʼœuvre", day=14),
]

CASES = {
    "oeuvre": {"1", "2", "14"},
    "œuvre": {"1", "2", "14"},
    "ŒUVRE": {"1", "2", "14"},
    "œuv*": {"1", "2", "14"},
    '"contre l\'ACEI"': {"14"},
    "lʼacei": {"14"},
    '"chef d\'oeuvre"': {"1"},
    "coeur AND sœur": {"3", "4"},
    "title:oeil": {"3"},
    "oeil": {"3", "4"},
    '"ex aequo"': {"5", "6"},
    '"ex æquo"': {"5", "6"},
    "aequo": {"5", "6"},
    "straße": {"7", "8"},
    "strasse": {"7", "8"},
    "cybersecurite": {"9", "10", "11"},
    "cyber\u00adsécurité": {"9", "10", "11"},
    "cybersec*": {"9", "10", "11"},
    '"cyber securite"': {"12"},
    "cyber": {"12"},
    "securite": {"12"},
}


@pytest.mark.parametrize("query", sorted(CASES))
def test_every_engine_folds_ligatures_and_invisible_characters(
    memory_store: Callable[[], SQLiteStore], query: str
) -> None:
    assert_every_engine_finds(memory_store, POSTS, query, {f"mastodon:{n}" for n in CASES[query]})


def test_highlights_cover_the_whole_word() -> None:
    post = POSTS[8]
    (span,) = compile_query("cybersecurite").spans(post)
    assert post.text[span.start : span.end] == "cyber\u00adsécurité"
    spans = compile_query("oeuvre").spans(POSTS[0])
    assert [POSTS[0].text[s.start : s.end] for s in spans] == ["œuvre", "Œuvre"]
    spans = compile_query('"contre l\'acei"').spans(POSTS[-1])
    assert [POSTS[-1].text[s.start : s.end] for s in spans] == ["contre lʼACEI"]


def test_the_content_hash_of_a_stored_post_does_not_move() -> None:
    """The hash is computed from words folded as before (case and accents
    only): a post stored by an earlier veille is the same post when it is
    collected again, not a changed one."""
    # Hashes as an earlier veille computed them (blake2b of the folded words).
    assert content_hash(None, "Une œuvre majeure, un chef-d’Œuvre") == "adaef96eab95f392608d2b16"
    assert content_hash("Titre", "cyber\u00adsécurité") == "06987c2bda67e9fb861cfc4d"
    store = SQLiteStore.open(":memory:")
    try:
        store.upsert_posts(POSTS)
        again = store.upsert_posts(POSTS)
        assert again.updated == [] and not again.new
    finally:
        store.close()


def index_folded_as_before(conn: sqlite3.Connection) -> None:
    """Index every post as veille did before 0283: its words folded by case
    and accents only (those of the content hash)."""
    from veille.textnorm import hash_text

    conn.execute("INSERT INTO posts_fts (posts_fts) VALUES ('delete-all')")
    index_posts_as(conn, hash_text)


def _index_as_before(store: SQLiteStore) -> None:
    """Make ``store``'s index as an earlier veille wrote it: the words folded
    by case and accents only (those of the content hash), a deleted post's
    text waiting to leave the index, and migration 0283 not applied."""
    conn = store.conn
    index_folded_as_before(conn)
    conn.execute("DELETE FROM posts WHERE id = 'mastodon:11'")
    conn.execute("DELETE FROM schema_migrations WHERE number = 283")
    conn.commit()


def test_an_older_index_is_folded_again_when_the_workspace_opens(tmp_path: Path) -> None:
    path = tmp_path / "veille.db"
    store = SQLiteStore.open(path)
    store.upsert_posts(POSTS)
    hashes = dict(store.conn.execute("SELECT id, content_hash FROM posts").fetchall())
    _index_as_before(store)
    # What the user hit: an older workspace misses the ligatures.
    assert {p.id for p in store.search(compile_query("oeuvre").ast, limit=100)} == {"mastodon:2"}
    store.close()

    store = SQLiteStore.open(path)  # the migration runs here
    try:
        # The words of before left the index (the deleted post's too).
        fts = "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?"
        assert store.conn.execute(fts, ('"œuvre"',)).fetchall() == []
        assert len(store.conn.execute(fts, ("cyber",)).fetchall()) == 1
        # Nothing lost, no hash moved, nothing looks changed when seen again.
        assert store.count_posts() == len(POSTS) - 1
        cases = {q: {f"mastodon:{n}" for n in CASES[q]} for q in CASES}
        assert_indexed_again(store, POSTS, cases, hashes, "mastodon:11")
        assert len(store.search(compile_query("cybersecurite").ast, limit=100)) == 3
        # The index is whole: a post deleted now leaves it as any other.
        store.conn.execute("DELETE FROM posts WHERE id = 'mastodon:1'")
        store.upsert_posts([make_post("13", "Une autre œuvre", day=13)])
        found = {p.id for p in store.search(compile_query("oeuvre").ast, limit=100)}
        assert found == {"mastodon:2", "mastodon:13", "mastodon:14"}
    finally:
        store.close()


def test_story_signatures_keep_the_words_they_were_stored_with() -> None:
    """Stored MinHash signatures were made from words folded by case and
    accents only: a copy of a post stored before, collected now, is cut into
    the same shingles, so it still finds its story."""
    from veille.enrich.clusters import Clusterer

    post = make_post("30", "Une œuvre majeure de cyber\u00adsécurité au cœur de Paris", day=3)
    shingles = Clusterer().shingles(post)
    assert shingles[:2] == ["une œuvre majeure".encode(), "œuvre majeure de".encode()]
    assert b"de cyber securite" in shingles


def test_an_index_from_before_elisions_were_dropped_is_folded_right(tmp_path: Path) -> None:
    """A workspace older still (before migration 0160): 0160 rebuilds its
    index with the words of its time, and 0283 folds those again; neither
    leaves a word behind nor takes out one that is not there."""
    path = tmp_path / "veille.db"
    store = SQLiteStore.open(path)
    store.upsert_posts(POSTS)
    conn = store.conn
    conn.execute("INSERT INTO posts_fts (posts_fts) VALUES ('delete-all')")
    # Apostrophes cut words then (l, d, qu … were words).
    index_posts_as(conn, lambda t: " ".join(t.replace("’", " ").replace("'", " ").lower().split()))
    conn.execute("DELETE FROM schema_migrations WHERE number IN (160, 283)")
    conn.commit()
    store.close()

    store = SQLiteStore.open(path)
    try:
        for query in CASES:
            found = {p.id for p in store.search(compile_query(query).ast, limit=100)}
            assert found == {f"mastodon:{n}" for n in CASES[query]}, query
        fts = "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?"
        for gone in ('"œuvre"', "d", "l", '"cœur"'):
            assert store.conn.execute(fts, (gone,)).fetchall() == [], gone
        # Each post's words are there once: a post deleted leaves the index
        # whole (counts over the index alone are counts of posts).
        pks = dict(store.conn.execute("SELECT id, pk FROM posts").fetchall())
        store.conn.execute("DELETE FROM posts WHERE id IN ('mastodon:1', 'mastodon:9')")
        store.upsert_posts([make_post("13", "Une autre œuvre", day=13)])
        left = {r[0] for r in store.conn.execute(fts, ("oeuvre OR cybersecurite",))}
        assert pks["mastodon:1"] not in left and pks["mastodon:9"] not in left
        assert len(left) == 5  # 2, 10, 11, 13 and 14
    finally:
        store.close()


def test_a_saved_topic_is_filed_again_with_the_new_words(tmp_path: Path) -> None:
    """A topic ``oeuvre`` saved before filed only the posts written
    ``oeuvre``: once the workspace is folded again, its dashboard counts the
    ``œuvre`` posts too (as its search does)."""
    from veille.analytics.topics import topic_scope
    from veille.query.topics import add_topic

    path = tmp_path / "veille.db"
    store = SQLiteStore.open(path)
    store.upsert_posts(POSTS)
    _index_as_before(store)
    add_topic(store, "art", "oeuvre")
    assert store.post_totals(topic_scope(store, "art"))[0][-3] == 1  # filed before
    store.close()

    store = SQLiteStore.open(path)
    try:
        assert store.post_totals(topic_scope(store, "art"))[0][-3] == 3  # 1, 2 and 14
    finally:
        store.close()


def test_a_refold_that_reworks_no_post_keeps_the_filings_of_topics_it_does_not_change(
    tmp_path: Path,
) -> None:
    """No stored post holds œ, æ, ʼ or a soft hyphen: their filings are
    right, and refiling every topic of a large store would cost minutes for
    nothing. Only a topic whose query holds one (« œuvre », now the word
    oeuvre, which finds more than it filed) files its posts again."""
    path = tmp_path / "veille.db"
    store = SQLiteStore.open(path)
    store.upsert_posts([make_post("1", "Une oeuvre majeure", day=1)])
    conn = store.conn
    for topic_id, name, query in ((1, "lumio", "lumio"), (2, "art", "œuvre")):
        conn.execute("INSERT INTO topics (id, name, created_at) VALUES (?, ?, 0)", (topic_id, name))
        conn.execute(
            "INSERT INTO topic_versions (topic_id, version, query, created_at) VALUES (?, 1, ?, 0)",
            (topic_id, query),
        )
        conn.execute("INSERT INTO topic_sync (topic_id, version) VALUES (?, 1)", (topic_id,))
    conn.execute("DELETE FROM schema_migrations WHERE number = 283")
    conn.commit()
    store.close()

    store = SQLiteStore.open(path)  # 0283 runs again here
    try:
        assert store.conn.execute("SELECT topic_id FROM topic_sync").fetchall() == [(1,)]
    finally:
        store.close()
