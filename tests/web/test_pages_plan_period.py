"""A KPI's period changed from the plan's editing page, in English and
French (the command line's is tests/plan/test_kpi_period.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.plan.test_kpi_period import _a_mention_a_day
from veille.plan.kpis import add_kpi, get_kpi
from veille.workspace import Workspace


def test_the_plan_page_changes_a_kpis_period_in_english_and_french(
    tmp_path: Path, login: Callable[..., httpx.Response]
) -> None:
    """The KPI's row on /plan/edit offered its target, deadline and
    objective, not its period. Now it has a "Days each value covers" field:
    changed, the KPI counts that many days and the page says what was read
    again, in the reader's language; an empty one is refused, saying so."""
    import html
    import re

    from tests.web.conftest import add_role_users, csrf_from, serve
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        _a_mention_a_day(ws)
        add_kpi(ws, "vol", "mentions", 40, topic="lumio", period_days=30)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            login(client, "manager")
            page = client.get("/plan/edit").text
            assert 'name="period_days" type="number" min="1" step="1" value="30"' in page
            shown = html.unescape(re.search(r'name="shown" value="([^"]+)"', page).group(1))
            row = {"csrf_token": csrf_from(page), "name": "vol", "target": "40.0",
                   "deadline": "", "objective": "", "shown": shown}  # fmt: skip
            client.cookies.set("veille_lang", "fr")
            r = client.post("/plan/kpis/target", data={**row, "period_days": "7"})
            assert r.status_code == 303, r.text
            told = html.unescape(client.get(r.headers["location"]).text)
            assert (
                "Chaque valeur couvre maintenant 7\u00a0jours (avant\u202f: 30\u00a0jours)"
                in (told)
                or "Chaque valeur couvre maintenant 7 jours (avant\u202f: 30 jours)" in told
            ), told
            with served.workspace() as ws:
                kpi = get_kpi(ws.state, "vol")
                assert (kpi.period_days, kpi.baseline) == (7, 7)
            client.cookies.set("veille_lang", "en")
            page = client.get("/plan/edit").text
            shown = html.unescape(re.search(r'name="shown" value="([^"]+)"', page).group(1))
            empty = {**row, "csrf_token": csrf_from(page), "shown": shown, "period_days": ""}
            r = client.post("/plan/kpis/target", data=empty)
            told = html.unescape(r.text if r.status_code != 303 else client.get(
                r.headers["location"]).text)  # fmt: skip
            assert "a KPI needs a period" in told, told[-2000:]
            with served.workspace() as ws:
                assert get_kpi(ws.state, "vol").period_days == 7
    finally:
        server.stop()
