"""Who holds a chDB folder, as a second process is told: the process id
in the folder's ``status`` file is that of its holder's own PID namespace,
and two containers sharing the folder's volume both run veille as process
1 (or the same small id)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from veille.errors import StoreLocked

HOLD = """
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("held", flush=True)
time.sleep(600)
"""


def test_a_holder_with_this_process_id_elsewhere_is_named_not_taken_for_this_one(
    tmp_path: Path,
) -> None:
    """The folder held by a process of another container whose id there is
    this process's id here: taken for this process's own session, the
    folder was opened anyway and chDB's "Error initializing EmbeddedServer"
    was all that was said (the message `veille run --serve` replaced)."""
    pytest.importorskip("chdb")
    from veille.store.clickhouse.client import ChdbClient

    folder = tmp_path / "posts"
    folder.mkdir()
    status = folder / "status"
    status.write_text(f"PID: {os.getpid()}\nStarted at: 2026-12-05 21:00:00\nRevision: 1\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(status)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(StoreLocked) as refused:
            ChdbClient(folder)
        said = str(refused.value)
        assert f"the chDB folder {folder} is open in another process" in said, said
        assert f"process {os.getpid()} of another container or PID namespace" in said, said
        assert "`veille run --serve`" in (refused.value.hint or "")
    finally:
        holder.kill()
        holder.wait()
