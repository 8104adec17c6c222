"""Imports refuse one bad row, never the file (issue 22)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from veille import importer
from veille.importer import import_file
from veille.models import Cursor
from veille.pipeline import build_pipeline
from veille.store.sqlite import SQLiteStore
from veille.workspace import Workspace


def _row(i: int, **kw: object) -> dict[str, object]:
    return {"platform": "rss", "id": str(i), "text": f"post {i}", "author": "a",
            "published_at": 1767225600 + i, **kw}  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"likes": 1e20}, "likes"),
        ({"likes": 1.5e308}, "likes"),
        ({"likes": "inf"}, "likes"),
        ({"author": {"handle": "b", "followers": 2**63}}, "followers"),
        ({"published_at": 1e20}, "published_at"),
        ({"published_at": -1e15}, "published_at"),
    ],
)
def test_one_bad_number_refuses_that_row_only(
    workspace: Workspace, tmp_path: Path, bad: dict[str, object], field: str
) -> None:
    rows = [_row(i) for i in range(5)]
    rows[2] = _row(2, **bad)
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = import_file(build_pipeline(workspace, skip=("enrich",)), path)
    assert report.stored == 4 and report.rows == 5
    assert [b.line for b in report.bad] == [3]
    assert field in report.bad[0].reason
    assert workspace.store.get_post("rss:2") is None
    assert workspace.store.get_post("rss:4") is not None


def test_csv_cell_over_128_kib_is_stored_and_rows_counted(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "posts.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "author", "published_at"])
        for i in range(99):
            w.writerow([i, f"hello {i}", "a", 1767225600 + i])
        w.writerow(["big", "x " * (70 * 1024), "a", 1767225600])
        for i in range(100, 110):
            w.writerow([i, f"hello {i}", "a", 1767225600 + i])
    report = import_file(build_pipeline(workspace, skip=("enrich",)), path, platform="rss")
    assert report.rows == 110 and report.stored == 110 and not report.bad
    assert len(workspace.store.get_post("rss:big").text) > 128 * 1024  # type: ignore[union-attr]


def test_csv_cell_over_the_limit_refuses_that_row_and_goes_on(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "FIELD_LIMIT", 4096)
    path = tmp_path / "posts.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "author", "published_at"])
        w.writerow([1, "hello", "a", 1767225600])
        w.writerow(["big", "x" * 10_000, "a", 1767225600])
        w.writerow([3, "hello again", "a", 1767225601])
    try:
        report = import_file(build_pipeline(workspace, skip=("enrich",)), path, platform="rss")
    finally:
        csv.field_size_limit(importer.FIELD_LIMIT)
    assert report.rows == 3 and report.stored == 2
    assert [b.line for b in report.bad] == [3]
    assert "larger than" in report.bad[0].reason
    assert workspace.store.get_post("rss:3") is not None


def test_strict_import_writes_in_batches_a_writer_beside_it_gets_through(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(json.dumps(_row(i)) for i in range(50)) + "\n")
    other = SQLiteStore.open(workspace.store.path, timeout=0.2)
    written: list[int] = []

    def beside(n: int) -> None:
        # Another process's collect commits between two batches of the import.
        with other.transaction() as tx:
            tx.set_cursor(Cursor("feeds:beside", {"n": len(written)}))
        written.append(n)

    try:
        report = import_file(
            build_pipeline(workspace, skip=("enrich",)),
            path,
            strict=True,
            batch_size=10,
            on_progress=beside,
        )
    finally:
        other.close()
    assert report.stored == 50 and len(written) == 6  # 5 batches and the last, empty
    assert workspace.store.get_cursor("feeds:beside") is not None
