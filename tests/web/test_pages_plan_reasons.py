"""A KPI's reason names the command that makes it measurable: the plan
page showed it with its backticks ("run `veille plan snapshot`"), a
Markdown habit the page does not read, in English and in French."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import add_role_users, serve
from veille.plan.kpis import add_kpi
from veille.plan.objectives import add_objective
from veille.workspace import Workspace, init_workspace


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_kpis_reason_shows_its_command_as_code(
    tmp_path: Path, login: Callable[..., httpx.Response], lang: str
) -> None:
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_objective(ws.state, "reach", "awareness")
        add_kpi(
            ws, "fans", "followers", 1000, platform="mastodon", handle="lumio", objective="reach"
        )
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            login(client, "manager")
            client.cookies.set("veille_lang", lang)
            page = client.get("/plan").text
    finally:
        server.stop()
    assert "<code>veille plan snapshot</code>" in page
    row = page[page.index("kpi-status") :]
    assert "`" not in row[: row.index("</tr>")]
