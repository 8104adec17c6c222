"""`make crash-test`: veille loses nothing and sends nothing twice when killed.

`veille run` collects from the simulator, which publishes at a steady rate,
with 200 alerts sending over webhook (a loopback receiver), Atom files and
e-mail (aiosmtpd). The daemon is SIGKILLed at random moments and restarted.
At the end, with the simulator's clock stopped and the daemon allowed to catch
up, it checks:

- every post the simulator published is stored exactly once (the simulator's
  world is the log of what it published: the posts visible at its final time);
- every source's cursor advanced past where it was when the kills began;
- no (alert, post) pair was delivered under two delivery ids (a receiver that
  drops repeats by delivery id sees each match once);
- SQLite's ``PRAGMA integrity_check`` says ``ok``.

It prints one line per check and exits 1 if any fails. Run it with
``python tests/crash/run_crash.py --kills 20`` (``--help`` for the knobs).
It talks only to servers it starts on loopback.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

from veille.sim.feeds import FEED_PLATFORMS
from veille.sim.generate import SimConfig, generate_posts
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.textnorm import tokens

ATOM = "{http://www.w3.org/2005/Atom}"
VEILLE = [sys.executable, "-c", "from veille.cli import main; main()"]


class Hooks:
    """Webhook receiver: every POST's delivery id and the post ids it carries."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str, list[str]]] = []  # (delivery id, alert, post ids)
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    data = json.loads(body)
                    alert = data.get("alert") or {}
                    name = alert.get("name") if isinstance(alert, dict) else str(alert)
                    ids = [p.get("id") for p in data.get("posts") or []]
                    with hooks.lock:
                        hooks.seen.append((self.headers["X-Veille-Delivery"], str(name), ids))
                except ValueError:
                    pass
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


class Mailbox:
    """aiosmtpd on loopback: every message's delivery id and the posts it links to."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.seen: list[tuple[str, str, list[str]]] = []
        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                msg = message_from_bytes(envelope.original_content or envelope.content)
                text = ""
                for part in msg.walk():
                    if part.get_content_type() == "text/plain":
                        payload = part.get_payload(decode=True) or b""
                        text += payload.decode("utf-8", "replace")
                # A post is linked by its own URL, or by its page in veille.
                ids = sorted(
                    {unquote(m) for m in re.findall(r"/posts/([^\s)>\]]+)", text)}
                    | {"url:" + m for m in re.findall(r"https?://[^\s)>\]]+", text)}
                )
                to = ",".join(envelope.rcpt_tos)
                name = to.split("@", 1)[0]  # alert aN mails aN@example.org
                box.seen.append((str(msg["X-Veille-Delivery"]), name, ids))
                return "250 OK"

        import socket

        with socket.socket() as s:  # aiosmtpd wants a port number, not 0
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def veille(ws: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VEILLE_ALLOW_PRIVATE_NETWORKS="1", VEILLE_WORKSPACE=str(ws))
    out = subprocess.run([*VEILLE, *args], env=env, capture_output=True, text=True, timeout=600)
    if check and out.returncode != 0:
        raise SystemExit(f"veille {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out


def many(ws: Path, commands: list[list[str]]) -> None:
    """Run many CLI commands in one process (the same commands a user types;
    200 interpreters would take minutes on a small machine)."""
    script = (
        "import json, sys, typer\n"
        "from veille.cli import build_app\n"
        "cmd = typer.main.get_command(build_app())\n"
        "for args in json.load(sys.stdin):\n"
        "    try:\n"
        "        cmd.main(args, prog_name='veille', standalone_mode=False)\n"
        "    except SystemExit as exc:\n"
        "        if exc.code: raise\n"
    )
    env = dict(os.environ, VEILLE_ALLOW_PRIVATE_NETWORKS="1", VEILLE_WORKSPACE=str(ws))
    out = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(commands),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        raise SystemExit(f"veille commands failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def alert_queries(world: SimWorld, n: int) -> list[str]:
    """``n`` distinct queries built from the world's common words (so alerts fire)."""
    counts: collections.Counter[str] = collections.Counter()
    for p in world.posts[:5000]:
        counts.update(t for t in set(tokens(p.text)) if len(t) > 3 and not t.isdigit())
    words = [w for w, _ in counts.most_common(n * 2)]
    queries = words[:n]
    i = 0
    while len(queries) < n:  # pairs when the vocabulary is short
        queries.append(f"{words[i]} {words[-1 - i]}")
        i += 1
    return queries


