"""`make soak`: veille run stays up and lean through a long spell of bad weather.

For ``--minutes`` (10 by default) the simulator publishes at a steady rate
while a share of its answers (10 % by default) are faults picked at random:
429 with Retry-After, 500, 503, answers slower than the client waits,
malformed and truncated bodies, connection resets; the webhook receiver
refuses the same share of deliveries. 200 alerts send over webhook, Atom and
e-mail. The soak checks that the daemon never exits, that its resident memory
grows less than 10 % between the end of warm-up and the end, that `source
health` shows the faults while they happen, and, once the weather clears and
the daemon has caught up, the crash test's checks (``Scenario.verify``):
nothing lost, nothing stored twice, nothing sent under two delivery ids.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import VEILLE, Scenario, arguments


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def health(ws: Path) -> list[dict[str, object]]:
    env = dict(os.environ, VEILLE_WORKSPACE=str(ws))
    out = subprocess.run(
        [*VEILLE, "source", "health", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        rows = json.loads(out.stdout)
    except ValueError:
        return []
    return rows if isinstance(rows, list) else []


def main() -> int:
    ap = arguments(__doc__ or "")
    ap.add_argument("--minutes", type=float, default=10.0, help="length of the soak (default 10)")
    ap.add_argument("--faults", type=float, default=0.10, help="share of faulty answers")
    args = ap.parse_args()
    seconds = args.minutes * 60
    print(f"soak: seed {args.seed}, {args.minutes:g} min, {args.faults:.0%} faults")
    sc = Scenario(
        seed=args.seed,
        alerts=args.alerts,
        posts_per_day=args.posts_per_day,
        seconds=seconds,
        name="soak",
        hook_failures=args.faults,
    )
    samples: list[tuple[float, int]] = []
    faults_seen: set[str] = set()
    try:
        # Clients give up after 2 s; a "timeout" fault answers after 5 s.
        sc.setup("\n[http]\ntimeout_seconds = 2.0\nallow_private_networks = true\n")
        for host in sc.sim.hosts.values():
            host.faults.chaos = args.faults
            host.faults.chaos_seed = args.seed
            host.faults.chaos_delay = 5.0
        sc.publish()
        proc = sc.daemon()
        t0 = time.monotonic()
        next_health = t0 + 30
        while time.monotonic() - t0 < seconds:
            time.sleep(5)
            if proc.poll() is not None:
                sc.fail(f"the daemon exited with status {proc.returncode} during the soak")
                break
            kib = rss_kib(proc.pid)
            if kib:
                samples.append((time.monotonic() - t0, kib))
            if time.monotonic() >= next_health:
                next_health += 30
                for row in health(sc.ws):
                    if row.get("last_error") or row.get("consecutive_failures"):
                        faults_seen.add(str(row.get("source")))
        for host in sc.sim.hosts.values():
            host.faults.chaos = 0.0
        sc.hooks.fail_share = 0.0
        counts: dict[str, int] = {}
        for host in sc.sim.hosts.values():
            for kind, n in host.chaos_counts.items():
                counts[kind] = counts.get(kind, 0) + n
        print(
            f"faults injected: {dict(sorted(counts.items()))}; webhook refusals: {sc.hooks.failed}"
        )
        print(f"health showed faults on {len(faults_seen)} sources: {sorted(faults_seen)}")
        if not faults_seen:
            sc.fail("source health never showed a fault")

        # Memory: the median of the samples just after warm-up against the last ones.
        warm = max(60.0, seconds * 0.2)
        after_warm = [k for t, k in samples if warm <= t < warm + max(30.0, seconds * 0.1)]
        last = [k for t, k in samples if t >= seconds * 0.9]
        if after_warm and last:
            start, end = statistics.median(after_warm), statistics.median(last)
            growth = (end - start) / start
            print(f"RSS: {start / 1024:.1f} MiB after warm-up, {end / 1024:.1f} MiB at the end "
                  f"({growth:+.1%}; limit +10%)")  # fmt: skip
            if growth >= 0.10:
                sc.fail(f"RSS grew {growth:+.1%} after warm-up (limit +10%)")
        else:
            sc.fail("too few memory samples (is the soak shorter than warm-up?)")

        expected = sc.stop_publishing()
        if proc.poll() is None:
            sc.catch_up(proc, expected)
        sc.verify(expected)
    finally:
        sc.close(keep=args.keep)
    return sc.report("soak")


if __name__ == "__main__":
    sys.exit(main())
