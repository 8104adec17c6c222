from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.made import copy_workspace, made_workspace

from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.workspace import Workspace

__all__ = ["made_workspace"]  # a fixture, offered to the tests here

FIXTURES = Path(__file__).parents[1] / "fixtures"
SIM_END = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def workspace(tmp_path: Path, made_workspace: Path) -> Iterator[Workspace]:
    ws = Workspace.open(copy_workspace(made_workspace, tmp_path / "ws"))
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=7, days=8, end=SIM_END, spike_day=3, posts_per_day=60, spike_posts=50)
    world = SimWorld.generate(cfg, SimClock(SIM_END))
    with Simulator(world) as s:
        yield s
