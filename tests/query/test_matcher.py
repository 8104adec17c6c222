"""The percolating Matcher: filing, updates without rebuild, selection."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.query import Matcher, compile_query, kernel
from veille.query import matcher as matcher_module
from veille.query import ranges as ranges_module
from veille.query.ast import to_text
from veille.query.evaluate import Doc, Query, compile_node

from .conftest import make_post, matcher_of
from .test_engines_agree import posts_st, query_st

POST = make_post(
    "1",
    "Panne générale chez Lumio ce matin, #cybersécurité en cause",
    title="Lumio en panne",
    hashtags=("cybersécurité",),
    likes=12,
    lang="fr-CA",
)


def test_add_remove_and_replace_without_rebuild() -> None:
    m = Matcher()
    m.add("a", "lumio panne")
    m.add("b", "vexa OR orbita")
    m.add("c", "lumio (matin OR soir) -promo")
    assert sorted(m.match_ids(POST)) == ["a", "c"]
    m.remove("a")
    assert sorted(m.match_ids(POST)) == ["c"]
    m.add("c", "vexa")  # replaces the old query of that id
    assert m.match_ids(POST) == []
    m.add("b", "generale")
    assert m.match_ids(POST) == ["b"]
    m.remove("missing")
    assert len(m) == 2 and "b" in m


def test_selection_rarest_word_or_branches_and_costly_queries() -> None:
    m = Matcher()
    for i in range(5):
        m.add(f"common{i}", "lumio")
    sel = m.selection(compile_query("lumio rare"))
    assert sel.keys == frozenset({"rare"}) and not sel.always and sel.exact
    assert [b.clauses for b in sel.branches] == [(frozenset({"rare"}), frozenset({"lumio"}))]
    # Distributed: (a OR b) AND (a OR c), exact.
    wide = m.selection(compile_query("a OR (b c)"))
    assert wide.exact and wide.keys in (frozenset({"a", "b"}), frozenset({"a", "c"}))
    # A phrase beside a word: one branch each, the word's needs nothing more,
    # the phrase's a check of positions (no evaluation).
    split = m.selection(compile_query('"lumio panne" OR vexa'))
    assert split.exact
    assert sorted(to_text(p) for b in split.branches for p in b.positional) == ['"lumio panne"']
    # Case-exact text needs an evaluation, and so does its branch.
    raw = m.selection(compile_query('raw:"Lumio" panne'))
    assert not raw.exact and not raw.branches[0].positional
    ranged = m.selection(compile_query("lumio -promo likes:>10"))
    assert ranged.exact and ranged.excluded == ("promo",) and len(ranged.ranges) == 1
    assert m.selection(compile_query("-spam")).always
    assert m.selection(compile_query("likes:>10")).always
    assert m.selection(compile_query("pan* likes:>10")).keys == frozenset({"*pan"})
    m.add("costly", "-vexa likes:>10")
    assert m.always == frozenset({"costly"})
    assert "costly" in m.match_ids(POST)


def test_every_kind_of_condition_is_selected_and_verified() -> None:
    queries = {
        "wild": "pan* matin",
        "qmark": "lumi? generale",
        "tag": "#cybersecurite",
        "tag-miss": "#lumio",
        "lang": "lang:fr likes:>10",
        "near": "panne NEAR/2 lumio",
        "nearf": "lumio NEAR/1f panne",
        "nearf-miss": "lumio NEAR/0f panne",
        "phrase": 'title:"lumio en panne"',
        "raw": 'raw:"Lumio" raw:"CIRA"',
        "not-only": "NOT vexa",
    }
    m = matcher_of(queries)
    expected = {qid for qid, text in queries.items() if compile_query(text).matches(POST)}
    assert set(m.match_ids(POST)) == expected
    assert expected == {"wild", "qmark", "tag", "lang", "near", "nearf", "phrase", "not-only"}


def test_match_returns_spans_of_each_query() -> None:
    m = Matcher()
    m.add("q", "lumio panne")
    spans = m.match(POST)["q"]
    texts = {
        (s.field, (POST.title if s.field == "title" else POST.text)[s.start : s.end]) for s in spans
    }
    assert texts == {("title", "Lumio"), ("title", "panne"), ("text", "Panne"), ("text", "Lumio")}


def test_growth_slot_reuse_and_many_queries() -> None:
    """Thousands of queries (several growths of the slot arrays), removals
    whose slots are reused, ids of any hashable type."""
    m = Matcher()
    for i in range(3000):
        m.add(i, f"w{i} lumio" if i % 2 else f"w{i} OR vexa")
    m.build()
    post = make_post("9", "w10 w11 w12 lumio")
    assert sorted(m.match_ids(post)) == [10, 11, 12]
    for i in range(0, 3000, 3):
        m.remove(i)
    assert sorted(m.match_ids(post)) == [10, 11]
    m.add(("t", 1), "w12 NEAR/1 lumio")  # takes a freed slot
    assert set(m.match_ids(post)) == {10, 11, ("t", 1)}
    assert len(m) == 2001


@pytest.fixture(params=["sparse", "dense"])
def read_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Force one way of reading the slots: only those a post touched, or all."""
    sparse = request.param == "sparse"
    monkeypatch.setattr(matcher_module, "_SPARSE", 0 if sparse else 10**9)
    monkeypatch.setattr(matcher_module, "_COPY", 0 if sparse else 10**9)
    return str(request.param)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    posts=st.integers(2, 10).flatmap(lambda n: st.tuples(*[posts_st(i) for i in range(n)])),
    queries=st.lists(query_st, min_size=1, max_size=8),
    drop=st.integers(0, 7),
)
def test_matcher_agrees_with_brute_force_after_updates(
    read_path: str, posts: tuple, queries: list, drop: int
) -> None:
    """Clauses, branches, metadata keys, exclusions and numeric ranges never
    change which queries a post matches, whichever way the slots are read."""
    m = Matcher()
    preds = {str(i): compile_node(ast) for i, ast in enumerate(queries)}
    for qid, ast in zip(preds, queries, strict=True):
        m.add(qid, Query(to_text(ast), ast, (), preds[qid]))
    if drop < len(queries):  # updates without a rebuild
        m.remove(str(drop))
        del preds[str(drop)]
    for p in posts:
        d = Doc(p)
        expected = sorted(qid for qid, pred in preds.items() if pred(d))
        assert sorted(m.match_ids(p)) == expected, [to_text(a) for a in queries]
        assert set(expected) <= m.candidates(d)


