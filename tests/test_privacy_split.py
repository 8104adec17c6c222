"""Forgetting on a split workspace: posts in chDB (opened by the workspace,
or served by ``veille store serve-posts`` and reached as ``veille+http``) or
on a ClickHouse server over HTTP, state in PostgreSQL. Through the real CLI;
afterwards every table of both stores is read back whole and must not hold
the person, or the old posts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import clickhouse_posts_url, make_post, topic_figures
from veille.cli import build_app
from veille.config import CONFIG_NAME
from veille.models import Author
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.services.privacy import erase_author
from veille.workspace import Workspace

pytest.importorskip("chdb")

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Split:
    root: Path
    state_url: str
    served: Any  # the chDB store behind veille+http, or None (the workspace's own)

    def cli(self, *args: str) -> str:
        result = CliRunner().invoke(build_app(), [*args, "--workspace", str(self.root)])
        assert result.exit_code == 0, (result.output, result.exception)
        return result.stdout

    def chdb(self, ws: Workspace) -> Any:
        return self.served if self.served is not None else ws.posts


@pytest.fixture(params=["chdb", "veille+http", "clickhouse"])
def split(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str) -> Iterator[Split]:
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.postgres.testing import fresh_schema_url
    from veille.store.remote.server import PostServer

    root = tmp_path / "ws"
    root.mkdir()
    state_url = fresh_schema_url(postgres_url, tmp_path)
    served: Any = None
    server: Any = None
    if request.param == "chdb":
        posts_url = "chdb:///posts.chdb"
    elif request.param == "clickhouse":
        # A ClickHouse server over HTTP (the session's: tests/conftest.py).
        posts_url = clickhouse_posts_url("clickhouse", tmp_path, request)
    else:
        served = ChdbBackend().open(f"chdb:///{tmp_path / 'served.chdb'}", root=tmp_path)
        server = PostServer(served).start()
        posts_url = server.url
    (root / CONFIG_NAME).write_text(
        f'[store]\nposts = "{posts_url}"\nstate = "{state_url}"\n\n'
        "[privacy]\nretention_days = 25\nraw_days = 5\n",
        encoding="utf-8",
    )
    try:
        yield Split(root, state_url, served)
    finally:
        if server is not None:
            server.stop()
            served.close()


def _row(n: str, handle: str, text: str, days_ago: float, **kw: object) -> dict[str, object]:
    return {
        "platform": kw.pop("platform", "mastodon"),
        "id": n,
        "url": f"https://social.example/@{handle}/{n}",
        "text": text,
        "author": {"handle": handle, "name": handle.title(), "followers": 100},
        "published_at": (NOW - timedelta(days=days_ago)).isoformat(),
        "engagement": {"likes": 2, "shares": 1},
        "raw": {"account": handle, "note": text},
        **kw,
    }


def _import(split: Split, tmp_path: Path, rows: list[dict[str, object]]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    split.cli("import", str(src))


def _chdb_dump(store: Any) -> str:
    """Every row of every table of the chDB store (every version, merged or not)."""
    tables = [
        r[0]
        for r in store.rows(
            "SELECT name FROM system.tables WHERE database = currentDatabase() "
            "AND engine NOT LIKE '%View'"
        )
    ]
    assert "posts" in tables and "post_rollup" in tables
    return "\n".join(f"{t}: {r}" for t in tables for r in store.rows(f"SELECT * FROM {t}"))


def _pg_dump(url: str) -> str:
    """Every row of every table of the state's schema but the erasure log."""
    import psycopg

    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        ]
        assert {"deliveries", "minhash", "inbox_items", "post_topics"} <= set(tables)
        return "\n".join(
            f"{t}: {r}"
            for t in tables
            if t != "erasures"
            for r in conn.execute(f'SELECT t::text FROM "{t}" AS t')
        )


def _rollup_matches_posts(store: Any) -> None:
    """The volume rollup counts exactly the posts there are (none erased counted)."""
    kept = store.rows("SELECT count(), sum(likes + shares + replies) FROM posts FINAL")[0]
    rolled = store.rows("SELECT sum(posts), sum(engagement) FROM post_rollup")[0]
    assert [int(v or 0) for v in rolled] == [int(v or 0) for v in kept]


