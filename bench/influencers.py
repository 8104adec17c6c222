"""First views of influencers on a large workspace: the CPU time of the
reads behind a ranking nothing kept answers, beside the two reads they
replaced, in one process.

    python bench/influencers.py                          # bench/web.py's 1M workspace
    python bench/influencers.py --posts 20000            # quick (built if missing)
    python bench/influencers.py --workspace DIR --runs 9 # a copy of one, as it is

For each view a team asks first (bench/web.py's first views of the
influencers page: topics and queries over 7 and 30 days and last month),
``--runs`` times in turn: the store's ``author_activity`` and
``conversation_links`` (the baseline: two passes over the view's posts,
what the ranking read before), its ``author_reads`` (one pass giving both),
the network rank drawn from the links it gives (``_network_rank``), and the
whole first view (``influencers.read`` and the ranking of 25, as
the page asks). Each is printed as its best CPU ms, the one pass's beside
the two reads' with their ratio; the one pass's rows are checked against
the two reads' (the same authors in the same order, the same links once
summed). CPU ms, the figure a loaded machine changes least.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

CASES: dict[str, tuple[str, str, str]] = {
    "topic lumio, 30 days": ("", "lumio", "last-30d"),
    "topic vexa, 7 days": ("", "vexa", "last-7d"),
    "lumio OR vexa, 30 days": ("lumio OR vexa", "", "last-30d"),
    "every post, 7 days": ("", "", "last-7d"),
    "topic orbita, last month": ("", "orbita", "last-month"),
}


def _summed(links: Any) -> dict[tuple[Any, ...], int]:
    out: dict[tuple[Any, ...], int] = {}
    for *key, n in links:
        out[tuple(key)] = out.get(tuple(key), 0) + n
    return out


def bench(ws: Any, case: str, runs: int) -> tuple[float, float, float, float]:
    """Best CPU seconds of the two reads, the one pass, the network rank and
    the whole first view."""
    from veille.analytics.influencers import _network_rank, influencers, read
    from veille.services import analytics as service

    query, topic, period = CASES[case]
    scope = service.build_scope(ws, query=query or None, topic=topic or None)
    per = service.period(ws, period)
    scoped = scope.during(per)
    store = ws.store
    handles = ws.settings.organization.handles

    def two() -> Any:
        return store.author_activity(scoped), list(store.conversation_links(scoped))

    def whole() -> Any:
        reads = read(store, scope, per, handles)
        return influencers(store, scope, per, org_handles=handles, limit=25, reads=reads)

    (activity, links), (got, found) = two(), store.author_reads(scoped)
    if list(map(tuple, activity)) != list(map(tuple, got)) or _summed(links) != _summed(found):
        raise SystemExit(f"{case}: author_reads does not give the two reads' rows")
    jobs: dict[str, Callable[[], Any]] = {
        "two": two, "one": lambda: store.author_reads(scoped),
        "rank": lambda: _network_rank(found), "view": whole,
    }  # fmt: skip
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(runs):
        for name, job in jobs.items():
            c0 = time.process_time()
            job()
            best[name] = min(best[name], time.process_time() - c0)
    return best["two"], best["one"], best["rank"], best["view"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--workspace", type=Path, help="a workspace to read as it is")
    ap.add_argument("--runs", type=int, default=7, help="times each is run, in turn")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error(f"--runs must be 1 or more, not {args.runs}")
    if args.workspace is not None:
        root = args.workspace
        if not (root / "veille.toml").exists():
            ap.error(f"--workspace {root}: no veille.toml there; give a veille workspace")
    else:
        from web import workspace

        root = workspace(args.cache, args.posts, False)
    from veille.workspace import Workspace

    load = os.getloadavg()
    print(f"{root}: best CPU ms of {args.runs} runs in turn")
    print(f"load average at the start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(
        f"{'view':28} {'two reads':>10} {'one pass':>9} {'ratio':>6} {'rank':>5} {'first view':>11}"
    )
    with Workspace.open(root) as ws:
        for case in CASES:
            two, one, rank, view = bench(ws, case, args.runs)
            print(
                f"{case:28} {1000 * two:10.0f} {1000 * one:9.0f} {one / two:6.2f} "
                f"{1000 * rank:5.0f} {1000 * view:11.0f}",
                flush=True,
            )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
