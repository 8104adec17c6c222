"""The figures the pages keep a minute for every viewer belong to a day of
the organization's calendar (``[workspace] timezone``): a period such as
``last-7d`` ends at local midnight."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.conftest import make_post
from tests.web.conftest import add_role_users, do_login
from veille.query.topics import add_topic
from veille.web.app import create_app
from veille.workspace import Workspace, init_workspace

MONTREAL = ZoneInfo("America/Montreal")


def test_after_local_midnight_the_dashboard_shows_the_new_day(tmp_path: Path) -> None:
    """Montréal, last 7 days: at 23:59 on 31 December they are 24 to 30
    December; at 00:01 they are 25 to 31 December, with the post of the
    31st. The page kept its figures a minute by period and language only,
    and showed 24 to 30 December again after midnight."""
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(
        '[workspace]\ntimezone = "America/Montreal"\n', encoding="utf-8"
    )
    with Workspace.open(root) as ws:
        add_topic(ws.store, "lumio", "lumio")
        noon = datetime(2026, 12, 31, 12, 0, tzinfo=MONTREAL)
        ws.store.upsert_posts([make_post("eve", "lumio on new year's eve", published_at=noon)])
    add_role_users(root)
    app = create_app(root)
    clock = [datetime(2026, 12, 31, 23, 59, tzinfo=MONTREAL)]
    app.state.workspace.clock = lambda: clock[0]
    with TestClient(app) as client:
        do_login(client, "viewer")
        before = client.get("/?period=last-7d")
        clock[0] = datetime(2027, 1, 1, 0, 1, tzinfo=MONTREAL)
        after = client.get("/?period=last-7d")
    assert before.status_code == after.status_code == 200
    day = '<th scope="row" class="when">{}</th><td>{}</td>'  # the posts per day, as a table
    assert day.format("December 24, 2026", 0) in before.text
    # (The 31st is named before midnight only where the page says veille
    # holds posts from then on: never as a day of the period.)
    assert '<th scope="row" class="when">December 31, 2026</th>' not in before.text
    assert day.format("December 24, 2026", 0) not in after.text
    assert day.format("December 31, 2026", 1) in after.text
