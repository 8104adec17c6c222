"""`veille influencers` says the whole days it ranked, as its page does
("Figures over whole days: Nov 30 – Dec 6, 2026."), in the workspace's
time zone: its table named no period (`last-30d` read as any 30 days)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.analytics.conftest import make_post
from veille.cli import build_app
from veille.workspace import Workspace, init_workspace

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Figures over whole days: Nov 30\u2009–\u2009Dec 6, 2026."),  # (CLDR's thin spaces)
        ("fr", f"Chiffres sur des jours entiers{NNBSP}: 30 nov.{NNBSP}–{NNBSP}6 déc. 2026."),
    ],
)
def test_influencers_say_their_days_in_the_workspaces_zone(tmp_path, lang: str, line: str) -> None:
    root = init_workspace(tmp_path / "ws")
    # Auckland: its 30 November begins on 29 November in UTC.
    (root / "veille.toml").write_text('[workspace]\ntimezone = "Pacific/Auckland"\n')
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([make_post("1", "2026-12-01T09:00", handle="ana", text="Lumio")])
    result = CliRunner().invoke(
        build_app(),
        ["--language", lang, "influencers", "-q", "lumio", "--period", "2026-11-30..2026-12-06",
         "-w", str(root)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    said = result.stdout.splitlines()
    assert said[-1] == line, result.stdout
    assert "ana" in result.stdout
