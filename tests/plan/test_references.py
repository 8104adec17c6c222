"""What names an objective (KPIs, the channel plan) keeps it from being
removed, from the command line, over both state stores (SQLite, and
PostgreSQL as a split deployment keeps the state)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import init_state_workspace
from veille.cli import build_app
from veille.plan.objectives import list_objectives
from veille.query.topics import add_topic
from veille.workspace import Workspace


@pytest.fixture
def state_ws(tmp_path: Path, state_kind: str) -> Iterator[Workspace]:
    root = init_state_workspace(tmp_path / "ws", state_kind)
    with Workspace.open(root) as ws:
        add_topic(ws.state, "lumio", "lumio")
        yield ws


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), [*args, "-w", str(ws.root)])
    return result.exit_code, result.output


def test_plan_objective_remove_keeps_one_a_kpi_or_a_channel_names(state_ws: Workspace) -> None:
    """Removed, the KPI measuring it belonged to no objective and the channel
    served one nobody saw any more, with nothing said. Now the command
    refuses (exit 1), naming them and the commands that change them; once
    nothing names it, it goes."""
    ws = state_ws
    assert run(ws, "plan", "objective", "add", "care", "--type", "customer_service")[0] == 0
    kpi = ("plan", "kpi", "add", "vol", "--kind", "mentions", "--topic", "lumio")
    assert run(ws, *kpi, "--target", "10", "--objective", "care")[0] == 0
    assert run(ws, "plan", "channel", "set", "mastodon", "--objectives", "care")[0] == 0
    code, out = run(ws, "plan", "objective", "remove", "care")
    said = " ".join(out.split())
    assert code == 1, out
    assert "objective care is still named by KPI vol, channel mastodon; nothing was deleted" in said
    assert "veille plan kpi edit NAME --objective OTHER" in said
    assert "veille plan channel set PLATFORM --objectives" in said
    assert [o.name for o in list_objectives(ws.state)] == ["care"]
    assert run(ws, "plan", "kpi", "remove", "vol")[0] == 0
    assert run(ws, "plan", "channel", "set", "mastodon", "--objectives", "")[0] == 0
    assert run(ws, "plan", "objective", "remove", "care") == (0, "Objective 'care' removed.\n")
    assert list_objectives(ws.state) == []


def test_a_kpi_and_a_channel_move_to_another_objective_and_the_old_one_goes(
    state_ws: Workspace,
) -> None:
    """Reorganizing a plan meant removing each KPI of an objective (its
    baseline and history's meaning lost) and adding it again under another:
    `plan kpi` had no way to change a KPI's objective. Now `plan kpi edit
    --objective` moves it, keeping its baseline and target, the channel
    moves with `plan channel set --objectives`, and the emptied objective
    can be removed."""
    from veille.plan.kpis import get_kpi

    ws = state_ws
    for name in ("care", "reach"):
        assert run(ws, "plan", "objective", "add", name, "--type", "awareness")[0] == 0
    kpi = ("plan", "kpi", "add", "vol", "--kind", "mentions", "--topic", "lumio")
    assert (
        run(ws, *kpi, "--target", "10", "--objective", "care", "--deadline", "2031-01-31")[0] == 0
    )
    assert run(ws, "plan", "channel", "set", "mastodon", "--objectives", "care")[0] == 0
    before = get_kpi(ws.state, "vol")

    code, out = run(ws, "plan", "kpi", "edit", "vol", "--objective", "raech")
    assert code == 2, out
    assert "objective 'raech' does not exist" in out and "reach" in out
    assert get_kpi(ws.state, "vol").objective == "care"

    assert run(ws, "plan", "kpi", "edit", "vol", "--objective", "reach") == (
        0, "KPI 'vol' is now under objective 'reach'.\n"
    )  # fmt: skip
    assert run(ws, "plan", "channel", "set", "mastodon", "--objectives", "reach")[0] == 0
    moved = get_kpi(ws.state, "vol")
    assert moved.objective == "reach"
    assert (moved.baseline, moved.target, moved.deadline, moved.set_at) == (
        before.baseline, before.target, before.deadline, before.set_at
    )  # fmt: skip
    assert run(ws, "plan", "objective", "remove", "care") == (0, "Objective 'care' removed.\n")

    code, out = run(ws, "plan", "kpi", "edit", "vol", "--no-objective")
    assert (code, out) == (0, "KPI 'vol' is now under no objective.\n")
    assert get_kpi(ws.state, "vol").objective == ""
    code, out = run(ws, "plan", "kpi", "edit", "vol")
    assert code != 0 and "give --objective NAME or --no-objective" in out, out


def test_a_plan_naming_a_deleted_topic_or_objective_is_shown_with_what_to_do(
    state_ws: Workspace,
) -> None:
    """A topic or an objective deleted under the plan before veille refused
    it: 'veille plan kpis' (and the plan's page, cost and document) stopped
    on "no topic named 'gone'"; the lists showed the names as if they were
    there. Now the KPI is not measurable, saying why, and each list warns
    with what to do."""
    from veille.query.topics import get_topic
    from veille.store.protocols.plan import KPI, Channel, Objective

    ws = state_ws
    add_topic(ws.state, "gone", "vexa")
    ws.state.save_objective(Objective("reach", "awareness", topics=("gone", "lumio")))
    ws.state.save_kpi(KPI("vol", "mentions", 10, topic="gone", objective="dropped"))
    ws.state.save_channel(Channel("mastodon", objectives=("dropped",)))
    ws.state.delete_topic(get_topic(ws.state, "gone").id)  # as veille did before

    code, out = run(ws, "plan", "kpis", "--format", "json")
    said = " ".join(out.split())
    assert code == 0, out
    assert '"status": "not_measurable"' in said
    assert "topic gone no longer exists: add a topic of that name again" in said
    assert "KPI vol belongs to objective dropped, which no longer exists" in said
    code, out = run(ws, "plan", "objective", "list")
    said = " ".join(out.split())
    assert code == 0 and "objective reach is served by topic gone, which no longer exists" in said
    assert "veille plan objective edit reach --topics" in said
    code, out = run(ws, "plan", "channel", "list")
    said = " ".join(out.split())
    assert "channel mastodon serves objective dropped, which no longer exists" in said
    code, out = run(ws, "plan", "export", "--format", "md")
    assert code == 0, out
