"""Syndicated copies across batches, corrections, rerun and analyze, through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from veille.cli import build_app
from veille.models import Author, Post
from veille.pipeline import build_pipeline
from veille.workspace import Workspace, init_workspace

STORY = (
    "Lumio announces a recall of its X2 phone after reports of overheating batteries "
    "in several European countries, the company said on Tuesday"
)


def mk(n: int, text: str, author: str, day: int = 5) -> Post:
    return Post.create(
        platform="rss",
        native_id=str(n),
        text=text,
        published_at=datetime(2026, 1, day, 9, n, tzinfo=UTC),
        author=Author(author),
        url=f"https://{author}.example/{n}",
    )


def ingest(root: Path, posts: list[Post]) -> None:
    with Workspace.open(root) as ws:
        build_pipeline(ws).ingest(posts)


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), [*args, "--workspace", str(root)])
    return result.exit_code, result.output


def test_copy_arriving_later_joins_yesterdays_cluster(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    ingest(root, [mk(1, STORY, "wire"), mk(2, "Vexa opens a new store in Lyon today", "vexa")])
    # Another day, another process-level pipeline: state comes from the store.
    copy = (
        "Lumio announces a recall of its X2 phone after reports of overheating batteries "
        "in several European countries, the company said on Tuesday. via @techdaily"
    )
    ingest(root, [mk(3, copy, "techdaily", day=6)])
    with Workspace.open(root) as ws:
        got = {p.id: p.cluster_id for p in ws.store.get_posts(["rss:1", "rss:2", "rss:3"])}
    assert got["rss:3"] == got["rss:1"] == "rss:1"
    assert got["rss:2"] != "rss:1"
    code, out = run(root, "copies", "rss:3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["cluster_id"] == "rss:1"
    assert [c["author"] for c in data["copies"]] == ["wire", "techdaily"]


def test_enrichment_happens_on_ingest(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    ingest(root, [mk(1, "Je déteste ce téléphone, quelle arnaque #Lumio", "bob")])
    with Workspace.open(root) as ws:
        p = ws.store.get_post("rss:1")
    assert p is not None and p.lang == "fr"
    assert p.sentiment is not None and p.sentiment.label == "negative"
    assert p.hashtags == ("Lumio",)


def test_correction_kept_across_rerun_and_counted(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    ingest(root, [mk(1, "I love this phone, it is wonderful", "bob"), mk(2, STORY, "wire")])
    code, out = run(root, "sentiment", "correct", "rss:1", "negative", "--by", "ana")
    assert code == 0, out
    code, out = run(root, "enrich", "--rerun", "--format", "json")
    assert code == 0, out
    assert json.loads(out)["enriched"] == 2
    with Workspace.open(root) as ws:
        p = ws.store.get_post("rss:1")
    assert p is not None and p.sentiment is not None
    assert (p.sentiment.label, p.sentiment.source) == ("negative", "user")
    code, out = run(root, "sentiment", "corrections", "--format", "json")
    data = json.loads(out)
    assert data["corrections"][0]["corrected_by"] == "ana"
    assert data["corrections"][0]["old_label"] == "positive"
    assert data["accuracy"]["reviewed"] == 1 and data["accuracy"]["model_agreed"] == 0


def test_correction_errors_exit_2(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    ingest(root, [mk(1, "hello world", "bob")])
    code, out = run(root, "sentiment", "correct", "rss:1", "happy")
    assert code == 2 and "happy" in out
    code, out = run(root, "sentiment", "correct", "rss:404", "positive")
    assert code == 2 and "rss:404" in out


def test_rerun_applies_changed_settings(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    ingest(root, [mk(1, "Il fait très beau à Paris ce matin, quel bonheur", "bob")])
    toml = root / "veille.toml"
    toml.write_text(toml.read_text().replace("[enrich]\n", '[enrich]\nlanguages = ["en"]\n'))
    code, out = run(root, "enrich", "--rerun")
    assert code == 0, out
    with Workspace.open(root) as ws:
        p = ws.store.get_post("rss:1")
    assert p is not None and p.lang == "und"
    assert p.sentiment is not None and p.sentiment.label == "unscored"


def test_analyze_jsonl_from_stdin_with_bad_lines(tmp_path: Path) -> None:
    data = (
        b'{"id": "a", "text": "I love it :)"}\n'
        b"this is not json\n"
        b'{"id": "b", "text": "Je n\'aime pas \xff\xfe ce service", "lang": "fr"}\n'
        b'{"id": "c", "text": ""}\n'
        + json.dumps({"id": "d", "text": "x " * 60_000}).encode()
        + b"\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    env.pop("VEILLE_WORKSPACE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "veille", "analyze"],
        input=data,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert len(lines) == 5
    assert lines[0]["id"] == "a" and lines[0]["sentiment"]["label"] == "positive"
    assert lines[1]["line"] == 2 and "not JSON" in lines[1]["error"]
    assert lines[2]["lang"] == "fr" and lines[2]["sentiment"]["label"] == "negative"
    assert lines[3]["lang"] == "und" and lines[3]["sentiment"]["label"] == "unscored"
    assert lines[4]["id"] == "d"
    assert set(lines[0]) >= {"lang", "sentiment", "entities"}
    assert set(lines[0]["sentiment"]) == {"label", "score", "confidence"}


def test_analyze_file_missing_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["analyze", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "nope.jsonl" in result.output


def test_copies_times_are_iso_and_counts_read_right(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    ingest(root, [mk(1, STORY, "wire"), mk(3, STORY + ". via @techdaily", "techdaily", day=6)])
    code, out = run(root, "copies", "rss:3", "--format", "json")
    assert code == 0, out
    # ISO 8601 as every other command, not Unix seconds.
    assert [c["published_at"] for c in json.loads(out)["copies"]] == [
        "2026-01-05T09:01:00+00:00",
        "2026-01-06T09:03:00+00:00",
    ]
    code, out = run(root, "copies", "rss:3")
    assert "also published by 1 other" in out and "1 others" not in out
    code, out = run(root, "sentiment", "correct", "rss:1", "positive")
    assert code == 0, out
    code, out = run(root, "sentiment", "corrections")
    assert "1 post reviewed;" in " ".join(out.split())
