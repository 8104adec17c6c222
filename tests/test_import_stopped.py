"""Stopping ``veille import`` with Ctrl-C, and what ``--strict`` says when a
stage fails while it writes.

Ctrl-C during an import printed Python's traceback (while ``veille`` loaded
its code) or a bare "interrupted" line that said neither what was stored nor
how to go on. It now says, in one line in the workspace's language, how far
the import got, that what it stored is kept, and how to go on; status 130.
The real ``veille`` runs in a subprocess and gets a real SIGINT.

``--strict`` checks every row, then writes batch by batch (so that a long
import does not hold up collectors and the web app): a stage that passed the
check and raised while writing left its row out and the import ended "done".
It now refuses the import at that row, nothing of its batch written, and
says what the batches before it stored."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_cli_language import here
from veille.config import CONFIG_NAME
from veille.errors import InputError
from veille.importer import import_file
from veille.pipeline import build_pipeline
from veille.pipeline.ingest import Stage
from veille.workspace import Workspace, init_workspace

SRC = Path(__file__).resolve().parents[1] / "src"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _rows(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            row = {"platform": "rss", "id": str(i), "text": f"post {i} " + "mot " * 20,
                   "author": f"a{i % 50}", "published_at": 1767225600 + i}  # fmt: skip
            f.write(json.dumps(row) + "\n")
    return path


def _stored(root: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{root / 'veille.db'}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT count(*) FROM posts").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "veille", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a child of a non-interactive shell may inherit SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_ctrl_c_during_an_import_says_what_is_stored_and_how_to_go_on(
    tmp_path: Path, lang: str
) -> None:
    root = init_workspace(tmp_path / "ws")
    if lang == "fr":
        config = root / CONFIG_NAME
        text = config.read_text(encoding="utf-8")
        assert '# ui_language = "en"' in text, "the [workspace] template changed"
        config.write_text(text.replace('# ui_language = "en"', 'ui_language = "fr"'), "utf-8")
    # The signal is sent while the second batch is prepared (a plugin stage
    # pauses at row 3000, the first batch stored by then): where it lands
    # is certain, where 30,000 rows were imported (and their rest imported
    # again below) to make it likely.
    path = _rows(tmp_path / "big.jsonl", 5_000)
    flag = tmp_path / "writing-row-3000"
    signalled = _install_slow_stage(tmp_path / "site", flag, row=3000, seen=1)
    env = _env()
    env["PYTHONPATH"] = env["PYTHONPATH"] + os.pathsep + str(tmp_path / "site")
    args = ("import", str(path), "--workspace", str(root), "--no-enrich")
    proc = _start(*args, env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not flag.exists():
            time.sleep(0.01)
        assert proc.poll() is None, "the signal must land mid-import"
        assert _stored(root) > 0  # the first batch, committed
        proc.send_signal(signal.SIGINT)
        signalled.touch()
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    stored = _stored(root)
    assert 0 < stored < 5_000
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one line
    if lang == "en":
        assert lines[0].startswith(f"the import of {path} was stopped (Ctrl-C) after line "), err
        assert f"what it stored kept (new posts: {stored:,}, updated: 0)" in err
        assert err.rstrip().endswith("run the same command again to go on from there")
    else:
        assert lines[0].startswith(f"l’import de {path} a été arrêté (Ctrl-C) après la ligne ")
        assert f"(nouvelles publications\u202f: {stored:,}".replace(",", "\u202f") in err, err
        assert err.rstrip().endswith("relancez la même commande pour reprendre à partir de là")
    # The line it names is where the next run goes on; every row stored once.
    found = re.search(r"(?:line|ligne) ([\d,\u202f\u00a0]+)", lines[0])
    assert found, lines[0]
    said = int(re.sub(r"\D", "", found.group(1)))
    # The same command again, run in this process: what it says is proven
    # here, not how a process stops (that was the first run).
    again = here(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    # The summary in the reader's language too, its numbers written their way.
    if lang == "en":
        assert f"({said:,} lines already imported)" in again.stdout, again.stdout
    else:
        done = f"{said:,}".replace(",", "\u202f")
        assert f"({done} lignes déjà importées)" in again.stdout, again.stdout
    assert _stored(root) == 5_000


def test_ctrl_c_while_veille_loads_says_one_line_not_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C in the first second of any command (``veille import``, ``report``,
    ``store backup``…: Python's ``-X importtime`` says when typer is being
    loaded) printed a KeyboardInterrupt traceback through typer's code."""
    root = init_workspace(tmp_path / "ws")
    path = _rows(tmp_path / "rows.jsonl", 10)
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "veille", "import", str(path),
         "--workspace", str(root)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        seen: list[str] = []
        while not (seen and seen[-1].rsplit("|", 1)[-1].strip() == "typer"):
            seen.append(proc.stderr.readline())
            assert seen[-1], "".join(seen[-20:])
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    said = [line for line in err.splitlines() if not line.startswith("import time:")]
    assert proc.returncode == 130, err
    assert said == ["interrupted; what was committed is kept."], said
    assert _stored(root) == 0


