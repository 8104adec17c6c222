"""An erasure runs under a lease named after the person's keyed hash
(``erasure:a-…``). Released when the erasure ended, the lease's row stayed
in ``leases`` (and its grants in ``lease_log``) for good: one row per person
ever erased, read by every collection pass (it reads every lease). Now an
erasure that is done deletes its lease, and ``veille run``'s upkeep deletes
those an earlier release left, keeping the lease of an unfinished erasure
(its heartbeat says when ``veille run`` may take it over). On SQLite and with
the state in PostgreSQL; real commands, a real ``veille run``."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.pipeline.test_daemon_live import VEILLE, _env
from tests.test_erasure_killed import _cli
from veille.cli import build_app
from veille.config import CONFIG_NAME
from veille.services.privacy import erasure_lease, subject_of
from veille.workspace import Workspace


def _imported(
    tmp_path: Path, request: pytest.FixtureRequest, state: str, authors: Iterable[tuple[int, str]]
) -> Path:
    """A workspace (posts in SQLite; state in SQLite or, ``state``
    "postgresql", a fresh schema on the session's PostgreSQL) with one
    Mastodon post a (number, handle) of ``authors``, imported, the n-th
    published n minutes ago."""
    ws = tmp_path / "ws"
    CliRunner().invoke(build_app(), ["init", str(ws)])
    if state == "postgresql":
        from veille.store.postgres.testing import fresh_schema_url

        url = fresh_schema_url(request.getfixturevalue("postgres_url"), tmp_path)
        (ws / CONFIG_NAME).write_text(
            f'[store]\nposts = "sqlite:///veille.db"\nstate = "{url}"\n', encoding="utf-8"
        )
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [
        {
            "platform": "mastodon",
            "id": str(n),
            "url": f"https://social.example/@{who}/{n}",
            "text": f"La fibre, épisode {n}",
            "author": {"handle": who},
            "published_at": (now - timedelta(minutes=n)).isoformat(),
        }
        for n, who in authors
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    _cli(ws, "import", str(src))
    return ws


def _workspace(tmp_path: Path, request: pytest.FixtureRequest, state: str) -> Path:
    return _imported(tmp_path, request, state, enumerate(["claire", "claire", "claire", "bob"]))


def _erasure_leases(ws: Path) -> tuple[list[str], list[str]]:
    """The names of the erasures' leases, and those in the lease log."""
    with Workspace.open(ws) as w:
        leases = [x.name for x in w.state.leases() if x.name.startswith("erasure:")]
        log = sorted({g.name for g in w.state.lease_log() if g.name.startswith("erasure:")})
    return leases, log


@pytest.mark.parametrize("state", ["sqlite", "postgresql"])
def test_an_erasure_done_leaves_no_lease_and_run_deletes_those_left_before(
    state: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    ws = _workspace(tmp_path, request, state)
    _cli(ws, "privacy", "erase", "--author", "claire", "--yes")
    assert _erasure_leases(ws) == ([], [])
    # What an earlier release left: the released lease of each person erased
    # (dora), and the lease of an erasure cut midway (eve, unfinished).
    with Workspace.open(ws) as w:
        names = {who: erasure_lease(subject_of(w.state, who, None)) for who in ("dora", "eve")}
        now = w.state.clock()
        for name in names.values():
            assert w.state.acquire_lease(name, "old-release", ttl=60, now=now - 7200) == 1
            w.state.release_lease(name, "old-release", now=now - 7150)
        w.state.begin_erasure("eve", None)
    assert _erasure_leases(ws)[0] == sorted(names.values())
    err = tmp_path / "run.log"
    with err.open("w", encoding="utf-8") as sink:
        daemon = subprocess.Popen(
            [*VEILLE, "run", "--role", "scheduler", "--tick", "0.3"],
            env=_env(ws), stdout=subprocess.DEVNULL, stderr=sink,
        )  # fmt: skip
        try:
            end = time.monotonic() + 90
            while time.monotonic() < end and names["dora"] in _erasure_leases(ws)[0]:
                assert daemon.poll() is None, err.read_text("utf-8")
                time.sleep(0.05)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(60)
    # Eve's erasure is unfinished (begun within the hour: not yet taken over):
    # its lease stays, with its grant.
    assert _erasure_leases(ws) == ([names["eve"]], [names["eve"]]), err.read_text("utf-8")
    assert "leases of erasures that are done deleted: 1" in err.read_text("utf-8")
