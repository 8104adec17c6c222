"""A ranking of many authors, of which a report shows ten: every author is
scored, only those shown are made into an :class:`Influencer`, and each
handle is folded (``identity``) once. A topic's week at 1M posts scored its
1,300 authors and made 1,300 Influencers, folding handles 18,700 times, to
show 10 (the ranking: 11-13 ms of CPU, 6-9 after)."""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

import pytest

from tests.analytics.conftest import make_post
from veille.analytics import influencers as module
from veille.analytics.influencers import influencers, read
from veille.analytics.scope import Scope, words_scope
from veille.store.sqlite import SQLiteStore

AUTHORS = 60


@pytest.fixture
def crowd(tmp_path):  # type: ignore[no-untyped-def]
    """60 authors, each with a few posts about Lumio that mention, answer or
    repost others; a few followers and interactions each, some ties."""
    store = SQLiteStore.open(tmp_path / "crowd.db")
    posts = []
    for a in range(AUTHORS):
        for k in range(1 + a % 4):
            posts.append(
                make_post(
                    f"p{a}-{k}", f"2026-03-{23 + k}T{8 + a % 10:02d}:{a % 60:02d}",
                    handle=f"@Author{a}" if a % 7 == 0 else f"author{a}",
                    followers=None if a % 5 == 0 else 10 * (a % 9),
                    likes=a % 3, text=f"Lumio message {k}",
                    mentions=(f"@author{(a * 7 + k) % AUTHORS}",),
                    parent_id=f"mastodon:p{(a + 1) % AUTHORS}-0" if a % 2 else None,
                )
            )  # fmt: skip
    store.upsert_posts(posts)
    yield store
    store.close()


def test_only_those_shown_are_made(crowd, week, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    whole = influencers(crowd, words_scope("lumio"), week, limit=1000, recent=0)
    assert len(whole) == AUTHORS
    reads = read(crowd, words_scope("lumio"), week)  # what the web app keeps a minute

    made: list[Any] = []
    folded: list[str] = []
    real_identity = module.identity

    class Counted(module.Influencer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    def counted_identity(handle: str) -> str:
        folded.append(handle)
        return real_identity(handle)

    monkeypatch.setattr(module, "Influencer", Counted)
    monkeypatch.setattr(module, "identity", counted_identity)
    shown = influencers(crowd, words_scope("lumio"), week, limit=5, recent=0, reads=reads)

    # The same five, in the same order, with the same numbers...
    assert [astuple(i) for i in shown] == [astuple(i) for i in whole[:5]]
    # ...made for those five only, each handle folded once by the ranking.
    assert len(made) == 5
    assert len(folded) == len(set(folded))


def test_the_cut_keeps_the_order_of_ties(crowd, week) -> None:  # type: ignore[no-untyped-def]
    """Authors of the same score and followers are ordered by handle, as the
    whole ranking orders them, wherever the list is cut."""
    whole = influencers(crowd, Scope(), week, limit=1000, recent=0)
    for limit in (1, 3, 10, 25, AUTHORS):
        assert influencers(crowd, Scope(), week, limit=limit, recent=0) == whole[:limit]
