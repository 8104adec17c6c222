"""Random boolean queries sorted by relevance on SQLite: whichever way the
store scores them (the query's own expression, its words ANDed with the
phrase, NEAR, case or field checked after, or every post holding one of
its words), the posts come in the order of the bm25 of the query's words
over the whole index, then newest first, and they are the query's
matches."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from veille.models import Author, Post
from veille.query import QueryError, compile_query
from veille.store import PostFilter
from veille.store.sqlite import SQLiteStore
from veille.store.sqlite.compiler import relevance_expr

from .conftest import fuzz_settings

WORDS = ["lumio", "vexa", "panne", "fibre", "optique", "promo"]
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _posts() -> list[Post]:
    rng = random.Random(58)
    posts = []
    for i in range(160):
        title = " ".join(rng.choices(WORDS, k=rng.randint(0, 2))) or None
        text = " ".join(rng.choices([*WORDS, "et", "la", "un"], k=rng.randint(1, 9)))
        text = text.title() if i % 3 == 0 else text  # for raw:, case-exact
        posts.append(
            Post.create(
                platform="mastodon",
                native_id=str(i),
                text=text,
                title=title,
                lang=rng.choice(["fr", "en"]),
                published_at=T0 + timedelta(minutes=i),
                author=Author("alice", followers=100),
            )
        )
    return posts


POSTS = _posts()
word = st.sampled_from(WORDS)
leaf = st.one_of(
    word,
    word.map(lambda w: f"title:{w}"),
    word.map(lambda w: f"text:{w}"),
    st.tuples(word, word).map(lambda t: f'"{t[0]} {t[1]}"'),
    word.map(lambda w: w[:3] + "*"),
    st.tuples(word, word).map(lambda t: f"{t[0]} NEAR/2 {t[1]}"),
    st.tuples(word, word).map(lambda t: f'raw:"{t[0].title()} {t[1]}"'),
)
group = st.one_of(
    leaf,
    st.lists(leaf, min_size=2, max_size=3).map(lambda ls: "(" + " OR ".join(ls) + ")"),
    st.lists(leaf, min_size=2, max_size=2).map(lambda ls: "(" + " ".join(ls) + ")"),
)
item = st.one_of(group, group.map(lambda g: "-" + g), st.just("lang:fr"))
meta = st.sampled_from(["lang:fr", "lang:en", "-lang:fr"])
query_text = st.one_of(
    st.lists(item, min_size=1, max_size=4).map(" ".join),
    st.lists(group, min_size=2, max_size=3).map(" OR ".join),
    # words ORed with metadata: the matches holding none of the words
    # (scored 0) come after the others, newest first
    st.tuples(group, meta).map(" OR ".join),
    st.tuples(meta, group, group).map(lambda t: f"({t[0]} {t[1]}) OR {t[2]}"),
)
FILTERS = [None, PostFilter(since=T0 + timedelta(minutes=40)), PostFilter(languages=("fr",))]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    s = SQLiteStore.open(tmp_path_factory.mktemp("relevance") / "veille.db")
    s.upsert_posts(POSTS)
    yield s
    s.close()


@fuzz_settings(300)
@given(text=query_text, which=st.integers(0, len(FILTERS) - 1))
@example(text="lumio lumio panne", which=0)
@example(text="lumio OR lumio", which=1)
@example(text='(lumio OR vexa) "lumio lumio" (vexa OR lumio) panne', which=2)
@example(text="lumio -(panne vexa)", which=0)
@example(text="lumio -(panne (vexa OR promo)) -(fibre title:optique)", which=1)
@example(text='lumio -(panne "fibre optique" -vexa)', which=2)
@example(text="(lumio panne) OR vexa", which=0)
@example(text="lumio OR lang:fr", which=1)
@example(text='"lumio vexa" OR lang:en', which=1)
def test_relevance_orders_by_the_bm25_of_the_query_words(
    store: SQLiteStore, text: str, which: int
) -> None:
    try:
        q = compile_query(text)
    except QueryError:
        assume(False)
        return
    flt = FILTERS[which]
    rank = relevance_expr(q.ast)
    assume(rank is not None)
    by_id = {p.id: p for p in POSTS}
    matches = {p.id for p in POSTS if q.matches(p)}
    if flt is not None and flt.since is not None:
        matches = {i for i in matches if by_id[i].published_at >= flt.since}
    if flt is not None and flt.languages:
        matches = {i for i in matches if by_id[i].lang == "fr"}
    keys = dict(store.conn.execute("SELECT 'mastodon:' || native_id, pk FROM posts").fetchall())
    score = dict(
        store.conn.execute(
            "SELECT rowid, rank FROM posts_fts WHERE posts_fts MATCH ?", [rank]
        ).fetchall()
    )
    expected = sorted(matches, key=lambda i: (score.get(keys[i], 0.0), -keys[i]))[:50]
    found = [p.id for p in store.search(q, flt, sort="relevance", limit=50)]
    assert found == expected, (text, flt)
