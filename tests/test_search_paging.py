"""Search results a page at a time (veille.services.paging): the cursor walks
every match once, even when posts arrive between pages and many share a second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import make_post
from veille.errors import UsageError
from veille.services.paging import search_page
from veille.store.base import PostFilter

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _store(workspace, n: int, *, same_second: int = 0):  # type: ignore[no-untyped-def]
    posts = [
        make_post(f"p{i}", f"lumio post {i}", published_at=T0 + timedelta(minutes=i))
        for i in range(n)
    ]
    # Several posts published in the same second (a firehose burst).
    posts += [
        make_post(f"b{i}", f"lumio burst {i}", published_at=T0 + timedelta(minutes=5))
        for i in range(same_second)
    ]
    posts.append(make_post("other", "nothing to see", published_at=T0))
    workspace.posts.upsert_posts(posts)


def _walk(workspace, limit: int, sort: str = "newest") -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        page = search_page(workspace.posts, "lumio", sort=sort, limit=limit, cursor=cursor)
        seen += [h.post.id for h in page.hits]
        assert page.total == 30 + 7
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize("sort", ["newest", "engagement", "relevance"])
def test_the_cursor_gives_every_match_once(workspace, sort: str) -> None:
    _store(workspace, 30, same_second=7)
    seen = _walk(workspace, 4, sort)
    assert len(seen) == len(set(seen)) == 37
    assert "mastodon:other" not in seen


def test_posts_arriving_between_pages_do_not_shift_the_walk(workspace) -> None:
    _store(workspace, 30, same_second=7)
    first = search_page(workspace.posts, "lumio", limit=10)
    newer = make_post("new", "lumio brand new", published_at=T0 + timedelta(days=1))
    workspace.posts.upsert_posts([newer])
    second = search_page(workspace.posts, "lumio", limit=10, cursor=first.next_cursor)
    ids = [h.post.id for h in first.hits] + [h.post.id for h in second.hits]
    assert len(set(ids)) == 20
    assert "mastodon:new" not in ids


def test_pages_and_highlights(workspace) -> None:
    _store(workspace, 30)
    page2 = search_page(workspace.posts, "burst OR post", limit=10, page=2)
    assert page2.page == 2 and len(page2.hits) == 10 and page2.total == 30
    hit = page2.hits[0]
    assert {h["text"].lower() for h in hit.highlights()} == {"post"}


def test_filters_apply_to_every_page(workspace) -> None:
    _store(workspace, 30)
    flt = PostFilter(until=T0 + timedelta(minutes=10))
    page = search_page(workspace.posts, "lumio", flt, limit=3)
    walked = [h.post.id for h in page.hits]
    while page.next_cursor:
        page = search_page(workspace.posts, "lumio", flt, limit=3, cursor=page.next_cursor)
        walked += [h.post.id for h in page.hits]
    assert len(walked) == 10 and page.total == 10


@pytest.mark.parametrize(
    "kw",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJzIjoibmV3ZXN0IiwidCI6LTF9"},  # {"s":"newest","t":-1}
        {"page": 0},
        {"page": 5000},
        {"limit": 0},
        {"sort": "oldest"},
        {"page": 1, "cursor": "x"},
    ],
)
def test_bad_paging_is_a_usage_error_saying_what_to_do(workspace, kw) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError) as err:
        search_page(workspace.posts, "lumio", **kw)
    assert err.value.hint


def test_a_cursor_for_one_sort_is_refused_by_another(workspace) -> None:
    _store(workspace, 30)
    cursor = search_page(workspace.posts, "lumio", limit=5).next_cursor
    with pytest.raises(UsageError, match="cursor"):
        search_page(workspace.posts, "lumio", limit=5, sort="engagement", cursor=cursor)


def test_counts_agree_with_the_posts_over_windows_and_after_deletes(workspace) -> None:
    """The count the full-text index gives alone (a query of words, a period)
    is the count of the posts, also while erased posts wait to leave the index."""
    from veille.query import compile_query

    _store(workspace, 30, same_second=7)
    store = workspace.store
    q = compile_query("lumio")
    posts = store.search(q, limit=1000)
    for since, until in [(None, None), (5, None), (None, 5), (3, 20), (5, 6)]:
        flt = PostFilter(
            since=None if since is None else T0 + timedelta(minutes=since),
            until=None if until is None else T0 + timedelta(minutes=until),
        )
        expected = sum(
            1
            for p in posts
            if (flt.since is None or p.published_at >= flt.since)
            and (flt.until is None or p.published_at < flt.until)
        )
        assert store.count_matches(q, flt) == expected, (since, until)
    store.purge_posts_before(T0 + timedelta(minutes=10))
    left = [p for p in posts if p.published_at >= T0 + timedelta(minutes=10)]
    assert store.count_matches(q) == len(left)
    assert store.count_matches(q, PostFilter(platforms=("mastodon",))) == len(left)


def test_a_count_that_reads_the_posts_stops_and_says_more(workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A filter on metadata (a language) makes the count read each post: past
    MAX_COUNT it stops, and the total says "more than" (total_exact false);
    words alone are counted on the index, exactly, however many match; the
    same count asked again (from the index, kept until the next write) agrees."""
    from veille.services import paging

    workspace.posts.upsert_posts(
        [
            make_post(f"f{i}", f"lumio post {i}", lang="fr", published_at=T0 + timedelta(minutes=i))
            for i in range(30)
        ]
    )
    monkeypatch.setattr(paging, "MAX_COUNT", 5)
    french = PostFilter(languages=("fr",))
    page = search_page(workspace.posts, "lumio", french, limit=3)
    assert (page.total, page.total_exact) == (5, False)
    assert len(page.hits) == 3 and page.next_cursor is not None
    words = search_page(workspace.posts, "lumio", limit=3)
    assert (words.total, words.total_exact) == (30, True)
    assert search_page(workspace.posts, "lumio", limit=3).total == 30
    monkeypatch.setattr(paging, "MAX_COUNT", 100)
    page = search_page(workspace.posts, "lumio", french, limit=3)
    assert (page.total, page.total_exact) == (30, True)
    # A post stored changes the index: the count kept for it is not used again.
    workspace.posts.upsert_posts([make_post("late", "lumio again", published_at=T0)])
    assert search_page(workspace.posts, "lumio", limit=3).total == 31


