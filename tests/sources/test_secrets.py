"""Tokens given to a source are never shown back."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from veille.cli import build_app
from veille.workspace import Workspace


def test_source_list_masks_tokens(workspace: Workspace) -> None:
    app = build_app()
    runner = CliRunner()
    w = str(workspace.root)
    added = runner.invoke(
        app, ["source", "add", "x", "lumio", "-w", w, "-o", "bearer_token=s3cret-TOKEN"]
    )
    assert added.exit_code == 0, added.output
    runner.invoke(
        app,
        ["source", "add", "mastodon", "tag:lumio@https://m.example", "-w", w,
         "-o", "token=env:MASTO_TOKEN"],
    )  # fmt: skip
    listed = runner.invoke(app, ["source", "list", "-w", w, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert "s3cret-TOKEN" not in listed.output
    configs = {row["kind"]: row["config"] for row in json.loads(listed.output)}
    assert configs["x"]["bearer_token"] == "***"
    assert configs["mastodon"]["token"] == "env:MASTO_TOKEN"
