"""Stopping the long-running commands (a user review from a supervisor and a
terminal): Ctrl-C or SIGTERM is the documented way to stop `veille alert
dispatch --loop` and `veille serve`, so they end with status 0 and a line on
stderr, as `veille run` does, where dispatch exited 130 ("interrupted") or
was killed by SIGTERM in the middle of a round, and serve exited 130. The
real ``veille`` runs in a subprocess and gets a real signal."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, "-m", "veille", *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a child of a non-interactive shell may inherit SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace of its own for each test, as ``veille init`` leaves it
    (its database made at once, no copy needed): how the commands stop is
    what the tests prove, not how one is made."""
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as opened:
        opened.store  # noqa: B018  # opening it creates the database
    return root


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_dispatch_loop_stops_with_status_0_after_its_round(ws: Path, sig: signal.Signals) -> None:
    proc = start("alert", "dispatch", "--loop", "--format", "json", cwd=ws)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # a round was made: it waits for the next
        assert json.loads(first)["sent"] == 0, first  # one JSON line per round
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "interrupted" not in err
    assert "Stopped after 1 round; every delivery made is recorded." in err
    assert out == ""  # stdout keeps only the JSON lines


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_stops_with_status_0(ws: Path, sig: signal.Signals) -> None:
    """SIGTERM is how Docker, runit, systemd or a shell's ``kill`` stop it:
    uvicorn drained the requests, then raised the signal again, and the
    process died of it (status 143, which Docker and a shell's ``wait``
    read as a failure)."""
    proc = start("serve", "--port", "0", cwd=ws)
    try:
        assert proc.stdout is not None
        lines = []
        while not (lines and lines[-1].startswith("open http://127.0.0.1:")):
            lines.append(proc.stdout.readline())
            assert lines[-1] and len(lines) < 10, lines  # it listens
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "interrupted" not in err
    assert err.rstrip().endswith("Stopped."), err


def test_serve_says_its_address_once_a_stop_there_is_clean(ws: Path) -> None:
    """A supervisor or a script stops `veille serve` as soon as it reads the
    address: it was said before uvicorn took the signals over, so a SIGTERM
    then landed as a KeyboardInterrupt wherever the start had got to (asyncio
    making its loop: a traceback on stderr, seen under load). Said once the
    server listens, the stop is uvicorn's own drain. In process, so that the
    signal lands exactly when the address is said."""
    from veille.web.serve import run

    handlers: list[object] = []

    def announce(url: str, _ws: object) -> None:
        handlers.append(signal.getsignal(signal.SIGTERM))
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    run(ws, port=0, announce=announce, log_level="warning")
    assert len(handlers) == 1
    assert handlers[0] not in (signal.default_int_handler, signal.SIG_DFL, before)
    assert signal.getsignal(signal.SIGTERM) is before  # given back as it was


def test_run_says_its_passes_in_the_singular_when_stopped(ws: Path) -> None:
    """`veille run` stopped after its first pass said "Stopped after 1
    passes", and a pass that brought one post "1 new posts (1 items…)"."""
    posts = ws / "posts.jsonl"
    row = {"platform": "rss", "id": "1", "text": "lumio", "published_at": "2026-11-20T10:00:00Z"}
    posts.write_text(json.dumps(row) + "\n")
    from veille.services.sources import add_source
    from veille.workspace import Workspace

    with Workspace.open(ws) as opened:
        add_source(opened.state, "file", str(posts), name="good")
    proc = start("run", "--role", "collector", "--tick", "600", cwd=ws)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline()]
        while not lines[-1].startswith("good:"):  # its first pass is done
            lines.append(proc.stdout.readline())
            assert lines[-1] and len(lines) < 10, lines
        assert lines[-1].strip() == "good: 1 new post (1 item, 0 quarantined)"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.strip() == "Stopped after 1 pass; everything collected is stored."


def test_run_as_scheduler_stops_on_sigterm_with_status_0(ws: Path) -> None:
    """The scheduler role (outbox, publisher, upkeep threads) stops as the
    collector does: status 0 and its line, its workers joined."""
    proc = start("run", "--role", "scheduler", "--tick", "600", cwd=ws)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Scheduling alerts and reports"), first
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert out.strip().endswith("everything it sent is recorded."), out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_run_serve_stops_both_halves_with_status_0(ws: Path, sig: signal.Signals) -> None:
    """`veille run --serve` (the daemon and the web app in one process):
    one signal stops both, the daemon's line said, status 0."""
    proc = start("run", "--serve", "--port", "0", "--tick", "600", cwd=ws)
    try:
        assert proc.stdout is not None
        lines = []
        while not (lines and lines[-1].startswith("open http://127.0.0.1:")):
            lines.append(proc.stdout.readline())
            assert lines[-1] and len(lines) < 10, lines  # it listens
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "interrupted" not in err, err
    last = out.rstrip().splitlines()[-1]  # (the signal may come before its first pass)
    assert re.fullmatch(r"Stopped after \d+ pass(es)?; everything collected is stored\.", last)


