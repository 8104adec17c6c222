"""French elisions (l', d', qu', jusqu' …) are no words in any engine: the
SQLite index, the in-memory evaluator and the matcher's compiled core."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from veille.models import content_hash
from veille.query import compile_query
from veille.store.sqlite import SQLiteStore
from veille.store.sqlite.migrations import migrations

from .conftest import assert_every_engine_finds, make_post

POSTS = [
    make_post("1", "ACEI welcomes new members", day=1),
    make_post("2", "Critiques contre ACEI", day=2),
    make_post("3", "Critiques contre l'ACEI", day=3),
    make_post("4", "Nouvelles critiques contre l’ACEI", title="L’ACEI répond", day=4),
    make_post("5", "Lorsqu'il pleut, c'est la panne jusqu’à midi", day=5),
    make_post("6", "La CIRA et le public", day=6),
    make_post("7", "aujourd'hui, rock n' roll", day=7),
]

CASES = {
    "l'ACEI": {"1", "2", "3", "4"},
    "L’ACEI": {"1", "2", "3", "4"},
    "acei": {"1", "2", "3", "4"},
    '"contre l\'ACEI"': {"2", "3", "4"},
    '"contre ACEI"': {"2", "3", "4"},
    '"critiques contre l’acei"': {"2", "3", "4"},
    "contre NEAR/0f acei": {"2", "3", "4"},
    "title:acei": {"4"},
    "il AND midi": {"5"},
    '"pleut c\'est"': {"5"},  # c' is no word: the phrase is "pleut est"
    '"pleut est"': {"5"},
    '"panne jusqu\'à midi"': {"5"},
    "l": set(),  # l' is never a word of its own
    "qu*": set(),
    '"aujourd hui"': {"7"},
    '"rock n roll"': {"7"},
    'raw:"l\'ACEI"': {"3"},
}


@pytest.mark.parametrize("query", sorted(CASES))
def test_every_engine_drops_elisions(memory_store: Callable[[], SQLiteStore], query: str) -> None:
    assert_every_engine_finds(memory_store, POSTS, query, {f"mastodon:{n}" for n in CASES[query]})


def test_highlights_skip_the_elision() -> None:
    post = POSTS[2]
    (span,) = compile_query("acei").spans(post)
    assert post.text[span.start : span.end] == "ACEI"
    (span,) = compile_query('"contre l\'ACEI"').spans(post)
    assert post.text[span.start : span.end] == "contre l'ACEI"


def test_an_older_index_is_rebuilt_without_elisions(tmp_path: Path) -> None:
    """A workspace indexed before elisions were dropped: the migration gives
    its index and content hashes today's words."""
    path = tmp_path / "veille.db"
    store = SQLiteStore.open(path)
    store.upsert_posts(POSTS)
    # Make it look as it did before 0160: l, d, qu … indexed as words,
    # hashes of those words, a deleted post waiting to leave the index.
    conn = store.conn
    conn.execute("INSERT INTO posts_fts (posts_fts) VALUES ('delete-all')")
    for pk, title, text in conn.execute("SELECT pk, title, text FROM posts").fetchall():
        old = text.replace("’", " ").replace("'", " ")
        old_title = (title or "").replace("’", " ").replace("'", " ")
        conn.execute(
            "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
            (pk, " ".join(old_title.lower().split()), " ".join(old.lower().split())),
        )
        conn.execute(
            "UPDATE posts SET content_hash = 'old' WHERE pk = ? AND instr(text, '''')", (pk,)
        )
    conn.execute("DELETE FROM posts WHERE id = 'mastodon:6'")
    conn.commit()
    # Migration 0160 as the runner applies it: in a transaction of its own.
    (elisions,) = [m for m in migrations() if m.number == 160]
    conn.execute("BEGIN IMMEDIATE")
    elisions.run(conn)
    conn.execute("COMMIT")
    store.close()

    store = SQLiteStore.open(path)
    try:
        found = {p.id for p in store.search(compile_query('"contre acei"').ast, limit=100)}
        assert found == {"mastodon:2", "mastodon:3", "mastodon:4"}
        assert not store.search(compile_query("l").ast, limit=100)
        assert not store.search(compile_query("cira").ast, limit=100)
        hashes = dict(store.conn.execute("SELECT id, content_hash FROM posts").fetchall())
        assert hashes["mastodon:3"] == content_hash(None, "Critiques contre ACEI")
        # The index is whole: new posts index and delete as before.
        store.upsert_posts([make_post("8", "L'ACEI encore", day=8)])
        assert len(store.search(compile_query("acei").ast, limit=100)) == 5
    finally:
        store.close()
