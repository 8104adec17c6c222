"""The ``file`` source: a CSV/JSON-lines file collected like any other source,
picked up where it stopped when it grows, read again when it is replaced."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.pipeline.collect import collect
from veille.services.sources import add_source, health, quarantined
from veille.sources.base import SourceConfigError
from veille.sources.file import FileSource
from veille.workspace import Workspace


def row(n: int, **extra: object) -> str:
    rec = {
        "platform": "mastodon",
        "id": str(n),
        "text": f"Lumio post number {n}",
        "author": f"user{n % 3}",
        "published_at": f"2026-09-01T10:{n % 60:02d}:00Z",
        **extra,
    }
    return json.dumps(rec) + "\n"


def test_growing_jsonl_is_read_from_where_it_stopped(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(
        row(1)
        + row(2)
        + "{not json\n"
        + row(3)
        + json.dumps({"platform": "mastodon", "text": "x"})
        + "\n"
    )
    add_source(workspace.store, "file", str(path), name="f")
    (first,) = collect(workspace)
    assert first.ok and first.new_posts == 3 and first.quarantined == 2
    bad = sorted(q.error for q in quarantined(workspace.store, "f"))
    assert bad[0].startswith(f"{path}, line 3: not valid JSON")
    assert bad[1].startswith(f"{path}, line 5: ") and "published_at" in bad[1]
    with open(path, "a") as fh:
        fh.write(row(4) + row(5))
    (second,) = collect(workspace, force=True)
    assert second.ok and second.items == 2 and second.new_posts == 2 and second.quarantined == 0
    (third,) = collect(workspace, force=True)
    assert third.ok and third.items == 0
    assert workspace.store.count_posts() == 5
    (h,) = health(workspace.store, "f")
    assert h.total_posts == 5 and h.quarantined == 2


def test_half_written_last_line_waits_for_the_rest(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    whole = row(7)
    path.write_text(row(6) + whole[:20])  # a writer is half-way through line 2
    add_source(workspace.store, "file", str(path), name="live")
    (first,) = collect(workspace)
    assert first.new_posts == 1 and first.quarantined == 0
    with open(path, "a") as fh:
        fh.write(whole[20:])
    (second,) = collect(workspace, force=True)
    assert second.new_posts == 1 and second.quarantined == 0
    assert workspace.store.count_posts() == 2


def test_replaced_file_is_read_again_without_duplicates(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(row(1) + row(2) + row(3))
    add_source(workspace.store, "file", str(path), name="f")
    (first,) = collect(workspace)
    assert first.new_posts == 3
    fresh = tmp_path / "new.jsonl"
    fresh.write_text(row(9) + row(2))  # a new export, shorter, with one old row
    os.replace(fresh, path)
    (second,) = collect(workspace, force=True)
    assert second.ok and second.items == 2 and second.new_posts == 1
    assert workspace.store.count_posts() == 4


def test_a_rewritten_file_keeps_each_bad_row_quarantined_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(row(1) + "{not json\n" + row(3))
    add_source(workspace.store, "file", str(path), name="nightly")
    (first,) = collect(workspace)
    assert first.new_posts == 2 and first.quarantined == 1
    for n in (4, 5):  # the export is written again each night, the bad row with it
        fresh = tmp_path / "next.jsonl"
        fresh.write_text(row(1) + "{not json\n" + row(3) + row(n))
        os.replace(fresh, path)
        (again,) = collect(workspace, force=True)
        assert again.ok and again.new_posts == 1
    (bad,) = quarantined(workspace.store, "nightly")
    assert "line 2: not valid JSON" in bad.error
    (h,) = health(workspace.store, "nightly")
    assert h.quarantined == 1
    # The row is mended in the next export (a row before it moves it down a line).
    path.write_text(row(0) + row(1) + row(2) + row(3))
    (mended,) = collect(workspace, force=True)
    assert mended.ok and mended.quarantined == 0
    assert quarantined(workspace.store, "nightly") == []
    assert health(workspace.store, "nightly")[0].quarantined == 0


def test_csv_with_platform_option(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "id,text,author,published_at,likes\n"
        "1,Lumio est génial,ana,2026-09-01T10:00:00Z,3\n"
        "2,Vexa est lent,bob,2026-09-01T11:00:00Z,-1\n"
    )
    add_source(workspace.store, "file", str(path), name="csv", options={"platform": "reddit"})
    (res,) = collect(workspace)
    assert res.new_posts == 1 and res.quarantined == 1
    (post,) = workspace.store.iter_posts()
    assert post.id == "reddit:1" and post.engagement.likes == 3 and post.source == "csv"
    (bad,) = quarantined(workspace.store, "csv")
    assert "line 3" in bad.error and "likes" in bad.error


def test_missing_file_is_a_clear_error(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match="is not a file"):
        FileSource().config_from_target(str(tmp_path / "nope.jsonl"), {})
    (tmp_path / "data.txt").write_text("x")
    with pytest.raises(SourceConfigError, match="cannot tell the format") as told:
        FileSource().config_from_target(str(tmp_path / "data.txt"), {})
    assert "-o format=" in str(told.value.hint)  # the way a file source is told
    path = tmp_path / "gone.jsonl"
    path.write_text(row(1))
    add_source(workspace.store, "file", str(path), name="gone")
    path.unlink()
    (res,) = collect(workspace)
    assert not res.ok and "is not a file" in (res.error or "")
    assert health(workspace.store, "gone")[0].consecutive_failures == 1


def test_cli_add_file_collect_test_health(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(row(1) + row(2) + "[1]\n")
    root = str(workspace.root)
    runner = CliRunner()
    app = build_app()
    env = {"COLUMNS": "200"}
    added = runner.invoke(app, ["source", "add", "file", str(path), "-w", root], env=env)
    assert added.exit_code == 0, added.output
    tested = runner.invoke(app, ["source", "test", "file-posts-jsonl", "-w", root], env=env)
    assert tested.exit_code == 0, tested.output
    assert "2 posts would be stored, 1 item would be quarantined" in tested.output
    ran = runner.invoke(app, ["collect", "-w", root], env=env)
    assert ran.exit_code == 0, ran.output
    assert workspace.store.count_posts() == 2
    shown = runner.invoke(app, ["source", "health", "-w", root, "--format", "json"], env=env)
    assert shown.exit_code == 0 and '"total_posts": 2' in shown.output


def test_a_bad_row_past_the_end_of_a_shorter_file_leaves_the_quarantine(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(row(1) + row(2) + row(3) + "{not json\n" + row(5))
    add_source(workspace.store, "file", str(path), name="nightly")
    (first,) = collect(workspace)
    assert first.ok and first.quarantined == 1
    (bad,) = quarantined(workspace.store, "nightly")
    assert "line 4: not valid JSON" in bad.error
    # Tonight's export is shorter: its line 4 no longer exists, nor the bad row.
    fresh = tmp_path / "next.jsonl"
    fresh.write_text(row(1) + row(2) + row(6))
    os.replace(fresh, path)
    (shorter,) = collect(workspace, force=True)
    assert shorter.ok and shorter.quarantined == 0
    assert quarantined(workspace.store, "nightly") == []
    assert health(workspace.store, "nightly")[0].quarantined == 0
    # A bad row still inside the file stays, and one past a held half-written
    # last line (the writer is not done with that line yet) does not.
    path.write_text(row(1) + "{not json\n" + row(3) + row(4) + "{also not json\n" + row(6))
    (again,) = collect(workspace, force=True)
    assert again.quarantined == 2
    path.write_text(row(1) + "{not json\n" + row(3) + row(4)[:15])
    (half,) = collect(workspace, force=True)
    assert half.ok
    assert [q.key for q in quarantined(workspace.store, "nightly")] == ["line 2"]
