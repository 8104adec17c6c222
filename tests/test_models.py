import dataclasses
import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.conftest import make_post
from veille.models import Author, Engagement, Post, Sentiment, canonical_url, content_hash


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/a?utm_source=x&id=3#top", "https://example.com/a?id=3"),
        ("http://example.com:80/", "http://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com", "https://example.com/"),
        ("https://ex.com/p?fbclid=1&gclid=2&mc_cid=3", "https://ex.com/p"),
        ("https://ex.com/P/Case?Q=A", "https://ex.com/P/Case?Q=A"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        (None, None),
    ],
)
def test_canonical_url(url: str | None, expected: str | None) -> None:
    assert canonical_url(url) == expected


def test_post_ids_and_hash_are_stable() -> None:
    a = make_post("42", "Les Médias, l'ACEI!", url="https://Ex.com/x?utm_medium=y")
    b = make_post("42", "les medias acei", url="https://ex.com/x")  # l' is elided
    assert a.id == "mastodon:42"
    assert a.canonical_url == b.canonical_url == "https://ex.com/x"
    assert a.content_hash == b.content_hash
    assert content_hash(None, "autre chose") != a.content_hash


def test_times_are_utc_and_text_is_nfc() -> None:
    local = datetime(2026, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=-5)))
    post = make_post(published_at=local, text="me\u0301dias")
    assert post.published_at == datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    assert post.text == "médias"


def test_post_is_frozen_and_keeps_raw() -> None:
    post = make_post(raw={"anything": [1, 2]})
    with pytest.raises(AttributeError):
        post.text = "x"  # type: ignore[misc]
    assert post.raw == {"anything": [1, 2]}


def test_every_part_is_frozen_and_built_like_a_dataclass() -> None:
    post = make_post(raw={"k": 1})
    for obj, name in (
        (post, "text"),
        (post.author, "handle"),
        (post.engagement, "likes"),
        (Sentiment("positive"), "label"),
    ):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, None)
    # Defaults and default factories: each post gets its own raw mapping.
    bare = Post("x:1", "x", "1", "t", post.published_at, Author("a"))
    other = Post("x:2", "x", "2", "t", post.published_at, Author("a"))
    assert bare.engagement == Engagement(given=False)  # built without counts: none given
    assert bare.hashtags == () and bare.sentiment is None
    assert bare.raw == {} and bare.raw is not other.raw
    assert Sentiment("negative") == Sentiment("negative", 0.0, 0.0, "model")
    copy = dataclasses.replace(post, lang="fr")
    assert copy.lang == "fr" and copy.text == post.text and copy.raw == {"k": 1}
    assert copy == dataclasses.replace(copy) and hash(copy) == hash(dataclasses.replace(copy))
    with pytest.raises(TypeError):
        Post(id="x:1")  # type: ignore[call-arg]
    # Built fast (through a twin class), yet a Post like any other.
    assert type(bare) is Post and type(bare.author) is Author
    assert pickle.loads(pickle.dumps(copy)) == copy

    class Flagged(Post):  # another layout: filled through the slots' descriptors
        __slots__ = ("flag",)

    sub = Flagged("x:3", "x", "3", "t", post.published_at, Author("a"))
    assert type(sub) is Flagged and sub.text == "t" and sub.raw == {} and sub.lang is None


def test_post_needs_platform_and_id() -> None:
    with pytest.raises(ValueError):
        make_post("")
