from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.workspace import Workspace, init_workspace

FIXTURES = Path(__file__).parents[1] / "fixtures"
SIM_END = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    root = init_workspace(tmp_path / "ws")
    ws = Workspace.open(root)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=7, days=8, end=SIM_END, spike_day=3, posts_per_day=60, spike_posts=50)
    world = SimWorld.generate(cfg, SimClock(SIM_END))
    with Simulator(world) as s:
        yield s
