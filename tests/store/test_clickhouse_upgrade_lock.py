"""Upgrading a ClickHouse store that many processes open (collectors, the
scheduler, web workers, on several machines): one of them upgrades it, the
others wait and then find it up to date; a holder killed midway is taken
over; a store written by a newer veille is refused. Real processes on a
real (chDB behind ClickHouse's HTTP interface) server."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import clickhouse_posts_url
from tests.query.conftest import make_post
from veille.analytics.trends import terms_version
from veille.store.clickhouse.schema import SCHEMA_VERSION

pytest.importorskip("chdb")
pytest.importorskip("clickhouse_connect")

ROOT = Path(__file__).resolve().parents[2]


def _schema(store: Any) -> list[list[str]]:
    rows: list[list[str]] = store.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'")
    return rows


# Opens the store named by argv[1] when told to on stdin, as a collector
# starting does; its log (the upgrade's messages) on stderr.
OPENER = """
import logging, sys
from pathlib import Path
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
from veille.store.clickhouse.backend import ClickHouseBackend
print("ready", flush=True)
sys.stdin.readline()
store = ClickHouseBackend().open(sys.argv[1], root=Path("."))
store.close()
print("done", flush=True)
"""


@pytest.fixture
def url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    return clickhouse_posts_url("clickhouse", tmp_path, request)


def _open(url: str) -> Any:
    from veille.store.clickhouse.backend import ClickHouseBackend

    return ClickHouseBackend().open(url, root=Path("."))


@pytest.fixture
def schema_6(url: str) -> Iterator[dict[str, Any]]:
    """A store left at schema 6 by an older veille, with 3,500 posts to fold
    again (their text holds œ): what it held before."""
    store = _open(url)
    store.upsert_posts(
        make_post(str(n), f"Une œuvre numéro {n}", day=1 + n % 28, likes=n % 7) for n in range(3500)
    )
    store.write_row("veille_meta", {"key": "schema", "value": "6"})
    before = {"stats": store.stats()}
    store.close()
    # The tests count each post's stored versions: a background merge would
    # fold a post's versions into one at any moment (the flake seen once:
    # posts "left at version 1" that had been written again).
    client = _client(url)
    client.command("SYSTEM STOP MERGES posts")
    client.close()
    yield before


def _start(url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-c", OPENER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def _go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()


def _client(url: str) -> Any:
    """A connection to the store's database that upgrades nothing."""
    from veille.store.clickhouse.backend import server_of
    from veille.store.clickhouse.client import HttpClient

    host, port, database, kwargs = server_of(url)
    return HttpClient(host, port, database, **kwargs)


def _versions(store: Any) -> dict[int, int]:
    """How many posts have how many stored versions."""
    return dict(
        store.rows("SELECT n, count() FROM (SELECT count() AS n FROM posts GROUP BY id) GROUP BY n")
    )


def _locks(store: Any) -> list[str]:
    return [
        r[0]
        for r in store.rows(
            "SELECT name FROM system.tables WHERE database = currentDatabase() "
            "AND startsWith(name, 'veille_upgrade_lock_')"
        )
    ]


def test_two_processes_opening_an_old_store_at_once_upgrade_it_once(
    url: str, schema_6: dict[str, Any]
) -> None:
    """Two collectors started together on a store left at schema 6: one
    folds the posts again while the other waits, then both run; each post
    is written again once (not once per process), no figure moves."""
    first, second = _start(url), _start(url)
    _go(first)
    _go(second)
    outs = [p.communicate(timeout=300) for p in (first, second)]
    # Each process's whole stderr when one fails (a list's repr is cut short).
    assert [p.returncode for p in (first, second)] == [0, 0], "\n----\n".join(e for _o, e in outs)
    said = [err for _out, err in outs]
    assert sum("folding again the 3,500 posts" in err for err in said) == 1, said

    store = _open(url)
    try:
        assert _versions(store) == {2: 3500}  # the first version, and one folded again
        assert store.stats() == schema_6["stats"]
        assert _schema(store) == [[str(SCHEMA_VERSION)]]
        assert _locks(store) == []
    finally:
        store.close()


