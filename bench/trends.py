"""First views of trends on a large SQLite workspace: the CPU time of
``trending_terms`` for a view nothing kept answers, each in a new process.

    python bench/trends.py                          # bench/web.py's 1M workspace
    python bench/trends.py --posts 20000            # quick (built if missing)
    python bench/trends.py --workspace DIR --runs 5 # a copy of one, as it is

Each case runs in a process of its own (``--one CASE``, the child), which
first makes the default view (every post, the last 30 days) as ``veille
serve``'s warm-up does, then times the case's ``trending_terms`` (the
trends page's: 25 terms, a baseline of four periods) in CPU ms, the
figure that a loaded machine changes least (the wall time at a load of a
few cores is mostly waiting for one). The cases are the views a team asks
first: every post over 7 and 30 days, a brand and a competitor (``lumio``,
``vexa``), both (``lumio OR vexa``), a query with a language (``lumio
lang:fr``), and the ``lumio`` topic over 7 and 30 days; then the rest of
``bench/web.py --fresh 12``'s first views of trends (whose p95 is the
slowest of them): ``orbita``, ``vexa -lumio``, ``lumio AND orbita``, the
``vexa`` and ``orbita`` topics over 30 and 7 days, the ``lumio`` topic's
last month. ``--case`` (repeatable) times some of them. Each case's full
ranking is hashed, so that two versions' answers can be compared.

The baseline is the default view's time in each process (what the warm-up
pays); the workspace is bench/web.py's (built by it under ``--cache`` when
none is kept), read only. Run each version alternated (before, after,
after, before) and compare CPU ms measured in the same session.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import astuple
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CASES: dict[str, tuple[str, str, str]] = {
    "every post, 7 days": ("", "", "last-7d"),
    "every post, 30 days (again)": ("", "", "last-30d"),
    "lumio, 30 days": ("lumio", "", "last-30d"),
    "vexa, 30 days": ("vexa", "", "last-30d"),
    "lumio OR vexa, 30 days": ("lumio OR vexa", "", "last-30d"),
    "lumio lang:fr, 30 days": ("lumio lang:fr", "", "last-30d"),
    "topic lumio, 7 days": ("", "lumio", "last-7d"),
    "topic lumio, 30 days": ("", "lumio", "last-30d"),
    # The rest of bench/web.py's first views of trends (--fresh 12).
    "orbita, 30 days": ("orbita", "", "last-30d"),
    "vexa -lumio, 30 days": ("vexa -lumio", "", "last-30d"),
    "lumio AND orbita, 30 days": ("lumio AND orbita", "", "last-30d"),
    "topic vexa, 30 days": ("", "vexa", "last-30d"),
    "topic orbita, 30 days": ("", "orbita", "last-30d"),
    "topic vexa, 7 days": ("", "vexa", "last-7d"),
    "topic orbita, 7 days": ("", "orbita", "last-7d"),
    "topic lumio, last month": ("", "lumio", "last-month"),
}


def _trends(ws: object, query: str, topic: str, period: str) -> list[object]:
    from veille.analytics.trends import trending_terms
    from veille.services import analytics as service

    scope = service.build_scope(ws, query=query or None, topic=topic or None)
    per = service.period(ws, period)
    return trending_terms(ws.store, scope, per, limit=25, baseline_periods=4)  # type: ignore[attr-defined]


def one(root: Path, case: str) -> dict[str, object]:
    """The default view's CPU ms, then the case's, and a hash of its
    ranking (in this process)."""
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        c0 = time.process_time()
        _trends(ws, "", "", "last-30d")
        warm = time.process_time() - c0
        c0 = time.process_time()
        found = _trends(ws, *CASES[case])
        cpu = time.process_time() - c0
    ranking = repr([astuple(t) for t in found])  # type: ignore[call-overload]
    return {
        "warm_ms": 1000 * warm,
        "cpu_ms": 1000 * cpu,
        "hash": hashlib.sha256(ranking.encode()).hexdigest()[:12],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--workspace", type=Path, help="a workspace to read as it is")
    ap.add_argument("--runs", type=int, default=3, help="new processes per case")
    ap.add_argument(
        "--case", action="append", choices=list(CASES), help="only this view (repeatable)"
    )
    ap.add_argument("--one", help=argparse.SUPPRESS)
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
    if args.one:
        print(json.dumps(one(root, args.one)))
        return 0
    load = os.getloadavg()
    print(f"{root}: CPU ms of trending_terms, best / median of {args.runs} new processes")
    print(f"load average at the start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"{'view':32} {'first view':>14} {'default (warm-up)':>19}  ranking")
    for case in args.case or CASES:
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--workspace", str(root), "--one", case],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        cpu = [r["cpu_ms"] for r in runs]
        warm = [r["warm_ms"] for r in runs]
        hashes = {r["hash"] for r in runs}
        print(
            f"{case:32} {min(cpu):6.0f} / {statistics.median(cpu):5.0f} "
            f"{min(warm):9.0f} / {statistics.median(warm):5.0f}  {', '.join(sorted(hashes))}",
            flush=True,
        )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
