"""The one highlighter, shared by search, e-mails and chat messages."""

from __future__ import annotations

from veille.query import compile_query
from veille.query.highlight import highlight, mark

from .conftest import make_post


def test_spans_marked_in_plain_text_and_html() -> None:
    post = make_post("1", "Panne <Lumio> à Montréal")
    spans = [(s.start, s.end) for s in compile_query("lumio").spans(post) if s.field == "text"]
    assert highlight(post.text, spans, as_html=False) == "Panne <*Lumio*> à Montréal"
    assert highlight(post.text, spans, as_html=True) == (
        "Panne &lt;<mark>Lumio</mark>&gt; à Montréal"
    )


def test_a_snippet_drops_spans_past_its_end_and_overlaps_keep_the_first() -> None:
    text = "a" * 10 + " lumio"
    assert highlight(text, [(11, 16)], as_html=False, limit=8) == "a" * 8 + "…"
    assert mark("lumio panne", [(0, 5), (2, 11), (0, 5)], before="[", after="]") == (
        "[lumio] panne"
    )