def _hold(url: str, host: str, pid: int, silent: int = 0, token: str = "x") -> None:
    """The lock as a process ``pid`` on ``host`` left it, ``silent`` seconds ago."""
    from veille.store.clickhouse.upgrade_lock import PREFIX

    client = _client(url)
    client.command(
        f"CREATE TABLE {PREFIX}1 (token String, host String, pid UInt32, at DateTime64(3)) "
        "ENGINE = MergeTree ORDER BY at"
    )
    client.command(
        f"INSERT INTO {PREFIX}1 SELECT {{token:String}}, {{host:String}}, {{pid:UInt32}}, "
        "now64(3) - INTERVAL {silent:UInt32} SECOND",
        {"host": host, "pid": pid, "silent": silent, "token": token},
    )
    client.close()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("where", ["another machine", "another container, same host name"])
def test_a_process_waits_while_another_upgrades_then_finds_it_done(
    url: str, schema_6: dict[str, Any], where: str
) -> None:
    """A web worker started while a collector on another machine upgrades
    the store says what it waits for, and starts once that one is done,
    without upgrading it again. A collector in another container given the
    same host name is not taken for dead because its process id names no
    process here."""
    import socket

    from veille.store.clickhouse.upgrade_lock import PREFIX

    if where == "another machine":
        host, pid, token = "collector-7.example", 4242, "x"
    else:
        host, pid, token = socket.gethostname(), _dead_pid(), "x:4026530000"
    _hold(url, host, pid, token=token)
    waiting = _start(url)
    _go(waiting)
    assert waiting.stderr is not None
    said = waiting.stderr.readline()
    assert f"the process {pid} on {host} is upgrading it" in said, said
    assert "this process waits until it is done" in said
    assert waiting.poll() is None
    # The collector finishes: the schema is written, then its lock dropped.
    client = _client(url)
    client.command(
        "INSERT INTO veille_meta (key, value, version) VALUES ('terms_version', "
        f"'{terms_version()}', 1 + (SELECT max(version) FROM veille_meta))"
    )
    client.command(
        f"INSERT INTO veille_meta (key, value, version) VALUES ('schema', '{SCHEMA_VERSION}', 1 + "
        "(SELECT max(version) FROM veille_meta))"
    )
    client.command(f"DROP TABLE {PREFIX}1")
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0 and out == "done\n", err
    assert "folding again" not in err
    assert _versions(client) == {1: 3500}
    client.close()


