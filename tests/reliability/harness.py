"""What the crash test and the soak share: the simulator publishing at a
steady rate, a workspace collecting it with 200 alerts over webhook (a loopback
receiver), Atom files and e-mail (aiosmtpd), `veille run` as a real process,
and the checks that nothing was lost, stored twice or sent under two ids.

It talks only to servers it starts on loopback.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

from veille.alerts.channels.email import MAX_MAIL_POSTS
from veille.httpserver import LoggingHTTPServer
from veille.sim.feeds import FEED_PLATFORMS
from veille.sim.generate import SimConfig, generate_posts
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.textnorm import tokens

ATOM = "{http://www.w3.org/2005/Atom}"
VEILLE = [sys.executable, "-c", "from veille.cli import main; main()"]


class Hooks:
    """Webhook receiver: every POST's delivery id and the post ids it carries."""

    def __init__(self, fail_share: float = 0.0, seed: int = 0) -> None:
        self.lock = threading.Lock()
        self.fail_share = fail_share  # this share of POSTs answers 500 (not received)
        self.failed = 0
        rng = random.Random(seed)
        self.seen: list[tuple[str, str, list[str]]] = []  # (delivery id, alert, post ids)
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with hooks.lock:
                    refuse = rng.random() < hooks.fail_share
                    hooks.failed += refuse
                if refuse:
                    self.send_response(500)
                    self.end_headers()
                    return
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

        self.server = LoggingHTTPServer(("127.0.0.1", 0), Handler, "veille.tests.harness")
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