def _stopped_while_it_starts(ws: Path, *args: str) -> tuple[int, str, str]:
    """``veille ARGS`` sent SIGTERM while it imports its code (the first
    second, before any command runs): Python's ``-X importtime`` writes a
    line on stderr as each module is imported, and the signal goes as soon
    as typer's line says the command-line layer is being loaded, the moment
    a supervisor's stop came in a user's report."""
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "veille", *args],
        cwd=ws, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        seen = []
        while not (seen and seen[-1].rsplit("|", 1)[-1].strip() == "typer"):
            seen.append(proc.stderr.readline())
            assert seen[-1], "".join(seen[-20:])  # it imports typer, and is still there
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    said = "\n".join(line for line in err.splitlines() if not line.startswith("import time:"))
    return proc.returncode, out, said


def test_run_serve_stopped_while_it_starts_stops_with_status_0(ws: Path) -> None:
    """A SIGTERM in the first second of `veille run --serve` killed it
    (status 143, a failure to systemd) where one a second later stops it
    cleanly: it is kept until the command takes the signal over, then it
    stops at once, as later, with its line."""
    code, out, err = _stopped_while_it_starts(ws, "run", "--serve", "--port", "0", "--tick", "600")
    assert code == 0, err
    assert "Traceback" not in err, err
    assert out.rstrip().endswith("Stopped after 0 passes; everything collected is stored."), out


def test_run_stopped_while_it_starts_stops_with_status_0(ws: Path) -> None:
    code, out, err = _stopped_while_it_starts(ws, "run", "--tick", "600")
    assert code == 0, err
    assert "Traceback" not in err, err
    assert out.rstrip().endswith("Stopped after 0 passes; everything collected is stored."), out


def test_serve_stopped_while_it_starts_stops_with_status_0(ws: Path) -> None:
    code, out, err = _stopped_while_it_starts(ws, "serve", "--port", "0")
    assert code == 0, err
    assert "Traceback" not in err and "interrupted" not in err, err
    assert err.rstrip().endswith("Stopped."), err
    assert "open http" not in out  # it stopped before it listened


def test_a_short_command_stopped_while_it_starts_is_still_ended_by_sigterm(ws: Path) -> None:
    """Only the commands that stop cleanly on SIGTERM keep one that came
    early: any other is ended by it as before (status 143), not finished
    as if nothing was asked, nor told it succeeded having done nothing."""
    code, out, _ = _stopped_while_it_starts(ws, "topic", "list")
    assert code == -signal.SIGTERM
    assert out == ""


def test_demo_serve_stopped_while_it_starts_stops_with_status_0(ws: Path) -> None:
    """`veille demo --serve` (what `make demo` runs, until stopped) was
    killed by a SIGTERM in its first second (status 143): the root saw
    `demo`, not its --serve. Then it built the demo (seconds; Docker
    kills what has not stopped within 10 s) before it stopped: it now stops
    at once, having built nothing."""
    code, out, err = _stopped_while_it_starts(
        ws, "demo", str(ws / "demo"), "--days", "7", "--serve", "--port", "0"
    )
    assert code == 0, err
    assert "Traceback" not in err and "interrupted" not in err, err
    assert err.rstrip().endswith("Stopped."), err
    assert "Web app:" not in out  # it stopped before it listened
    assert not (ws / "demo").exists()  # nor built anything first


def test_dispatch_loop_stopped_while_it_starts_stops_with_status_0(ws: Path) -> None:
    """`veille alert dispatch --loop` under a supervisor: a SIGTERM in its
    first second killed it (the root saw the group `alert`, not `dispatch
    --loop`). It stops before its first round, with its line."""
    code, out, err = _stopped_while_it_starts(ws, "alert", "dispatch", "--loop", "--format", "json")
    assert code == 0, err
    assert "Traceback" not in err, err
    assert "Stopped after 0 rounds; every delivery made is recorded." in err
    assert out == ""  # no round was made


