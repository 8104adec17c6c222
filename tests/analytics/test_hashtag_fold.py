"""One hashtag whatever its case and accents: Mastodon lower-cases and
ASCII-folds hashtags, so ``#télécom``, ``#telecom`` and ``#TÉLÉCOM`` are one
tag. ``veille top hashtags`` counts them as one, shown in the spelling most
used, on every path a store answers from (its rollups, a scan of the posts,
SQLite's column copy) and on both backends; a ``#telecom`` query finds them all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.analytics.conftest import local, make_post
from veille.analytics.scope import Period, Scope
from veille.analytics.tops import EntityRow, top_entities
from veille.enrich.entities import extract_entities
from veille.query import compile_query
from veille.store.sqlite import SQLiteStore

SPELLINGS = ["telecom", "telecom", "telecom", "télécom", "Télécom", "TÉLÉCOM", "Telecom"]


def _posts() -> list[Any]:
    posts = [
        make_post(str(i), f"2026-03-2{3 + i % 4}T1{i}:00", hashtags=(tag,), likes=i + 1)
        for i, tag in enumerate(SPELLINGS)
    ]
    posts.append(make_post("fibre", "2026-03-24T09:00", hashtags=("fibre", "Fibre"), likes=50))
    posts += [
        make_post(f"f{i}", "2026-03-25T09:00", hashtags=("fibre",), likes=0) for i in range(5)
    ]
    return posts


# The week, and a period cut inside days (the rollup's quarter-hour edges).
PERIODS = [
    Period(local("2026-03-23T00:00"), local("2026-03-30T00:00")),
    Period(local("2026-03-23T05:00"), local("2026-03-27T23:00")),
]
EXPECTED = [
    # 7 posts hold the tag; "telecom" (3 posts, and 4 once lower-cased) is the most used.
    EntityRow("fibre", 6, 50),
    EntityRow("telecom", 7, sum(range(1, 8))),
]


@pytest.fixture(params=["sqlite", "chdb"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    if request.param == "sqlite":
        opened: Any = SQLiteStore.open(tmp_path / "t.db")
    else:
        pytest.importorskip("chdb")
        from tests.store.test_clickhouse import open_clickhouse

        opened = open_clickhouse("chdb", tmp_path, request)
    opened.upsert_posts(_posts())
    yield opened
    opened.close()


@pytest.mark.parametrize("period", PERIODS, ids=["week", "edges"])
def test_spellings_of_one_hashtag_are_one_tag(store: Any, period: Period) -> None:
    for scope in (Scope(), Scope(scan=True)):
        got = top_entities(store, scope, period, "hashtags")
        assert sorted(got, key=lambda r: r.value) == EXPECTED, scope
        assert got[0] == EntityRow("telecom", 7, 28)
    if isinstance(store, SQLiteStore):
        store.keep_columns()
        try:
            assert sorted(top_entities(store, Scope(scan=True), period, "hashtags"),
                          key=lambda r: r.value) == EXPECTED  # fmt: skip
        finally:
            store.drop_columns()


def test_a_limit_counts_every_spelling_before_cutting(store: Any) -> None:
    # "telecom" as a whole leads although no spelling of it leads alone.
    got = top_entities(store, Scope(), PERIODS[0], "hashtags", limit=1)
    assert got == [EntityRow("telecom", 7, 28)]


def test_a_hashtag_query_finds_every_spelling(store: Any) -> None:
    ids = {p.id for p in _posts() if p.hashtags[0] != "fibre"}
    for text in ("#telecom", "#télécom", "#TELECOM"):
        ast = compile_query(text).ast
        assert {p.id for p in store.search(ast, limit=100)} == ids, text
        assert store.count_matches(ast) == len(ids), text


def test_a_post_keeps_one_spelling_of_each_tag() -> None:
    got = extract_entities("#Télécom ce soir #telecom #TELECOM #fibre", lambda u: None)
    assert got.hashtags == ("Télécom", "fibre")


def test_the_period_edges_leave_out_posts_outside(store: Any) -> None:
    late = PERIODS[0].until + timedelta(hours=1)
    store.upsert_posts([make_post("late", late.isoformat()[:16], hashtags=("télécom",))])
    assert top_entities(store, Scope(), PERIODS[0], "hashtags")[0].posts == 7


# A week of tags in several scripts, each written in several cases: the
# stores lower-case ASCII letters only, so #ÉCOLOGIE arrived as "Écologie"
# (a spelling nobody wrote) and won over "écologie".
SCRIPTS = [
    ("Écologie", "Émilie"), ("ÉCOLOGIE", "ÉMILIE"), ("écologie", "émilie"),
    ("Ökologie", "Jürgen@social.de"), ("ÖKOLOGIE", "JÜRGEN@social.de"),
    ("Москва", "Claire"), ("МОСКВА", "claire"), ("москва", "CLAIRE"),
    ("Αθήνα", "bob"), ("ΑΘΗΝΑ", "bob"),
]  # fmt: skip
APRIL = Period(local("2026-04-06T00:00"), local("2026-04-13T00:00"))


def test_every_script_is_folded_and_shown_in_lower_case(store: Any) -> None:
    store.upsert_posts(
        make_post(f"s{i}", f"2026-04-0{7 + i % 3}T10:00", hashtags=(tag,), mentions=(who,))
        for i, (tag, who) in enumerate(SCRIPTS)
    )
    tags = [("écologie", 3), ("москва", 3), ("ökologie", 2), ("αθήνα", 2)]
    mentions = [("claire", 3), ("émilie", 3), ("bob", 2), ("jürgen@social.de", 2)]
    for scope in (Scope(), Scope(scan=True)):
        got = top_entities(store, scope, APRIL, "hashtags")
        assert [(r.value, r.posts) for r in got] == tags, scope
        got = top_entities(store, scope, APRIL, "mentions")
        assert [(r.value, r.posts) for r in got] == mentions, scope
    if isinstance(store, SQLiteStore):
        store.keep_columns()
        try:
            got = top_entities(store, Scope(scan=True), APRIL, "hashtags")
            assert [(r.value, r.posts) for r in got] == tags
            got = top_entities(store, Scope(scan=True), APRIL, "mentions")
            assert [(r.value, r.posts) for r in got] == mentions
        finally:
            store.drop_columns()


def test_a_hashtag_keeps_its_combining_marks(store: Any) -> None:
    # Enrichment cut #हिन्दी at its first vowel sign: top hashtags listed "ह".
    text = "#हिन्दी #สวัสดี #مُحَمَّد et #محمد, #ভাষা"
    tags = extract_entities(text, lambda u: None).hashtags
    assert tags == ("हिन्दी", "สวัสดี", "مُحَمَّد", "ভাষা")  # one spelling of محمد each
    store.upsert_posts(
        [
            make_post("m1", "2026-04-07T10:00", hashtags=tags),
            make_post("m2", "2026-04-08T10:00", hashtags=("محمد",)),
            make_post("m3", "2026-04-08T11:00", hashtags=("محمد",)),
        ]
    )
    got = [(r.value, r.posts) for r in top_entities(store, Scope(), APRIL, "hashtags")]
    assert got == [("محمد", 3), ("हिन्दी", 1), ("ভাষা", 1), ("สวัสดี", 1)]