def test_erasing_a_person_leaves_nothing_of_them_in_either_store(
    split: Split, tmp_path: Path
) -> None:
    with Workspace.open(split.root) as ws:
        add_topic(ws.state, "fibre", "fibre", inbox=True)
    split.cli("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom")
    # Claire's first post starts a story that Bob's near copy joins (keyed by her post).
    story = "la fibre optique arrive enfin dans notre quartier de Lyon ce matin"
    rows = [
        _row("c1", "Claire", story + " #zorglub", 1, links=["https://zorglub.example/x"]),
        _row("c2", "claire", "panne de fibre zorglub", 2),
        _row("c3", "claire", "fibre aussi sur bluesky zorglub", 1, platform="bluesky"),
        _row("b1", "bob", story + " !", 1),
        _row("b2", "bob", "la fibre, quelle affaire", 3, parent_id="mastodon:c2"),
    ]
    _import(split, tmp_path, rows)
    # Seen again with new counts: a second stored version of her posts in chDB.
    rows[0]["engagement"] = {"likes": 9, "shares": 4}
    rows[1]["engagement"] = {"likes": 7, "shares": 0}
    _import(split, tmp_path, rows)
    with Workspace.open(split.root) as ws:
        import psycopg

        with psycopg.connect(split.state_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO quarantine (source, error, raw, created_at) VALUES "
                "('s', 'e', '{\"author\": \"claire\"}', 0), "
                "('s', 'e', '{\"who\": \"dominique\"}', 0)"
            )
        store = split.chdb(ws)
        before_chdb, before_pg = _chdb_dump(store).lower(), _pg_dump(split.state_url).lower()
        # The thread under the inbox item of her post, read from the posts store.
        (item,) = [i for i in ws.state.inbox_items(_all_items()) if i.post_id == "mastodon:c2"]
        from veille.inbox.thread import thread

        assert [(role, p.id) for role, p in thread(ws, item)] == [("reply", "mastodon:b2")]
    # The test is worth something only if she is there to begin with.
    assert "zorglub" in before_chdb and "mastodon:c1" in before_chdb
    for table in ("deliveries", "minhash", "inbox_items", "post_topics", "quarantine"):
        assert any(
            line.startswith(f"{table}: ") and ("claire" in line or "mastodon:c" in line)
            for line in before_pg.splitlines()
        ), table

    out = split.cli("privacy", "erase", "--author", "@CLAIRE", "--yes", "--format", "json")
    report = json.loads(out)
    assert report["posts"] == 3
    assert report["removed"]["inbox_items"] == 3 and report["removed"]["quarantine"] == 1

    with Workspace.open(split.root) as ws:
        store = split.chdb(ws)
        after_chdb, after_pg = _chdb_dump(store).lower(), _pg_dump(split.state_url).lower()
        for found in (after_chdb, after_pg):
            for trace in ("claire", "zorglub", "mastodon:c1", "bluesky:c3"):
                assert trace not in found, (trace, found)
            # Bob's reply (its post and its inbox item) still says which post it
            # answered, as on SQLite: an id, no longer anyone's post here.
            left = [line for line in found.splitlines() if "mastodon:c2" in line]
            assert all("@bob/b2" in line for line in left), left
        assert "dominique" in after_pg  # a quarantined item naming someone else stays
        assert {p.id for p in store.search("fibre", limit=50)} == {"mastodon:b1", "mastodon:b2"}
        assert store.count_posts() == 2
        _rollup_matches_posts(store)
        items = ws.state.inbox_items(_all_items())
        assert sorted(i.post_id for i in items) == ["mastodon:b1", "mastodon:b2"]
    log = split.cli("privacy", "log", "--format", "json")
    (entry,) = json.loads(log)
    assert entry["kind"] == "author" and entry["posts"] == 3 and entry["platform"] == ""
    assert "claire" not in log.lower()
    # Run again: nothing of hers is left to find, and nothing else goes.
    again = json.loads(split.cli("privacy", "erase", "--author", "claire", "--yes", "--format",
                                 "json"))  # fmt: skip
    assert again["posts"] == 0
    with Workspace.open(split.root) as ws:
        assert split.chdb(ws).count_posts() == 2
    # Her posts in the file imported again are refused, and the import counts them.
    report = json.loads(split.cli("import", str(tmp_path / "in.jsonl"), "--format", "json"))
    assert (report["rows"], report["refused"], report["stored"], report["repeated"]) == (5, 3, 0, 0)


