"""Commands over posts in chDB or behind ``veille+http`` (a chDB store served
by ``veille store serve-posts`` on loopback) with the state in PostgreSQL:
story copies and sentiment corrections read the post where the posts are;
the calls the endpoint does not serve fail with one clear error, its token
masked; ``serve-posts`` checks its address before it opens the posts."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.enrich.test_clusters_cli import STORY, mk
from tests.scale.conftest import split_root
from veille.cli import build_app
from veille.errors import ConfigError, NotServed, StoreError
from veille.models import Post
from veille.pipeline import build_pipeline
from veille.store.remote.client import RemotePostStore
from veille.workspace import Workspace, init_workspace

pytest.importorskip("chdb")

TOKEN = "hunter2-token"


def run(root: Path, *args: str) -> Any:
    return CliRunner().invoke(build_app(), [*args, "--workspace", str(root)])


def _ingest(root: Path, posts: list[Post]) -> None:
    with Workspace.open(root) as ws:
        build_pipeline(ws).ingest(posts)


def _story(root: Path) -> None:
    copy = STORY + ". via @techdaily"
    _ingest(root, [mk(1, STORY, "wire"), mk(2, "Vexa opens a new store in Lyon today", "vexa")])
    _ingest(
        root, [mk(3, copy, "techdaily", day=6), mk(4, "I love this phone, it is wonderful", "bob")]
    )


@dataclass
class Served:
    root: Path
    url: str  # with its token


@pytest.fixture
def chdb_ws(tmp_path: Path, state_url: str) -> Path:
    """Posts in chDB, state in PostgreSQL."""
    return split_root(tmp_path / "ws", state_url, "chdb:///posts")


@pytest.fixture
def served_ws(tmp_path: Path, state_url: str) -> Iterator[Served]:
    """Posts in a chDB store served on loopback (with a token), state in PostgreSQL."""
    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.remote.server import PostServer

    held = ChdbBackend().open(f"chdb:///{tmp_path / 'served.chdb'}", root=tmp_path)
    server = PostServer(held, token=TOKEN).start()
    url = f"{server.url}?token={TOKEN}"
    try:
        yield Served(split_root(tmp_path / "ws", state_url, url), url)
    finally:
        server.stop()
        held.close()


def _clean_failure(result: Any, *expected: str) -> str:
    """A one-line error (a VeilleError), not a traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output
    return str(result.output)


