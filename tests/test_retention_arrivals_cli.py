"""What ``veille collect`` and ``veille import`` say of posts older than the
retention cutoff (``[privacy] retention_days``): they are not stored (a
purge deleted them and counts them in its kept aggregates, or the next one
would), and each command says how many, in the reader's language. Before,
they were stored and counted again, and nothing said so."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import keep_posts_days

NBSP = "\u202f"
NOW = datetime.now(UTC)


def _row(n: str, days: float) -> dict[str, Any]:
    return {
        "platform": "mastodon",
        "id": n,
        "text": f"lumio {n}",
        "author": "claire",
        "published_at": (NOW - timedelta(days=days)).isoformat(),
    }


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest):
    """``veille`` in this process, in a workspace keeping posts 10 days
    (its posts in chDB where the test asks); its locale French."""
    from typer.testing import CliRunner

    from veille.cli import build_app

    for name in ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "ws"
    kind = getattr(request, "param", "sqlite")
    if kind == "chdb":
        pytest.importorskip("chdb")
        root.mkdir()
        (root / "veille.toml").write_text(
            '[store]\nposts = "chdb:///posts.chdb"\n', encoding="utf-8"
        )
    app, runner = build_app(), CliRunner()
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    keep_posts_days(root)
    monkeypatch.chdir(root)

    def invoke(*args: str, env: dict[str, str] | None = None):
        done = runner.invoke(app, list(args), env={"LANG": "fr_FR.UTF-8", **(env or {})})
        assert "Traceback" not in done.output
        assert done.exception is None or isinstance(done.exception, SystemExit), done.output
        return done

    return invoke


@pytest.mark.parametrize("run", ["sqlite", "chdb"], indirect=True)
def test_an_import_of_an_old_export_counts_the_posts_older_than_retention(
    run, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    export = tmp_path / "old.jsonl"
    rows = [_row("1", 30), _row("2", 12), _row("3", 1)]
    export.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    done = run("import", str(export), "--no-enrich", "--format", "json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["rows"], report["stored"], report["expired"]) == (3, 1, 2)
    done = run("--language", "en", "import", str(export), "--no-enrich")
    said = done.stdout.replace("\n", " ").replace("  ", " ")
    assert (
        "1 unchanged, 2 older than the retention period, not stored ([privacy] retention_days)"
    ) in said, said
    done = run("import", str(export), "--no-enrich")  # LANG=fr_FR.UTF-8
    said = done.stdout.replace("\n", " ").replace("  ", " ")
    assert (
        "1 inchangée, 2 plus anciennes que la durée de conservation, non enregistrées "
        "([privacy] retention_days)"
    ) in said, said
    from veille.workspace import Workspace

    with Workspace.open(Path.cwd()) as ws:
        assert ws.posts.count_posts() == 1


def test_collect_says_how_many_posts_were_older_than_retention(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps(_row(n, d)) + "\n" for n, d in (("1", 40), ("2", 1))))
    run("source", "add", "file", str(posts), "--name", "archive")
    done = run("collect", "--once")
    assert done.exit_code == 0, done.output
    out = done.output.replace("\n", " ")
    assert f"archive{NBSP}: 1 nouvelle publication (2 éléments, 0 en quarantaine)" in out, out
    assert (
        f"archive{NBSP}: 1 publication plus ancienne que la durée de conservation, "
        "non enregistrée ([privacy] retention_days)"
    ) in out, out


def test_collect_now_in_the_web_app_says_how_many_were_older_than_retention(
    tmp_path: Path,
) -> None:
    """The sources page's "Collect now": its message counts the posts older
    than the retention, left out, in the reader's language."""
    import html

    import httpx

    from tests.web.conftest import add_role_users, csrf_from, do_login, serve
    from veille.services.sources import add_source
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    toml = root / "veille.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("# retention_days = 0", "retention_days = 10"), encoding="utf-8")
    add_role_users(root)
    posts = tmp_path / "posts.jsonl"
    rows = (("1", 40), ("2", 20), ("3", 1))
    posts.write_text("".join(json.dumps(_row(n, d)) + "\n" for n, d in rows))
    with Workspace.open(root) as ws:
        assert ws.settings.privacy.retention_days == 10
        add_source(ws.state, "file", str(posts), name="archive")
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            do_login(client, "analyst")
            client.cookies.set("veille_lang", "fr")
            token = csrf_from(client.get("/sources").text)
            done = client.post("/sources/archive/collect", data={"csrf_token": token})
            assert done.status_code == 303
            page = html.unescape(client.get("/sources").text)
            assert f"archive{NBSP}: 1 nouvelle publication, 0 en quarantaine." in page
            assert (
                "2 publications plus anciennes que la durée de conservation, non "
                "enregistrées ([privacy] retention_days)."
            ) in page, page
            # One: the words agree with it ("Plus anciennes … : 1" before).
            posts.write_text(json.dumps(_row("4", 30)) + "\n")
            token = csrf_from(client.get("/sources").text)
            client.post("/sources/archive/collect", data={"csrf_token": token})
            page = html.unescape(client.get("/sources").text)
            assert (
                "1 publication plus ancienne que la durée de conservation, non "
                "enregistrée ([privacy] retention_days)."
            ) in page, page
    finally:
        server.stop()
