"""``bench/web.py``'s first views: the views it times as a viewer's first
(nothing kept answers them) are real pages, each a key of its own, never
the view the warm-up made or the row the bench already times."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "web.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_web", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_web"] = module
    spec.loader.exec_module(module)
    return module


def test_fresh_and_again_are_read_and_refused_with_the_range(bench: ModuleType, capsys) -> None:
    args = bench.options(["--fresh", "12", "--again", "2"])
    assert (args.fresh, args.again) == (12, 2)
    for bad in (["--fresh", "0"], ["--fresh", "20"], ["--fresh", "many"], ["--again", "0"]):
        with pytest.raises(SystemExit) as exc:
            bench.options(bad)
        assert exc.value.code == 2
        said = capsys.readouterr().err
        assert bad[0] in said and repr(bad[1]) in said


def test_first_views_are_fresh_keys_never_the_kept_ones(bench: ModuleType) -> None:
    views = bench.fresh_views(19, date(2026, 12, 5))
    assert set(views) == set(bench.FRESH_OF)
    timed = {path for path, _headers in bench.targets("token").values()}
    warmed = {"/", "/?period=last-30d", "/trends", "/influencers"}
    warmed |= {f"/{page}?topic=&period=last-30d" for page in ("trends", "influencers")}
    for page, paths in views.items():
        assert len(paths) == 19
        assert len(set(paths)) == 19, page
        assert not set(paths) & (timed | warmed), page
    # A report is kept by its dates: none of its ranges is the row's last week
    # (2026-11-23..2026-11-29) nor last month.
    ranged = [p.split("period=")[1] for p in views["report"] if ".." in p]
    assert ranged and not {"2026-11-23..2026-11-29", "2026-11-01..2026-11-30"} & set(ranged)


@pytest.mark.slow
def test_every_first_view_is_a_page_the_app_answers(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over real HTTP, the app started as ``veille serve`` starts it: a view
    the app refused (an unknown period, a bad query) would answer at once
    and be timed as a first view; the bench stops on any answer but 200."""
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    root = bench.workspace(tmp_path, 1500, False)
    token = bench.bench_user(root)
    bench.count_without_limit(root)
    cookies = bench.session_cookie(root)
    with bench.server(root) as (base, cpu):
        found, _spent, charts = bench.first_views(base, cookies, token, 19, 1, cpu)
    assert set(found) == set(bench.FRESH_OF)
    for first, again in found.values():
        assert len(first) == 19 and len(again) == 19
    # Each dashboard's chart images were asked for after it (and drawn).
    assert len(charts["dashboard"][0]) == 19 and all(charts["dashboard"][0])


@pytest.mark.slow
def test_each_page_prints_the_servers_cpu_beside_its_wall_time(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """On a shared machine the wall times follow the load: each page's row
    says too the CPU the server's process spent on its requests, beside the
    static file's, one request at a time (so never more than its wall time
    by the machine's cores), and the pages kept a minute say it for their
    first views too."""
    import os

    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    small = ["--posts", "1500", "--repeat", "3", "--fresh", "2", "--again", "1"]
    args = bench.options([*small, "--seconds", "1", "--clients", "2", "--cache", str(tmp_path)])
    bench.run_layout(args, None)
    out = capsys.readouterr().out
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("page "))
    assert "CPU p50" in lines[head] and "CPU p95" in lines[head]
    assert lines[head].count("p95/static") == 2
    cores = os.cpu_count() or 1
    rows = {}
    for name in bench.targets("t"):
        line = next(line for line in lines[head + 1 :] if line.startswith(name + " "))
        # first, p50, p95, ratio, ratio, CPU p50, CPU p95, ratio, ratio
        rows[name] = [float(x.rstrip("x")) for x in line[len(name) :].split()[:9]]
    for name, (_first, p50, p95, _r1, _r2, c50, c95, cr50, cr95) in rows.items():
        assert 0 < c50 <= c95, name
        assert c50 <= p50 * cores and c95 <= p95 * cores, name
        assert cr50 > 0 and cr95 > 0, name
    static = rows["static file (baseline)"]
    assert static[7] == static[8] == 1.0  # the static file is its own baseline
    assert "CPU: the server process's user + system ms" in out and "between these" in out
    # The pages kept a minute: (a), (b) and (c), each with its CPU.
    head = next(i for i, line in enumerate(lines) if line.startswith("page ") and "view" in line)
    assert "CPU p50" in lines[head]
    views = lines[head + 1 : head + 1 + 3 * len(bench.FRESH_OF)]
    for line in views:
        _n, p50, p95, _max, _r1, _r2, c50, c95 = line[44:].split()[:8]
        assert 0 < float(c50) <= float(p50) * cores, line
        assert 0 < float(c95) <= float(p95) * cores, line
