"""A real ``veille privacy erase`` process killed (SIGKILL) between the
moment it takes a chunk of the person's posts out of the rollups and the
moment that is marked done, then run again: the figures kept from posts are
those a fresh count gives, each erased post taken out once.

The child process is the CLI itself; the test makes it stop (it sleeps
until killed) at that point by wrapping the step that writes the mark
(``taken`` in ``forgotten``, ClickHouse) or the posts' delete (SQLite, whose
rollups are kept by triggers in the same transaction). On SQLite
(everything in one file) and on a split workspace (posts in chDB, state in
PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import veille
from veille.cli import build_app
from veille.config import CONFIG_NAME
from veille.workspace import Workspace

NOW = datetime.now(UTC).replace(microsecond=0)

# Stops the erasure after it took the posts out of the rollups and before
# that is marked (ClickHouse: the mark in ``forgotten``), or in the middle of
# moving a staged take-out into the rollups ("moving").
_CHILD = """
import sys, time
point, ws = sys.argv[1], sys.argv[2]

def stop():
    print("stopped", flush=True)
    time.sleep(600)

if point == "sqlite":
    # After the chunk's delete (its triggers took the posts out of the
    # rollups), before its transaction commits.
    from veille.store.sqlite import privacy
    real_chunks = privacy._chunks

    def chunks(items):
        yield from real_chunks(items)
        if items and isinstance(items[0], int):
            stop()

    privacy._chunks = chunks
elif point == "marked":
    from veille.store.clickhouse.store import ClickHouseStore
    real_record = ClickHouseStore.record_forgotten

    def record(self, records, **kw):
        if any(kind == "taken" for kind, _key, _at in records):
            stop()
        return real_record(self, records, **kw)

    ClickHouseStore.record_forgotten = record
else:  # "moving": the first rollup moved in, the others not yet
    from veille.store.clickhouse.client import ChdbClient
    real_command = ChdbClient.command

    def command(self, sql, params=None):
        real_command(self, sql, params)
        if "MOVE PARTITION" in sql:
            stop()

    ChdbClient.command = command

from veille.cli import build_app
build_app()(["privacy", "erase", "--author", "claire", "--yes", "--workspace", ws])
"""


def _rows() -> list[dict[str, object]]:
    def row(n: int, handle: str, minutes: int) -> dict[str, object]:
        return {
            "platform": "mastodon",
            "id": str(n),
            "url": f"https://social.example/@{handle}/{n}",
            "text": f"La fibre, épisode {n} #panne",
            "author": {"handle": handle, "name": handle.title(), "followers": 100 + n},
            "published_at": (NOW - timedelta(days=1, minutes=minutes)).isoformat(),
            "engagement": {"likes": n, "shares": 1},
        }

    # Same quarter-hours for both: a take-out counted twice shows in bob's figures.
    return [row(i, "claire", i) for i in range(1, 7)] + [row(10 + i, "bob", i) for i in range(3)]


def _cli(ws: Path, *args: str) -> str:
    result = CliRunner().invoke(build_app(), [*args, "--workspace", str(ws)])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def _killed_at(point: str, ws: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(veille.__file__).parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, point, str(ws)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "stopped", "it never reached that point"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(60)


def _workspace(tmp_path: Path, config: str = "") -> Path:
    ws = tmp_path / "ws"
    CliRunner().invoke(build_app(), ["init", str(ws)])
    if config:
        (ws / CONFIG_NAME).write_text(config, encoding="utf-8")
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in _rows()) + "\n", encoding="utf-8")
    _cli(ws, "topic", "add", "fibre", "fibre")
    _cli(ws, "import", str(src))
    return ws


def _split_workspace_and_state(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, str]:
    """The workspace of :func:`_workspace` with its posts in chDB and its state
    in a fresh schema on the session's PostgreSQL (skipped where chDB is not
    installed); and the state's URL."""
    pytest.importorskip("chdb")
    from veille.store.postgres.testing import fresh_schema_url

    state = fresh_schema_url(request.getfixturevalue("postgres_url"), tmp_path)
    ws = _workspace(tmp_path, f'[store]\nposts = "chdb:///posts.chdb"\nstate = "{state}"\n')
    return ws, state


def _split_workspace(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """:func:`_split_workspace_and_state`'s workspace."""
    return _split_workspace_and_state(tmp_path, request)[0]


def _workspace_on(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """:func:`_workspace` all in SQLite (``backend`` "sqlite"), else split."""
    if backend == "sqlite":
        return _workspace(tmp_path)
    return _split_workspace(tmp_path, request)


def _sqlite_figures(ws: Path) -> tuple[list[Any], list[Any]]:
    """What the rollups count, and what a fresh count of the posts gives."""
    conn = sqlite3.connect(ws / "veille.db")
    try:
        kept = "SELECT count(*), sum(likes + shares + replies) FROM posts"
        rolled = "SELECT sum(posts), sum(engagement) FROM post_rollup WHERE dim = 'platform'"
        topics = "SELECT sum(posts) FROM topic_rollup"
        filed = "SELECT count(*) FROM post_topics"
        return (
            [*conn.execute(rolled).fetchone(), *conn.execute(topics).fetchone()],
            [*conn.execute(kept).fetchone(), *conn.execute(filed).fetchone()],
        )
    finally:
        conn.close()


def _chdb_figures(ws: Path) -> tuple[list[Any], list[Any]]:
    """Each rollup kept from posts as it stands, and as its own view counts
    the posts held now (every key whose sums are not all zero)."""
    with Workspace.open(ws) as w:
        store = w.posts
        latest = "SELECT * REPLACE (toInt8(0) AS prev_posts) FROM posts FINAL"
        rolled, fresh = [], []
        for r in store._rollups():
            keys, sums = ", ".join(r.keys), ", ".join(f"sum({s})" for s in r.sums)
            nonzero = " OR ".join(f"sum({s}) != 0" for s in r.sums)
            shape = f"SELECT {keys}, {sums} FROM ({{src}}) GROUP BY {keys} HAVING {nonzero} "
            order = f"ORDER BY {keys}"
            rolled.append(
                (r.table, store.rows(shape.format(src=f"SELECT * FROM {r.table}") + order))
            )
            fresh.append(
                (
                    r.table,
                    store.rows(shape.format(src=r.select.replace("{latest}", latest)) + order),
                )
            )
        return rolled, fresh


@pytest.mark.parametrize("point", ["sqlite", "marked", "moving"])
def test_an_erasure_killed_between_its_take_out_and_its_mark_counts_each_post_once(
    point: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if point == "sqlite":
        ws = _workspace(tmp_path)
        figures = _sqlite_figures
    else:
        ws = _split_workspace(tmp_path, request)
        figures = _chdb_figures
    before = figures(ws)
    assert before[0] == before[1]

    _killed_at(point, ws)
    _cli(ws, "privacy", "erase", "--author", "claire", "--yes")

    rolled, fresh = figures(ws)
    assert rolled == fresh
    if point == "sqlite":
        assert fresh == [3, 10 + 11 + 12 + 3, 3]  # bob's three posts, counted once
    log = json.loads(_cli(ws, "privacy", "log", "--kind", "author", "--format", "json"))
    assert [e["kind"] for e in log] == ["author"]
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) == []