def test_an_upgrade_killed_midway_is_taken_over_where_it_stopped(
    url: str, schema_6: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """The process upgrading is killed (SIGKILL, the machine's OOM killer)
    after some batches: its lock stays behind, and the next process on that
    machine sees it is gone, takes over at once, and folds the rest."""
    from veille.store.clickhouse.upgrade import _REFOLD_KEY

    upgrading = _start(url)
    watcher = _client(url)
    try:
        _go(upgrading)
        query = f"SELECT value FROM veille_meta FINAL WHERE key = '{_REFOLD_KEY}'"
        while not watcher.rows(query) and upgrading.poll() is None:
            time.sleep(0.05)
        upgrading.send_signal(signal.SIGKILL)
        upgrading.communicate(timeout=60)
        assert upgrading.returncode == -signal.SIGKILL, "it finished before it was killed"
        assert _locks(watcher) != []
        assert watcher.rows("SELECT value FROM veille_meta FINAL WHERE key = 'schema'") == [["6"]]
    finally:
        watcher.close()

    with caplog.at_level(logging.WARNING, logger="veille.store.clickhouse"):
        store = _open(url)
    try:
        said = " ".join(r.getMessage() for r in caplog.records)
        assert f"the process {upgrading.pid} on" in said and "is gone" in said, said
        counts = _versions(store)
        assert set(counts) <= {2, 3} and sum(counts.values()) == 3500  # every post folded again
        assert store.stats() == schema_6["stats"]
        assert _schema(store) == [[str(SCHEMA_VERSION)]]
        assert _locks(store) == []
    finally:
        store.close()


def test_a_lock_silent_for_too_long_on_another_machine_is_taken_over(
    url: str, schema_6: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A holder on another machine that died shows no progress: after
    STALE_AFTER seconds a process takes over (its machine's process ids
    cannot be looked at from here)."""
    from veille.store.clickhouse.upgrade_lock import STALE_AFTER

    _hold(url, "collector-7.example", 4242, silent=STALE_AFTER + 60)
    with caplog.at_level(logging.WARNING, logger="veille.store.clickhouse"):
        store = _open(url)
    try:
        said = " ".join(r.getMessage() for r in caplog.records)
        assert "the process 4242 on collector-7.example that was upgrading it is silent" in said
        assert _versions(store) == {2: 3500}
        assert _locks(store) == []
    finally:
        store.close()


def test_a_store_written_by_a_newer_veille_is_refused_and_left_as_it_is(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A collector not yet upgraded, started on a store a newer veille
    upgraded, would write posts folded the old way, which that veille does
    not fold again: it refuses to start, saying so, as SQLite and
    PostgreSQL do."""
    from veille.errors import SchemaTooNew
    from veille.store.clickhouse.backend import ChdbBackend

    url = clickhouse_posts_url("chdb", tmp_path, request)
    store = ChdbBackend().open(url, root=tmp_path)
    store.upsert_posts([make_post("1", "Une œuvre")])
    store.write_row("veille_meta", {"key": "schema", "value": str(SCHEMA_VERSION + 1)})
    store.close()
    with pytest.raises(SchemaTooNew) as refused:
        ChdbBackend().open(url, root=tmp_path)
    newer = f"schema {SCHEMA_VERSION + 1}; this one knows up to {SCHEMA_VERSION}"
    assert f"written by a newer veille ({newer})" in str(refused.value)
    assert "Upgrade veille" in str(refused.value)
    from veille.store.clickhouse.client import ChdbClient

    client = ChdbClient(Path(url[len("chdb:///") :]))
    try:
        assert _schema(client) == [[str(SCHEMA_VERSION + 1)]]
        assert client.rows("SELECT count() FROM posts") == [[1]]
    finally:
        client.close()


def test_a_rollup_fill_stopped_midway_is_done_again(
    tmp_path: Path, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    """An upgrade that adds rollups fills each from every stored post
    (minutes over millions); stopped midway (Ctrl-C, a start timeout), it
    left the rollup made and short, and the next open took it as done: the
    author and hashtag figures stayed short, and with the post keys short,
    posts collected again were taken as new and counted twice."""
    from veille.analytics.scope import Period, Scope
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.schema import ROLLUPS, rollup_view

    url = clickhouse_posts_url("chdb", tmp_path, request)
    posts = [
        make_post(
            str(n),
            f"Une œuvre {n}",
            handle=f"a{n % 40}",
            day=1 + n % 28,
            likes=n % 5,
            hashtags=(f"tag{n % 7}",),
        )
        for n in range(400)
    ]
    store = ChdbBackend().open(url, root=tmp_path)
    store.upsert_posts(posts)
    period = Period(posts[0].published_at.replace(day=1), posts[0].published_at.replace(day=29))

    def figures(store: Any) -> tuple[Any, ...]:
        return (
            store.stats(),
            store.author_count(Scope(), period),
            store.top_entities(Scope().during(period), "hashtags", 5),
        )

    before = figures(store)
    assert before[1] == 40 and len(before[2]) == 5
    # As a run stopped right after making the rollups left the store.
    for table, ddl, rows in ROLLUPS:
        if table in ("author_rollup", "entity_rollup", "post_keys"):
            store.client.command(f"DROP VIEW {table}_view")
            store.client.command(f"DROP TABLE {table}")
            store.write_row("veille_meta", {"key": f"rollup_filled:{table}", "value": "started"})
            store.client.command(ddl)
            store.client.command(rollup_view(table, rows))
    store.write_row("veille_meta", {"key": "schema", "value": "1"})
    store.close()

    with caplog.at_level(logging.WARNING, logger="veille.store.clickhouse"):
        store = ChdbBackend().open(url, root=tmp_path)
    try:
        said = " ".join(r.getMessage() for r in caplog.records)
        assert "filling the rollup post_keys again (the last fill was stopped midway)" in said
        assert figures(store) == before
        again = store.upsert_posts(posts)
        assert again.new == [] and again.updated == []
        assert figures(store) == before
    finally:
        store.close()
