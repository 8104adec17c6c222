"""A workspace that has run for a year: what the daily upkeep (the retention
purge) costs and what it leaves behind. Through the real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from veille.config import PrivacySettings
from veille.models import Author, Post
from veille.services.alerts import AlertSpec, add_alert
from veille.services.retention import apply_retention
from veille.workspace import Workspace

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _posts(tag: str, n: int, days_ago: float) -> list[Post]:
    at = NOW - timedelta(days=days_ago)
    return [
        Post.create(
            platform="mastodon",
            native_id=f"{tag}{i}",
            text=f"promo fibre {tag} {i}",
            published_at=at + timedelta(seconds=i),
            author=Author(f"user{i % 50}"),
        )
        for i in range(n)
    ]


def _queue(ws: Workspace, alert_id: int, posts: list[Post]) -> None:
    now = NOW.timestamp()
    rows = [(alert_id, p.id, None, now, now, p.published_at.timestamp()) for p in posts]
    with ws.state.transaction() as tx:
        tx.queue_matches(rows)


class _Steps:
    """SQLite's virtual machine steps on a connection (in thousands): the
    work a statement does, whatever the machine's load."""

    def __init__(self, ws: Workspace) -> None:
        self.conn = ws.store.conn
        self.n = 0

    def _tick(self) -> int:
        self.n += 1
        return 0

    def __enter__(self) -> _Steps:
        self.conn.set_progress_handler(self._tick, 1000)
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.set_progress_handler(None, 0)


def test_the_daily_purge_does_not_read_the_whole_outbox(workspace: Workspace) -> None:
    """A year of alerts leaves hundreds of thousands of outbox rows; each
    purge batch looked for its posts' rows by reading them all, inside the
    write transaction (1.2 s of a collector waiting for the write lock at
    1M posts and 400,000 rows, against 0.09 s beside a collector's batch).
    Purging a day's posts now costs the same whatever the outbox keeps of
    the posts that stay."""
    alert = add_alert(workspace, AlertSpec(to="atom:feed.xml", query="promo", name="promo"))
    assert alert.id is not None
    object.__setattr__(workspace.settings, "privacy", PrivacySettings(retention_days=30))
    kept = _posts("kept", 6000, 3)
    workspace.posts.upsert_posts(kept)
    work = []
    for day, outbox in ((40, 100), (39, 6000)):
        old = _posts(f"d{day}-", 200, day)
        workspace.posts.upsert_posts(old)
        _queue(workspace, alert.id, old + kept[:outbox])
        with _Steps(workspace) as steps:
            report = apply_retention(workspace, now=NOW)
        assert report is not None and report.posts == 200
        assert report.removed["deliveries"] == 200
        work.append(steps.n)
    small, large = work
    assert large < small * 1.5, f"{small} thousand steps beside 100 rows, {large} beside 6,000"
    ids = {p.id for p in kept}
    assert sum(workspace.state.has_delivery(alert.id, i) for i in ids) == 6000


