"""The sources service: the rules behind `veille source …`, over the StateStore."""

from __future__ import annotations

from typer.testing import CliRunner

from veille.cli import build_app
from veille.services import sources
from veille.workspace import Workspace


def test_unknown_platform_is_refused_with_the_nearest_kind(workspace: Workspace) -> None:
    runner = CliRunner()
    w = str(workspace.root)
    app = build_app()
    out = runner.invoke(app, ["source", "add", "twitter", "lumio", "-w", w])
    assert out.exit_code == 2
    assert "unknown source kind 'twitter'" in out.output
    assert "Did you mean 'x'?" in out.output
    out = runner.invoke(app, ["source", "add", "mastodn", "tag:lumio@https://m.example", "-w", w])
    assert out.exit_code == 2
    assert "Did you mean 'mastodon'?" in out.output
    assert workspace.state.list_sources() == []


def test_add_list_disable_remove_through_the_state_store(workspace: Workspace) -> None:
    state = workspace.state
    rec = sources.add_source(state, "feeds", "https://example.org/feed/", every="15m")
    assert rec.name == "feeds-example-org-feed"
    assert rec.every == 900
    assert [r.name for r in sources.list_sources(state)] == [rec.name]
    (h,) = sources.health(state, rec.name)
    assert (h.runs, h.quarantined, h.enabled) == (0, 0, True)
    assert rec.name in state.due_sources(rec.created_at)
    sources.set_enabled(state, rec.name, False)
    assert sources.get_source_record(state, rec.name).enabled is False
    sources.remove_source(state, rec.name)
    assert sources.list_sources(state) == []
