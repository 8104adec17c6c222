"""How long a new store takes to make (a user's first ``veille init``, and
every test's store), and an existing one to open, for the posts stores of
each backend, beside the baselines of the same run: an empty chDB session
on a new folder and an empty SQLite file (what no change to veille's schema
can remove).

    python bench/store_open.py                       # 7 runs of each
    python bench/store_open.py --runs 3              # quick
    python bench/store_open.py --against OLD/src     # beside another checkout's code
    python bench/store_open.py --postgres URL        # the PostgreSQL state store too
    python bench/store_open.py --postgres start      # on a server started here

Each run is a new process (chDB holds one embedded server per process) that
times, in turn: an empty SQLite file (a baseline), a new SQLite store and
that one opened again, an empty chDB session (a baseline), a new chDB store
(``chdb:///``) and that one opened again (and with
``--postgres``, a new database's state store and that one opened again).
With ``--against``, each run is followed by one of that folder's veille
(first on PYTHONPATH), so both see the same load. Medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CASES = (
    "chdb session (baseline)",
    "chdb new store",
    "chdb reopened",
    "sqlite empty file (baseline)",
    "sqlite new store",
    "sqlite reopened",
    "postgres new store",
    "postgres reopened",
)


def _timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _postgres(url: str, folder: Path) -> dict[str, float]:
    """A new schema on the server at ``url`` (as each test gets), its state
    store made there, then opened again."""
    from veille.store.postgres.testing import fresh_schema_url
    from veille.store.registry import registry

    backend = registry()["postgresql"]
    there = fresh_schema_url(url, folder)
    times = {}
    for case in ("postgres new store", "postgres reopened"):
        started = time.perf_counter()
        backend.open(there, root=folder).close()
        times[case] = time.perf_counter() - started
    return times


def child(postgres: str | None) -> None:
    """One run, in this process: its times as JSON on stdout."""
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.client import ChdbClient
    from veille.store.sqlite.store import SQLiteStore

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="veille-bench-open-") as tmp:
        root = Path(tmp)

        def empty_file() -> None:
            conn = sqlite3.connect(root / "empty.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("CREATE TABLE t (x)")
            conn.close()

        times[CASES[3]] = _timed(empty_file)
        times[CASES[4]] = _timed(lambda: SQLiteStore.open(root / "veille.db").close())
        times[CASES[5]] = _timed(lambda: SQLiteStore.open(root / "veille.db").close())
        # (SQLite first: a chDB store just made has background work under way.)
        # chDB's embedded server starts with the process's first session:
        # started before anything is timed.
        warm = ChdbClient(root / "warm.chdb")
        warm.rows("SELECT 1")
        warm.close()

        def bare() -> None:
            client = ChdbClient(root / "bare.chdb")
            client.rows("SELECT 1")
            client.close()

        times[CASES[0]] = _timed(bare)
        url = f"chdb:///{root / 'posts.chdb'}"
        times[CASES[1]] = _timed(lambda: ChdbBackend().open(url, root=root).close())
        times[CASES[2]] = _timed(lambda: ChdbBackend().open(url, root=root).close())

        if postgres:
            times.update(_postgres(postgres, root))
    print(json.dumps(times))


def _run(env: dict[str, str], postgres: str | None) -> dict[str, float]:
    argv = [sys.executable, __file__, "--child"]
    if postgres:
        argv += ["--postgres", postgres]
    done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--against", type=Path, default=None, help="another veille's src/")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server's URL")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.postgres)
        return
    if args.postgres == "start":
        from veille.store.postgres.testing import TestServer

        with TestServer() as server:
            args.postgres = server.url
            _compare(args)
        return
    _compare(args)


def _compare(args: argparse.Namespace) -> None:
    here = str(Path(__file__).resolve().parents[1] / "src")
    mine = dict(os.environ, PYTHONPATH=here)
    other = None
    if args.against is not None:
        other = dict(os.environ, PYTHONPATH=str(args.against.resolve()))
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    for _ in range(args.runs):
        ours.append(_run(mine, args.postgres))
        if other is not None:
            theirs.append(_run(other, args.postgres))
    for case in CASES:
        if case not in ours[0]:
            continue
        median = statistics.median(run[case] for run in ours)
        line = f"{case:<30} {median * 1000:7.0f} ms"
        base = "chdb session (baseline)" if case.startswith("chdb") else None
        if case.startswith("sqlite"):
            base = "sqlite empty file (baseline)"
        if base and base != case:
            floor = statistics.median(run[base] for run in ours)
            line += f"  {median / floor:5.1f}× baseline"
        if theirs and case in theirs[0]:
            old = statistics.median(run[case] for run in theirs)
            line += f"  (--against: {old * 1000:.0f} ms, this one {median / old:.2f}× it)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
