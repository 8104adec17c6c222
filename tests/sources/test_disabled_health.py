"""``veille source health`` of a disabled source: it said when the source
was "next due" (the time its last run set), though a disabled source is
never collected. It says that the source is disabled, in the reader's
language."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from veille.cli import build_app
from veille.config import HttpSettings
from veille.http import HttpClient
from veille.pipeline.collect import collect
from veille.services.sources import add_source, set_enabled
from veille.sim.server import Reply, Route, Simulator
from veille.workspace import Workspace

FEED = Path(__file__).parents[1] / "fixtures" / "feeds" / "rss_shared_guid.xml"


def test_a_disabled_source_is_said_disabled_not_due(workspace: Workspace, sim: Simulator) -> None:
    sim.add_host("paused", [Route("GET", r"/rss", lambda r: Reply.xml(FEED.read_text()))]).start()
    add_source(workspace.store, "feeds", sim.url("paused", "/rss"), name="paused")
    add_source(workspace.store, "feeds", sim.url("paused", "/rss"), name="running")
    http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
    assert all(run.ok for run in collect(workspace, http=http))
    set_enabled(workspace.state, "paused", False)
    where = ["--workspace", str(workspace.root)]
    wide = {"COLUMNS": "2000"}  # the table whole, not cut to a terminal
    app = build_app()
    for lang, word in (("en", "disabled"), ("fr", "désactivée")):
        said = CliRunner().invoke(app, ["source", "health", *where, "--language", lang], env=wide)
        assert said.exit_code == 0, said.output
        rows = {line.split()[1]: line for line in said.output.splitlines() if "│ " in line}
        assert word in rows["paused"], said.output
        assert word not in rows["running"], said.output
        # The running source's next collection is still said, as a time.
        assert rows["running"].count(":") >= 2, said.output
