"""A ``file`` source reads a file on the server into posts every reader
sees. Added through the web app or the API (by an analyst), it must read a
file inside the workspace: an analyst's source at /etc/passwd, or at a JSON
file of secrets beside the workspace, made the server read it (its rows
stored as posts, or kept in the quarantine). ``veille source add`` on the
server still reads any file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from tests.cli_runner import CliRunner, veille_command
from tests.web.server import add_role_users, serve
from veille.workspace import init_workspace


def _row(text: str) -> str:
    return json.dumps({"text": text, "published_at": "2026-12-01T00:00:00Z", "platform": "rss"})


def test_the_api_and_the_pages_read_files_inside_the_workspace_only(tmp_path: Path) -> None:
    from veille.web.deps import SESSION_COOKIE

    root = init_workspace(tmp_path / "ws")
    tokens = add_role_users(root)
    secret = tmp_path / "secrets.jsonl"
    secret.write_text(_row("AWS_SECRET=abc123, a file beside the workspace") + "\n")
    (root / "imports").mkdir()
    (root / "imports" / "posts.jsonl").write_text(_row("Lumio imported on purpose") + "\n")
    (root / "imports" / "link.jsonl").symlink_to(secret)
    refused = [str(secret), "../secrets.jsonl", "imports/link.jsonl", "/etc/passwd"]
    with serve(root) as server, httpx.Client(base_url=server.url, timeout=60) as api:
        api.headers["Authorization"] = f"Bearer {tokens['analyst']}"
        for i, target in enumerate(refused):
            body = {
                "kind": "file",
                "target": target,
                "name": f"f{i}",
                "options": {"format": "jsonl"},
            }
            r = api.post("/api/v1/sources", json=body)
            assert r.status_code == 400, (target, r.text)
            error = r.json()["error"]
            assert target in error["message"] and "inside the workspace" in error["message"]
            assert "veille source add file PATH" in error["hint"]
        fr = api.post(
            "/api/v1/sources",
            json={"kind": "file", "target": refused[0]},
            headers={"Accept-Language": "fr"},
        ).json()["error"]
        assert "doit être dans l’espace de travail" in fr["message"]
        # A file of the workspace, named from it, is read.
        ok = api.post("/api/v1/sources", json={"kind": "file", "target": "imports/posts.jsonl", "name": "ok"})  # fmt: skip  # noqa: E501
        assert ok.status_code == 201, ok.text
        assert ok.json()["config"]["path"] == str((root / "imports" / "posts.jsonl").resolve())
        with httpx.Client(base_url=server.url, timeout=60) as page:
            page.cookies.set(SESSION_COOKIE, server.session("analyst"))
            token = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.get("/sources").text)
            assert token
            r = page.post(
                "/sources",
                data={"csrf_token": token.group(1), "kind": "file", "target": str(secret)},
            )
            assert r.status_code == 400 and "inside the workspace" in r.text, r.text[:2000]
            assert page.post("/sources/ok/collect", data={"csrf_token": token.group(1)}).is_redirect
        viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
        assert (
            api.get("/api/v1/posts", params={"q": "AWS_SECRET"}, headers=viewer).json()["total"]
            == 0
        )
        assert (
            api.get("/api/v1/posts", params={"q": "imported"}, headers=viewer).json()["total"] == 1
        )
        assert [s["name"] for s in api.get("/api/v1/sources").json()] == ["ok"]


def test_the_command_line_still_reads_any_file(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    outside = tmp_path / "posts.jsonl"
    outside.write_text(_row("Lumio from elsewhere") + "\n")
    r = CliRunner().invoke(
        veille_command(), ["source", "add", "file", str(outside), "-w", str(root)]
    )
    assert r.exit_code == 0, r.output
