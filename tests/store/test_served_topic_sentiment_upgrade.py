"""A rolling upgrade across ``veille+http://``: collectors (and the machine
running ``veille store migrate``) upgraded before the machine serving the
posts, or the reverse. The figures a saved topic keeps of purged posts went
from seven values to ten (its sentiment, 2026-12-06); a row without
sentiment crosses at the old width, which both releases read, and one with
sentiment refused by an older server says what to upgrade."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from veille.errors import StoreError, translated
from veille.store.remote.client import RemotePostStore
from veille.store.remote.server import PostServer
from veille.store.sqlite import SQLiteStore
from veille.web.i18n import load_translations


def _release_before(row: Sequence[int]) -> tuple[int, ...]:
    """What the release before the topics' sentiment made of a row it was
    sent (its ``veille.store.purged.topic_totals``, word for word in what it
    accepts and how it refuses)."""
    t, b, n, e, r, *rest = (int(v) for v in row)
    if not rest:
        rest = [n if e > 0 else 0, n if r > 0 else 0]
    if len(rest) != 2:
        raise ValueError(f"a topic's purged figures have 5 or 7 values, not {len(row)}: {row!r}")
    return (t, b, n, e, r, *rest)


class StoreOfTheReleaseBefore:
    """A posts store as the release before served it: topic rows of seven
    values in and out (the real SQLite store underneath keeps them)."""

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def add_purged_topic_totals(self, rows: Sequence[tuple[int, ...]]) -> None:
        self.inner.add_purged_topic_totals([_release_before(r) for r in rows])

    def purged_topic_totals(self) -> list[tuple[int, ...]]:
        return [tuple(r[:7]) for r in self.inner.purged_topic_totals()]


@pytest.fixture
def held(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore.open(tmp_path / "posts.db")
    yield store
    store.close()


def test_a_new_collector_sends_topic_figures_without_sentiment_to_an_older_server(
    held: SQLiteStore,
) -> None:
    server = PostServer(StoreOfTheReleaseBefore(held)).start()
    client = RemotePostStore(server.url)
    try:
        # Purges made before the upgrade: no sentiment. They go through.
        client.add_purged_topic_totals([(1, 100, 3, 6, 30, 3, 3, 0, 0, 0)])
        assert held.purged_topic_totals() == [(1, 100, 3, 6, 30, 3, 3, 0, 0, 0)]
        # With sentiment: refused, saying what to upgrade; nothing added.
        with pytest.raises(StoreError) as refused:
            client.add_purged_topic_totals(
                [(1, 101, 2, 0, 0, 0, 0, 0, 0, 0), (1, 102, 2, 4, 8, 2, 2, 1, 1, 0)]
            )
        assert "serve-posts" in str(refused.value.hint)
        assert "before 2026-12-06" in str(refused.value)
        assert "5 or 7 values" not in str(refused.value)
        fr = load_translations()["fr"].gettext
        assert "Mettez veille à jour" in translated(refused.value.hint, fr, "fr")
        assert "tonalité des sujets" in translated(refused.value.message, fr, "fr")
        assert held.purged_topic_totals() == [(1, 100, 3, 6, 30, 3, 3, 0, 0, 0)]
    finally:
        client.http.close()
        server.stop()


def test_an_older_client_reads_topic_figures_without_sentiment_from_a_new_server(
    held: SQLiteStore,
) -> None:
    held.add_purged_topic_totals(
        [(1, 100, 3, 6, 30, 3, 3, 0, 0, 0), (1, 102, 2, 4, 8, 2, 2, 1, 1, 0)]
    )
    server = PostServer(held).start()
    try:
        rows = httpx.post(f"{server.url.replace('veille+http', 'http')}/v1/purged_topic_totals",
                          json={}).json()["result"]  # fmt: skip
        # The row without sentiment at the width the release before reads.
        assert _release_before(rows[0]) == (1, 100, 3, 6, 30, 3, 3)
        assert rows[1] == [1, 102, 2, 4, 8, 2, 2, 1, 1, 0]
        # And this release's client reads both as they are held.
        client = RemotePostStore(server.url)
        assert client.purged_topic_totals() == held.purged_topic_totals()
        client.http.close()
    finally:
        server.stop()


def test_a_topic_removed_is_forgotten_by_the_served_posts_store(held: SQLiteStore) -> None:
    """Removing a saved topic (a SQLite state gives its id to the next one)
    forgets what the served posts store keeps under it, over veille+http
    too: the topic's purged figures went on counting for the next topic.
    A server of a release before has no such call: the topic is removed all
    the same, its rows left there (as before), and the log says so."""
    held.add_purged_topic_totals(
        [(1, 100, 3, 6, 30, 3, 3, 0, 0, 0), (2, 102, 2, 4, 8, 2, 2, 1, 1, 0)]
    )
    server = PostServer(held).start()
    client = RemotePostStore(server.url)
    try:
        client.forget_topic(2)
        assert held.purged_topic_totals() == [(1, 100, 3, 6, 30, 3, 3, 0, 0, 0)]
    finally:
        client.http.close()
        server.stop()


def test_an_older_server_leaves_a_removed_topics_rows(
    held: SQLiteStore, caplog: pytest.LogCaptureFixture
) -> None:
    class ServerBefore(StoreOfTheReleaseBefore):
        forget_topic = None  # the release before had no such call

    held.add_purged_topic_totals([(2, 102, 2, 4, 8, 2, 2, 0, 0, 0)])
    server = PostServer(ServerBefore(held)).start()
    client = RemotePostStore(server.url)
    try:
        client.forget_topic(2)  # said, not raised: the topic goes from the state
        assert held.purged_topic_totals() == [(2, 102, 2, 4, 8, 2, 2, 0, 0, 0)]
        assert "serve-posts" in caplog.text
    finally:
        client.http.close()
        server.stop()