def test_a_kept_count_is_not_used_after_posts_are_deleted(workspace) -> None:  # type: ignore[no-untyped-def]
    _store(workspace, 12)
    assert search_page(workspace.posts, "lumio", limit=3).total == 12
    assert search_page(workspace.posts, "lumio", limit=3).total == 12  # kept
    workspace.store.purge_posts_before(T0 + timedelta(minutes=3))  # p0, p1, p2
    assert search_page(workspace.posts, "lumio", limit=3).total == 9
    workspace.posts.upsert_posts([make_post("late", "lumio again", published_at=T0)])
    assert search_page(workspace.posts, "lumio", limit=3).total == 10  # the index alone again


def test_the_most_engaging_matches_are_the_same_walked_or_sorted(workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """SQLite finds a common word's most engaging posts by walking its
    engagement index, a rare word's by sorting its matches: the same posts in
    the same order either way, ties (same engagement, same second) included."""
    import random

    rng = random.Random(7)
    posts = [
        make_post(
            f"e{i}",
            ("lumio " if i % 3 else "vexa ") + ("outage" if i % 50 == 0 else "news"),
            published_at=T0 + timedelta(minutes=rng.randrange(60)),
            likes=rng.randrange(5),
            platform=rng.choice(["mastodon", "bluesky"]),
        )
        for i in range(600)
    ]
    workspace.posts.upsert_posts(posts)
    store = workspace.store
    cases = [
        ("lumio", None),
        ("vexa", PostFilter(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=40))),
        ("lumio", PostFilter(platforms=("bluesky",))),
        ("lumio OR vexa", None),
        ("outage", None),  # 12 matches, fewer than the page: sorted
        ("lumio -news", None),  # more than words: sorted
    ]
    from veille.query import compile_query
    from veille.store.sqlite import search as sqlite_search

    walked = [store._walk_engagement(compile_query(q).ast, f, 20) for q, f in cases]
    assert walked == ["list", "list", "", "list", "", ""]  # a platform: sorted
    found = {(q, f): [p.id for p in store.search(q, f, sort="engagement", limit=20)]
             for q, f in cases}  # fmt: skip
    # Each post the walk meets looked up in the full-text index, as a very
    # common word's are at 1M posts: the same posts in the same order.
    monkeypatch.setattr(sqlite_search, "PROBE_COST", 0)
    assert store._walk_engagement(compile_query("lumio").ast, None, 20) == "probe"
    for (q, f), ids in found.items():
        assert ids == [p.id for p in store.search(q, f, sort="engagement", limit=20)], q
    monkeypatch.setattr(type(store), "_walk_engagement", lambda *a: "")
    for (q, f), ids in found.items():
        assert ids and ids == [p.id for p in store.search(q, f, sort="engagement", limit=20)], q
