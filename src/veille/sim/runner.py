"""Start the simulator with the demo world (for ``veille sim``, the demo and benchmarks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld


def start_simulator(
    *,
    seed: int = 42,
    days: int = 30,
    speed: float = 0.0,
    now: datetime | None = None,
    future_days: int = 1,
) -> Simulator:
    """A started :class:`Simulator` whose clock reads ``now`` (default: the
    current hour); with ``speed`` > 0 the ``future_days`` of posts after it
    appear as simulated time passes."""
    now = now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    cfg = SimConfig(
        seed=seed,
        days=days + future_days,
        end=now + timedelta(days=future_days),
        spike_day=max(0, days - 15),
    )
    world = SimWorld.generate(cfg, SimClock(now, speed))
    return Simulator(world).start()