def test_the_hourly_upkeep_rewrites_the_chdb_posts_once_a_day(tmp_path: Path) -> None:
    """Each purge of posts in ClickHouse is a mutation that rewrites the
    oldest month, about 2.5 s at 1M posts whatever it deletes, and a
    collector of the same chDB process waits it out (a batch of 500: 2.2 s
    instead of 0.12 s). The hourly upkeep purged every hour, and emptied the
    raw payloads that had come of age (another mutation); both now go by
    whole days (UTC), so 23 upkeeps a day find nothing to do. The posts kept
    are still those of the period, and nothing newer goes."""
    pytest.importorskip("chdb")
    from veille.config import CONFIG_NAME

    root = tmp_path / "ws"
    root.mkdir()
    (root / CONFIG_NAME).write_text(
        '[store]\nposts = "chdb:///posts.chdb"\nstate = "sqlite:///state.db"\n\n'
        "[privacy]\nretention_days = 30\nraw_days = 29\n",
        encoding="utf-8",
    )
    start = NOW - timedelta(days=33)
    posts = [
        Post.create(
            platform="mastodon",
            native_id=str(h),
            text=f"fibre {h}",
            published_at=start + timedelta(hours=h),
            author=Author(f"user{h}"),
            raw={"n": h},
        )
        for h in range(5 * 24)
    ]
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(posts)
        for hour in range(48):
            now = NOW + timedelta(hours=hour)
            apply_retention(ws, now=now)
            day_start = (now - timedelta(days=30)).replace(hour=0)
            kept = [p for p in posts if p.published_at >= day_start]
            assert ws.posts.count_posts() == len(kept)
        store: Any = ws.posts
        ((mutations,),) = store.rows(
            "SELECT count() FROM system.mutations "
            "WHERE database = currentDatabase() AND table = 'posts'"
        )
    assert mutations <= 3 + 3  # 48 hours from noon: three days, a purge and raw payloads


@pytest.mark.parametrize("posts_url", ["sqlite", "chdb:///posts.chdb"])
def test_influencer_figures_after_a_purge_equal_a_recount(tmp_path: Path, posts_url: str) -> None:
    """Per-author figures are read from per-day rollups, which a purge cuts
    by whole days: a purge at noon deleted the morning's posts but left
    their day in the rollup, so the top authors of a period counted posts
    no longer stored (until the next day's purge). Retention now cuts at a
    day's start: the figures equal a recount of the posts kept, on both
    posts backends."""
    from veille.analytics.scope import Period, Scope
    from veille.config import CONFIG_NAME

    if posts_url != "sqlite":
        pytest.importorskip("chdb")
    root = tmp_path / "ws"
    root.mkdir()
    store = f'[store]\nposts = "{posts_url}"\nstate = "sqlite:///state.db"\n\n'
    (root / CONFIG_NAME).write_text(
        (store if posts_url != "sqlite" else "") + "[privacy]\nretention_days = 30\n",
        encoding="utf-8",
    )
    start = NOW - timedelta(days=33)
    posts = [
        Post.create(
            platform="mastodon",
            native_id=str(h),
            text=f"fibre {h}",
            published_at=start + timedelta(hours=h),
            author=Author(f"user{h % 3}", followers=100 + h),
        )
        for h in range(6 * 24)
    ]
    day = NOW.replace(hour=0)
    period = Period(day - timedelta(days=40), day)
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(posts)
        report = apply_retention(ws, now=NOW)
        assert report is not None and report.posts > 0
        shown = ws.posts.top_authors(Scope(), period, limit=5)
        recount = ws.posts.top_authors(Scope(scan=True), period, limit=5)
    assert shown == recount


def test_an_upkeep_with_nothing_to_forget_never_takes_the_write_lock(
    workspace: Workspace,
) -> None:
    """veille run's upkeep runs every hour and finds something to purge once
    a day; the other 23 times it still took the write lock for each of its
    steps, and read every post older than raw_days and the whole per-author
    rollup under it (340 ms at 1M posts, a collector's batch of 500 waiting
    60 ms). With nothing to forget it now only reads."""
    object.__setattr__(
        workspace.settings,
        "privacy",
        PrivacySettings(retention_days=30, raw_days=5, inbox_days=60),
    )
    workspace.posts.upsert_posts(_posts("old", 50, 40) + _posts("new", 50, 10))
    first = apply_retention(workspace, now=NOW)
    assert first is not None and first.posts == 50
    statements: list[str] = []
    workspace.store.conn.set_trace_callback(statements.append)
    try:
        again = apply_retention(workspace, now=NOW + timedelta(hours=1))
    finally:
        workspace.store.conn.set_trace_callback(None)
    assert again is not None and again.posts == 0
    writes = [s for s in statements if s.split()[0].upper() not in ("SELECT", "WITH")]
    assert writes == []
    assert workspace.posts.count_posts() == 50
