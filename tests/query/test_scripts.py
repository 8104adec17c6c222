"""Words of every script are found whole, in every engine (the SQLite index,
the in-memory evaluator, the matcher's compiled core, chDB): Python's ``\\w``
leaves combining marks out, so ``हिन्दी`` was indexed as the letters
``ह न द`` (and ``हिन्दी`` found a post of those three letters); ``محمد`` did
not find ``مُحَمَّد`` (its vowel points); ``ภาษา\\u200bไทย`` (Thai words
separated by a zero-width space, as Thai is typed) was one word. A store
indexed before is indexed again when it opens (SQLite 0291, ClickHouse
schema 9), without moving a content hash."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from veille import textnorm
from veille.query import compile_query
from veille.store.sqlite import SQLiteStore

from .conftest import (
    assert_every_engine_finds,
    assert_indexed_again,
    index_posts_as,
    make_post,
)

POSTS = [
    make_post("1", "हिन्दी भाषा में समाचार", day=1),
    make_post("2", "ह न द", day=2),
    make_post("3", "ข่าว\u200bภาษา\u200bไทย\u200bวันนี้", day=3),
    make_post("4", "مُحَمَّد يكتب باللغة العَرَبِيَّة", day=4),
    make_post("5", "محمد يكتب", day=5),
    make_post("6", "שָׁלוֹם לכולם", day=6),
    make_post("7", "ព័ត៌មាន\u200bភាសា\u200bខ្មែរ", day=7),
    make_post("8", "Une œuvre, la cyber\u200bsécurité", day=8),
]

CASES = {
    "हिन्दी": {"1"},
    "भाषा": {"1"},
    '"ह न द"': {"2"},
    "ไทย": {"3"},
    '"ภาษา ไทย"': {"3"},
    "محمد": {"4", "5"},
    "مُحَمَّد": {"4", "5"},
    "العربية": {"4"},
    "שלום": {"6"},
    "ខ្មែរ": {"7"},
    "oeuvre AND cybersecurite": {"8"},
}


def ligature_era_text(text: str) -> str:
    """The words veille indexed for ``text`` before marks were part of words
    (between SQLite 0283 and 0291, ClickHouse schemas 7 and 9)."""
    folded = textnorm._spelt_out(textnorm.fold_accents(text))
    return " ".join(textnorm._cut(folded, textnorm._STABLE_WORD_RE))


def _ids(cases: str) -> set[str]:
    return {f"mastodon:{n}" for n in CASES[cases]}


@pytest.mark.parametrize("query", sorted(CASES))
def test_every_engine_finds_the_words_of_every_script_whole(
    memory_store: Callable[[], SQLiteStore], query: str
) -> None:
    assert_every_engine_finds(memory_store, POSTS, query, _ids(query))


def test_highlights_cover_the_whole_word() -> None:
    (span,) = compile_query("محمد").spans(POSTS[3])
    assert POSTS[3].text[span.start : span.end] == "مُحَمَّد"
    (span,) = compile_query("ไทย").spans(POSTS[2])
    assert POSTS[2].text[span.start : span.end] == "ไทย"


def _index_as_before(store: SQLiteStore) -> None:
    """The index as veille wrote it between migrations 0283 and 0291 (its
    tokenizer as 0001 made it, the words of then), with a deleted post's text
    waiting to leave it, and 0291 not applied."""
    conn = store.conn
    conn.execute("DROP TABLE posts_fts")
    conn.execute(
        "CREATE VIRTUAL TABLE posts_fts USING fts5 (title, body, content = '', "
        "tokenize = 'unicode61 remove_diacritics 0')"
    )
    index_posts_as(conn, ligature_era_text)
    conn.execute("DELETE FROM posts WHERE id = 'mastodon:7'")
    conn.execute("DELETE FROM schema_migrations WHERE number = 291")
    conn.commit()


def test_an_older_sqlite_index_is_cut_again_when_the_workspace_opens(tmp_path: Path) -> None:
    path = tmp_path / "veille.db"
    store = SQLiteStore.open(path)
    store.upsert_posts(POSTS)
    hashes = dict(store.conn.execute("SELECT id, content_hash FROM posts").fetchall())
    _index_as_before(store)
    # What the user hit: the Hindi word is its letters, the Thai text one word.
    assert {p.id for p in store.search(compile_query('"ह न द"').ast, limit=9)} == {
        "mastodon:1",
        "mastodon:2",
    }
    assert store.search(compile_query("ไทย").ast, limit=9) == []
    store.close()

    store = SQLiteStore.open(path)  # the migration runs here
    try:
        fts = "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?"
        assert store.conn.execute(fts, ('"ខ"',)).fetchall() == []  # the deleted post left
        assert_indexed_again(store, POSTS, {q: _ids(q) for q in CASES}, hashes, "mastodon:7")
        assert {p.id for p in store.search(compile_query("ខ្មែរ").ast, limit=9)} == {"mastodon:7"}
    finally:
        store.close()


@pytest.fixture
def chdb(tmp_path: Path) -> Iterator[Any]:
    pytest.importorskip("chdb")
    from veille.store.clickhouse.backend import ChdbBackend

    ch = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    yield ch
    ch.close()


def test_chdb_finds_them_whole_and_an_older_store_is_cut_again(chdb: Any) -> None:
    from veille.store.clickhouse.store import ClickHouseStore

    def found(store: Any, query: str) -> set[str]:
        ast = compile_query(query).ast
        ids = {p.id for p in store.search(ast, limit=100)}
        assert store.count_matches(ast) == len(ids), query
        return ids

    chdb.upsert_posts(POSTS)
    for query in CASES:
        assert found(chdb, query) == _ids(query), query
    before = chdb.rows("SELECT id, content_hash FROM posts FINAL ORDER BY id")
    # The folded columns as veille wrote them before schema 9.
    for pk, title, text in chdb.rows("SELECT id, title, text FROM posts"):
        chdb.client.command(
            "ALTER TABLE posts UPDATE title_f = {title:String}, text_f = {text:String} "
            "WHERE id = {id:String} SETTINGS mutations_sync = 2",
            {
                "id": pk,
                "title": f" {ligature_era_text(title)} " if title else "",
                "text": f" {ligature_era_text(text)} ",
            },
        )
    chdb.write_row("veille_meta", {"key": "schema", "value": "8"})
    assert found(chdb, "ไทย") == set()

    reopened = ClickHouseStore(chdb.client, chdb.where)
    for query in CASES:
        assert found(reopened, query) == _ids(query), query
    assert reopened.rows("SELECT id, content_hash FROM posts FINAL ORDER BY id") == before
    again = reopened.upsert_posts(POSTS)
    assert again.updated == [] and again.new == []


def test_0291_refiles_every_topic_only_when_a_stored_post_holds_a_mark(tmp_path: Path) -> None:
    """The index made again, saved topics file their posts again at their
    next read: all of them when a stored post's words changed (it holds a
    combining mark, a character cut again or a zero-width space), else only
    those whose query holds one."""
    from veille.query.topics import add_topic
    from veille.store.sqlite.migrations import migrations

    (step,) = [m for m in migrations() if m.number == 291]
    for texts, left in (
        (["une œuvre", "plain words"], {"art"}),  # no post holds a mark: the Hindi topic goes
        (["une œuvre", "समाचार हिन्दी"], set()),  # one does: every topic files again
    ):
        store = SQLiteStore.open(tmp_path / f"{len(left)}.db")
        store.upsert_posts([make_post(str(i), t) for i, t in enumerate(texts)])
        add_topic(store, "art", "œuvre")
        add_topic(store, "hindi", "हिन्दी")
        conn = store.conn
        ids = dict(conn.execute("SELECT name, id FROM topics").fetchall())
        conn.execute("INSERT INTO topic_sync (topic_id, version) SELECT id, 1 FROM topics")
        conn.execute("BEGIN")
        step.run(conn)
        conn.execute("COMMIT")
        kept = {r[0] for r in conn.execute("SELECT topic_id FROM topic_sync")}
        assert kept == {ids[name] for name in left}
        store.close()
