"""Our account on one platform is not someone else's account of the same
handle on another.

The plan's "influencers engaged" KPI (and the influencers page's "engaged"
mark) counts the people our accounts replied to or mentioned. Our accounts
are ``platform:handle`` (the channel plan's accounts, veille.toml's
``[organization] handles``), but the posts read as ours were those of that
handle on every platform: with @acme ours on Mastodon, the posts of an
unrelated acme on Bluesky were read as ours, and the people they mentioned
counted as engaged by us. They are now ours only on the account's platform
(a bare handle in veille.toml still means every platform), in SQLite and in
ClickHouse alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.conftest import make_post
from veille.analytics.influencers import engaged_with
from veille.store.sqlite import SQLiteStore

POSTS = [
    # Ours on Mastodon: a mention of carol.
    make_post("1", "2026-03-23T08:00", platform="mastodon", handle="acme", mentions=("carol",)),
    # Someone else's acme on Bluesky: a mention of dave, and a reply to erin.
    make_post("2", "2026-03-23T09:00", platform="bluesky", handle="acme", mentions=("dave",)),
    make_post("3", "2026-03-23T07:00", platform="bluesky", handle="erin"),
    make_post("4", "2026-03-23T10:00", platform="bluesky", handle="acme", parent_id="bluesky:3"),
]


@pytest.fixture(params=["sqlite", "chdb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        opened: Any = SQLiteStore.open(tmp_path / "a.db")
    else:
        pytest.importorskip("chdb")
        from tests.store.test_clickhouse import open_clickhouse

        opened = open_clickhouse("chdb", tmp_path, request)
    opened.upsert_posts(POSTS)
    yield opened
    opened.close()


def test_our_account_on_one_platform_is_not_its_handle_on_another(store: Any) -> None:
    assert set(engaged_with(store, ["mastodon:acme"])) == {"carol"}
    assert set(engaged_with(store, ["bluesky:acme"])) == {"dave", "erin"}
    assert set(engaged_with(store, ["mastodon:acme", "bluesky:acme"])) == {
        "carol",
        "dave",
        "erin",
    }
    # A bare handle is ours on every platform, as veille.toml documents.
    assert set(engaged_with(store, ["@acme"])) == {"carol", "dave", "erin"}