def test_copies_of_a_story_are_read_from_the_chdb_posts(chdb_ws: Path) -> None:
    _story(chdb_ws)
    result = run(chdb_ws, "copies", "rss:3", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["cluster_id"] == "rss:1"
    assert [c["author"] for c in data["copies"]] == ["wire", "techdaily"]
    assert [c["representative"] for c in data["copies"]] == [True, False]
    missing = run(chdb_ws, "copies", "rss:99")
    _clean_failure(missing, "no post with id 'rss:99'")


def test_a_correction_over_split_stores_records_the_models_label(chdb_ws: Path) -> None:
    _story(chdb_ws)
    with Workspace.open(chdb_ws) as ws:
        post = ws.posts.get_post("rss:4")
    assert post is not None and post.sentiment is not None
    assert post.sentiment.label == "positive"
    first = run(chdb_ws, "sentiment", "correct", "rss:4", "negative", "--by", "ana")
    assert first.exit_code == 0, first.output
    assert "rss:4: positive → negative" in first.output
    again = run(chdb_ws, "sentiment", "correct", "rss:4", "neutral")
    assert "rss:4: negative → neutral" in again.output
    report = run(chdb_ws, "sentiment", "corrections", "--format", "json")
    data = json.loads(report.stdout)
    assert [c["old_label"] for c in data["corrections"]] == ["negative", "positive"]
    # The model said positive; the user says neutral now: it did not agree.
    assert data["accuracy"]["reviewed"] == 1 and data["accuracy"]["model_agreed"] == 0
    assert data["accuracy"]["confusion"] == [{"model": "positive", "user": "neutral", "count": 1}]


def test_calls_the_endpoint_does_not_serve_fail_clearly_with_the_token_masked(
    served_ws: Served,
) -> None:
    root = served_ws.root
    _story(root)  # ingest is served
    assert run(root, "topic", "add", "lumio", "lumio").exit_code == 0
    for args in (
        ["search", "lumio"],
        ["volume", "--topic", "lumio"],
        ["volume"],
        ["sov", "--topic", "lumio"],
        ["trends"],
        ["influencers"],
        ["stats"],
        ["sentiment", "correct", "rss:4", "negative"],
        ["copies", "rss:3"],
    ):
        result = run(root, *args)
        out = _clean_failure(result, "is not served by the posts endpoint", "token=****")
        assert TOKEN not in out, (args, out)
    # The library API: one error class, naming the call.
    store = RemotePostStore(served_ws.url)
    for name in ("search", "top_authors", "gave_counts", "story_copies", "stats", "set_sentiment"):
        with pytest.raises(NotServed, match=f"^{name} is not served") as refused:
            getattr(store, name)("x")
        assert TOKEN not in str(refused.value) and "serve-posts" in (refused.value.hint or "")
    # What it does serve still answers; probes of optional calls still find none.
    assert store.count_posts() == 4
    assert getattr(store, "transaction", None) is None
    assert getattr(store, "accounts_on", None) is None and not hasattr(store, "search")
    store.close()


def test_the_endpoints_token_never_shows_in_its_errors(tmp_path: Path) -> None:
    url = "veille+http://127.0.0.1:1?token=hunter2"
    with pytest.raises(StoreError) as down:
        RemotePostStore(url).count_posts()
    assert "does not answer" in down.value.message
    assert "hunter2" not in str(down.value) and "token=****" in down.value.message
    with pytest.raises(StoreError) as walk:
        list(RemotePostStore(url).iter_posts())
    assert "hunter2" not in str(walk.value)
    with pytest.raises(ConfigError) as bad:
        RemotePostStore("veille+http://127.0.0.1?token=hunter2")
    assert "hunter2" not in str(bad.value)
    # Through the command that found it: a copy to an endpoint that is down.
    root = init_workspace(tmp_path / "ws")
    result = run(root, "store", "migrate", "--to", url)
    assert result.exit_code != 0
    assert "hunter2" not in result.output, result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "-1"], "--port"),
        (["--host", "10.9.9.9", "--port", "0"], "--host"),
        (["--host", "no-such-host.invalid", "--port", "0"], "--host"),
    ],
)
def test_serve_posts_checks_its_address_before_opening_the_posts(
    chdb_ws: Path, args: list[str], option: str
) -> None:
    result = run(chdb_ws, "store", "serve-posts", *args)
    assert result.exit_code == 2, result.output
    _clean_failure(result, option)
    assert not (chdb_ws / "posts").exists()  # chDB was never opened


