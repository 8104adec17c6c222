"""An alert's Atom feed is a file the server replaces at every send. Named
through the web app or the API (by an analyst), it must be an .xml or .atom
file inside the workspace: ``atom:veille.toml`` overwrote the workspace's
settings with a feed, and ``atom:../…`` or an absolute path any file the
server could write. Whoever runs ``veille alert add`` on the server still
names any file."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.cli_runner import CliRunner, veille_command
from tests.web.server import add_role_users, serve
from veille.workspace import CONFIG_NAME, init_workspace


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file beside the workspace, and a link inside the workspace to it."""
    target = tmp_path / "outside.xml"
    target.write_text("not veille's\n", encoding="utf-8")
    return target


def _refused(outside: Path, root: Path) -> list[str]:
    """The channel URLs an account may not name."""
    (root / "feeds").mkdir(exist_ok=True)
    (root / "feeds" / "link.xml").symlink_to(outside)
    return [
        f"atom:{CONFIG_NAME}",
        "atom:../outside.xml",
        "atom:~/veille-test-feed.xml",  # the home folder, as the channel reads "~"
        f"atom:{outside}",
        "atom://../outside.xml",
        "atom:feeds/link.xml",  # a link inside that leads out
        "atom:feeds",  # a folder
        "atom:feeds/notes.txt",
        "ATOM:../outside.xml",
    ]


def test_the_api_and_the_pages_keep_feeds_inside_the_workspace(
    tmp_path: Path, outside: Path
) -> None:
    from veille.web.deps import SESSION_COOKIE

    root = init_workspace(tmp_path / "ws")
    tokens = add_role_users(root)
    settings = (root / CONFIG_NAME).read_text(encoding="utf-8")
    refused = _refused(outside, root)
    with serve(root) as server, httpx.Client(base_url=server.url, timeout=60) as api:
        api.headers["Authorization"] = f"Bearer {tokens['analyst']}"
        for i, to in enumerate(refused):
            r = api.post("/api/v1/alerts", json={"name": f"a{i}", "query": "lumio", "to": to})
            assert r.status_code == 400, (to, r.text)
            error = r.json()["error"]
            assert to in error["message"] and "inside the workspace" in error["message"]
            assert "atom:feeds/lumio.xml" in error["hint"]
        fr = api.post(
            "/api/v1/alerts",
            json={"name": "fr", "query": "lumio", "to": refused[0]},
            headers={"Accept-Language": "fr"},
        ).json()["error"]
        assert "doit être un fichier .xml ou .atom dans l’espace de travail" in fr["message"]
        assert "veille alert add --to atom:CHEMIN" in fr["hint"]
        ok = api.post("/api/v1/alerts", json={"name": "ok", "query": "lumio", "to": "atom:feeds/ok.xml"})  # fmt: skip  # noqa: E501
        assert ok.status_code == 201, ok.text
        for to in refused:
            r = api.patch("/api/v1/alerts/ok", json={"to": to})
            assert r.status_code == 400, (to, r.text)
        assert api.post("/api/v1/alerts/ok/test").status_code == 200
        assert (root / "feeds" / "ok.xml").read_text(encoding="utf-8").startswith("<?xml")
        # The page's form refuses them too, what was typed shown back.
        with httpx.Client(base_url=server.url, timeout=60) as page:
            page.cookies.set(SESSION_COOKIE, server.session("analyst"))
            form = page.get("/alerts").text
            token = re.search(r'name="csrf_token"\s+value="([^"]+)"', form)
            assert token
            r = page.post(
                "/alerts",
                data={"csrf_token": token.group(1), "to": f"atom:{CONFIG_NAME}", "query": "x"},
            )
            assert r.status_code == 400 and "inside the workspace" in r.text, r.text[:2000]
            shown = page.get("/alerts/ok").text
            token = re.search(r'name="csrf_token"\s+value="([^"]+)"', shown)
            assert token
            page.post(
                "/alerts/ok/settings",
                data={"csrf_token": token.group(1), "to": "atom:../outside.xml"},
            )
        assert api.get("/api/v1/alerts/ok").json()["to"] == "atom:feeds/ok.xml"
    assert (root / CONFIG_NAME).read_text(encoding="utf-8") == settings
    assert outside.read_text(encoding="utf-8") == "not veille's\n"


def test_the_command_line_still_names_any_file(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    feed = tmp_path / "www" / "lumio.xml"
    runner, app = CliRunner(), veille_command()
    args = ["alert", "add", "--query", "lumio", "--name", "www", "--to", f"atom:{feed}"]
    r = runner.invoke(app, [*args, "-w", str(root)])
    assert r.exit_code == 0, r.output
