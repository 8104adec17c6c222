"""``veille serve`` asked whether an account exists (to say "no account
yet: …/setup") of the command's own workspace, not of the app's: the
process opened the state store twice, and while the app's opening
upgraded it (after an upgrade of veille), the second opening logged that
"another veille process" migrated the file, a warning about the process
itself. It now asks the app's workspace, once the app's opening is done:
one opening, no such warning."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_post
from veille.store.sqlite import SQLiteStore
from veille.workspace import init_workspace


def test_serve_says_no_account_yet_without_a_warning_about_itself(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    store = SQLiteStore.open(root / "veille.db")
    store.upsert_posts(
        [make_post(f"p-{i}", f"Post {i} about the fibre and the outage") for i in range(300)]
    )
    store.conn.execute("UPDATE kept_terms SET version = '1.old'")  # an older veille's terms
    store.close()

    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    for name in ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANG"):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "veille", "serve", "--workspace", str(root), "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    said: list[str] = []
    try:
        assert server.stdout is not None
        for line in server.stdout:  # until it says that no account exists yet
            said.append(line)
            if "no account yet" in line:
                server.send_signal(signal.SIGTERM)
        server.wait(timeout=90)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    text = "".join(said)
    assert server.returncode == 0, text
    assert "/setup creates the first admin" in text, text
    # The store was upgraded, by this process alone, and said so once.
    assert "the trending terms of 300 posts made again" in text, text
    assert "is being migrated by another veille process" not in text, text