def start_daemon(ws: Path, log: Any) -> subprocess.Popen[bytes]:
    env = dict(os.environ, VEILLE_ALLOW_PRIVATE_NETWORKS="1", VEILLE_WORKSPACE=str(ws))
    return subprocess.Popen(
        [*VEILLE, "run", "--tick", "0.5"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


def cursors(db: Path) -> dict[str, str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return dict(conn.execute("SELECT source, value FROM cursors").fetchall())


def pending(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending')"
            ).fetchone()[0]
        )


def stored_posts(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT id, url FROM posts").fetchall()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=20, help="SIGKILLs of the daemon (default 20)")
    ap.add_argument("--alerts", type=int, default=200, help="alerts (default 200)")
    ap.add_argument("--posts-per-day", type=int, default=2400, help="simulated volume")
    ap.add_argument("--seconds", type=float, default=90.0, help="real seconds of publishing")
    ap.add_argument("--seed", type=int, default=int(time.time()) % 10_000)
    ap.add_argument("--keep", action="store_true", help="keep the workspace folder")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"crash test: seed {args.seed}, {args.kills} kills, {args.alerts} alerts")

    now = datetime.now(UTC).replace(microsecond=0)
    # One simulated day of history, then one more day published over --seconds.
    cfg = SimConfig(
        seed=args.seed,
        days=2,
        end=now + timedelta(days=1),
        posts_per_day=args.posts_per_day,
        spike_day=1,
        spike_posts=200,
    )
    speed = 86_400 / args.seconds
    world = SimWorld(generate_posts(cfg), SimClock(now, 0.0))
    sim = Simulator(world).start()
    hooks, mail = Hooks(), Mailbox()
    tmp = Path(tempfile.mkdtemp(prefix="veille-crash-"))
    ws = tmp / "ws"
    failures: list[str] = []
    try:
        veille(tmp, "init", str(ws))
        config = ws / "veille.toml"
        config.write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {mail.port}\nsecurity = "none"\n'
            + "\n[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 2.0\n",
            encoding="utf-8",
        )
        hosts = [h for h in FEED_PLATFORMS if h in sim.hosts]
        for host in hosts:
            veille(
                ws,
                "source",
                "add",
                "feeds",
                sim.url(host, "/feeds/all.atom"),
                "--name",
                f"sim-{host}",
                "--every",
                "10s",
                "-o",
                f"platform={FEED_PLATFORMS[host]}",
                "-o",
                "max_pages=1000",
                "-o",
                "adaptive=false",
            )
        queries = alert_queries(world, args.alerts)
        (ws / "alerts").mkdir(exist_ok=True)
        commands = []
        for i, q in enumerate(queries):
            kind = "webhook" if i % 10 < 7 else "atom" if i % 10 < 9 else "mail"
            to = {
                "webhook": f"webhook+{hooks.url}",
                "atom": f"atom:alerts/a{i}.atom",
                "mail": f"mailto:a{i}@example.org",
            }[kind]
            commands.append(["alert", "add", "--query", q, "--name", f"a{i}", "--to", to])
        many(ws, commands)
        print(f"workspace {ws}: {len(hosts)} sources, {len(queries)} alerts")

        # The history first, so that every cursor exists before the kills.
        veille(ws, "collect", "--once")
        before = cursors(ws / "veille.db")
        world.clock.speed = speed
        world.clock.set(now)
        log = (tmp / "daemon.log").open("ab")
        proc = start_daemon(ws, log)
        for _ in range(args.kills):
            time.sleep(rng.uniform(0.3, 2 * args.seconds / max(1, args.kills)))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc = start_daemon(ws, log)
        # The simulator stops publishing; the daemon catches up undisturbed.
        end = world.clock.now()
        world.clock.speed = 0.0
        world.clock.set(end)
        expected = {p.url for p in world.visible(now=end) if p.platform in FEED_PLATFORMS.values()}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            have = {u for _, u in stored_posts(ws / "veille.db")}
            if expected <= have:
                break
            time.sleep(2)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and pending(ws / "veille.db"):
            time.sleep(2)  # the outbox drains
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            failures.append("the daemon did not stop within 60 s of SIGTERM")

        rows = stored_posts(ws / "veille.db")
        by_url = collections.Counter(u for _, u in rows)
        missing = expected - set(by_url)
        twice = [u for u, c in by_url.items() if c > 1]
        extra = set(by_url) - expected
        line = (
            f"posts: {len(expected)} published, {len(rows)} stored, "
            f"{len(missing)} missing, {len(twice)} stored twice, {len(extra)} unknown"
        )
        print(line)
        if missing or twice or extra:
            failures.append(line)

        after = cursors(ws / "veille.db")
        stale = [s for s in before if after.get(s) == before[s]]
        print(f"cursors: {len(after)} sources, {len(stale)} not advanced")
        if stale or not after:
            failures.append(f"cursors not advanced: {stale}")

        id_of_url = {f"url:{u}": i for i, u in rows}
        pairs: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
        for delivery, alert, ids in hooks.seen + mail.seen:
            for pid in ids:
                if pid.startswith("url:"):
                    if pid not in id_of_url:
                        continue  # the alert's own page, the unsubscribe link
                    pid = id_of_url[pid]
                pairs[(alert, pid)].add(delivery)
        dup = {k: v for k, v in pairs.items() if len(v) > 1}
        repeats = len(hooks.seen) + len(mail.seen) - len({d for d, _, _ in hooks.seen + mail.seen})
        print(
            f"deliveries: {len(hooks.seen)} webhook POSTs, {len(mail.seen)} e-mails, "
            f"{len(pairs)} (alert, post) pairs, {repeats} repeats of a delivery id "
            f"(allowed: at least once), {len(dup)} pairs under two ids"
        )
        if dup:
            failures.append(
                f"{len(dup)} (alert, post) pairs delivered under two ids, e.g. "
                f"{next(iter(dup.items()))}"
            )
        if not hooks.seen or not mail.seen:
            failures.append("no webhook or no e-mail delivery at all")
        with sqlite3.connect(f"file:{ws / 'veille.db'}?mode=ro", uri=True) as conn:
            outbox = conn.execute(
                "SELECT a.name, a.channel_url, d.post_id, d.status FROM deliveries d "
                "JOIN alerts a ON a.id = d.alert_id"
            ).fetchall()
        statuses = collections.Counter(status for _, _, _, status in outbox)
        unsent = sum(c for st, c in statuses.items() if st not in ("sent", "skipped"))
        lost = [
            (name, pid)
            for name, url, pid, st in outbox
            if st == "sent" and not url.startswith("atom:") and (name, pid) not in pairs
        ]
        print(f"outbox: {dict(statuses)}; {len(lost)} sent but never received")
        if unsent or lost:
            failures.append(
                f"outbox: {unsent} not sent at the end, {len(lost)} sent but not "
                f"received, e.g. {lost[:3]}"
            )
        atoms = list((ws / "alerts").glob("*.atom"))
        bad_atoms = []
        for f in atoms:
            root = ElementTree.parse(f).getroot()
            ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
            if len(ids) != len(set(ids)):
                bad_atoms.append(f.name)
        print(f"atom: {len(atoms)} feeds written, {len(bad_atoms)} with an entry twice")
        if bad_atoms or not atoms:
            failures.append(f"atom feeds: {len(atoms)} written, twice in {bad_atoms}")

        with sqlite3.connect(f"file:{ws / 'veille.db'}?mode=ro", uri=True) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        print(f"integrity_check: {integrity}")
        if integrity != "ok":
            failures.append(f"integrity_check: {integrity}")
    finally:
        sim.stop()
        hooks.stop()
        mail.stop()
        if failures or args.keep:
            (tmp / "received.json").write_text(
                json.dumps({"webhook": hooks.seen, "mail": mail.seen}), encoding="utf-8"
            )
            print(f"workspace kept in {tmp} (daemon log: {tmp / 'daemon.log'})")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print(f"FAILED: {f}")
    print(f"crash test: {'FAILED' if failures else 'passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
