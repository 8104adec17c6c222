"""Start the simulator with the demo world (for ``veille sim``, the demo and benchmarks)."""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld

log = logging.getLogger(__name__)


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


def stop_within(stop: Callable[[], None], seconds: float = 15.0) -> None:
    """``stop()`` a simulator's servers, waiting for it ``seconds`` at most:
    a server that never answers its stop must not keep ``veille sim`` from
    stopping (their threads are daemons, gone with the process). Where one
    does not, every thread's stack goes to stderr, to find why (a fresh
    clone's CI once saw ``veille sim`` still running 120 s after SIGTERM,
    not reproduced since)."""
    stopping = threading.Thread(target=stop, name="veille-sim-stop", daemon=True)
    stopping.start()
    stopping.join(seconds)
    if stopping.is_alive():
        log.warning("the simulator's servers did not stop within %.0f s; stopping without them",
                    seconds)  # fmt: skip
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