def _stage_that_fails_when_writing(seen: list[str], marker: str) -> Stage:
    """A plugin stage that passes ``--strict``'s check of every row, then
    raises on the ``marker`` row when the rows are prepared again to be
    written (a stage whose answer changes: a service it calls gone, a
    quota spent)."""

    def prepare(posts: list) -> list:
        for p in posts:
            if marker in p.text:
                seen.append(p.id)
                if seen.count(p.id) > 1:
                    raise RuntimeError("the scoring service went away")
        return posts

    return Stage("scoring", prepare=prepare)


def test_strict_import_refuses_the_row_a_stage_fails_on_while_writing(
    tmp_path: Path,
) -> None:
    root = init_workspace(tmp_path / "ws")
    path = _rows(tmp_path / "rows.jsonl", 25)  # rows 0-24, written 10 at a time
    seen: list[str] = []
    with Workspace.open(root) as ws:
        pipeline = build_pipeline(
            ws, skip=("enrich",), extra=[_stage_that_fails_when_writing(seen, "post 17 ")]
        )
        with pytest.raises(InputError) as caught:
            import_file(pipeline, path, strict=True, batch_size=10)
        assert len(seen) > 1  # it passed the check, then failed when written
        assert str(caught.value.message).startswith(f"{path}, line 18: the scoring stage failed")
        assert str(caught.value.hint).startswith(
            "The posts of the lines before it are stored (new: 10, updated: 0): once every "
            "row is checked, a strict import writes in batches"
        )
        assert ws.store.count_posts() == 10  # lines 1-10; nothing of lines 11-20
        # Without --strict the row is a bad row and the others are kept; the
        # import goes on after line 10, which the strict one's cursor covers.
        report = import_file(pipeline, path, batch_size=10)
        assert report.rows == 15 and report.stored == 14
        assert [b.line for b in report.bad] == [18]


def test_strict_import_run_again_goes_on_after_its_committed_batches(
    tmp_path: Path,
) -> None:
    """The refusal (and a Ctrl-C's line) says to run the same command again;
    run again with ``--strict``, it started over at line 1 (every row read,
    checked and written again, the stored ones reported "unchanged"), where
    an import without it went on after the batches its cursor covers."""
    root = init_workspace(tmp_path / "ws")
    path = _rows(tmp_path / "rows.jsonl", 25)
    seen: list[str] = []
    with Workspace.open(root) as ws:
        failing = build_pipeline(
            ws, skip=("enrich",), extra=[_stage_that_fails_when_writing(seen, "post 17 ")]
        )
        with pytest.raises(InputError):
            import_file(failing, path, strict=True, batch_size=10)
        assert ws.store.count_posts() == 10
        # The stage fixed, the same command again.
        report = import_file(build_pipeline(ws, skip=("enrich",)), path, strict=True,
                             batch_size=10)  # fmt: skip
        assert (report.skipped_lines, report.rows, report.stored) == (10, 15, 15)
        assert report.unchanged == 0
        assert ws.store.count_posts() == 25
        # Done: a third run reads it all again, as a finished import does.
        again = import_file(build_pipeline(ws, skip=("enrich",)), path, strict=True,
                            batch_size=10)  # fmt: skip
        assert (again.skipped_lines, again.unchanged) == (0, 25)


def test_strict_import_on_chdb_says_what_it_could_not_undo(tmp_path: Path) -> None:
    """Posts in chDB have no transaction: what holds there is documented, and
    said: every row is checked first, the row that fails while written
    stores nothing of its batch, the batches before it stay and the error
    says how many posts they hold."""
    pytest.importorskip("chdb")
    root = init_workspace(tmp_path / "ws")
    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    assert '# posts = ""' in text, "the [store] template changed"
    config.write_text(text.replace('# posts = ""', 'posts = "chdb:///posts.chdb"'), "utf-8")
    path = _rows(tmp_path / "rows.jsonl", 25)
    with Workspace.open(root) as ws:
        pipeline = build_pipeline(
            ws, skip=("enrich",), extra=[_stage_that_fails_when_writing([], "post 17 ")]
        )
        with pytest.raises(InputError) as caught:
            import_file(pipeline, path, strict=True, batch_size=10)
        assert str(caught.value.message).startswith(f"{path}, line 18: the scoring stage failed")
        assert str(caught.value.hint).startswith(
            "The posts of the lines before it are stored (new: 10, updated: 0): once every "
            "row is checked, a strict import writes in batches"
        )
        assert ws.posts.count_posts() == 10  # lines 1-10; nothing of lines 11-20