def _all_items() -> Any:
    from veille.inbox.model import ItemFilter

    return ItemFilter(limit=100)


def test_retention_purge_on_a_split_workspace(split: Split, tmp_path: Path) -> None:
    with Workspace.open(split.root) as ws:
        add_topic(ws.state, "fibre", "fibre")
    split.cli("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom")
    rows = [_row(f"p{n}", f"user{n}", f"fibre numéro {n} k{n}x", n * 10) for n in range(1, 7)]
    # Collected while they were fresh: imported now, those older than the
    # retention would be left out (they are, once a purge has run).
    config = split.root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("retention_days = 25", "retention_days = 0"), encoding="utf-8")
    _import(split, tmp_path, rows)
    config.write_text(text, encoding="utf-8")
    with Workspace.open(split.root) as ws:
        store = split.chdb(ws)
        volume = store.rows("SELECT sum(posts), sum(engagement) FROM post_rollup")[0]
        assert store.count_posts() == 6
        assert "mastodon:p6" in _pg_dump(split.state_url)
        topic = _topic_figures(split, ws)
        assert topic[0] == 6

    out = split.cli("privacy", "purge")
    assert "4 posts older than the retention period deleted" in out
    assert "2 raw payloads emptied" in out

    with Workspace.open(split.root) as ws:
        store = split.chdb(ws)
        assert store.count_posts() == 2
        assert {p.text for p in store.search("fibre", limit=50)} == {
            "fibre numéro 1 k1x",
            "fibre numéro 2 k2x",
        }
        # Raw payloads older than 5 days are empty in every stored version.
        assert store.rows("SELECT count() FROM posts WHERE raw != '{}'") == [[0]]
        # The volume aggregates are kept, as SQLite keeps them.
        assert store.rows("SELECT sum(posts), sum(engagement) FROM post_rollup")[0] == volume
        dump_chdb = _chdb_dump(store)
        dump_pg = _pg_dump(split.state_url)
        for n in range(3, 7):
            for found in (dump_chdb, dump_pg):
                assert f"mastodon:p{n}" not in found and f"k{n}x" not in found
        assert "mastodon:p1" in dump_chdb and "mastodon:p2" in dump_chdb
        # So are the topic's volume per day and its share of voice (SQLite
        # keeps them in its topic rollup), though its filings are gone.
        assert _topic_figures(split, ws) == topic
    # Again: nothing more to do, and a log entry only for the first purge.
    assert "0 posts" in split.cli("privacy", "purge")
    log = json.loads(split.cli("privacy", "log", "--format", "json"))
    assert [e["kind"] for e in log] == ["retention"] and log[0]["posts"] == 4
    with Workspace.open(split.root) as ws:
        assert _topic_figures(split, ws) == topic


def _topic_figures(split: Split, ws: Workspace) -> tuple[int, ...]:
    """The topic ``fibre`` over the last 90 days (:func:`topic_figures`)."""
    end = NOW.replace(minute=0, second=0) + timedelta(hours=1)
    return topic_figures(split.chdb(ws), ws.state, "fibre", end)


def test_a_batch_written_during_an_erasure_leaves_nothing_of_them(
    split: Split, tmp_path: Path
) -> None:
    """A collector's batch whose posts reach the posts store just before the
    erasure and whose state transaction commits after it (held here between
    the two): neither store keeps the person. A batch collected before the
    erasure and written after it stores nothing of them either."""

    def batch() -> list[Any]:
        return [
            make_post("c1", "la fibre zorglub en panne", author=Author("claire"),
                      published_at=NOW - timedelta(hours=3)),
            make_post("b1", "la fibre revient chez nous", author=Author("bob"),
                      published_at=NOW - timedelta(hours=2)),
        ]  # fmt: skip

    with Workspace.open(split.root) as ws:
        add_topic(ws.state, "fibre", "fibre", inbox=True)
        posts = ws.posts
        real_upsert = posts.upsert_posts
        stored, erased = threading.Event(), threading.Event()

        def held_upsert(*args: Any, **kw: Any) -> Any:
            result = real_upsert(*args, **kw)
            if threading.current_thread() is collector:
                stored.set()
                assert erased.wait(60), "the erasure never ended"
            return result

        posts.upsert_posts = held_upsert
        outcome: dict[str, Any] = {}
        pipeline = build_pipeline(ws, skip=("enrich",))
        collector = threading.Thread(target=lambda: outcome.update(r=pipeline.ingest(batch())))
        collector.start()
        assert stored.wait(60)
        report = erase_author(ws, "claire")
        erased.set()
        collector.join(60)
        assert not collector.is_alive()
        del posts.upsert_posts
        assert report.posts == 1
        _no_trace_of_claire(split, ws)
        # Nothing after the commit acts on her post (alerts, notifications).
        assert [p.id for p in outcome["r"].new] == ["mastodon:b1"]
        # The same batch again (collected before the erasure, written after).
        again = build_pipeline(ws, skip=("enrich",)).ingest(batch())
        assert again.new == [] and again.unchanged == 1
        _no_trace_of_claire(split, ws)
        items = ws.state.inbox_items(_all_items())
        assert [i.post_id for i in items] == ["mastodon:b1"]


