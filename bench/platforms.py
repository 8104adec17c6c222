"""Platform connectors against the simulator: collect and map throughput.

One command: ``python bench/platforms.py [--days 30]``. For each platform it
collects everything the simulator holds (real loopback HTTP, paging, rate
headers) and maps it with ``to_post``; each figure is printed beside a
baseline run in the same process: mapping is compared with a JSON round trip
of the same payloads (the least any consumer of them must spend), collection
with fetching the same pages and only decoding them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=30, help="days of simulated posts")
    parser.add_argument("--posts-per-day", type=int, default=120)
    args = parser.parse_args()
    os.environ.setdefault("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")

    from veille.config import HttpSettings
    from veille.http import HttpClient
    from veille.sim.bluesky import JetstreamServer
    from veille.sim.generate import SimConfig
    from veille.sim.platform_demo import demo_sources
    from veille.sim.server import SimClock, Simulator, SimWorld, default_specs
    from veille.sources import registry

    end = datetime(2026, 11, 1, tzinfo=UTC)
    cfg = SimConfig(seed=42, days=args.days, end=end, posts_per_day=args.posts_per_day,
                    spike_day=max(0, args.days - 15))  # fmt: skip
    world = SimWorld.generate(cfg, SimClock(end + timedelta(hours=1)))
    sources = registry()
    http = HttpClient(HttpSettings(allow_private_networks=True), max_wait=30)
    print(f"world: {len(world.posts)} posts over {args.days} days")
    print(
        "collect: items/s and ms per request, against bare requests to the same host "
        "(ratio = collect time / bare time); to_post/s against a JSON round trip of the "
        "same payloads"
    )
    print(
        f"{'platform':<11} {'items':>6} {'reqs':>5} {'collect/s':>10} {'ms/req':>9} "
        f"{'bare ms':>9} {'ratio':>7} {'to_post/s':>10} {'json-rt/s':>10} {'ratio':>6}"
    )
    with Simulator(world, default_specs()) as sim, JetstreamServer(world) as jet:
        for host in sim.hosts.values():
            host.rate_limit = 10**9
        for kind, target, options in demo_sources(sim, jet.url):
            opts = {**options, "max_pages": "100000"} if kind != "jetstream" else options
            source = sources[kind]
            config = source.config_from_target(target, opts)
            sent = http.requests_sent
            t0 = time.perf_counter()
            items: list[Any] = [i for b in source.collect(config, None, http) for i in b.items]
            t_collect = time.perf_counter() - t0
            requests = max(http.requests_sent - sent, 1)
            t0 = time.perf_counter()
            posts = [source.to_post(i, config) for i in items]
            t_map = time.perf_counter() - t0
            t0 = time.perf_counter()
            for item in items:
                json.loads(json.dumps(item))
            t_json = time.perf_counter() - t0
            t_bare = _bare_requests(http, sim, kind, requests)
            n = max(len(posts), 1)
            m_rate, j_rate = n / t_map, n / max(t_json, 1e-9)
            print(f"{kind:<11} {len(posts):>6} {requests:>5} {n / t_collect:>10.0f} "
                  f"{t_collect / requests * 1000:>9.1f} {t_bare / requests * 1000:>9.2f} "
                  f"{t_collect / t_bare:>7.1f} "
                  f"{m_rate:>10.0f} {j_rate:>10.0f} {m_rate / j_rate:>6.2f}")  # fmt: skip
    http.close()


def _bare_requests(http: Any, sim: Any, kind: str, count: int) -> float:
    """The baseline: as many GETs to the same simulated host, answered with a
    tiny 404, i.e. the HTTP cost alone."""
    url = sim.url({"jetstream": "bluesky"}.get(kind, kind), "/bench-baseline")
    t0 = time.perf_counter()
    for _ in range(count):
        http.request("GET", url, raise_for_status=False)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
