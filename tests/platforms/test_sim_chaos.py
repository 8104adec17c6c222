"""The simulator's chaos: a share of answers are faults picked at random (for the soak)."""

from __future__ import annotations

import httpx

from veille.sim.server import CHAOS_KINDS, Simulator, default_specs


def test_a_tenth_of_answers_are_faults_of_every_kind(world) -> None:  # type: ignore[no-untyped-def]
    with Simulator(world, default_specs()) as sim:
        host = sim.host("news")
        host.faults.chaos = 0.1
        host.faults.chaos_seed = 7
        host.faults.chaos_delay = 0.05
        host.rate_limit = 10**9  # only chaos answers 429 here
        statuses: list[int | str] = []
        with httpx.Client(timeout=5.0) as client:
            for _ in range(400):
                try:
                    r = client.get(sim.url("news", "/feeds/all.atom"))
                    statuses.append(r.status_code)
                except httpx.HTTPError as exc:  # resets and truncated bodies
                    statuses.append(type(exc).__name__)
        faults = sum(host.chaos_counts.values())
        assert 20 <= faults <= 65  # about 10 % of 400
        assert set(host.chaos_counts) == set(CHAOS_KINDS)
        assert statuses.count(429) == host.chaos_counts["429"]
        assert statuses.count(503) == host.chaos_counts["503"]
        assert sum(1 for s in statuses if isinstance(s, str)) >= host.chaos_counts["reset"]
        host.faults.chaos = 0.0
        with httpx.Client(timeout=5.0) as client:
            assert client.get(sim.url("news", "/feeds/all.atom")).status_code == 200