def _install_slow_stage(site: Path, flag: Path, row: int, seen: int) -> Path:
    """A plugin stage installed the way pip would (a dist-info with an
    ``veille.stages`` entry point): it creates ``flag`` when it prepares
    ``row`` to be written (the ``seen``-th time it sees it: ``--strict``
    checks every row first), then waits there until the file it returns
    exists, which the test creates once it has sent its Ctrl-C: the signal
    lands mid-write however slow the machine (a fixed pause of 2 s was
    waited in full, and could be outrun by a loaded machine)."""
    signalled = flag.with_name(flag.name + ".sent")
    module = site / "slowstage"
    module.mkdir(parents=True)
    (module / "__init__.py").write_text(
        "import time\n"
        "from pathlib import Path\n"
        "from veille.pipeline import Stage\n"
        "SEEN = []\n"
        "def prepare(posts):\n"
        "    for p in posts:\n"
        f"        if p.id == 'rss:{row - 1}':\n"
        "            SEEN.append(p.id)\n"
        f"            if len(SEEN) >= {seen}:\n"
        f"                Path({str(flag)!r}).touch()\n"
        "                end = time.monotonic() + 120\n"
        f"                while not Path({str(signalled)!r}).exists() and time.monotonic() < end:\n"
        "                    time.sleep(0.01)\n"
        "    return posts\n"
        "def slow(context):\n"
        "    return Stage('slow', prepare=prepare)\n"
    )
    info = site / "slowstage-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slowstage\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[veille.stages]\nslow = slowstage:slow\n")
    return signalled


def test_ctrl_c_during_a_strict_import_says_what_it_kept(tmp_path: Path) -> None:
    """Under ``--strict`` too (every row checked, then written in batches),
    a stop lets the batch under way end and keeps the batches written: the
    line says how far it went."""
    root = init_workspace(tmp_path / "ws")
    path = _rows(tmp_path / "big.jsonl", 5_000)
    flag = tmp_path / "writing-row-3000"
    signalled = _install_slow_stage(tmp_path / "site", flag, row=3000, seen=2)
    env = _env()
    env["PYTHONPATH"] = env["PYTHONPATH"] + os.pathsep + str(tmp_path / "site")
    proc = _start("import", str(path), "--workspace", str(root), "--no-enrich", "--strict",
                  env=env)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not flag.exists():
            time.sleep(0.01)
        assert proc.poll() is None, "the signal must land mid-import"
        proc.send_signal(signal.SIGINT)
        signalled.touch()
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert err.strip() == (
        f"the import of {path} was stopped (Ctrl-C) after line 4,000, what it stored kept "
        "(new posts: 4,000, updated: 0); run the same command again to go on from there"
    )
    assert _stored(root) == 4_000


def test_strict_import_with_state_in_postgresql_says_what_it_could_not_undo(
    tmp_path: Path, postgres_url: str
) -> None:
    """State in PostgreSQL, posts in SQLite (a split deployment): a row that
    fails while written leaves the batches before it stored, as everywhere.
    The error blamed ClickHouse, which this workspace does not use."""
    from tests.conftest import init_state_workspace

    root = init_state_workspace(tmp_path / "ws", "postgresql")
    path = _rows(tmp_path / "rows.jsonl", 25)
    with Workspace.open(root) as ws:
        pipeline = build_pipeline(
            ws, skip=("enrich",), extra=[_stage_that_fails_when_writing([], "post 17 ")]
        )
        with pytest.raises(InputError) as caught:
            import_file(pipeline, path, strict=True, batch_size=10)
        assert str(caught.value.message).startswith(f"{path}, line 18: the scoring stage failed")
        hint = str(caught.value.hint)
        assert "ClickHouse have no transaction" not in hint
        assert hint.startswith(
            "The posts of the lines before it are stored (new: 10, updated: 0): once every "
            "row is checked, a strict import writes in batches"
        )
        assert ws.posts.count_posts() == 10


def test_strict_import_does_not_refuse_a_row_it_would_not_store(tmp_path: Path) -> None:
    """A row older than the retention cutoff is left out when written
    (``expired``); ``--strict``'s check ran the stages over it all the same,
    and a stage that could not read it refused the whole file for a row
    that would never be stored."""
    root = init_workspace(tmp_path / "ws")
    toml = root / CONFIG_NAME
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("# retention_days = 0", "retention_days = 10"), encoding="utf-8")
    path = _rows(tmp_path / "rows.jsonl", 3)  # published in January 2026: long gone
    fresh = {"platform": "rss", "id": "fresh", "text": "a fresh post", "author": "a",
             "published_at": int(time.time()) - 3600}  # fmt: skip
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(fresh) + "\n")

    def prepare(posts: list) -> list:
        if any("post 1 " in p.text for p in posts):
            raise RuntimeError("cannot read this old row")
        return posts

    with Workspace.open(root) as ws:
        assert ws.settings.privacy.retention_days == 10
        pipeline = build_pipeline(ws, skip=("enrich",), extra=[Stage("old", prepare=prepare)])
        report = import_file(pipeline, path, strict=True)
        assert (report.rows, report.stored, report.expired) == (4, 1, 3)
        assert ws.store.count_posts() == 1
