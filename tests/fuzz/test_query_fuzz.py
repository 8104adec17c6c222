"""Random query text: a clean QueryError or a query that every engine runs
and agrees on (SQLite, the in-memory evaluator, the matcher's core)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from veille.errors import VeilleError
from veille.models import Author, Engagement, Post
from veille.query import Matcher, QueryError, compile_query
from veille.store.sqlite import SQLiteStore

from .conftest import fuzz_settings

# Pieces of the language, its usual mistakes and its edges, glued at random.
PIECES = [
    "lumio", "panne", "Lumio", "l'", "L’", "qu'", "aujourd'hui", "ACEI", "é", "Œuvre",
    " ", " ", " ", "AND ", "OR ", "NOT ", "and ", "-", "(", ")", '"', "~3", "*", "?",
    "NEAR/2 ", "NEAR/0f ", "NEAR5 ", "NEAR ", "#", "@", ":", "title:", "text:", "raw:",
    "platform:", "platform:twitter ", "source:x ", "lang:fr ", "site:", "url:", "links:",
    "author:", "sentiment:", "followers:", "likes:", "shares:", "replies:", ">", ">=",
    "<", "=", "[", "]", "{", "}", " TO ", "*", "10", "-5", "99999999999999999999999",
    "9007199254740993", "since:", "until:", "2026-03-01", "is:reply ", "has:link ",
    "is:", "has:", "&&", "||", "!", "\\", "\t", "\n", "\x00", "[/x]", "'",
]  # fmt: skip
query_text = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=24).map("".join),
    st.text(max_size=60),
    # Nesting around the limits every engine can run.
    st.tuples(st.integers(0, 60), st.sampled_from(["NOT ", "-(", "(a OR ", "(a "])).map(
        lambda t: t[1] * t[0] + "lumio" + ")" * (t[0] * t[1].count("("))
    ),
)


def _post(i: int, text: str, **kw: object) -> Post:
    return Post.create(
        platform=str(kw.pop("platform", "mastodon")),
        native_id=str(i),
        text=text,
        published_at=datetime(2026, 3, i, 12, tzinfo=UTC),
        author=Author("alice@example.social", followers=kw.pop("followers", 100)),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


POSTS = [
    _post(1, "Lumio: panne à Gatineau, l'ACEI réagit", title="Lumio", lang="fr"),
    _post(2, "lumio outage again #panne", hashtags=("panne",), platform="x"),
    _post(3, "Critiques contre ACEI aujourd'hui", url="https://site.example/a", followers=None),
    _post(4, "NOT a word AND or 10 [/x]", engagement=Engagement(likes=50, shares=10)),
    _post(5, "Œuvre qu’il aime", parent_id="mastodon:1", lang="fr-CA"),
]


@pytest.fixture(scope="module")
def posts_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    """The POSTS stored once: every example only reads them."""
    store = SQLiteStore.open(tmp_path_factory.mktemp("fuzz") / "veille.db")
    store.upsert_posts(POSTS)
    yield store
    store.close()


@fuzz_settings(300)
@given(text=query_text)
@example(text="site:[/x]")  # its value is "[": normalized bare, it read as an unclosed range
def test_random_queries_are_refused_cleanly_or_agree_everywhere(
    posts_store: SQLiteStore, text: str
) -> None:
    try:
        q = compile_query(text)
    except QueryError as err:
        assert 1 <= err.column <= len(text) + 1
        err.render()
        return
    expected = {p.id for p in POSTS if q.matches(p)}
    for p in POSTS:
        q.spans(p)
    for sort in ("newest", "relevance", "engagement"):
        try:
            found = {p.id for p in posts_store.search(q, sort=sort, limit=100)}
        except VeilleError as err:  # pragma: no cover - the failure this test looks for
            raise AssertionError(f"{text!r} parsed but SQLite refused it: {err}") from err
        assert found == expected, (text, sort)
    m = Matcher()
    m.add("q", text)
    assert {p.id for p in POSTS if m.match(p)} == expected, text
    # The normalized text is the same query.
    again = compile_query(q.normalized)
    assert {p.id for p in POSTS if again.matches(p)} == expected, (text, q.normalized)
