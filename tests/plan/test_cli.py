"""``veille plan …`` end to end over a generated workspace (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from veille.cli import build_app
from veille.workspace import Workspace


def run(ws: Workspace, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), [*args, "-w", str(ws.root)], input=input)
    return result.exit_code, result.output


def test_a_plan_from_the_command_line(ws: Workspace, tmp_path: Path) -> None:
    code, out = run(
        ws,
        "plan",
        "objective",
        "add",
        "care",
        "--type",
        "customer_service",
        "--owner",
        "mia",
        "--topics",
        "lumio",
        "--channels",
        "mastodon",
    )
    assert code == 0, out
    code, out = run(ws, "plan", "objective", "edit", "care", "--deadline", "2030-01-01")
    assert code == 0, out
    code, out = run(ws, "plan", "objective", "list", "--format", "json")
    assert json.loads(out)[0]["deadline"] == "2030-01-01"
    code, out = run(
        ws,
        "plan",
        "kpi",
        "add",
        "vol",
        "--kind",
        "mentions",
        "--topic",
        "lumio",
        "--target",
        "1000",
        "--objective",
        "care",
    )
    assert code == 0, out
    code, out = run(ws, "plan", "kpis", "--format", "json")
    assert code == 0, out
    (vol,) = json.loads(out)
    assert vol["target"] == 1000 and vol["status"] == "on_track" and vol["deadline"] == "2030-01-01"
    code, out = run(
        ws,
        "plan",
        "channel",
        "set",
        "mastodon",
        "--per-week",
        "2",
        "--handle",
        "lumio_hq",
        "--objectives",
        "care",
    )
    assert code == 0, out
    code, out = run(ws, "plan", "cost", "--format", "json")
    assert json.loads(out)["channels"][0]["hours_posting"] == 1.0
    # Adoption shows the cost first, and asks.
    code, out = run(ws, "plan", "adopt", "--lang", "fr", input="n\n")
    assert code == 1 and "Heures par semaine" in out and "Adopter ce plan" in out
    code, out = run(ws, "plan", "adopt", "--as", "mia", input="y\n")
    assert code == 0 and "Plan adopted" in out
    code, out = run(ws, "plan", "export", "--format", "toml")
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(out)
    run(ws, "plan", "objective", "remove", "care")
    code, out = run(ws, "plan", "import", str(plan_file))
    assert code == 0 and "1 objectives" in out
    code, out = run(ws, "plan", "export", "--format", "pdf", "-o", str(tmp_path / "p.pdf"))
    assert code == 0 and (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")


def test_usage_errors_exit_2(ws: Workspace) -> None:
    code, out = run(ws, "plan", "objective", "add", "x", "--type", "fame")
    assert code == 2 and "not an objective type" in out
    code, out = run(ws, "plan", "kpi", "add", "x", "--kind", "mentions", "--target", "1")
    assert code == 2 and "needs a topic" in out
    code, out = run(ws, "plan", "export", "--format", "pdf")
    assert code == 2 and "--output" in out


def test_people_and_guidelines(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "en.md").write_text("Be kind.")
    (tmp_path / "fr.md").write_text("Soyez aimables.")
    assert run(ws, "plan", "person", "add", "mia", "--role", "spokesperson")[0] == 0
    code, out = run(
        ws,
        "plan",
        "guidelines",
        "set",
        "--en",
        str(tmp_path / "en.md"),
        "--fr",
        str(tmp_path / "fr.md"),
    )
    assert code == 0 and "version 1" in out
    assert run(ws, "plan", "guidelines", "acknowledge", "mia")[0] == 0
    code, out = run(ws, "plan", "guidelines", "show", "--lang", "fr")
    assert "Soyez aimables." in out and "mia" in out
    code, out = run(ws, "plan", "people", "--format", "json")
    assert json.loads(out) == [
        {"username": "mia", "role": "spokesperson", "platform": "", "note": ""}
    ]
