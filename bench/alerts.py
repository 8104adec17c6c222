"""Alerts benchmark: 1,000 as-it-happens webhook alerts over a stream of
simulated posts; time from a post's commit to its delivery at a loopback
receiver (p50, p99) and deliveries per second, beside a bare POST of the same
body to the same receiver.

    python bench/alerts.py            # full size: 1,000 alerts, 3,000 posts
    python bench/alerts.py --alerts 100 --posts 300
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def _receiver() -> tuple[ThreadingHTTPServer, list[tuple[float, dict[str, Any]]]]:
    got: list[tuple[float, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.append((time.perf_counter(), json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--posts", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=25, help="posts per ingest (commit)")
    args = ap.parse_args()

    from veille.alerts.model import Alert, AlertBook
    from veille.pipeline import build_pipeline
    from veille.sim.generate import SimConfig, generate_posts
    from veille.textnorm import tokens
    from veille.workspace import Workspace, init_workspace

    days = max(2, args.posts // 120 + 1)
    posts = list(generate_posts(SimConfig(seed=7, days=days, spike_posts=0,
                                          end=datetime(2026, 11, 1, tzinfo=UTC))))  # fmt: skip
    posts = posts[: args.posts]
    freq = Counter(w for p in posts for w in set(tokens(p.text)) if len(w) > 3)
    words = [w for w, _ in freq.most_common()][10 : 10 + args.alerts]
    server, got = _receiver()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        init_workspace(root)
        (root / "veille.toml").write_text("[http]\nallow_private_networks = true\n")
        ws = Workspace.open(root)
        book = AlertBook(ws.store)
        for i in range(args.alerts):
            w = words[i % len(words)]
            book.add(Alert(name=f"a{i}", query=w, channel_url=f"webhook+{url}"))
        pipeline = build_pipeline(ws)
        committed: dict[str, float] = {}
        t0 = time.perf_counter()
        send_time = 0.0
        for i in range(0, len(posts), args.batch):
            prepared = pipeline.prepare(posts[i : i + args.batch])
            with ws.store.transaction() as tx:
                result = pipeline.write(tx, prepared, None)
            now = time.perf_counter()
            for p in result.new:
                committed[p.id] = now
            pipeline.committed(result)
            send_time += time.perf_counter() - now
        wall = time.perf_counter() - t0
        lat = [t - committed[p["id"]] for t, body in got for p in body["posts"]]
        n_deliv = len(lat)
        (queued,) = ws.store.conn.execute("SELECT count(*) FROM deliveries").fetchone()
        (sent,) = ws.store.conn.execute(
            "SELECT count(*) FROM deliveries WHERE status = 'sent'").fetchone()  # fmt: skip
        sample = json.dumps(max((b for _, b in got), key=lambda b: len(b["posts"]))).encode()
        ws.close()

    import httpx

    base: list[float] = []
    with httpx.Client(trust_env=False) as client:  # the same kind of keep-alive client
        for _ in range(200):
            t = time.perf_counter()
            client.post(url, content=sample, headers={"Content-Type": "application/json"})
            base.append(time.perf_counter() - t)
    server.shutdown()

    p50, p99 = _pct(lat, 0.5), _pct(lat, 0.99)
    b50, b99 = _pct(base, 0.5), _pct(base, 0.99)
    verdict = "met" if p99 <= 2 else "MISSED"
    print(f"alerts={args.alerts} posts={len(posts)} batch={args.batch} "
          f"deliveries={n_deliv} (queued {queued}, sent {sent}) requests={len(got)}")  # fmt: skip
    print(f"commit->delivery p50 {p50 * 1000:8.1f} ms   bare POST p50 {b50 * 1000:6.2f} ms   "
          f"ratio {p50 / b50:8.1f}x")  # fmt: skip
    print(f"commit->delivery p99 {p99 * 1000:8.1f} ms   bare POST p99 {b99 * 1000:6.2f} ms   "
          f"ratio {p99 / b99:8.1f}x   target p99 <= 2000 ms: {verdict}")  # fmt: skip
    rate, base_rate = n_deliv / send_time if send_time else 0.0, 1 / statistics.fmean(base)
    print(
        f"deliveries/s {rate:10.0f}   bare POSTs/s {base_rate:8.0f}   ratio "
        f"{rate / base_rate:6.2f}x (a delivery is one post for one alert; POSTs carry batches)"
    )
    print(f"ingest wall {wall:.1f} s (matching, outbox writes and sends)")


if __name__ == "__main__":
    main()