def _no_trace_of_claire(split: Split, ws: Workspace) -> None:
    store = split.chdb(ws)
    for found in (_chdb_dump(store).lower(), _pg_dump(split.state_url).lower()):
        for trace in ("claire", "zorglub", "mastodon:c1"):
            assert trace not in found, (trace, found)
    assert store.count_posts() == 1
    _rollup_matches_posts(store)


def test_a_story_found_during_an_erasure_is_keyed_anew_in_both_stores(split: Split) -> None:
    """Bob's near copy of her post joins her story (keyed by her post's id)
    in a state transaction that commits after the erasure (held here): the
    story's new key, not her post's id, is what both stores keep."""
    from veille.store.protocols.privacy import story_key

    story = "la fibre optique arrive enfin dans notre quartier de Lyon ce matin"

    def one(n: str, handle: str, text: str) -> list[Any]:
        when = NOW - timedelta(hours=3)
        return [make_post(n, text, author=Author(handle), published_at=when)]

    with Workspace.open(split.root) as ws:
        add_topic(ws.state, "fibre", "fibre", inbox=True)
        build_pipeline(ws).ingest(one("c0", "claire", story + " #zorglub"))
        in_tx, erased = threading.Event(), threading.Event()

        def held(tx: Any, result: Any, last: bool) -> None:
            in_tx.set()
            assert erased.wait(60), "the erasure never ended"

        outcome: dict[str, Any] = {}
        pipeline = build_pipeline(ws)
        collector = threading.Thread(
            target=lambda: outcome.update(r=pipeline.ingest(one("b1", "bob", story), state=held))
        )
        collector.start()
        assert in_tx.wait(60)
        erase_author(ws, "claire")
        erased.set()
        collector.join(60)
        assert not collector.is_alive()
        assert outcome["r"].clusters == {"mastodon:b1": story_key("mastodon:c0")}
        store = split.chdb(ws)
        for found in (_chdb_dump(store).lower(), _pg_dump(split.state_url).lower()):
            for trace in ("claire", "zorglub", "mastodon:c0"):
                assert trace not in found, (trace, found)
        (b1,) = store.get_posts(["mastodon:b1"])
        assert b1.cluster_id == story_key("mastodon:c0")
        import psycopg

        with psycopg.connect(split.state_url) as conn:
            rows = conn.execute("SELECT post_id, cluster_id FROM minhash").fetchall()
        assert rows == [("mastodon:b1", story_key("mastodon:c0"))]


