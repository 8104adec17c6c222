"""A report's lists of posts (its top posts, its stories' earliest posts, its
influencers' newest) are ranked on the posts' keys, then the posts shown are
read once, together: on ClickHouse each read by key costs the granules of
every column that hold each post (13-17 ms of CPU for five posts at 2M
posts), and the report read posts by key four times, the stories' ten to show
five. The same report on SQLite and on chDB, in English and in French."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.conftest import TZ, make_post, world
from veille.analytics.report import render_report, workspace_report_data
from veille.analytics.scope import parse_period
from veille.query.topics import add_topic
from veille.workspace import Workspace, init_workspace

pytest.importorskip("chdb")

WEEK = "2026-03-23..2026-03-29"
# ClickHouse reading posts' rows: whole (``posts_at``, a top list's rows) or
# on the columns a list shows (``posts_shown``); both begin so.
READS_POSTS = "SELECT id, platform, "
GENERATED = re.compile(r"(Generated|Produit le) [^<]*</p>")


def _workspace(tmp_path: Path, backend: str) -> Path:
    root = init_workspace(tmp_path / backend)
    posts = '[store]\nposts = "chdb:///posts.chdb"\n\n' if backend == "chdb" else ""
    (root / "veille.toml").write_text(
        f'{posts}[workspace]\ntimezone = "{TZ}"\n\n[organization]\nhandles = ["mastodon:lumio"]\n',
        encoding="utf-8",
    )
    with Workspace.open(root) as ws:
        # Stories of several copies and posts outside clusters, by more
        # authors than the report lists.
        extra = [
            make_post(f"x{i}", f"2026-03-{24 + i % 5}T1{i % 10}:00", handle=f"user{i}",
                      text=f"Lumio story {i % 7}", likes=i, followers=10 * i,
                      cluster_id=f"k{i % 7}" if i % 3 else None)
            for i in range(30)
        ]  # fmt: skip
        ws.store.upsert_posts([*world(), *extra])
        add_topic(ws.store, "lumio", "lumio")
    return root


def _assert_read_once(ws: Any) -> None:
    """``workspace_report_data`` on ``ws`` (chDB) reads the rows of the
    posts it shows, in one query."""
    client = ws.posts.client
    real = client.rows
    reads: list[int] = []

    def rows(sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        found: list[list[Any]] = real(sql, params)
        if sql.startswith(READS_POSTS):
            reads.append(len(found))
        return found

    client.rows = rows
    try:
        # A query, every post, a saved topic (read through its filings).
        for about in ({"query": "lumio"}, {}, {"topic": "lumio"}):
            data = workspace_report_data(ws, period=parse_period(WEEK, timezone=TZ), **about)
            shown = {p.id for p in data["top_posts"]}
            shown |= {s.first.id for s in data["stories"]}
            shown |= {p.id for i in data["influencers"] for p in i.recent}
            assert len(data["stories"]) == 5 and data["top_posts"] and data["influencers"]
            # One read of the posts the report shows, and only those.
            assert reads == [len(shown)], (about, reads, len(shown))
            reads.clear()
    finally:
        del client.rows


def test_a_report_reads_the_posts_it_shows_once(tmp_path: Path) -> None:
    with Workspace.open(_workspace(tmp_path, "chdb")) as ws:
        _assert_read_once(ws)
    from veille.store.clickhouse.rows import READ_COLUMNS, SHOWN_COLUMNS

    assert f"SELECT {READ_COLUMNS}".startswith(READS_POSTS)
    assert f"SELECT {SHOWN_COLUMNS}".startswith(READS_POSTS)


def test_the_report_is_the_same_on_sqlite_and_chdb(tmp_path: Path) -> None:
    pages: dict[str, list[str]] = {}
    for backend in ("sqlite", "chdb"):
        with Workspace.open(_workspace(tmp_path, backend)) as ws:
            for about in ({"query": "lumio"}, {}, {"topic": "lumio"}):
                for lang in ("en", "fr"):
                    html, _pdf = render_report(
                        ws, period=parse_period(WEEK, timezone=TZ), lang=lang, pdf=False,
                        **about,
                    )  # fmt: skip
                    pages.setdefault(backend, []).append(GENERATED.sub("", html))
    assert pages["sqlite"] == pages["chdb"]
    assert "Lumio story" in pages["chdb"][0] and "Histoires les plus reprises" in pages["chdb"][1]
