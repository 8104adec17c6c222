from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.made import copy_workspace, made_workspace
from veille.config import HttpSettings, Settings
from veille.publish import Account, Publishing
from veille.sim import bluesky, mastodon, wordpress
from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.workspace import Workspace

SIM_NOW = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=7, days=3, end=SIM_NOW, spike_day=1, posts_per_day=40, spike_posts=10)
    world = SimWorld.generate(cfg, SimClock(SIM_NOW))
    with Simulator(world) as s:
        yield s


@pytest.fixture
def settings() -> Settings:
    # The simulator listens on loopback: allowed here, as the demo does.
    return Settings(http=HttpSettings(allow_private_networks=True, timeout_seconds=10))


@pytest.fixture
def pub(settings: Settings) -> Iterator[Publishing]:
    with Publishing(settings) as p:
        yield p


def accounts(sim: Simulator) -> dict[str, Account]:
    return {
        "mastodon": Account(
            "lumio-masto", "mastodon", sim.url("mastodon", "").rstrip("/"),
            secret="sim-mastodon-token",
        ),
        "bluesky": Account(
            "lumio-bsky", "bluesky", sim.url("bluesky", "").rstrip("/"),
            handle="lumio.bsky.social", secret=bluesky.APP_PASSWORD,
        ),
        "wordpress": Account(
            "lumio-blog", "wordpress", sim.url("wordpress", "").rstrip("/"),
            handle=wordpress.USER, secret=wordpress.APP_PASSWORD,
        ),
    }  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path, made_workspace: Path) -> Iterator[Workspace]:
    root = copy_workspace(made_workspace, tmp_path / "ws")
    toml = root / "veille.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "# allow_private_networks = false", "allow_private_networks = true"
        ),
        encoding="utf-8",
    )
    with Workspace.open(root) as ws:
        yield ws


__all__ = ["accounts", "made_workspace", "mastodon"]