def test_a_post_that_raises_leaves_the_matcher_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """The alert stage skips a post whose matching raises and goes on: the
    next posts must be matched as if that one never came."""
    m = Matcher()
    m.add("a", "lumio likes:>1 -promo")
    m.add("b", "panne")
    broken = make_post("2", "lumio panne", likes=5)

    def boom(post: object) -> int:
        if post is broken:
            raise ValueError("a broken post")
        return 5

    monkeypatch.setitem(ranges_module._RANGE_VALUES, "likes", boom)
    with pytest.raises(ValueError, match="broken"):
        m.match_ids(broken)
    assert (m._bytes == m._base).all()
    assert sorted(m.match_ids(POST)) == ["a", "b"]


def test_an_excluded_word_unmatches_on_both_ways_of_reading_slots() -> None:
    queries = {"not": "lumio -promo", "not2": "lumio -promo -vente", "keep": "lumio"}
    queries.update({f"pair{i}": f"mot{i} autre{i}" for i in range(300)})
    queries.update({f"lumio{i}": f"lumio z{i}" for i in range(20)})  # lumio keeps a row
    m = matcher_of(queries)
    m.build()
    assert m._keys.kinfo[m._keys.ids["lumio"], kernel.D_ROW] >= 0
    # Few bits set: only the slots of the first clauses set are read.
    assert m.match_ids(make_post("few", "lumio promo")) == ["keep"]
    # Many: every slot is read.
    many = "lumio vente " + " ".join(f"mot{i}" for i in range(300))
    assert sorted(m.match_ids(make_post("many", many))) == ["keep", "not"]
    # Few bits and no row: the bits are put back one by one, excluded ones too.
    assert m.match_ids(make_post("undo", "promo mot1")) == []
    assert sorted(m.match_ids(make_post("clean", "lumio"))) == ["keep", "not", "not2"]


def test_a_query_matched_in_several_branches_comes_once() -> None:
    queries = {
        # Two branches each: a phrase (positions checked) and a word.
        "two": '"lumio panne" OR vexa',
        # Three, one needing an evaluation (case-exact text).
        "three": '"lumio panne" OR vexa OR raw:"Orbita"',
        "one": "lumio",
    }
    m = matcher_of(queries)
    assert [len(m.selection(m.query(q)).branches) for q in ("two", "three")] == [2, 3]
    both = make_post("both", "Lumio panne chez Vexa")
    assert sorted(m.match_ids(both)) == ["one", "three", "two"]
    # With a branch needing an evaluation: the first slot holding answers
    # for the query (an evaluation is of the whole query).
    every = make_post("every", "Lumio panne chez Vexa et Orbita")
    assert sorted(m.match_ids(every)) == ["one", "three", "two"]
    first = make_post("first", "orbita et vexa")  # the evaluation fails, vexa holds
    assert sorted(m.match_ids(first)) == ["three", "two"]
    # A slot whose positions do not hold does not answer for its query.
    apart = make_post("apart", "panne chez lumio et vexa")
    assert sorted(m.match_ids(apart)) == ["one", "three", "two"]
    # Slots freed and taken again by one-branch queries list each once too.
    m.remove("two")
    m.add("again", "vexa")
    m.add("again2", "panne")
    assert sorted(m.match_ids(both)) == ["again", "again2", "one", "three"]
