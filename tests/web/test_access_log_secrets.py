"""``veille serve``'s access log (its standard output, what journald or a
log shipper keeps) printed each request's path as it came: an alert's
feed address (``/feeds/TOKEN.atom``, the token its only authorization) and
a one-click unsubscribe link's ``?token=``, so whoever reads the log could
read the feed or stop the alert. The secret part is now ``****``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from veille.alerts.model import Alert, AlertBook, unsubscribe_token
from veille.services import alerts as alert_service
from veille.workspace import Workspace, init_workspace


def test_the_access_log_keeps_no_feed_token_nor_unsubscribe_token(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        AlertBook(ws.store).add(Alert(name="watch", query="lumio", channel_url="atom:watch.xml"))
        feed = alert_service.new_feed_token(ws, "watch")
        unsubscribe = unsubscribe_token(alert_service.get_alert(ws, "watch"))
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("VEILLE_WORKSPACE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "veille", "serve", "--workspace", str(root), "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    said: list[str] = []
    try:
        assert server.stdout is not None
        for line in server.stdout:
            said.append(line)
            if line.startswith("open http://"):
                url = line.split()[1]
                with httpx.Client(base_url=url, timeout=30) as reader:
                    assert reader.get(f"/feeds/{feed}.atom").status_code == 200
                    link = reader.get("/alerts/watch/unsubscribe", params={"token": unsubscribe})
                    assert link.status_code == 200
                    assert reader.get("/healthz").status_code == 200
            if '"GET /healthz' in line:  # the last request logged
                server.send_signal(signal.SIGTERM)
        server.wait(timeout=90)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    log = "".join(said)
    assert '"GET /feeds/****.atom HTTP/1.1" 200' in log, log
    assert '"GET /alerts/watch/unsubscribe?token=**** HTTP/1.1" 200' in log, log
    assert feed not in log and unsubscribe not in log, log