def arguments(doc: str) -> argparse.ArgumentParser:
    """The options the crash test and the soak share (each adds its own)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--alerts", type=int, default=200, help="alerts (default 200)")
    ap.add_argument("--posts-per-day", type=int, default=2400, help="simulated volume")
    ap.add_argument("--seed", type=int, default=int(time.time()) % 10_000)
    ap.add_argument("--keep", action="store_true", help="keep the workspace folder")
    return ap


class Scenario:
    """A simulator, receivers and a workspace wired together; ``close()`` ends them."""

    def __init__(
        self,
        *,
        seed: int,
        alerts: int,
        posts_per_day: int,
        seconds: float,
        name: str,
        hook_failures: float = 0.0,
    ) -> None:
        self.seed = seed
        self.now = datetime.now(UTC).replace(microsecond=0)
        # One simulated day of history, then one more day published over ``seconds``.
        cfg = SimConfig(
            seed=seed,
            days=2,
            end=self.now + timedelta(days=1),
            posts_per_day=posts_per_day,
            spike_day=1,
            spike_posts=200,
        )
        self.speed = 86_400 / seconds
        self.world = SimWorld(generate_posts(cfg), SimClock(self.now, 0.0))
        self.sim = Simulator(self.world).start()
        self.hooks, self.mail = Hooks(hook_failures, seed), Mailbox()
        self.tmp = Path(tempfile.mkdtemp(prefix=f"veille-{name}-"))
        self.ws = self.tmp / "ws"
        self.db = self.ws / "veille.db"
        self.log = (self.tmp / "daemon.log").open("ab")
        self.failures: list[str] = []
        self.n_alerts = alerts
        self.before: dict[str, str] = {}

    def setup(self, extra_config: str = "") -> None:
        """The workspace, its sources and alerts, and the history collected once."""
        veille(self.tmp, "init", str(self.ws))
        (self.ws / "veille.toml").write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {self.mail.port}\nsecurity = "none"\n'
            "\n[alerts]\nretry_base_seconds = 0.0\nsend_timeout_seconds = 2.0\n" + extra_config,
            encoding="utf-8",
        )
        hosts = [h for h in FEED_PLATFORMS if h in self.sim.hosts]
        commands = [
            ["source", "add", "feeds", self.sim.url(host, "/feeds/all.atom"),
             "--name", f"sim-{host}", "--every", "10s", "-o", f"platform={FEED_PLATFORMS[host]}",
             "-o", "max_pages=1000", "-o", "adaptive=false"]
            for host in hosts
        ]  # fmt: skip
        (self.ws / "alerts").mkdir(exist_ok=True)
        for i, q in enumerate(alert_queries(self.world, self.n_alerts)):
            kind = "webhook" if i % 10 < 7 else "atom" if i % 10 < 9 else "mail"
            to = {
                "webhook": f"webhook+{self.hooks.url}",
                "atom": f"atom:alerts/a{i}.atom",
                "mail": f"mailto:a{i}@example.org",
            }[kind]
            commands.append(["alert", "add", "--query", q, "--name", f"a{i}", "--to", to])
        many(self.ws, commands)
        print(f"workspace {self.ws}: {len(hosts)} sources, {self.n_alerts} alerts")
        # The history first, so that every cursor exists before the daemon runs.
        veille(self.ws, "collect", "--once")
        self.before = cursors(self.db)

    def publish(self) -> None:
        """The simulator starts publishing the next day, at the chosen speed."""
        self.world.clock.speed = self.speed
        self.world.clock.set(self.now)

    def daemon(self) -> subprocess.Popen[bytes]:
        return start_daemon(self.ws, self.log)

    def stop_publishing(self) -> set[str]:
        """Freeze the simulator's clock; the URLs of every post it published."""
        end = self.world.clock.now()
        self.world.clock.speed = 0.0
        self.world.clock.set(end)
        feeds = set(FEED_PLATFORMS.values())
        return {p.url for p in self.world.visible(now=end) if p.platform in feeds}

    def catch_up(self, proc: subprocess.Popen[bytes], expected: set[str]) -> None:
        """Let the daemon store every published post and drain the outbox, then stop it."""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if expected <= {u for _, u in stored_posts(self.db)}:
                break
            time.sleep(2)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and pending(self.db):
            time.sleep(2)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            self.failures.append("the daemon did not stop within 60 s of SIGTERM")

    def fail(self, line: str) -> None:
        self.failures.append(line)

    def verify(self, expected: set[str]) -> None:
        """Every published post stored once, cursors advanced, each (alert, post)
        under one delivery id and received, Atom feeds without repeats, a sound database."""
        rows = stored_posts(self.db)
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
            self.fail(line)

        after = cursors(self.db)
        stale = [s for s in self.before if after.get(s) == self.before[s]]
        print(f"cursors: {len(after)} sources, {len(stale)} not advanced")
        if stale or not after:
            self.fail(f"cursors not advanced: {stale}")

        id_of_url = {f"url:{u}": i for i, u in rows}
        pairs: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
        for delivery, alert, ids in self.hooks.seen + self.mail.seen:
            for pid in ids:
                if pid.startswith("url:"):
                    if pid not in id_of_url:
                        continue  # the alert's own page, the unsubscribe link
                    pid = id_of_url[pid]
                pairs[(alert, pid)].add(delivery)
        dup = {k: v for k, v in pairs.items() if len(v) > 1}
        repeats = (
            len(self.hooks.seen)
            + len(self.mail.seen)
            - len({d for d, _, _ in self.hooks.seen + self.mail.seen})
        )
        print(
            f"deliveries: {len(self.hooks.seen)} webhook POSTs, {len(self.mail.seen)} e-mails, "
            f"{len(pairs)} (alert, post) pairs, {repeats} repeats of a delivery id "
            f"(allowed: at least once), {len(dup)} pairs under two ids"
        )
        if dup:
            self.fail(
                f"{len(dup)} (alert, post) pairs delivered under two ids, e.g. "
                f"{next(iter(dup.items()))}"
            )
        if not self.hooks.seen or not self.mail.seen:
            self.fail("no webhook or no e-mail delivery at all")
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
            outbox = conn.execute(
                "SELECT a.name, a.channel_url, d.post_id, d.status, d.batch_id FROM deliveries d "
                "JOIN alerts a ON a.id = d.alert_id"
            ).fetchall()
        statuses = collections.Counter(row[3] for row in outbox)
        unsent = sum(c for st, c in statuses.items() if st not in ("sent", "skipped"))
        # An e-mail lists its newest MAX_MAIL_POSTS posts and says how many
        # more: the others of a message that arrived were delivered unlisted.
        rows_of = collections.Counter(row[4] for row in outbox)
        mailed = {d for d, _, _ in self.mail.seen}

        def unlisted(url: str, batch: str | None) -> bool:
            return url.startswith("mailto:") and batch in mailed and rows_of[batch] > MAX_MAIL_POSTS

        lost = [
            (name, pid)
            for name, url, pid, st, batch in outbox
            if st == "sent"
            and not url.startswith("atom:")
            and (name, pid) not in pairs
            and not unlisted(url, batch)
        ]
        print(f"outbox: {dict(statuses)}; {len(lost)} sent but never received")
        if unsent or lost:
            self.fail(
                f"outbox: {unsent} not sent at the end, {len(lost)} sent but not "
                f"received, e.g. {lost[:3]}"
            )
        atoms = list((self.ws / "alerts").glob("*.atom"))
        bad_atoms = []
        for f in atoms:
            root = ElementTree.parse(f).getroot()
            ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
            if len(ids) != len(set(ids)):
                bad_atoms.append(f.name)
        print(f"atom: {len(atoms)} feeds written, {len(bad_atoms)} with an entry twice")
        if bad_atoms or not atoms:
            self.fail(f"atom feeds: {len(atoms)} written, twice in {bad_atoms}")

        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        print(f"integrity_check: {integrity}")
        if integrity != "ok":
            self.fail(f"integrity_check: {integrity}")

    def close(self, keep: bool = False) -> None:
        self.sim.stop()
        self.hooks.stop()
        self.mail.stop()
        self.log.close()
        if self.failures or keep:
            (self.tmp / "received.json").write_text(
                json.dumps({"webhook": self.hooks.seen, "mail": self.mail.seen}), encoding="utf-8"
            )
            print(f"workspace kept in {self.tmp} (daemon log: {self.tmp / 'daemon.log'})")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def report(self, what: str) -> int:
        for f in self.failures:
            print(f"FAILED: {f}")
        print(f"{what}: {'FAILED' if self.failures else 'passed'}")
        return 1 if self.failures else 0
