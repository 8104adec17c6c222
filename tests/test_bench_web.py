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
    with bench.server(root) as base:
        found = bench.first_views(base, cookies, token, 19, 1)
    assert set(found) == set(bench.FRESH_OF)
    for first, again in found.values():
        assert len(first) == 19 and len(again) == 19