def test_serve_posts_stopped_while_it_starts_stops_with_status_0(ws: Path) -> None:
    code, out, err = _stopped_while_it_starts(ws, "store", "serve-posts", "--port", "0")
    assert code == 0, err
    assert "Traceback" not in err, err
    assert err.rstrip().endswith("Stopped."), err
    assert "Serving posts" not in out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_posts_stops_with_status_0(ws: Path, sig: signal.Signals) -> None:
    """`veille store serve-posts` stopped once it serves: SIGTERM (a
    supervisor's stop) killed it, status 143."""
    proc = start("store", "serve-posts", "--port", "0", cwd=ws)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Serving posts at veille+http://127.0.0.1:"), first
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert err.rstrip().endswith("Stopped."), err


@pytest.mark.parametrize(
    "args",
    [("alert", "dispatch"), ("store", "backup", "copy"), ("demo", "demo", "--days", "7")],
    ids=["dispatch-once", "store-backup", "demo-no-serve"],
)
def test_their_short_forms_stopped_while_they_start_are_still_ended(
    ws: Path, args: tuple[str, ...]
) -> None:
    """Without --loop or --serve (or another subcommand of the group) the
    command is a short one: a SIGTERM in its first second ends it (status
    143), as it ends `veille topic list`, not finished as if nothing was asked."""
    code, out, _ = _stopped_while_it_starts(ws, *args)
    assert code == -signal.SIGTERM
    assert out == ""
    assert not (ws / "demo").exists() and not (ws / "copy").exists()


def test_sim_stopped_while_it_starts_stops_with_status_0(ws: Path) -> None:
    """`veille sim` under a supervisor (or a test harness that kills it
    with SIGTERM): a SIGTERM in its first second killed it (status 143)
    where every other long-running command stops with 0. It stops before
    it serves, with its line."""
    code, out, err = _stopped_while_it_starts(ws, "sim", "--days", "1")
    assert code == 0, err
    assert "Traceback" not in err, err
    assert err.rstrip().endswith("Stopped."), err
    assert "http://" not in out  # it stopped before it served


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_sim_stops_with_status_0(ws: Path, sig: signal.Signals) -> None:
    """`veille sim` once it serves: Ctrl-C ended it with 0 and SIGTERM
    killed it (status 143)."""
    proc = start("sim", "--days", "1", cwd=ws)
    try:
        assert proc.stdout is not None
        lines = []
        while not (lines and lines[-1].startswith("Point sources at these URLs")):
            lines.append(proc.stdout.readline())
            assert lines[-1] and len(lines) < 30, lines  # it serves
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert err.rstrip().endswith("Stopped."), err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("run", "--tick", "600"), "Collecte en cours\u202f; arrêt avec Ctrl-C."),
        (("run", "--role", "scheduler", "--tick", "600"),
         "Planification des alertes et des rapports\u202f; arrêt avec Ctrl-C."),
        (("sim", "--days", "1"), "Faites pointer les sources vers ces URL avec "
         "VEILLE_ALLOW_PRIVATE_NETWORKS=1. Arrêt avec Ctrl-C."),
    ],
    ids=["run", "scheduler", "sim"],
)  # fmt: skip
def test_run_and_sim_say_how_to_stop_them_in_french(
    ws: Path, args: tuple[str, ...], said: str
) -> None:
    """`veille --language fr run` began "Collecting; press Ctrl-C to stop."
    and `sim` "Point sources at these URLs …", in English, before a French
    "Arrêté."."""
    proc = start("--language", "fr", *args, cwd=ws)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline()]
        while "Ctrl-C" not in lines[-1]:
            lines.append(proc.stdout.readline())
            assert lines[-1] and len(lines) < 30, lines
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert lines[-1].rstrip("\n") == said, lines
    assert proc.returncode == 0


@pytest.mark.parametrize("tick", ["0", "-5"])
def test_run_refuses_a_tick_that_would_spin(ws: Path, tick: str) -> None:
    """`veille run --tick 0` (or a negative tick) looked for due sources
    over and over without a pause, the database read in a loop until
    stopped (71-80 % of a core over 10 s on a workspace of three sources,
    two runs, against 0.1 % at the default 5 s): it is refused at once,
    naming --tick and the range
    it takes (that of veille.toml's intervals), and nothing runs."""
    proc = start("--language", "en", "run", "--tick", tick, cwd=ws)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 2, err
    assert "--tick" in err and "greater than or equal to 0.1" in err, err
