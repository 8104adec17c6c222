"""Files the command line writes (a user review from a cron script): a file
that cannot be written, given to --output or --chart, is an error naming it
and what to do, exit status 2, before any work or any table printed; a disk
that fills while writing is one line and exit status 1. Never a traceback.
The real ``veille`` runs in a subprocess, its stdout a real file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def veille(
    *args: str, cwd: Path, stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "veille", *args],
        cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of 30 posts, made in this process (the commands the tests
    run are the real processes)."""
    from tests.test_cli_language import here

    root = tmp_path_factory.mktemp("files") / "ws"
    assert here("init", str(root), cwd=root.parent).returncode == 0
    posts = root.parent / "posts.jsonl"
    posts.write_text(
        "".join(
            json.dumps(
                {
                    "platform": "rss",
                    "id": str(i),
                    "text": f"lumio panne {i}",
                    "author": "a",
                    "published_at": "2026-11-20T10:00:00Z",
                }
            )
            + "\n"
            for i in range(30)
        )
    )
    assert here("import", str(posts), "--no-enrich", cwd=root).returncode == 0
    return root


@pytest.mark.parametrize(
    "args, option",
    [
        (("export", "-o", "{missing}/posts.jsonl"), "--output"),
        (("export", "-f", "parquet", "-o", "{missing}/posts.parquet"), "--output"),
        (("report", "--period", "2026-11-01..2026-11-30", "-o", "{missing}/r.html"), "--output"),
        (("plan", "export", "-o", "{missing}/plan.md"), "--output"),
        (("volume", "--period", "2026-11-01..2026-11-30", "--chart", "{missing}/v.svg"), "--chart"),
        (("sov", "-q", "a=lumio", "-q", "b=vexa", "--chart", "{missing}/s.svg"), "--chart"),
    ],
)
def test_a_file_in_a_missing_folder_is_refused_before_any_work(
    ws: Path, args: tuple[str, ...], option: str
) -> None:
    missing = ws / "no-such-folder"
    done = veille(*(a.format(missing=missing) for a in args), cwd=ws)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"error: {option} {missing}/" in done.stderr
    assert f"the folder {missing} does not exist" in done.stderr
    assert "mkdir -p" in done.stderr
    assert done.stdout == ""  # no table above the error, nothing half written
    assert not missing.exists()


def test_a_folder_given_as_the_output_file_is_refused(ws: Path) -> None:
    done = veille("export", "-o", str(ws), cwd=ws)
    assert done.returncode == 2, done.stderr
    assert f"error: --output {ws} is a folder" in done.stderr
    assert f"--output {ws / 'FILE'}" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_chart_format_is_refused_before_the_table(ws: Path) -> None:
    done = veille("volume", "--period", "2026-11-01..2026-11-30", "--chart", "v.pdf", cwd=ws)
    assert done.returncode == 2, done.stderr
    assert "--chart v.pdf: unknown chart format" in done.stderr
    assert done.stdout == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("to_file", [True, False], ids=["output-file", "stdout"])
def test_a_full_disk_is_one_line_and_a_failure(ws: Path, to_file: bool) -> None:
    if to_file:
        done = veille("export", "-o", "/dev/full", cwd=ws)
    else:
        with open("/dev/full", "w") as full:
            done = veille("export", cwd=ws, stdout=full.fileno())
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: No space left on device\n"), done.stderr
    assert "Free some space" in done.stderr