class _HeldInsert:
    """A process's session to the posts server whose next insert of posts
    waits (after the write's check of whom erasures forgot) until ``go``."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.checked, self.go = threading.Event(), threading.Event()

    def insert(self, table: str, rows: Any, **kw: Any) -> Any:
        if table == "posts" and not self.go.is_set():
            self.checked.set()
            assert self.go.wait(60), "never let go"
        return self.client.insert(table, rows, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def _claire_and_bob(
    tmp_path: Path, request: pytest.FixtureRequest, state: str, posts_url: str
) -> tuple[Path, str, list[Any]]:
    """A workspace with its posts at ``posts_url`` and its state in a fresh
    PostgreSQL schema or a SQLite file (``state``), its state's URL, and the
    batch a collector writes there: a post of Claire's and one of Bob's."""
    if state == "postgresql":
        from veille.store.postgres.testing import fresh_schema_url

        state_url = fresh_schema_url(request.getfixturevalue("postgres_url"), tmp_path)
    else:
        state_url = "sqlite:///state.db"
    root = tmp_path / "ws"
    root.mkdir()
    (root / CONFIG_NAME).write_text(
        f'[store]\nposts = "{posts_url}"\nstate = "{state_url}"\n', encoding="utf-8"
    )
    batch = [
        make_post("c1", "la fibre zorglub en panne", author=Author("claire"),
                  published_at=NOW - timedelta(hours=3)),
        make_post("b1", "la fibre revient chez nous", author=Author("bob"),
                  published_at=NOW - timedelta(hours=2)),
    ]  # fmt: skip
    return root, state_url, batch


@pytest.mark.parametrize("state", ["postgresql", "sqlite"])
def test_an_erasure_in_another_process_waits_for_a_write_under_way(
    state: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two processes writing to one ClickHouse server: a collector (the
    workspace) has checked whom erasures forgot and is about to insert her
    post when the web app (another process: its own stores, the same server
    and state) erases her. The erasure waits for that insert, through the
    state store's lock, then deletes the post: it is not left behind. Two
    stores over one chDB session stand in for the two processes (each has
    its own lock of this process, as two processes would)."""
    from veille.store.clickhouse.store import ClickHouseStore
    from veille.store.registry import open_store

    root, state_url, batch = _claire_and_bob(tmp_path, request, state, "chdb:///posts.chdb")
    with Workspace.open(root) as ws:
        collector = ws.posts
        held = collector.client = _HeldInsert(collector.client)  # type: ignore[attr-defined]
        web_state = open_store(state_url, role="state", root=root)
        web = ClickHouseStore(held.client, "the web app's")
        web.forget_lock.across(lambda exclusive: web_state.forget_lock(exclusive=exclusive))
        writing = threading.Thread(
            target=build_pipeline(ws, skip=("enrich",)).ingest, args=(batch,)
        )
        writing.start()
        assert held.checked.wait(60)
        erasing = threading.Thread(target=web.erase_author_posts, args=("claire", None))
        erasing.start()
        erasing.join(2)
        waited = erasing.is_alive()
        held.go.set()
        writing.join(60)
        erasing.join(60)
        assert not writing.is_alive() and not erasing.is_alive()
        web_state.close()
        found = _chdb_dump(web).lower()
        for trace in ("claire", "zorglub", "mastodon:c1"):
            assert trace not in found, (trace, found)
        assert waited, "the erasure did not wait for the write under way"
        assert web.count_posts() == 1
        _rollup_matches_posts(web)


