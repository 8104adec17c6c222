"""Collect 1,000 feeds over 50 simulated hosts; then again, to count the 304s.

    python bench/collect.py [--feeds 1000] [--hosts 50] [--items 10] [--workers 8]

Serves ``--feeds`` RSS 2.0 feeds (``--items`` generated posts each, ETag and
Last-Modified) on ``--hosts`` simulated hosts, one per 127.0.0.x address,
through the simulator's HostSpec/Route API. Adds one ``feeds`` source per feed
to a fresh workspace and runs:

1. a full collection pass through the real pipeline (``veille collect``:
   fetch, parse, map, enrich, store, cursors, health): its time and posts/s;
2. a second pass: the share of requests answered 304 (target: at least 95%).

Baseline, in the same process: plain ``httpx`` GETs of the same URLs from the
same number of threads, with no parsing and no storing. Each pass is printed
with its time as a ratio to that baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--items", type=int, default=10, help="posts per feed")
    ap.add_argument("--workers", type=int, default=8)
    args = ap.parse_args()
    hosts = max(1, min(args.hosts, args.feeds))

    import httpx

    from veille.config import HttpSettings
    from veille.http import HttpClient
    from veille.pipeline.collect import collect
    from veille.services.sources import add_source
    from veille.sim.feeds import rss2
    from veille.sim.generate import SimConfig
    from veille.sim.server import HostSpec, Reply, Request, Route, SimClock, Simulator, SimWorld
    from veille.workspace import Workspace, init_workspace

    end = datetime(2026, 10, 1, tzinfo=UTC)
    wanted = args.feeds * args.items
    per_day = 400
    cfg = SimConfig(seed=42, days=max(2, wanted // per_day + 2), end=end, posts_per_day=per_day,
                    spike_day=1, spike_posts=50)  # fmt: skip
    world = SimWorld.generate(cfg, SimClock(end))
    posts = sorted(world.posts, key=lambda p: p.published_at, reverse=True)
    if len(posts) < wanted:
        print(f"the generated world has {len(posts)} posts, fewer than {wanted}", file=sys.stderr)
        return 1
    feeds = {n: posts[n * args.items : (n + 1) * args.items] for n in range(args.feeds)}

    def serve(req: Request) -> Reply:
        chunk = feeds.get(int(req.match["n"]))
        if chunk is None:
            return Reply(404, "no such feed")
        body = rss2(f"Feed {req.match['n']}", req.base_url + "/", chunk)
        last = chunk[0].published_at if chunk else None
        return Reply.xml(body, "application/rss+xml", etag=True, last_modified=last)

    specs = [HostSpec(f"bench{h}", [Route("GET", r"/feed/(?P<n>\d+)\.xml", serve)])
             for h in range(hosts)]  # fmt: skip
    with Simulator(world, specs) as sim, tempfile.TemporaryDirectory() as tmp:
        for host in sim.hosts.values():
            host.rate_limit = 10**9
        urls = [sim.url(f"bench{n % hosts}", f"/feed/{n}.xml") for n in range(args.feeds)]
        addresses = {h.address for h in sim.hosts.values()}

        # Baseline: plain GETs of the same URLs, same thread count, no parsing or storing.
        with httpx.Client(timeout=30) as plain, ThreadPoolExecutor(args.workers) as pool:
            t0 = time.perf_counter()
            sizes = list(pool.map(lambda u: len(plain.get(u).content), urls))
            base_s = time.perf_counter() - t0
        for host in sim.hosts.values():
            host.reset_counters()

        ws = Workspace.open(init_workspace(Path(tmp) / "ws"))
        for n, url in enumerate(urls):
            add_source(ws.store, "feeds", url, name=f"feed{n}")
        settings = HttpSettings(allow_private_networks=True, per_host_concurrency=4)
        http = HttpClient(settings)
        try:
            t0 = time.perf_counter()
            first = collect(ws, http=http, force=True, max_workers=args.workers)
            first_s = time.perf_counter() - t0
            stored = sum(r.new_posts for r in first)
            failed = [r for r in first if not r.ok]
            requests_1 = sum(sum(h.statuses.values()) for h in sim.hosts.values())
            for host in sim.hosts.values():
                host.reset_counters()
            t0 = time.perf_counter()
            second = collect(ws, http=http, force=True, max_workers=args.workers)
            second_s = time.perf_counter() - t0
        finally:
            http.close()
            ws.close()
        statuses: dict[int, int] = {}
        for host in sim.hosts.values():
            for code, count in host.statuses.items():
                statuses[code] = statuses.get(code, 0) + count
        total = sum(statuses.values())
        share = statuses.get(304, 0) / total if total else 0.0

    print(f"{args.feeds} feeds x {args.items} posts on {len(addresses)} hosts "
          f"({', '.join(sorted(addresses)[:2])}, ...), {args.workers} workers")  # fmt: skip
    print(f"baseline  plain httpx GETs:     {base_s:8.2f} s  {args.feeds / base_s:9.0f} req/s  "
          f"({sum(sizes) / 1e6:.1f} MB, no parsing, no storing)")  # fmt: skip
    print(f"pass 1    collect (full):       {first_s:8.2f} s  {stored / first_s:9.0f} posts/s  "
          f"{requests_1} requests, {stored} posts stored, {len(failed)} sources failed  "
          f"ratio to baseline x{first_s / base_s:.2f}")  # fmt: skip
    print(f"pass 2    collect (unchanged):  {second_s:8.2f} s  {total} requests, "
          f"{statuses.get(304, 0)} answered 304 = {share:.1%} (target >= 95%), "
          f"{sum(r.new_posts for r in second)} new posts  "
          f"ratio to baseline x{second_s / base_s:.2f}")  # fmt: skip
    if failed:
        print(f"first failure: {failed[0].source}: {failed[0].error}", file=sys.stderr)
    ok = stored == wanted and share >= 0.95 and not failed
    print("OK" if ok else "BELOW TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
