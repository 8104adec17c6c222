"""`make crash-test`: veille loses nothing and sends nothing twice when killed.

`veille run` collects from the simulator, which publishes at a steady rate,
with 200 alerts sending over webhook, Atom files and e-mail (aiosmtpd). The
daemon is SIGKILLed at random moments and restarted at once. At the end, with
the simulator's clock stopped and the daemon allowed to catch up, the
harness's checks run (see ``Scenario.verify``): every published post stored
exactly once, every cursor advanced, no (alert, post) under two delivery ids
and nothing sent but unreceived, Atom feeds without repeats, and SQLite's
``PRAGMA integrity_check``. One line per check; exit 1 if any fails.
"""

from __future__ import annotations

import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import Scenario, arguments


def main() -> int:
    ap = arguments(__doc__ or "")
    ap.add_argument("--kills", type=int, default=20, help="SIGKILLs of the daemon (default 20)")
    ap.add_argument("--seconds", type=float, default=60.0, help="real seconds of publishing")
    args = ap.parse_args()
    print(f"crash test: seed {args.seed}, {args.kills} kills, {args.alerts} alerts")
    rng = random.Random(args.seed)
    sc = Scenario(
        seed=args.seed,
        alerts=args.alerts,
        posts_per_day=args.posts_per_day,
        seconds=args.seconds,
        name="crash",
    )
    try:
        sc.setup()
        sc.publish()
        proc = sc.daemon()
        for _ in range(args.kills):
            time.sleep(rng.uniform(0.3, 2 * args.seconds / max(1, args.kills)))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc = sc.daemon()
        expected = sc.stop_publishing()
        sc.catch_up(proc, expected)
        sc.verify(expected)
    finally:
        sc.close(keep=args.keep)
    return sc.report("crash test")


if __name__ == "__main__":
    sys.exit(main())
