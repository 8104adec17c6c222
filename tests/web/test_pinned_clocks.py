"""The calendar's saved times and the working-time examples read the
workspace's clock, as the checks beside them do: a test (or a replay) that
pins it gets the times it pinned, whatever day it runs."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from tests.web.server import PASSWORD, add_role_users
from veille.publish import add_account
from veille.web.app import create_app
from veille.workspace import Workspace, init_workspace

from .conftest import csrf_from, do_login


def _workspace(tmp_path: Path, more: str = "") -> tuple[Path, dict[str, str]]:
    root = init_workspace(tmp_path / "ws")
    toml = '[workspace]\ntimezone = "UTC"\n' + more
    (root / "veille.toml").write_text(toml, encoding="utf-8")
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example",
                    secret="env:PINNED_MASTO_TOKEN")  # fmt: skip
    return root, tokens


def test_a_calendar_post_is_created_and_updated_at_the_workspaces_time(tmp_path: Path) -> None:
    """`add_entry` checked the time against the clock it was given, then
    stamped the post with the machine's: the API answered a post made at
    the pinned 3 March 2025 as created in the year the test ran."""
    root, tokens = _workspace(tmp_path)
    app = create_app(root)
    clock = [datetime(2025, 3, 3, 10, 0, tzinfo=UTC)]
    app.state.workspace.clock = lambda: clock[0]
    bearer = {"Authorization": f"Bearer {tokens['analyst']}"}
    with TestClient(app) as c:
        body = {"account": "masto", "text": "Bonjour", "at": "2025-03-10 09:00"}
        made = c.post("/api/v1/calendar", headers=bearer, json=body)
        assert made.status_code == 201, made.text
        post = made.json()
        assert datetime.fromisoformat(post["created_at"]) == clock[0]
        assert datetime.fromisoformat(post["updated_at"]) == clock[0]
        clock[0] += timedelta(days=1)
        edited = c.patch(f"/api/v1/calendar/{post['id']}", headers=bearer, json={"text": "Salut"})
        assert edited.status_code == 200, edited.text
        assert datetime.fromisoformat(edited.json()["created_at"]) == clock[0] - timedelta(days=1)
        assert datetime.fromisoformat(edited.json()["updated_at"]) == clock[0]

        # The calendar page's form saves at the workspace's time too.
        do_login(c, "analyst", PASSWORD)
        page = c.get("/plan/calendar").text
        form = {"csrf_token": csrf_from(page), "account": "masto", "at": "2025-03-11T09:00",
                "text": "Page", "title": "", "language": "fr", "action": "save"}  # fmt: skip
        saved = c.post("/plan/calendar", data=form, follow_redirects=False)
        assert saved.status_code == 303, html.unescape(saved.text)[-2000:]
        listed = c.get("/api/v1/calendar", headers=bearer).json()
    [from_page] = [p for p in listed if p["text"] == "Page"]
    assert datetime.fromisoformat(from_page["created_at"]) == clock[0]


def test_a_calendar_post_is_approved_at_the_workspaces_time(tmp_path: Path) -> None:
    """An approval was stamped with the machine's clock, whatever the
    workspace's said: by the API and by the calendar page's button."""
    root, tokens = _workspace(tmp_path, "[plan]\nrequire_approval = true\n")
    app = create_app(root)
    pinned = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    app.state.workspace.clock = lambda: pinned
    writer = {"Authorization": f"Bearer {tokens['analyst']}"}
    manager = {"Authorization": f"Bearer {tokens['manager']}"}
    with TestClient(app) as c:
        ids = [
            c.post("/api/v1/calendar", headers=writer,
                   json={"account": "masto", "text": t, "at": "2025-03-10 09:00"}).json()["id"]
            for t in ("API", "Page")
        ]  # fmt: skip
        by_api = c.post(f"/api/v1/calendar/{ids[0]}/approve", headers=manager)
        assert by_api.status_code == 200, by_api.text
        assert datetime.fromisoformat(by_api.json()["approved_at"]) == pinned
        do_login(c, "manager", PASSWORD)
        token = csrf_from(c.get("/plan/calendar").text)
        clicked = c.post(f"/plan/calendar/{ids[1]}/approve", data={"csrf_token": token},
                         follow_redirects=False)  # fmt: skip
        assert clicked.status_code == 303, clicked.text
        by_page = c.get(f"/api/v1/calendar/{ids[1]}", headers=manager).json()
    assert by_page["status"] == "approved"
    assert datetime.fromisoformat(by_page["approved_at"]) == pinned


def test_the_working_time_examples_start_at_the_workspaces_time(tmp_path: Path) -> None:
    """/inbox/hours said when an item arriving now is due from the machine's
    clock, while the rest of the app read the workspace's: pinned to a
    Saturday, the page says it is outside working time and an urgent item
    (1 working hour) is due on Monday at 10:00."""
    root, _tokens = _workspace(tmp_path)
    app = create_app(root)
    app.state.workspace.clock = lambda: datetime(2025, 1, 4, 12, 0, tzinfo=UTC)  # a Saturday
    with TestClient(app) as c:
        do_login(c, "viewer", PASSWORD)
        page = html.unescape(c.get("/inbox/hours").text)
    assert "It is outside working time now (UTC)." in page
    dues = re.findall(
        r'<th scope="row">([^<]*)</th><td class="when"><time datetime="([^"]*)"', page
    )
    assert ("urgent", "2025-01-06T10:00:00+00:00") in dues, dues