def _waiting_for_the_lock(state_url: str, pid: int) -> bool:
    """Whether process ``pid`` waits for the forget lock: a PostgreSQL
    advisory lock not granted, or (SQLite) a blocked ``flock`` of ``pid``."""
    if state_url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(state_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()
        return bool(row and row[0])
    locks = Path("/proc/locks").read_text(encoding="ascii").splitlines()
    return any("->" in line and f" {pid} " in line for line in locks)


@pytest.mark.parametrize("state", ["postgresql", "sqlite"])
def test_veille_privacy_erase_in_another_process_waits_for_a_write_to_a_server(
    state: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two real processes writing to one ClickHouse server over HTTP: this
    one's collector has checked whom erasures forgot and is about to insert
    her post when ``veille privacy erase`` runs in another process. The
    erasure waits for that insert (the state store's lock: seen waiting from
    outside), then deletes the post: nothing of her is left behind."""
    import subprocess
    import sys

    if sys.platform != "linux" and state == "sqlite":
        pytest.skip("reads /proc/locks")
    posts_url = clickhouse_posts_url("clickhouse", tmp_path, request)
    root, state_url, batch = _claire_and_bob(tmp_path, request, state, posts_url)
    with Workspace.open(root) as ws:
        store = ws.posts
        held = store.client = _HeldInsert(store.client)  # type: ignore[attr-defined]
        writing = threading.Thread(
            target=build_pipeline(ws, skip=("enrich",)).ingest, args=(batch,)
        )
        writing.start()
        assert held.checked.wait(60)
        erasing = subprocess.Popen(
            [sys.executable, "-c", "from veille.cli import main; main()",
             "privacy", "erase", "--author", "claire", "--yes", "--workspace", str(root)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            lock_url = state_url if state == "postgresql" else str(root / "state.db")
            deadline = time.monotonic() + 90
            while not _waiting_for_the_lock(lock_url, erasing.pid):
                assert erasing.poll() is None, erasing.communicate()
                assert time.monotonic() < deadline, "the erasure never reached the lock"
                time.sleep(0.1)
            time.sleep(0.5)
            assert erasing.poll() is None, "the erasure did not wait for the write under way"
        finally:
            held.go.set()
            writing.join(60)
            out, err = erasing.communicate(timeout=120)
        assert not writing.is_alive()
        assert erasing.returncode == 0, (out, err)
        found = _chdb_dump(store).lower()
        for trace in ("claire", "zorglub", "mastodon:c1"):
            assert trace not in found, (trace, found)
        assert store.count_posts() == 1
        _rollup_matches_posts(store)


def test_the_schedulers_upkeep_merges_the_settled_months_of_posts(
    split: Split, tmp_path: Path
) -> None:
    """The scheduler's hourly upkeep (veille run --role scheduler) merges
    each month of posts in several parts into one (the months that ended a
    week ago or more, and the current one while it is small), in the posts
    store of each layout (chDB, served, a server); within the hour it does
    nothing again."""
    from veille.pipeline.daemon import DaemonState, _upkeep

    config = split.root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    config.write_text(text.split("[privacy]")[0], encoding="utf-8")  # no retention
    rows = [_row(f"p{n}", f"user{n}", f"fibre {n}", 40 + n * 12) for n in range(8)]
    rows.append(_row("now", "user0", "fibre today", 0.2))
    with Workspace.open(split.root) as ws:
        store = split.chdb(ws)
        # Background merges leave the parts alone (OPTIMIZE does not ask them).
        store.client.command("ALTER TABLE posts MODIFY SETTING min_parts_to_merge_at_once = 100")
    _import(split, tmp_path, rows[::2])
    # Other parts of the same months: new posts, and two seen again with more likes.
    again = [{**r, "engagement": {"likes": 9}} for r in (rows[0], rows[-1])]
    _import(split, tmp_path, rows[1::2] + again)

    def parts(store: Any) -> dict[str, int]:
        found = store.rows(
            "SELECT partition_id, count() FROM system.parts WHERE active AND table = 'posts' "
            "AND database = currentDatabase() GROUP BY partition_id"
        )
        return {month: int(n) for month, n in found}

    def month(days_ago: float) -> str:
        at = NOW - timedelta(days=days_ago)
        return f"{at.year:04d}{at.month:02d}"

    recent = month(0.2)
    with Workspace.open(split.root) as ws:
        store = split.chdb(ws)
        before = parts(store)
        assert before[recent] > 1 and any(n > 1 for m, n in before.items() if m != recent)
        upkeep = DaemonState()
        _upkeep(ws, upkeep)
        assert parts(store) == dict.fromkeys(before, 1)
        assert store.count_posts() == 9
    _import(split, tmp_path, rows[-1:])  # fewer likes: the current month in two parts again
    with Workspace.open(split.root) as ws:
        _upkeep(ws, upkeep)  # within the hour: nothing
        assert parts(split.chdb(ws))[recent] == 2


@pytest.mark.parametrize("split", ["chdb"], indirect=True)
def test_inbox_retention_and_erasure_reach_the_inbox_in_postgresql(
    split: Split, tmp_path: Path
) -> None:
    """The inbox lives in the state store: ``inbox_days`` and an erasure
    delete items there, with their notes and the audit log's copies of them."""
    import psycopg

    from veille.inbox import items as inbox
    from veille.services import audit

    config = split.root / CONFIG_NAME
    config.write_text(config.read_text("utf-8") + "inbox_days = 30\n", encoding="utf-8")
    with Workspace.open(split.root) as ws:
        add_topic(ws.state, "fibre", "fibre", inbox=True)
    rows = [
        _row("c1", "claire", "fibre en panne", 1),
        _row("d1", "dominique", "fibre lente", 1),
        _row("b1", "bob", "fibre enfin", 1),
    ]
    _import(split, tmp_path, rows)
    with Workspace.open(split.root) as ws:
        ids = {i.author: i.id for i in ws.state.inbox_items(_all_items())}
        for who in ids:
            inbox.add_note(ws.state, ids[who], f"{who} au 06 12 34 56 0{len(who)}", actor="alice")
    with psycopg.connect(split.state_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE inbox_items SET updated_at = %s WHERE author = 'dominique'",
            (int((NOW - timedelta(days=40)).timestamp()),),
        )

    out = " ".join(split.cli("privacy", "purge").split())
    assert "1 inbox item untouched for 30 days deleted" in out
    split.cli("privacy", "erase", "--author", "claire", "--yes")

    dump = _pg_dump(split.state_url)
    assert "06 12 34 56 09" not in dump and "06 12 34 56 06" not in dump  # dominique, claire
    assert "bob au 06 12 34 56 03" in dump
    with Workspace.open(split.root) as ws:
        assert [i.author for i in ws.state.inbox_items(_all_items())] == ["bob"]
        notes = {e.target: e.detail for e in audit.list_entries(ws.state, action="inbox.note")}
    assert notes == {
        f"inbox:{ids['claire']}": "",
        f"inbox:{ids['dominique']}": "",
        f"inbox:{ids['bob']}": "bob au 06 12 34 56 03",
    }
    log = json.loads(split.cli("privacy", "log", "--format", "json"))
    assert [e["kind"] for e in log] == ["author", "inbox"]


@pytest.mark.parametrize("split", ["chdb", "veille+http"], indirect=True)
def test_access_reads_a_person_from_both_stores(split: Split, tmp_path: Path) -> None:
    """``veille privacy access``: their posts from the posts store (every
    field, the raw payload), their inbox items, notes, deliveries and audit
    entries from PostgreSQL."""
    from veille.inbox import items as inbox

    with Workspace.open(split.root) as ws:
        add_topic(ws.state, "fibre", "fibre", inbox=True)
    split.cli("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom")
    rows = [
        _row("c1", "claire", "fibre en panne", 1),
        _row("c2", "claire", "fibre sur bluesky", 1, platform="bluesky"),
        _row("b1", "bob", "fibre enfin", 1),
    ]
    _import(split, tmp_path, rows)
    _import(split, tmp_path, rows[:1])  # seen again: one version of each post in the report
    with Workspace.open(split.root) as ws:
        (item,) = [i for i in ws.state.inbox_items(_all_items()) if i.post_id == "mastodon:c1"]
        inbox.add_note(ws.state, item.id, "rappelée au 06 12 34 56 78", actor="alice")

    got = json.loads(split.cli("privacy", "access", "--author", "CLAIRE"))
    assert [p["id"] for p in got["posts"]] == ["bluesky:c2", "mastodon:c1"]
    for p in got["posts"]:  # the payload as it came
        assert '"account": "claire"' in json.dumps(p["raw"]), p["raw"]
    assert sorted(i["post_id"] for i in got["inbox_items"]) == ["bluesky:c2", "mastodon:c1"]
    assert {d["post_id"] for d in got["alert_deliveries"]} == {"mastodon:c1", "bluesky:c2"}
    assert [e["detail"] for e in got["audit_entries"]] == ["rappelée au 06 12 34 56 78"]
    assert "bob" not in json.dumps(got)
    logged = [
        line for line in _pg_dump(split.state_url).splitlines() if line.startswith("audit_log:")
    ]
    assert any("privacy.access" in line for line in logged)
    assert not any("claire" in line.lower() for line in logged)  # a keyed hash names her


@pytest.mark.parametrize("split", ["chdb"], indirect=True)
def test_an_erasure_takes_the_person_out_of_spike_events_in_postgresql(
    split: Split, tmp_path: Path
) -> None:
    from collections import Counter

    from veille.alerts.monitors import spike_message

    with Workspace.open(split.root) as ws:
        add_topic(ws.state, "fibre", "fibre")
    split.cli("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom")
    _import(split, tmp_path, [_row("c1", "claire", "fibre", 1), _row("b1", "bob", "fibre", 1)])
    with Workspace.open(split.root) as ws:
        alert = ws.state.find_alert("fibre")
        assert alert is not None and alert.id is not None
        event = spike_message(
            alert, 12, 2.0, 5.0, Counter(), Counter(claire=9, bob=3), Counter(mastodon=12)
        )
        ws.state.queue_event(alert.id, "spike:1", event, 0.0, 0.0)
    assert "claire" in _pg_dump(split.state_url)
    # The subject access request says the event names her (it did not).
    held = json.loads(split.cli("privacy", "access", "--author", "Claire"))["alert_events"]
    assert [(e["alert"], e["event"]) for e in held] == [("fibre", "spike:1")]

    report = json.loads(split.cli("privacy", "erase", "--author", "claire", "--yes", "-f", "json"))
    assert report["removed"]["alert_payloads"] == 1
    dump = _pg_dump(split.state_url)
    assert "claire" not in dump.lower() and "Authors: [erased] (9), bob (3)" in dump


def test_retention_takes_the_monitor_events_older_than_the_period_out_of_postgresql(
    split: Split, tmp_path: Path
) -> None:
    """A spike's event names its top authors and is keyed by its hour, not
    a post: it stayed in PostgreSQL's outbox for ever under retention_days.
    Delivered events older than the period go; one not delivered yet stays."""
    from collections import Counter

    from veille.alerts.monitors import spike_message

    with Workspace.open(split.root) as ws:
        add_topic(ws.state, "fibre", "fibre")
    split.cli("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom")
    _import(split, tmp_path, [_row("c1", "claire", "fibre", 1)])
    old = (NOW - timedelta(days=60)).timestamp()
    recent = (NOW - timedelta(days=2)).timestamp()
    later = (NOW + timedelta(days=1)).timestamp()
    with Workspace.open(split.root) as ws:
        alert = ws.state.find_alert("fibre")
        assert alert is not None and alert.id is not None
        event = spike_message(
            alert, 12, 2.0, 5.0, Counter(), Counter(claire=9, bob=3), Counter(mastodon=12)
        )
        ws.state.queue_event(alert.id, "spike:old", event, old, old)
        ws.state.queue_event(alert.id, "spike:recent", event, recent, recent)
        ws.state.queue_event(alert.id, "report:old-not-sent-yet", event, later, old)
    split.cli("alert", "dispatch")
    split.cli("privacy", "purge")
    dump = _pg_dump(split.state_url)
    assert "spike:old" not in dump
    assert "spike:recent" in dump and "report:old-not-sent-yet" in dump


def test_an_erasure_objects_to_their_later_posts_until_lifted_on_a_split_workspace(
    split: Split, tmp_path: Path
) -> None:
    """As on SQLite (tests/test_privacy.py): after an erasure the person's
    later posts were collected and stored in ClickHouse as anyone's; now
    they are refused, counted in the source's health and the privacy log in
    PostgreSQL, until ``veille privacy lift``."""
    from veille.services.disclosure import erasure_log

    feed = tmp_path / "feed.jsonl"

    def publish(*rows: dict[str, object]) -> None:
        with feed.open("a", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)

    def kept(ws: Workspace) -> set[str]:
        return {p.id for p in ws.posts.get_posts([f"mastodon:{n}" for n in "12345"])}

    publish(_row("1", "claire", "fibre", 1), _row("2", "bob", "fibre", 1))
    split.cli("source", "add", "file", str(feed), "--name", "feed")
    split.cli("collect", "--once")
    split.cli("privacy", "erase", "--author", "claire", "--yes")
    # Posts are dated to the second: hers, two seconds on, come after the
    # erasure's (rather than a second waited).
    now = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    publish(_row("3", "Claire", "fibre", 0, published_at=now),
            _row("4", "bob", "fibre", 0, published_at=now))  # fmt: skip
    split.cli("collect", "--once")
    with Workspace.open(split.root) as ws:
        assert kept(ws) == {"mastodon:2", "mastodon:4"}
        (health,) = ws.state.source_health("feed")
        assert health.suppressed == 1
        (day,) = erasure_log(ws, kind="suppressed")
        assert (day.posts, day.details) == (1, {"feed": 1})
    assert json.loads(split.cli("privacy", "access", "--author", "claire"))["objections"] == ["*"]
    split.cli("privacy", "lift", "--author", "claire", "--yes")
    assert json.loads(split.cli("privacy", "access", "--author", "claire"))["objections"] == []
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    publish(_row("5", "claire", "fibre", 0, published_at=later))
    split.cli("collect", "--once")
    with Workspace.open(split.root) as ws:
        assert kept(ws) == {"mastodon:2", "mastodon:4", "mastodon:5"}
        assert [e.kind for e in erasure_log(ws)] == ["lift", "suppressed", "author"]
