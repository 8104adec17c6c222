"""The dashboard's platforms of a saved topic (each platform's share of its
posts, now and the period before) are read from the author rollup, whole
UTC days, and the partial days at the edges of a local period from the
posts: the shares a scan of every post gives, without reading the
period's posts and the period before's (0.2 s of a first view's 0.33 s at
1M posts)."""

from __future__ import annotations

from pathlib import Path

from tests.analytics.conftest import TZ, make_post, world
from veille.analytics import tops
from veille.analytics.topics import topic_scope
from veille.analytics.volume import breakdown
from veille.query.topics import add_topic
from veille.services import analytics
from veille.services.dashboard import overview
from veille.workspace import Workspace, init_workspace

WEEK = "2026-03-23..2026-03-29"  # Paris: its edges are not UTC midnights


def _workspace(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws")
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[workspace]", f'[workspace]\ntimezone = "{TZ}"', 1))
    extra = [
        # The first hour of the week in Paris is the 22nd in UTC: a partial day.
        make_post("20", "2026-03-23T00:10", platform="reddit", text="Lumio au réveil"),
        make_post("21", "2026-03-29T23:50", platform="bluesky", text="Lumio tard"),
        make_post("22", "2026-03-27T11:00", platform="bluesky", text="Lumio encore"),
        make_post("23", "2026-03-16T00:20", platform="reddit", text="Lumio avant"),
    ]
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts([*world(), *extra])
        add_topic(ws.state, "lumio", "lumio")
    return root


def _shares(rows: list) -> list[tuple]:
    return [(s.key, s.posts, s.share, s.previous, s.previous_share) for s in rows]


def test_the_platforms_are_those_a_scan_of_the_posts_gives(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    with Workspace.open(root) as ws:
        (card,) = overview(ws, WEEK).topics
        per = analytics.period(ws, WEEK)
        scope = topic_scope(ws.store, "lumio")
        scanned = breakdown(ws.store, scope, per, "platform")
        figures = tops.headline(ws.store, scope, per)
    assert _shares(card.platforms) == _shares(scanned)
    # Its authors and sentiment, read in the same pass over the rollup, as
    # the headline figures give them alone.
    assert card.figures == figures
    assert (card.figures["authors"].value, card.figures["authors"].previous) == (5, 2)
    # Three on Bluesky (one at 23:50 on Sunday, Monday in UTC), two on
    # Mastodon, one on Reddit (00:10 on Monday, Sunday in UTC); the week
    # before, one on Mastodon and one on Reddit (00:20, the 15th in UTC).
    assert _shares(card.platforms) == [
        ("bluesky", 3, 3 / 6, 0, 0.0),
        ("mastodon", 2, 2 / 6, 1, 0.5),
        ("reddit", 1, 1 / 6, 1, 0.5),
    ]


def test_the_platforms_do_not_read_every_post_of_the_period(tmp_path: Path) -> None:
    """Each statement that groups the topic's posts by platform reads a
    partial day at an edge of the period, never the whole period: before,
    two read every post of the week and of the week before."""
    root = _workspace(tmp_path)
    with Workspace.open(root) as ws:
        topic_scope(ws.store, "lumio")  # its filings made before
        per = analytics.period(ws, WEEK)
        spans = [
            (int(x.since.timestamp()), int(x.until.timestamp())) for x in (per, per.previous())
        ]
        statements: list[str] = []
        conn = ws.posts.conn  # type: ignore[attr-defined]
        conn.set_trace_callback(statements.append)
        try:
            overview(ws, WEEK)
        finally:
            conn.set_trace_callback(None)
    grouped = [s for s in statements if "FROM posts p" in s and "p.platform" in s]
    read = [f"p.published_at >= {a} AND p.published_at < {b}" for a, b in spans]
    whole = [s for s in grouped if any(r in s for r in read)]
    assert whole == []


def test_the_platforms_after_a_retention_purge_are_those_of_the_posts_held(
    tmp_path: Path,
) -> None:
    """A retention purge deletes the posts before its cutoff but drops the
    author rollup's whole days only: the day it cut in two still counted the
    posts it deleted, and the dashboard's platforms (read from that rollup)
    showed a platform whose only post of the week was gone. They are now
    the platforms of the posts held, as a scan gives them."""
    from datetime import UTC, datetime

    root = _workspace(tmp_path)
    with Workspace.open(root) as ws:
        # An X post on Wednesday morning, the only one of its platform.
        ws.posts.upsert_posts([make_post("30", "2026-03-25T10:00", platform="x", text="Lumio")])
        topic_scope(ws.store, "lumio")  # filed, as collecting files it
        ws.posts.purge_posts_before(datetime(2026, 3, 25, 12, 0, tzinfo=UTC))
        (card,) = overview(ws, WEEK).topics
        per = analytics.period(ws, WEEK)
        scanned = breakdown(ws.store, topic_scope(ws.store, "lumio"), per, "platform")
    assert "x" not in [s.key for s in card.platforms]
    assert _shares(card.platforms) == _shares(scanned)
