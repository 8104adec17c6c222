"""The percolating Matcher: filing, updates without rebuild, selection."""

from __future__ import annotations

from veille.query import Matcher, compile_query

from .conftest import make_post

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
    assert sel.keys == frozenset({"rare"}) and not sel.always
    assert m.selection(compile_query("a OR (b c)")).keys in (
        frozenset({"a", "b"}),
        frozenset({"a", "c"}),
    )
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
    m = Matcher()
    for qid, text in queries.items():
        m.add(qid, text)
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
