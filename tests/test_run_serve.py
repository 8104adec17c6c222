"""One machine, one process: `veille run --serve` collects and serves the
web app over the same stores (a user review of issue 21: with posts in
chDB, whose folder one process at a time opens, `veille serve` and `veille
run` could not both run, and the second said only "cannot open the chDB
folder … Error initializing EmbeddedServer"). The real ``veille`` runs in
a subprocess over the simulator: a source that always fails stops neither
the pages nor the other sources, a request that fails stops no collection,
a second process on the chDB folder is told who holds it and what to run
instead, and SIGTERM stops both halves with status 0."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from veille.services import users
from veille.services.sources import add_source
from veille.sim.runner import start_simulator
from veille.sim.server import Simulator
from veille.workspace import Workspace, init_workspace

SRC = str(Path(__file__).resolve().parents[1] / "src")
PASSWORD = "correct-horse-42"


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = start_simulator(seed=11, days=2)
    s.host("news").faults.error_next = 10**9  # every request: 503
    yield s
    s.stop()


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    env["VEILLE_ALLOW_PRIVATE_NETWORKS"] = "1"
    env["VEILLE_WORKSPACE"] = str(root)
    return env


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "veille", *args], env=_env(root), cwd=root, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _until(check: Callable[[], bool], proc: subprocess.Popen[str], timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "timed out"
        time.sleep(0.2)


@pytest.fixture(params=["chdb", "sqlite"])
def workspace(request: pytest.FixtureRequest, tmp_path: Path, sim: Simulator) -> Path:
    return _workspace(tmp_path / "ws", sim, chdb=request.param == "chdb")


def _workspace(root: Path, sim: Simulator, *, chdb: bool) -> Path:
    """A workspace whose posts are in chDB (state in SQLite) or one SQLite
    file, with the simulator's Mastodon firehose, a feed whose host answers
    503 to everything, a file of posts, and an analyst."""
    init_workspace(root)
    if chdb:
        pytest.importorskip("chdb")
        toml = '[store]\nposts = "chdb:///posts"\nstate = "sqlite:///veille.db"\n'
        (root / "veille.toml").write_text(toml, encoding="utf-8")
    (root / "mine.jsonl").write_text("")
    with Workspace.open(root) as ws:
        add_source(
            ws.state,
            "feeds",
            sim.url("mastodon", "/feeds/all.atom"),
            name="sim",
            every="10s",
            options={"platform": "mastodon", "adaptive": "false"},
        )
        add_source(
            ws.state,
            "feeds",
            sim.url("news", "/feeds/all.atom"),
            name="broken",
            every="10s",
            options={"platform": "rss", "adaptive": "false"},
        )
        add_source(ws.state, "file", str(root / "mine.jsonl"), name="mine", every="10s")
        users.add_user(ws.state, "ana", PASSWORD, "analyst")
        (root / "cookie").write_text(users.start_session(ws.state, "ana"))
    return root


def test_run_serve_collects_and_serves_in_one_process(workspace: Path, sim: Simulator) -> None:
    root = workspace
    chdb = "chdb://" in (root / "veille.toml").read_text()
    proc = _start(root, "run", "--serve", "--port", "0", "--tick", "0.5")
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline()]
        while not lines[-1].startswith("open http://127.0.0.1:"):
            lines.append(proc.stdout.readline())
            assert lines[-1] and len(lines) < 10, (lines, proc.stderr and proc.stderr.read())
        assert lines[0].startswith("Collecting and serving the web app; press Ctrl-C to stop.")
        url = lines[-1].split()[1]
        cookies = {"veille_session": (root / "cookie").read_text()}
        web = httpx.Client(base_url=url, cookies=cookies, timeout=60)

        # The simulator's posts, collected by this process, on the stream page.
        newest = sim.world.visible(platform="mastodon")[0]
        word = max(re.findall(r"[a-z]{6,}", newest.text.lower()), key=len)

        def shown(query: str) -> bool:
            page = web.get("/stream", params={"q": query})
            assert page.status_code == 200, page.text[:300]
            return '<ul class="posts" id="posts">' in page.text

        _until(lambda: shown(word), proc)
        # The source that fails every time stopped neither the pages nor the others.
        assert web.get("/sources").status_code == 200

        # Requests that fail (a query that is not one, a post that is not
        # there), then a post written to the file source: still collected.
        assert web.get("/stream", params={"q": "(lumio AND"}).status_code in (200, 400)
        assert web.get("/posts/nowhere:nothing").status_code == 404
        row = {"platform": "rss", "id": "z1", "text": "zorblattique arrives",
               "published_at": "2026-11-20T10:00:00Z"}  # fmt: skip
        (root / "mine.jsonl").write_text(json.dumps(row) + "\n")
        _until(lambda: shown("zorblattique"), proc)

        if chdb:
            # A second process on the folder: refused at once, naming the
            # folder, the process that holds it and the command to run.
            for args in (["serve", "--port", "0"], ["run"]):
                second = _start(root, *args)
                out, err = second.communicate(timeout=120)
                assert second.returncode == 1, (out, err)
                assert "open http" not in out and "Collecting" not in out, out
                said = " ".join(err.split())
                assert f"the chDB folder {root / 'posts'} is open in another process" in said
                assert f"(process {proc.pid}: veille run --serve --port 0 --tick 0.5)" in said
                assert "`veille run --serve`" in said
            assert shown("zorblattique")  # the first one is unharmed
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert "source broken failed" in err  # logged on each pass, and nothing more
    assert out.rstrip().endswith("everything collected is stored."), out
    with pytest.raises(httpx.TransportError):  # the web app stopped too
        httpx.get(url + "/healthz", timeout=5)


def test_run_beside_serve_on_one_chdb_folder_is_told_what_to_run(
    tmp_path: Path, sim: Simulator
) -> None:
    """`veille serve` first, then `veille run` (the two commands the docs
    named): run said "Collecting; press Ctrl-C to stop.", then failed with
    chDB's "Error initializing EmbeddedServer", naming nobody; a second
    `veille serve` listened, and every page that reads posts failed."""
    pytest.importorskip("chdb")
    root = _workspace(tmp_path / "ws", sim, chdb=True)
    web = _start(root, "serve", "--port", "0")
    try:
        assert web.stdout is not None
        lines = [web.stdout.readline()]
        while not lines[-1].startswith("open http://127.0.0.1:"):
            lines.append(web.stdout.readline())
            assert lines[-1] and len(lines) < 10, lines
        for args in (["run"], ["serve", "--port", "0"], ["run", "--serve", "--port", "0"]):
            second = _start(root, *args)
            out, err = second.communicate(timeout=120)
            assert second.returncode == 1, (args, out, err)
            assert "Collecting" not in out and "open http" not in out, out
            said = " ".join(err.split())
            assert (
                f"error: the chDB folder {root / 'posts'} is open in another process "
                f"(process {web.pid}: veille serve --port 0)" in said
            ), said
            assert "`veille run --serve`" in said, said
        web.send_signal(signal.SIGTERM)
        _, err = web.communicate(timeout=120)
    finally:
        if web.poll() is None:
            web.kill()
            web.wait()
    assert web.returncode == 0, err


def test_run_given_a_port_without_serve_says_to_add_it(tmp_path: Path) -> None:
    """`veille run --port 8001` would otherwise collect and serve nothing on
    8001, the option unused (typed by someone who meant --serve)."""
    from tests.cli_runner import CliRunner, veille_command

    runner = CliRunner()
    app = veille_command()
    assert runner.invoke(app, ["init", str(tmp_path / "ws")]).exit_code == 0
    result = runner.invoke(app, ["run", "--port", "8001", "-w", str(tmp_path / "ws")])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "error: --port is where the web app listens, and `veille run` serves none" in said
    assert "Add --serve to run the web app in this process too." in said
