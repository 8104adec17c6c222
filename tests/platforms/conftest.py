"""Shared fixtures: a small simulated world served on loopback, and the HTTP client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from veille.config import HttpSettings
from veille.http import HttpClient
from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld

FIXTURES = Path(__file__).parent.parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
END = datetime(2026, 11, 1, tzinfo=UTC)


def fixture(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text(encoding="utf-8"))


def shared_data(platform: str) -> Path:
    """The recorded responses of ``../shared/data/<platform>`` or a clean skip."""
    folder = SHARED_DATA.resolve() / platform
    if not folder.is_dir():
        pytest.skip(f"no recorded {platform} data at {folder}")
    return folder


@pytest.fixture
def world() -> SimWorld:
    """Four days of the demo world, the clock one day before the end."""
    cfg = SimConfig(seed=7, days=4, end=END, posts_per_day=150, spike_day=2, spike_posts=80)
    return SimWorld.generate(cfg, SimClock(END - timedelta(days=1)))


@pytest.fixture
def make_sim(world: SimWorld) -> Iterator[Any]:
    started: list[Simulator] = []

    def start(specs: Any) -> Simulator:
        sim = Simulator(world, specs).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def http() -> Iterator[HttpClient]:
    client = HttpClient(
        HttpSettings(allow_private_networks=True, timeout_seconds=10, max_retries=2),
        backoff_base=0.01,
        max_wait=5,
    )
    yield client
    client.close()
