"""Done when: a new organization goes from nothing to a plan with measured
KPIs, a cost estimate, a calendar and posts published on the simulator, in
one sitting, in French, from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.workspace import init_workspace

END = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=3, days=2, end=END, posts_per_day=40, spike_day=1, spike_posts=10)
    with Simulator(SimWorld.generate(cfg, SimClock(END - timedelta(hours=1)))) as s:
        yield s


def test_from_nothing_to_published_posts(tmp_path: Path, sim: Simulator) -> None:
    root = init_workspace(tmp_path / "ws")
    toml = root / "veille.toml"
    toml.write_text(
        toml.read_text("utf-8").replace(
            "# allow_private_networks = false", "allow_private_networks = true"
        ),
        "utf-8",
    )
    app, runner = build_app(), CliRunner()

    def veille(*args: str) -> str:
        result = runner.invoke(app, [*args, "-w", str(root)])
        assert result.exit_code == 0, (args, result.output)
        return result.output

    masto = sim.url("mastodon", "").rstrip("/")
    out = veille(
        "plan",
        "init",
        "--yes",
        "--lang",
        "fr",
        "--organization",
        "Lumio",
        "--type",
        "marketing",
        "--owner",
        "mia",
        "--query",
        "lumio",
        "--channels",
        "mastodon",
        "--handle",
        "lumio_hq",
        "--per-week",
        "2",
    )
    assert "Plan commencé" in out
    kpis = json.loads(veille("plan", "kpis", "--format", "json"))
    assert {k["kind"] for k in kpis} == {"posts_published", "engagement", "mentions"}
    assert all(k["reason"] for k in kpis)  # French sentences, from the plan's language
    cost = json.loads(veille("plan", "cost", "--format", "json"))
    assert cost["channels"][0]["hours_posting"] == 1.0
    assert "Plan adopted" in veille("plan", "adopt", "--yes", "--as", "mia")
    veille(
        "publish",
        "account",
        "add",
        "lumio-masto",
        "--platform",
        "mastodon",
        "--url",
        masto,
        "--secret",
        "sim-mastodon-token",
    )
    past = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    veille(
        "calendar", "add", "--account", "lumio-masto", "--at", past, "--yes", "Bonjour de Lumio !"
    )
    veille("calendar", "publish")
    assert sum(1 for p in sim.world.by_platform["mastodon"] if p.text == "Bonjour de Lumio !") == 1
    kpis = {k["kind"]: k for k in json.loads(veille("plan", "kpis", "--format", "json"))}
    assert kpis["posts_published"]["value"] == 1
    md = veille("plan", "export", "--format", "md")
    assert md.startswith("# Plan de présence — Lumio") and "Adopté le" in md
    veille("plan", "export", "--format", "pdf", "-o", str(tmp_path / "plan.pdf"))
    assert (tmp_path / "plan.pdf").read_bytes().startswith(b"%PDF")
