"""The plan as a document (``veille plan export``, the page's Markdown, web
page and PDF exports) says of each KPI what the plan's page says: what it
measures and its baseline, beside its value and target, in English and
French."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.plan.test_kpi_period import _a_mention_a_day
from veille.cli import build_app
from veille.plan.document import plan_markdown
from veille.plan.kpis import add_kpi
from veille.workspace import Workspace, init_workspace


def test_the_document_says_what_each_kpi_measures_and_its_baseline(tmp_path: Path) -> None:
    """The page shows "Mentions of a topic · lumio" under a KPI's name and a
    Baseline column; the exported plan's table had neither ("| volume | 30 |
    400 | …"): a reader of the document could not tell what "volume"
    counted nor where it started. Now its rows say both, as the page."""
    with Workspace.open(init_workspace(tmp_path / "ws")) as ws:
        _a_mention_a_day(ws)
        add_kpi(ws, "volume", "mentions", 400, topic="lumio")
        english, french = plan_markdown(ws, "en"), plan_markdown(ws, "fr")
    assert "| KPI | Value | Baseline | Target | Status | Why |" in english
    assert "| volume (Mentions of a topic · lumio) | 30 | 30 | 400 | on track |" in english
    assert "| Indicateur | Valeur | Base | Cible | État | Pourquoi |" in french
    assert "| volume (Mentions d’un sujet · lumio) | 30 | 30 | 400 | en bonne voie |" in french


def test_plan_kpis_gives_the_baseline_the_page_and_the_document_give(tmp_path: Path) -> None:
    """`veille plan kpis` (its table) gave a KPI's value and target
    but not its baseline, which the page and the document show beside them
    and from which its progress ("0% of the way from 30 to 400") is
    reckoned. Now it has a baseline column too (JSON had it already)."""
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        _a_mention_a_day(ws)
        add_kpi(ws, "volume", "mentions", 400, topic="lumio")
    done = CliRunner().invoke(
        build_app(), ["plan", "kpis", "-w", str(root)], env={"COLUMNS": "250"}
    )
    assert done.exit_code == 0, done.output
    cells = [
        [c.strip() for c in line.split("┃" if "┃" in line else "│")[1:-1]]
        for line in done.output.splitlines()
        if line.count("┃") > 2 or line.count("│") > 2
    ]
    assert cells[0][:6] == ["name", "kind", "value", "baseline", "target", "status"]
    assert cells[1][:6] == ["volume", "Mentions of a topic", "30", "30", "400", "on track"]
