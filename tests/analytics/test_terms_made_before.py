"""A post's trending terms are made once, by the ingest pipeline (in the
collector's process), and the posts store keeps them as they come where
they are still the post's: the process holding the posts (one chDB process
for many collectors) spent half its CPU per new post making them. Terms
made for other words, another language or by another extractor are made
again by the store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post
from veille.analytics.trends import post_terms, terms_source, terms_version, with_terms
from veille.models import Post, PostTerms
from veille.store.remote.codec import post_from_json, post_to_json
from veille.store.sqlite import SQLiteStore


@pytest.fixture
def store(empty_posts_store: Any) -> Any:
    return empty_posts_store


def _kept(store: Any, post_id: str) -> list[str]:
    if isinstance(store, SQLiteStore):
        sql = "SELECT term_keys FROM posts WHERE id = ?"
        (keys,) = store.conn.execute(sql, (post_id,)).fetchone()
        return keys.split("\n") if keys else []
    ((keys,),) = store.rows(f"SELECT term_keys FROM posts FINAL WHERE id = '{post_id}'")
    return list(keys)


def _carrying(post: Post, keys: tuple[str, ...], **kw: Any) -> Post:
    """``post`` carrying ``keys`` as terms made for it (``kw``: what to
    make them differ by: ``version``, ``made_from``)."""
    made = PostTerms(
        kw.get("version", terms_version()),
        kw.get("made_from", terms_source(post.title, post.text, post.lang)),
        keys,
        ("",) * len(keys),
    )
    return replace(post, terms=made)


def test_terms_made_before_the_store_are_kept_where_they_are_the_posts(store: Any) -> None:
    post = make_post("1", "Lumio panne réseau à Lyon", lang="fr")
    # Keys no extraction gives: kept means the store made none of its own.
    store.upsert_posts([_carrying(post, ("planted", "by pipeline"))])
    assert _kept(store, post.id) == ["planted", "by pipeline"]


@pytest.mark.parametrize(
    "differs",
    [
        {"version": "0.an-older-extractor"},  # a collector not upgraded yet
        {"made_from": terms_source(None, "other words", "fr")},  # changed on its way
    ],
    ids=["another-extractor", "other-words"],
)
def test_terms_that_are_not_the_posts_are_made_again_by_the_store(
    store: Any, differs: dict[str, str]
) -> None:
    post = make_post("1", "Lumio panne réseau à Lyon", lang="fr")
    store.upsert_posts([_carrying(post, ("planted",), **differs)])
    assert _kept(store, post.id) == post_terms(post.title, post.text, post.lang)[0]


def test_an_edited_post_gets_the_terms_of_its_new_text(store: Any) -> None:
    post = make_post("1", "Lumio panne réseau à Lyon", lang="fr")
    store.upsert_posts(with_terms([post]))
    edited = replace(post, text="Vexa offre fibre", content_hash="edited")
    (sent,) = with_terms([edited])
    store.upsert_posts([sent])
    assert sent.terms is not None
    assert _kept(store, post.id) == list(sent.terms.keys)
    assert "fibre" in sent.terms.keys and "lyon" not in sent.terms.keys
    # Its terms made for the old text would not be kept for the new one.
    store.upsert_posts([replace(edited, text="Orbita", content_hash="again", terms=sent.terms)])
    assert _kept(store, post.id) == ["orbita"]


def test_a_collector_sends_the_terms_it_made_to_the_posts_store() -> None:
    (post,) = with_terms([make_post("1", "Lumio panne réseau à Lyon", lang="fr")])
    came = post_from_json(post_to_json(post))
    assert came.terms == post.terms
    # A post without terms goes without (a server before them ignores nothing).
    bare = make_post("2", "x")
    assert "terms" not in post_to_json(bare)
    assert post_from_json(post_to_json(bare)).terms is None


def test_the_ingest_pipeline_makes_the_terms_before_the_store(tmp_path: Path) -> None:
    from veille.pipeline.ingest import build_pipeline
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        # What the pipeline hands the store: enriched (its language), then its terms.
        (post,) = build_pipeline(ws).prepare([make_post("1", "Lumio panne réseau à Lyon")])
    assert post.lang == "fr" and post.terms is not None
    assert list(post.terms.keys) == post_terms(post.title, post.text, post.lang)[0]
