"""End to end: simulated posts through the pipeline reach an alert; a SIGKILL
between commit and send (a real subprocess), then a restart, delivers once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.alerts.conftest import make_post
from veille.alerts.model import Alert, AlertBook
from veille.pipeline import build_pipeline
from veille.query import compile_query
from veille.records import post_to_record
from veille.sim.generate import SimConfig, generate_posts
from veille.workspace import Workspace, init_workspace


def test_simulated_posts_reach_an_instant_alert(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(name="orbita", query="orbita", channel_url=f"webhook+{receiver.url}")
    )
    posts = list(generate_posts(SimConfig(seed=3, days=7, posts_per_day=40, spike_posts=0,
                                          end=datetime(2026, 11, 1, tzinfo=UTC))))  # fmt: skip
    pipeline = build_pipeline(workspace)
    for i in range(0, len(posts), 50):
        pipeline.ingest(posts[i : i + 50])
    q = compile_query("orbita")
    stored = {p.id for p in workspace.store.iter_posts()}
    expected = {p.id for p in posts if p.id in stored and q.matches(p)}
    assert expected
    got = [p["id"] for r in receiver.accepted() for p in r["json"]["posts"]]
    assert sorted(got) == sorted(expected)  # each once, none missing


def _workspace(root: Path, timeout: float) -> None:
    init_workspace(root)
    (root / "veille.toml").write_text(
        "[http]\nallow_private_networks = true\n\n"
        f"[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = {timeout}\n"
    )


def _veille(args: list[str], root: Path, **env: str) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **env}
    return subprocess.Popen(
        [sys.executable, "-m", "veille", *args, "-w", str(root)],
        env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _setup(tmp_path: Path, receiver, timeout: float) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    root = tmp_path / "ws"
    _workspace(root, timeout)
    with Workspace.open(root) as ws:
        AlertBook(ws.store).add(
            Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
        )
    data = tmp_path / "posts.jsonl"
    data.write_text(json.dumps(post_to_record(make_post(1, "Lumio outage in Lyon"))) + "\n")
    return root, data


def _finish(root: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    restart = _veille(["alert", "dispatch"], root)
    out = restart.communicate(timeout=60)[0].decode()
    assert restart.returncode == 0, out
    again = _veille(["alert", "dispatch"], root)
    again.communicate(timeout=60)
    accepted = receiver.accepted()
    assert [p["id"] for r in accepted for p in r["json"]["posts"]] == ["mastodon:1"]
    with Workspace.open(root) as ws:
        rows = ws.store.conn.execute("SELECT post_id, status FROM deliveries").fetchall()
    assert rows == [("mastodon:1", "sent")]


# The real import, in a process that dies between the commit and the send.
_KILLED_AFTER_COMMIT = """
import os, signal, sys
from pathlib import Path
from veille.importer import import_file
from veille.pipeline import build_pipeline
from veille.workspace import Workspace

with Workspace.open(sys.argv[1]) as ws:
    pipeline = build_pipeline(ws)
    for stage in pipeline.stages:
        if stage.name == "alerts":
            stage.after_commit = lambda result: os.kill(os.getpid(), signal.SIGKILL)
    import_file(pipeline, Path(sys.argv[2]))
