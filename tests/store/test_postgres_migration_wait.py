"""Many processes open a PostgreSQL state store at once after an upgrade;
one migrates it under an advisory lock while the others wait. A waiting
process printed nothing for as long as the migration took (and looked
hung): it says what it waits for. A real server, a real second process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

SRC = Path(__file__).resolve().parents[2] / "src"

OPENER = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
from veille.store.postgres.store import PostgresStore
PostgresStore.open(sys.argv[1]).close()
print("done", flush=True)
"""


def _first_line(stream: IO[str], seconds: float) -> str:
    """The first line of ``stream``, or "" if none comes in ``seconds`` (a
    process that waits in silence)."""
    read: list[str] = []
    reader = threading.Thread(target=lambda: read.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    return read[0] if read else ""


def test_a_process_waiting_for_a_migration_says_so(postgres_url: str, tmp_path: Path) -> None:
    import psycopg

    from veille.store.postgres.migrations import _LOCK
    from veille.store.postgres.testing import fresh_schema_url

    url = fresh_schema_url(postgres_url, tmp_path)
    with psycopg.connect(url, autocommit=True) as holder:
        with holder.transaction():  # another process migrating
            holder.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            waiting = subprocess.Popen(
                [sys.executable, "-c", OPENER, url],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, "PYTHONPATH": str(SRC)},
            )  # fmt: skip
            assert waiting.stderr is not None
            said = _first_line(waiting.stderr, 60)
            still = waiting.poll() is None
        # (The lock let go: it goes on either way.)
        out, err = waiting.communicate(timeout=120)
    assert "is being migrated by another veille process" in said, said
    assert "this one waits until it is done" in said
    assert still
    assert waiting.returncode == 0 and out == "done\n", err


# As the command line opens a workspace whose ui_language is "fr".
OPENER_FR = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
from veille.cli.common import say_notices_in
from veille.store.postgres.store import PostgresStore
say_notices_in("fr")
PostgresStore.open(sys.argv[1]).close()
print("done", flush=True)
"""


def test_the_wait_is_said_in_the_workspaces_language(postgres_url: str, tmp_path: Path) -> None:
    """It was English whatever the workspace's language."""
    import psycopg

    from veille.store.postgres.migrations import _LOCK
    from veille.store.postgres.testing import fresh_schema_url

    url = fresh_schema_url(postgres_url, tmp_path)
    with psycopg.connect(url, autocommit=True) as holder:
        with holder.transaction():
            holder.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            waiting = subprocess.Popen(
                [sys.executable, "-c", OPENER_FR, url],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, "PYTHONPATH": str(SRC)},
            )  # fmt: skip
            assert waiting.stderr is not None
            said = _first_line(waiting.stderr, 60)
        out, err = waiting.communicate(timeout=120)
    assert "est en cours de migration par un autre processus veille" in said, said
    assert "\u202f; celui-ci attend qu’elle soit terminée." in said
    assert "is being migrated" not in said
    assert waiting.returncode == 0 and out == "done\n", err
