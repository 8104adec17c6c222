"""Post fields hold what they say: text is text (never a Python repr of a
JSON object), ids are text or whole numbers, and a post's addresses are
http(s) only (a javascript: link would be clicked in the web app)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veille.models import http_url
from veille.records import RecordError, post_from_record

from .conftest import make_post

BASE = {"platform": "rss", "id": "1", "text": "hello", "published_at": "2026-03-01T12:00:00Z"}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("text", {"nested": {"a": 1}}, "text must be text, not a JSON object"),
        ("title", ["a", "b"], "title must be text, not a list"),
        ("id", {"x": 1}, "id must be text or a whole number, not a JSON object"),
        ("id", 1.5, "id must be text or a whole number, not float"),
        ("id", True, "id must be text or a whole number, not true/false"),
        ("author", ["alice"], "author must be text, not a list"),
        ("lang", {"code": "fr"}, "lang must be text"),
        ("parent_id", {"x": 1}, "parent_id must be text or a whole number"),
        ("hashtags", [{"tag": "x"}], "hashtags must be text, not a JSON object"),
    ],
)
def test_objects_where_text_or_ids_belong_are_refused(field: str, value: object, message: str):
    with pytest.raises(RecordError) as err:
        post_from_record({**BASE, field: value})
    assert message in str(err.value)


def test_numbers_and_text_are_kept_as_before() -> None:
    post = post_from_record({**BASE, "id": 42, "text": 3.5, "title": 7, "parent_id": 41})
    assert (post.id, post.text, post.title, post.parent_id) == ("rss:42", "3.5", "7", "rss:41")
    author = post_from_record({**BASE, "author": {"handle": "al", "id": 9, "name": "Al"}}).author
    assert (author.handle, author.id, author.name) == ("al", "9", "Al")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "ftp://x",
    ],
)
def test_only_http_addresses_are_kept_as_post_urls(url: str) -> None:
    post = post_from_record(
        {**BASE, "url": url, "author_url": url, "links": [url, "https://ok.example/a"]}
    )
    assert post.url is None and post.canonical_url is None
    assert post.author.url is None
    assert post.links == ("https://ok.example/a",)
    assert post.raw["url"] == url  # nothing the source gave is lost
    assert make_post("2", "x", url=url).url is None
    assert http_url(url) is None


def test_http_addresses_are_kept() -> None:
    post = post_from_record({**BASE, "url": "HTTPS://Ex.com/a?utm_source=x"})
    assert post.url == "HTTPS://Ex.com/a?utm_source=x"
    assert post.canonical_url == "https://ex.com/a"


def test_an_object_id_is_refused_by_post_create() -> None:
    with pytest.raises(ValueError):
        make_post({"x": 1}, "x")  # type: ignore[arg-type]
    assert make_post(7, "x").id == "mastodon:7"  # type: ignore[arg-type]


def test_the_import_skips_such_rows_and_stores_the_others(workspace, tmp_path: Path) -> None:
    from veille.importer import import_file
    from veille.pipeline import build_pipeline

    src = tmp_path / "in.jsonl"
    rows = [
        {**BASE, "id": "1"},
        {**BASE, "id": {"x": 1}},
        {**BASE, "id": "3", "text": {"nested": True}},
        {**BASE, "id": "4", "url": "javascript:alert(1)"},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = import_file(build_pipeline(workspace, skip=("enrich",)), src)
    assert report.bad_count == 2
    stored = {p.id: p for p in workspace.store.search("hello", limit=10)}
    assert set(stored) == {"rss:1", "rss:4"}
    assert stored["rss:4"].url is None
