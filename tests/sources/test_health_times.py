"""``veille source health`` writes its times on the workspace's clock, as the
sources page does: in a workspace on America/Montreal, a source collected at
17:22 there read "last success: 2026-12-07 22:22" (UTC, the clock it was
stored on), five hours ahead of the page's "Dec 7, 2026, 5:22 PM", and of
the reader's own clock."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from veille.cli import build_app
from veille.config import HttpSettings
from veille.http import HttpClient
from veille.i18n import format_datetime
from veille.pipeline.collect import collect
from veille.services.sources import add_source
from veille.sim.server import Reply, Route, Simulator
from veille.workspace import Workspace

FEED = Path(__file__).parents[1] / "fixtures" / "feeds" / "rss_shared_guid.xml"
ZONE = "America/Montreal"


def test_health_says_its_times_on_the_workspace_clock(workspace: Workspace, sim: Simulator) -> None:
    sim.add_host("clock", [Route("GET", r"/rss", lambda r: Reply.xml(FEED.read_text()))]).start()
    add_source(workspace.store, "feeds", sim.url("clock", "/rss"), name="news")
    http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
    assert all(run.ok for run in collect(workspace, http=http))
    config = workspace.root / "veille.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[workspace]\n", f'[workspace]\ntimezone = "{ZONE}"\n', 1
        ),
        encoding="utf-8",
    )
    where = ["--workspace", str(workspace.root)]
    app, wide = build_app(), {"COLUMNS": "2000"}
    got = CliRunner().invoke(app, ["source", "health", *where, "-f", "json"])
    assert got.exit_code == 0, got.output
    (row,) = json.loads(got.output)
    zone = ZoneInfo(ZONE)
    times = {key: datetime.fromisoformat(row[key]).astimezone(zone)
             for key in ("last_success", "next_due")}  # fmt: skip
    assert times["last_success"].strftime("%H") != row["last_success"][11:13]
    for lang, written in (
        ("en", lambda when: when.strftime("%Y-%m-%d %H:%M")),
        ("fr", lambda when: format_datetime(when, "fr", ZONE)),  # « 7 déc. 2026 à 17:22 »
    ):
        said = CliRunner().invoke(app, ["source", "health", *where, "--language", lang], env=wide)
        assert said.exit_code == 0, said.output
        (line,) = [line for line in said.output.splitlines() if "│ news" in line]
        cells = [cell.strip() for cell in line.split("│")]
        assert cells[2] == written(times["last_success"]), said.output
        assert cells[11] == written(times["next_due"]), said.output
