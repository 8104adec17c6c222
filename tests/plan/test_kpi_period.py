"""A KPI's period changed after it was set ("mentions a month" becoming
"mentions a week"), from the command line and from the plan's editing
page, over both state stores: its history and baseline are read again
over the new period, its target stays and the user is told so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import init_state_workspace, make_post
from veille.cli import build_app
from veille.plan.kpis import get_kpi
from veille.query.topics import add_topic
from veille.workspace import Workspace


def _a_mention_a_day(ws: Workspace, days: int = 90) -> None:
    """One post naming lumio every day for ``days`` days up to now: a
    window of N days counts N of them."""
    now = datetime.now(UTC).replace(microsecond=0)
    posts = [
        make_post(f"d{i}", f"lumio day {i}", published_at=now - timedelta(days=i, hours=1))
        for i in range(days)
    ]
    ws.store.upsert_posts(posts)
    add_topic(ws.store, "lumio", "lumio")


@pytest.fixture
def state_ws(tmp_path: Path, state_kind: str) -> Iterator[Workspace]:
    root = init_state_workspace(tmp_path / "ws", state_kind)
    with Workspace.open(root) as ws:
        _a_mention_a_day(ws)
        yield ws


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), [*args, "-w", str(ws.root)])
    return result.exit_code, result.output


def test_plan_kpi_edit_period_reads_the_history_again_over_the_new_period(
    state_ws: Workspace,
) -> None:
    """'mentions per month' could not become 'per week': `plan kpi edit` only
    moved a KPI, so the only way was to remove it and add it again (its
    name and objective to retype, its set date lost). Now `--period 7`
    changes it: each value, the baseline and every window of the history
    count 7 days, and the target set for 30 days is named for checking."""
    ws = state_ws
    code, out = run(ws, "plan", "kpi", "add", "vol", "--kind", "mentions", "--topic", "lumio",
                    "--target", "40", "--period", "30")  # fmt: skip
    assert code == 0, out
    set_at = get_kpi(ws.state, "vol").set_at
    assert get_kpi(ws.state, "vol").baseline == 30

    code, out = run(ws, "plan", "kpi", "edit", "vol", "--period", "7")
    said = " ".join(out.split())
    assert code == 0, out
    assert "KPI 'vol': each value covers 7 days." in said
    assert "Each value now covers 7 days (before: 30 days)" in said
    assert "The target, 40, was set for 30 days: change it if it no longer fits." in said
    kpi = get_kpi(ws.state, "vol")
    assert (kpi.period_days, kpi.baseline, kpi.target, kpi.set_at) == (7, 7, 40, set_at)

    code, out = run(ws, "plan", "kpis", "--history", "--format", "json")
    assert code == 0, out
    (row,) = json.loads(out)
    assert (row["period_days"], row["value"], row["baseline"]) == (7, 7, 7)
    days = [datetime.fromisoformat(p["date"]).date() for p in row["history"]]
    assert [b - a for a, b in pairwise(days)] == [timedelta(days=7)] * 7
    assert {p["value"] for p in row["history"]} == {7}

    # The deadline is moved from the same command, without retyping the target.
    code, out = run(ws, "plan", "kpi", "edit", "vol", "--deadline", "2031-03-31")
    assert code == 0 and "KPI 'vol': deadline 2031-03-31." in out, out
    assert (get_kpi(ws.state, "vol").deadline.isoformat(), get_kpi(ws.state, "vol").target) == (
        "2031-03-31", 40
    )  # fmt: skip

    # A period that is no number of days: refused, naming it, nothing changed.
    code, out = run(ws, "plan", "kpi", "edit", "vol", "--period", "0")
    assert code == 2 and "period 0 is not a number of days" in out, out
    assert get_kpi(ws.state, "vol").period_days == 7


def test_a_long_period_is_said_with_its_thousands_grouped(tmp_path: Path) -> None:
    """`plan kpi edit --period 1500` said "each value covers 1500 days" and
    « 1500 jours » where every other CLI count (and the pages) group them:
    "1,500" in English, « 1 500 » in French."""
    root = init_state_workspace(tmp_path / "ws", "sqlite")
    with Workspace.open(root) as ws:
        _a_mention_a_day(ws, days=3)
        code, out = run(ws, "plan", "kpi", "add", "vol", "--kind", "mentions", "--topic", "lumio",
                        "--target", "40", "--period", "30")  # fmt: skip
        assert code == 0, out
        code, out = run(ws, "--language", "en", "plan", "kpi", "edit", "vol", "--period", "1500")
        assert code == 0 and "KPI 'vol': each value covers 1,500 days." in out, out
        code, out = run(ws, "--language", "fr", "plan", "kpi", "edit", "vol", "--period", "1200")
        said = " ".join(out.split())
        assert code == 0 and "chaque valeur couvre 1 200 jours." in said, out
