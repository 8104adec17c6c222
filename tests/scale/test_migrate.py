"""``veille store migrate``: a workspace's state from SQLite to PostgreSQL and
back, resumable, checked by counts and checksums per table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import make_post
from veille.alerts.model import Alert, AlertBook
from veille.cli import build_app
from veille.models import Cursor
from veille.pipeline import build_pipeline
from veille.query.topics import add_topic
from veille.services.migrate import migrate_workspace
from veille.services.sources import add_source
from veille.workspace import Workspace


def _fill(ws: Workspace) -> None:
    add_source(ws.state, "feeds", "https://example.org/feed.xml", name="news")
    add_topic(ws.state, "lumio", "lumio")
    AlertBook(ws.state).add(Alert(name="lamps", query="lamp", channel_url="atom:lamps.xml"))
    start = datetime(2026, 3, 1, tzinfo=UTC)
    posts = [
        make_post(str(i), f"Lumio lamp {i} is bright", published_at=start + timedelta(hours=i))
        for i in range(30)
    ]
    build_pipeline(ws, skip=("enrich",)).ingest(posts, cursor=Cursor("source:news", {"p": 3}))


def test_state_to_postgresql_and_back(workspace: Workspace, state_url: str, tmp_path: Path) -> None:
    _fill(workspace)
    report = migrate_workspace(workspace, posts_url=None, state_url=state_url)
    assert report.ok, report.checks
    tables = {c.table: c for c in report.checks}
    assert tables["deliveries"].rows_to == 30 and tables["post_topics"].rows_to == 30
    assert tables["alerts"].rows_to == 1 and tables["sources"].rows_to == 1
    # A rerun finds every table equal and copies nothing.
    again = migrate_workspace(workspace, posts_url=None, state_url=state_url)
    assert again.ok and sum(c.copied for c in again.checks) == 0

    # The copy works as the workspace's state: sequences continue after the ids.
    (workspace.root / "veille.toml").write_text(
        f'[store]\nposts = "sqlite:///veille.db"\nstate = "{state_url}"\n', encoding="utf-8"
    )
    with Workspace.open(workspace.root) as split:
        cur = split.state.get_cursor("source:news")
        assert cur is not None and dict(cur.value) == {"p": 3}
        assert split.state.topic("lumio") is not None
        new = AlertBook(split.state).add(Alert(name="more", query="x", channel_url="atom:x.xml"))
        assert new.id == 2
        # And back, posts and state together, into one new SQLite file.
        back = tmp_path / "back.db"
        out = migrate_workspace(split, posts_url=f"sqlite:///{back}", state_url=f"sqlite:///{back}")
        assert out.ok, out.checks
        assert {c.table: c.rows_to for c in out.checks}["posts"] == 30
        assert {c.table: c.rows_to for c in out.checks}["alerts"] == 2


def test_the_command_prints_each_table(workspace: Workspace, state_url: str) -> None:
    _fill(workspace)
    result = CliRunner().invoke(
        build_app(),
        ["store", "migrate", "--to", state_url, "-w", str(workspace.root), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["state_url"] == state_url
    assert all(c["sum_from"] == c["sum_to"] for c in data["checks"])
    bad = CliRunner().invoke(build_app(), ["store", "migrate", "-w", str(workspace.root)])
    assert bad.exit_code == 2 and "--to URL" in bad.output
