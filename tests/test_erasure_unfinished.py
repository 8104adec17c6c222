"""A real ``veille privacy erase`` killed midway (SIGKILL, as a crash, a
deploy or a reboot does) used to leave no trace: the person's remaining
posts stayed until someone ran the same erase again, and nothing said so.
Now the erasure is recorded unfinished as it begins: ``veille privacy
log`` and ``/healthz`` show it with what to do, ``veille store migrate``
refuses to move meanwhile, and ``veille run`` (the scheduler's pass)
finishes it: the person's posts are gone, each rollup equals a fresh count,
the log has one entry. On SQLite and on chDB + PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import veille
from tests.pipeline.test_daemon_live import VEILLE, _env
from tests.test_erasure_killed import (
    _chdb_figures,
    _cli,
    _killed_at,
    _split_workspace,
    _split_workspace_and_state,
    _sqlite_figures,
    _workspace,
    _workspace_on,
)
from tests.web.server import add_role_users, serve
from veille.cli import build_app
from veille.config import CONFIG_NAME
from veille.web.deps import SESSION_COOKIE
from veille.workspace import Workspace


def _resume_at_once(ws: Path) -> None:
    """``[privacy] erasure_resume_minutes = 0``: veille run takes an unfinished
    erasure over at its next pass (by default it waits an hour after its start)."""
    config = ws / CONFIG_NAME
    text = config.read_text("utf-8")
    if "[privacy]\n" in text:
        text = text.replace("[privacy]\n", "[privacy]\nerasure_resume_minutes = 0\n", 1)
    else:
        text += "\n[privacy]\nerasure_resume_minutes = 0\n"
    config.write_text(text, "utf-8")


def _finished_by_run(ws: Path, tmp_path: Path) -> str:
    """``veille run --role scheduler`` until it says it finished the erasure; its log."""
    _resume_at_once(ws)
    err = tmp_path / "run.log"
    with err.open("w", encoding="utf-8") as sink:
        proc = subprocess.Popen(
            [*VEILLE, "run", "--role", "scheduler", "--tick", "0.3"],
            env=_env(ws), stdout=subprocess.DEVNULL, stderr=sink,
        )  # fmt: skip
        try:
            end = time.monotonic() + 120
            while time.monotonic() < end and "finished:" not in err.read_text("utf-8"):
                assert proc.poll() is None, err.read_text("utf-8")
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    return err.read_text("utf-8")


@pytest.mark.parametrize("point", ["sqlite", "marked"])
def test_an_erasure_killed_midway_is_seen_refuses_a_migration_and_run_finishes_it(
    point: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if point == "sqlite":
        ws = _workspace(tmp_path)
        figures, elsewhere = _sqlite_figures, ["--to", "sqlite:///moved.db"]
    else:
        ws = _split_workspace(tmp_path, request)
        figures, elsewhere = _chdb_figures, ["--posts", "chdb:///moved.chdb"]
    add_role_users(ws)

    _killed_at(point, ws)
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) != []  # the kill left some

    # Seen where one looks: the erasure log's command, /healthz.
    said = CliRunner().invoke(build_app(), ["privacy", "log", "--workspace", str(ws)])
    assert said.exit_code == 0, said.output
    assert "erasure of claire" in said.stderr and "unfinished" in said.stderr
    assert "veille run finishes it" in said.stderr
    with serve(ws) as site:
        anonymous = httpx.get(site.url + "/healthz", timeout=30).json()
        assert anonymous["unfinished_erasures"] == 1
        assert "erasures" not in anonymous  # the person's handle: never to anyone
        cookies = {SESSION_COOKIE: site.session("viewer")}
        signed = httpx.get(
            site.url + "/healthz", cookies=cookies, headers={"Accept-Language": "fr"}, timeout=30
        ).json()
        [e] = signed["erasures"]
        assert "claire" not in json.dumps(signed)  # named as the erasure log names them
        assert e["platform"] is None and e["subject"].startswith("a-")
        assert "inachevé" in e["message"] and "veille run" in e["hint"]

    # A migration now would carry half-done state: refused, naming it.
    moved = CliRunner().invoke(
        build_app(), ["store", "migrate", *elsewhere, "--workspace", str(ws)]
    )
    assert moved.exit_code != 0
    assert "erasure of claire" in moved.stderr and "Finish it first" in moved.stderr
    assert not (ws / "moved.db").exists() and not (ws / "moved.chdb").exists()

    run_log = _finished_by_run(ws, tmp_path)
    assert f"unfinished erasure {e['subject']} (begun" in run_log
    assert "claire" not in run_log

    rolled, fresh = figures(ws)
    assert rolled == fresh
    if point == "sqlite":
        assert fresh == [3, 10 + 11 + 12 + 3, 3]  # bob's three posts, counted once
    log = json.loads(_cli(ws, "privacy", "log", "--kind", "author", "--format", "json"))
    assert [e["kind"] for e in log] == ["author"]
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) == []
        assert w.state.unfinished_erasures() == []
    with serve(ws) as site:
        assert httpx.get(site.url + "/healthz", timeout=30).json()["unfinished_erasures"] == 0


def test_an_unfinished_erasure_that_fails_leaves_the_daemon_running_and_the_others_finish(
    tmp_path: Path,
) -> None:
    ws = _workspace(tmp_path)
    _killed_at("sqlite", ws)
    with Workspace.open(ws) as w:
        # A row no erasure can finish (an empty handle: refused) begun first.
        w.state.begin_erasure("", "mastodon")
    run_log = _finished_by_run(ws, tmp_path)  # it asserts the process stayed up
    assert "finishing unfinished erasures failed" in run_log and "--author is empty" in run_log
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) == []
        [left] = w.state.unfinished_erasures()
        assert (left.handle, left.platform) == ("", "mastodon")


def test_an_erasure_begun_within_the_hour_is_not_taken_over(tmp_path: Path) -> None:
    """An erasure may still be running in another process (a long one
    outlasts many of veille run's passes): the scheduler takes over only one
    begun [privacy] erasure_resume_minutes ago (60 by default), never the same
    erasure twice at once."""
    from datetime import timedelta

    from veille.services.privacy import finish_erasures

    ws = _workspace(tmp_path)
    with Workspace.open(ws) as w:
        w.state.begin_erasure("claire", None)
        [begun] = w.state.unfinished_erasures()
        assert finish_erasures(w, now=begun.started_at + timedelta(minutes=59)) == []
        assert w.posts.author_post_ids("claire", None) != []
        [(e, report)] = finish_erasures(w, now=begun.started_at + timedelta(minutes=61))
        assert e.handle == "claire" and not isinstance(report, Exception) and report.posts > 0
        assert w.posts.author_post_ids("claire", None) == []
        assert w.state.unfinished_erasures() == []


# The real command, stopped (it sleeps until killed) as it rewrites the first
# Atom feed of an alert.
_AT_FEEDS = """
import sys, time
from veille.services import privacy

def stop(*args, **kwargs):
    print("stopped", flush=True)
    time.sleep(600)

privacy._drop_atom_entries = stop
from veille.cli import build_app
build_app()(["privacy", "erase", "--author", "claire", "--yes", "--workspace", sys.argv[1]])
"""


@pytest.mark.parametrize("point", ["sqlite", "split"])
def test_an_erasure_killed_before_the_atom_feeds_are_rewritten_is_unfinished_and_run_does_it(
    point: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Killed as it rewrote the alerts' Atom feeds, an erasure used to be
    logged done already: the person's entries stayed in alerts/*.atom and
    nothing said so. Now the feeds come before the erasure is marked done:
    it is unfinished, and veille run takes their entries out."""
    ws = _workspace_on(point, tmp_path, request)
    _cli(ws, "alert", "add", "fibre", "--to", "atom:alerts/fibre.atom")
    with Workspace.open(ws) as w:
        claire = w.posts.author_post_ids("claire", None)
        bob = w.posts.author_post_ids("bob", None)
    assert len(claire) == 6 and bob
    # The alert's feed holds entries of her posts and of bob's, as the channel writes them.
    feed = ws / "alerts" / "fibre.atom"
    feed.parent.mkdir(exist_ok=True)
    entries = "".join(
        f"<entry><id>urn:veille:1:{pid}</id><title>t</title><author><name>a</name></author></entry>"
        for pid in [*claire, *bob]
    )
    feed.write_text(
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>f</id>{entries}</feed>',
        encoding="utf-8",
    )

    env = {**os.environ, "PYTHONPATH": str(Path(veille.__file__).parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", _AT_FEEDS, str(ws)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "stopped", "it never reached the feeds"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(60)
    assert all(f"<id>urn:veille:1:{pid}</id>" in feed.read_text("utf-8") for pid in claire)
    with Workspace.open(ws) as w:
        assert [e.handle for e in w.state.unfinished_erasures()] == ["claire"]

    _finished_by_run(ws, tmp_path)
    kept = feed.read_text("utf-8")
    assert not [pid for pid in claire if f"<id>urn:veille:1:{pid}</id>" in kept]
    assert all(f"<id>urn:veille:1:{pid}</id>" in kept for pid in bob)
    log = json.loads(_cli(ws, "privacy", "log", "--kind", "author", "--format", "json"))
    assert [e["kind"] for e in log] == ["author"]
    assert f"atom_entries={len(claire)}" in log[0]["removed"]
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) == []
        assert w.state.unfinished_erasures() == []


def _staged(ws: Path) -> int:
    with Workspace.open(ws) as w:
        return int(
            w.posts.rows(
                "SELECT count() FROM system.tables WHERE database = currentDatabase() "
                "AND startsWith(name, 'erasing_')"
            )[0][0]
        )


@pytest.mark.parametrize("point", ["marked", "moving"])
def test_what_an_erasure_cut_before_it_was_recorded_staged_is_settled_and_it_is_finished(
    point: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """An erasure killed with its rollup take-out staged (``erasing_*``
    tables in ClickHouse: before its mark, or while moving them in), by a
    release that did not record erasures unfinished: nothing said so, the
    staging tables stayed and the person's remaining posts too. Now veille
    run settles what was staged (each post taken out of the rollups once),
    records the erasure unfinished, says so, and finishes it."""
    import psycopg

    ws, state = _split_workspace_and_state(tmp_path, request)
    _killed_at(point, ws)
    with psycopg.connect(state, autocommit=True) as conn:  # as an earlier release left it
        conn.execute("DELETE FROM erasures_unfinished")
    assert _staged(ws) > 0
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) != []
        assert w.state.unfinished_erasures() == []

    run_log = _finished_by_run(ws, tmp_path)
    assert "was cut before it was recorded" in run_log and "claire" not in run_log
    assert _staged(ws) == 0
    rolled, fresh = _chdb_figures(ws)
    assert rolled == fresh  # each of her posts taken out once, bob's kept
    log = json.loads(_cli(ws, "privacy", "log", "--kind", "author", "--format", "json"))
    assert [e["kind"] for e in log] == ["author"]
    with Workspace.open(ws) as w:
        assert w.posts.author_post_ids("claire", None) == []
        assert len(w.posts.author_post_ids("bob", None)) == 3
        assert w.state.unfinished_erasures() == []


def test_a_migration_is_refused_while_an_erasure_cut_before_it_was_recorded_left_staged_tables(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """An erasure killed with its take-out staged (``erasing_*`` tables) by
    a release that did not record it unfinished: ``veille store migrate``
    used to find no record and move the person's remaining posts to the new
    store, where nothing says they are to go. Now it settles what was
    staged, records the erasure unfinished and refuses, naming it."""
    import psycopg

    ws, state = _split_workspace_and_state(tmp_path, request)
    _killed_at("marked", ws)
    with psycopg.connect(state, autocommit=True) as conn:  # as an earlier release left it
        conn.execute("DELETE FROM erasures_unfinished")
    assert _staged(ws) > 0

    moved = CliRunner().invoke(
        build_app(), ["store", "migrate", "--posts", "sqlite:///moved.db", "--workspace", str(ws)]
    )
    assert moved.exit_code != 0
    assert "erasure of claire" in moved.stderr and "Finish it first" in moved.stderr
    assert not (ws / "moved.db").exists()
    assert _staged(ws) == 0
    rolled, fresh = _chdb_figures(ws)
    assert rolled == fresh  # what was staged is taken out once
    with Workspace.open(ws) as w:
        assert [e.handle for e in w.state.unfinished_erasures()] == ["claire"]