"""


@pytest.mark.slow
def test_sigkill_after_commit_before_send_delivers_once(tmp_path: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    root, data = _setup(tmp_path, receiver, 1.0)
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_AFTER_COMMIT, str(root), str(data)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert receiver.requests == []
    with Workspace.open(root) as ws:  # the post and its delivery committed together
        assert ws.store.get_post("mastodon:1") is not None
        assert ws.store.conn.execute("SELECT status FROM deliveries").fetchall() == [("pending",)]
    _finish(root, receiver)
    assert len(receiver.requests) == 1


@pytest.mark.slow
def test_sigkill_during_send_then_restart_is_dropped_as_a_repeat(tmp_path: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    root, data = _setup(tmp_path, receiver, 1.5)
    receiver.script = ["hang"]  # the receiver gets it, the sender never hears back
    child = _veille(["import", str(data)], root)
    # A loaded machine may take long to start the import: kill it only once
    # the receiver holds the send, which is what this test is about.
    receiver.wait(1, timeout=120)
    assert len(receiver.requests) == 1
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    time.sleep(3.6)  # the claim's lease (send timeout + 2 s) runs out
    _finish(root, receiver)
    # Sent twice, with the same delivery id: the receiver keeps one.
    assert len(receiver.requests) == 2
    assert len({r["delivery"] for r in receiver.requests}) == 1


def test_a_post_collected_from_the_simulator_reaches_an_instant_alert(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    from veille.config import HttpSettings
    from veille.http import HttpClient
    from veille.pipeline.collect import collect
    from veille.services.sources import add_source
    from veille.sim.feeds import author_feed_path
    from veille.sim.server import SimClock, Simulator, SimWorld

    end = datetime(2026, 10, 1, tzinfo=UTC)
    cfg = SimConfig(seed=7, days=8, end=end, spike_day=3, posts_per_day=60, spike_posts=50)
    with Simulator(SimWorld.generate(cfg, SimClock(end))) as sim:
        world = sim.world
        handle = max(world.authors("mastodon"),
                     key=lambda h: len(world.by_author[("mastodon", h)]))  # fmt: skip
        feed = sim.url("mastodon", author_feed_path("mastodon", handle))
        add_source(workspace.store, "feeds", feed, name="m", options={"max_pages": "10"})
        AlertBook(workspace.store).add(
            Alert(name="all", query="platform:mastodon", channel_url=f"webhook+{receiver.url}")
        )
        http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=1))
        (run,) = collect(workspace, http=http)
        http.close()
    assert run.ok and run.new_posts > 0
    stored = sorted(p.id for p in workspace.store.iter_posts())
    delivered = sorted(p["id"] for r in receiver.accepted() for p in r["json"]["posts"])
    assert delivered == stored
    statuses = workspace.store.conn.execute("SELECT DISTINCT status FROM deliveries").fetchall()
    assert statuses == [("sent",)]


def _untitled_feed(summary: str) -> str:
    """An RSS feed whose one item has neither guid nor link (a CMS that gives
    neither: a title, a date and a description)."""
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Lumio</title>'
        "<link>https://lumio.example/</link><item><title>Lumio lamp recall</title>"
        "<pubDate>Fri, 30 Oct 2026 09:00:00 GMT</pubDate>"
        f"<description>{summary}</description></item></channel></rss>"
    )


def test_a_feed_entry_given_again_with_its_summary_edited_updates_its_post(
    workspace, receiver
) -> None:  # type: ignore[no-untyped-def]
    """An entry with neither guid nor link, published again with only its
    summary edited (a correction), came back as new: a second post beside
    the first and a second alert. Its key hashed its title and summary; it
    is now named by its title and date: the same post, updated in place
    (search finds the new words), and no second alert."""
    from veille.config import HttpSettings
    from veille.http import HttpClient
    from veille.pipeline.collect import collect
    from veille.services.sources import add_source
    from veille.sim.server import Reply, Route, SimClock, Simulator, SimWorld

    feed = {"body": _untitled_feed("The Lumio lamp is recalled in France.")}
    world = SimWorld.generate(
        SimConfig(seed=7, days=1, posts_per_day=1), SimClock(datetime.now(UTC))
    )
    http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=1))
    with Simulator(world) as sim:
        sim.add_host("cms", [Route("GET", r"/rss", lambda r: Reply.xml(feed["body"]))]).start()
        add_source(workspace.store, "feeds", sim.url("cms", "/rss"), name="cms")
        AlertBook(workspace.store).add(
            Alert(name="recall", query="lumio", channel_url=f"webhook+{receiver.url}")
        )
        (first,) = collect(workspace, http=http)
        assert first.ok and first.new_posts == 1
        feed["body"] = _untitled_feed("The Lumio lamp is recalled in France and Belgium.")
        (again,) = collect(workspace, http=http, force=True)
    http.close()
    assert again.ok and again.new_posts == 0 and again.updated == 1
    (post,) = workspace.store.iter_posts()
    assert post.text == "The Lumio lamp is recalled in France and Belgium."
    assert [p.id for p in workspace.store.search("belgium")] == [post.id]
    delivered = [p["id"] for r in receiver.accepted() for p in r["json"]["posts"]]
    assert delivered == [post.id]