def test_serve_posts_on_a_busy_port_names_the_port(chdb_ws: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run(chdb_ws, "store", "serve-posts", "--port", str(port))
    assert result.exit_code == 2, result.output
    _clean_failure(result, "--port", f"127.0.0.1:{port}")
    assert not (chdb_ws / "posts").exists()


def test_whether_posts_gave_counts_is_asked_where_the_posts_are(tmp_path: Path) -> None:
    """``gave_counts`` (the top lists ask it before reading which 0s are
    known) is a posts call: through a workspace whose posts are in chDB and
    whose state is in SQLite it reached the state store, which keeps no post
    and answered (False, False) where chDB said (True, True)."""
    from datetime import UTC, datetime, timedelta

    from tests.conftest import make_post
    from veille.analytics.scope import Period, Scope

    root = split_root(tmp_path / "ws", "sqlite:///state.db", "chdb:///posts")
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    posts = [
        make_post(str(i), f"Lumio {i}", published_at=start + timedelta(minutes=i)) for i in range(3)
    ]
    _ingest(root, posts)
    scope = Scope().during(
        Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    )
    with Workspace.open(root) as ws:
        assert ws.posts.gave_counts(scope) == (True, True)
        assert ws.store is not ws.posts  # two stores: the call is routed
        assert ws.store.gave_counts(scope) == (True, True)


def test_what_erasures_forgot_and_purged_figures_are_asked_where_the_posts_are(
    tmp_path: Path,
) -> None:
    """The record of what erasures forgot and the figures of purged posts are
    kept by the posts store. Through a workspace whose posts are in chDB and
    whose state is in SQLite they reached the state store, whose tables of
    the same names are empty: ``ws.store.forgotten_records()`` said nothing
    was forgotten after an erasure, ``ws.store.purged_rollup()`` that
    nothing was purged after a retention purge."""
    from datetime import UTC, datetime, timedelta

    from tests.conftest import make_post
    from veille.services.privacy import erase_author
    from veille.services.retention import apply_retention

    root = split_root(tmp_path / "ws", "sqlite:///state.db", "chdb:///posts")
    now = datetime.now(UTC)
    old = now - timedelta(days=40)
    _ingest(
        root,
        [
            make_post("1", "Lumio old", published_at=old),
            make_post("2", "Lumio new", published_at=now - timedelta(hours=1)),
        ],
    )
    # Set after: the old post was collected while fresh (ingested under
    # this retention, it is left out).
    (root / "veille.toml").write_text(
        (root / "veille.toml").read_text(encoding="utf-8") + "[privacy]\nretention_days = 25\n",
        encoding="utf-8",
    )
    with Workspace.open(root) as ws:
        assert ws.store is not ws.posts  # two stores: the calls are routed
        erase_author(ws, "someone-else")
        apply_retention(ws, now=now)
        forgotten = ws.posts.forgotten_records()
        assert forgotten, "the erasure recorded whom it forgot"
        assert ws.store.forgotten_records() == forgotten
        rollup = ws.posts.purged_rollup()
        assert rollup, "the purge kept the figures of the post it deleted"
        for name in ("purged_rollup", "purged_topic_totals", "purged_entities", "purged_authors"):
            assert getattr(ws.store, name)() == getattr(ws.posts, name)(), name
        assert ws.store.forgotten_ids([make_post("1", "x", published_at=old)]) == []


def test_every_public_call_of_a_posts_store_is_declared_or_named_here() -> None:
    """A split workspace sends a call to the posts store only when a protocol
    ``veille.store.split`` reads declares it; a public method a posts store
    has that is neither declared nor listed here (with why it stays with the
    state store or is the store's own) would reach the state store."""
    from veille.store.clickhouse.store import ClickHouseStore
    from veille.store.split import POST_NAMES

    not_posts_calls = {
        "close": "each store closes itself",
        "rules_version": "counts the saved queries, which are state",
        "file_posts": "the state's filings; echoed to the posts store on ingest",
        "set_clusters": "the state's clusters; echoed to the posts store on ingest",
        "ping": "asked of ws.posts by the sign-in page",
        "compact_months": "asked of ws.posts by the daemon",
        "settle_cut_erasures": "asked of ws.posts by veille.services.privacy",
        "erasures_left": "asked of ws.posts by veille.services.privacy",
        "mark_erasures_scanned": "asked of ws.posts by veille.services.privacy",
        # The ClickHouse store's own parts, which its mixins share:
        "rows": "",
        "write_row": "",
        "scoped": "",
        "source": "",
        "tick": "",
        "ticks": "",
        "write_filings": "",
        "matching_ids": "",
        "posts_at": "",
        "posts_by_id": "",
    }
    public = {
        n
        for n in dir(ClickHouseStore)
        if not n.startswith("_") and callable(getattr(ClickHouseStore, n, None))
    }
    undeclared = sorted(public - POST_NAMES - set(not_posts_calls))
    assert undeclared == [], f"declare them in a protocol split.py reads: {undeclared}"
